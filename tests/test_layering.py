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
