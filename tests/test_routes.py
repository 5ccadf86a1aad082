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
