"""The database layer never imports the Telegram library."""

from __future__ import annotations

import ast
from pathlib import Path

DB = Path(__file__).resolve().parents[1] / "db"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_db_never_imports_telegram_or_bot() -> None:
    files = sorted(DB.rglob("*.py"))
    assert len(files) > 5
    offenders = {
        str(path.relative_to(DB.parent)): sorted(_imports(path) & {"telegram", "bot"})
        for path in files
        if _imports(path) & {"telegram", "bot"}
    }
    assert offenders == {}


# --- the handler layer ---------------------------------------------------------------------------

BOT = DB.parent / "bot"
HANDLERS = BOT / "handlers"
MAX_HANDLER_LINES = 450


def _imported_names(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every ``from module import name`` in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend((node.module, alias.name) for alias in node.names)
    return found


def _orm_classes() -> set[str]:
    from db.models import Base

    return {mapper.class_.__name__ for mapper in Base.registry.mappers}


def test_handlers_never_touch_orm_rows_or_open_transactions() -> None:
    orm = _orm_classes()
    files = sorted(HANDLERS.rglob("*.py"))
    assert len(files) > 8
    offenders = []
    for path in files:
        source = path.read_text()
        for module, name in _imported_names(path):
            if module.startswith("db.") and name in orm:
                offenders.append(f"{path.name} imports the ORM class {name}")
        for call in (".transaction(", "session_factory"):
            if call in source:
                offenders.append(f"{path.name} opens its own transaction ({call})")
    assert offenders == []


def test_use_cases_handlers_call_return_views_not_rows() -> None:
    import importlib
    import typing

    orm = _orm_classes()
    offenders = []
    for path in sorted(HANDLERS.rglob("*.py")):
        for module, name in _imported_names(path):
            if not module.startswith("db."):
                continue
            target = getattr(importlib.import_module(module), name)
            if not callable(target) or isinstance(target, type):
                continue
            returned = typing.get_type_hints(target).get("return")
            if returned is not None and orm & set(_names_in(returned)):
                offenders.append(f"{module}.{name} returns {returned}")
    assert offenders == []


def _names_in(hint: object) -> list[str]:
    import typing

    names = [getattr(hint, "__name__", "")]
    for arg in typing.get_args(hint):
        names.extend(_names_in(arg))
    return names


def test_handler_modules_are_small_and_imported_only_by_the_wiring() -> None:
    too_long = {
        str(path.relative_to(BOT)): count
        for path in HANDLERS.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_HANDLER_LINES
    }
    assert too_long == {}
    importers = sorted(
        str(path.relative_to(BOT.parent))
        for path in BOT.rglob("*.py")
        if not path.is_relative_to(HANDLERS)
        and path.name != "application.py"
        and any(module.startswith("bot.handlers") for module, _ in _imported_names(path))
    )
    assert importers == []
