"""The route table: menus, /help and the routes themselves agree, for every role."""

from __future__ import annotations

import pytest

from bot.application import route_table
from bot.routes import AUDIENCES, GUEST, Audience
from bot.texts import CATALOG, LANGUAGES, t
from db.models import Role
from tests.conftest import Harness
from tests.factories import log_in_chat, make_user


def test_every_command_button_and_step_has_a_route_and_texts() -> None:
    assert route_table().check(CATALOG) == []


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_menu_lists_only_what_its_audience_may_run(audience: Audience) -> None:
    routes = route_table()
    menu = routes.menu(audience)
    assert menu, audience
    for command in menu:
        if audience == GUEST:
            assert command.roles is None, command.name
        else:
            assert command.roles is None or audience in command.roles, command.name
    # /help lists the menu's commands but /start and /help themselves.
    assert [c.name for c in routes.help(audience)] == [
        c.name for c in menu if c.name not in ("start", "help")
    ]


def test_every_role_has_its_own_commands_first() -> None:
    routes = route_table()
    assert [c.name for c in routes.menu(GUEST)][:2] == ["start", "help"]
    assert [c.name for c in routes.menu(Role.PATIENT)][:2] == ["book", "appointments"]
    assert [c.name for c in routes.menu(Role.DOCTOR)][:2] == ["schedule", "hours"]
    assert "adddoctor" in [c.name for c in routes.menu(Role.ADMIN)]


@pytest.mark.parametrize("role", list(Role))
async def test_the_chat_menu_and_help_follow_the_route_table(harness: Harness, role: Role) -> None:
    routes = route_table()
    user = await make_user(harness.services, f"{role.value}@example.com", role=role)
    chat = harness.user(language="es")
    await log_in_chat(chat, user.email)
    expected = [c.name for c in routes.menu(role)]
    assert harness.telegram.menu(chat.chat_id) == expected
    help_text = (await chat.send("/help"))[-1].text
    listed = [line.split(" ")[0][1:] for line in help_text.splitlines()[1:]]
    assert listed == [c.name for c in routes.help(role)]
    # Every command a role's menu offers answers that role (no "not available").
    refused = t("es", "auth.wrong_role")
    for name in expected:
        if name in ("logout", "cancel"):
            continue
        replies = await chat.send(f"/{name}")
        assert replies and all(m.text != refused for m in replies), name
        await chat.send("/cancel")


def test_every_delivery_kind_has_a_name_for_the_admins_report() -> None:
    from db.models import DeliveryKind

    assert [k for k in DeliveryKind if f"delivery_kind.{k.value}" not in CATALOG] == []


def test_the_default_menus_exist_in_every_language() -> None:
    routes = route_table()
    for language in LANGUAGES:
        for command in routes.menu(GUEST):
            assert t(language, f"menu.{command.name}")


def test_every_text_key_the_code_names_is_in_the_catalog() -> None:
    """A text asked for by a literal key exists in both languages (a missing one would fail
    only when that screen is shown)."""
    import ast
    import re
    from pathlib import Path

    key_shape = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
    first_arg = {"reply", "alert", "toast", "show_text", "note"}
    second_arg = {"t", "_plain", "_html", "label"}
    missing = []
    for path in sorted((Path(__file__).resolve().parents[1] / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if isinstance(node.func, ast.Name):
                name = node.func.id
            args = node.args
            candidates = []
            if name in first_arg or (name == "t" and isinstance(node.func, ast.Attribute)):
                candidates = args[:1]
            elif name in second_arg:
                candidates = args[1:2]
            for arg in candidates:
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and key_shape.match(arg.value)
                    and arg.value not in CATALOG
                ):
                    missing.append(f"{path.name}:{node.lineno} {arg.value}")
    assert missing == []


def test_every_conversation_has_a_name_to_tell_the_user() -> None:
    routes = route_table()
    assert [c.name for c in routes.conversations if f"conversation.{c.name}" not in CATALOG] == []
