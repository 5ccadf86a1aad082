"""``clinic-bot`` (also ``python -m bot``): run, migrate, create-admin, seed-demo."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.settings import ConfigError, Settings, load_settings
from db.embedded import EmbeddedUnavailable

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic-bot", description="The clinic's Telegram appointment bot."
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="migrate the database, then run the bot (the default)")
    sub.add_parser("migrate", help="apply database migrations only")
    admin = sub.add_parser("create-admin", help="create an admin, or promote an existing user")
    admin.add_argument("email")
    admin.add_argument("--name", required=True)
    sub.add_parser(
        "seed-demo",
        help="create a demo clinic (specialties, doctors with weekly hours) and print the "
        "doctors' invite links",
    )
    return parser


def _read_password(stdin: TextIO) -> str:
    if stdin.isatty():
        first = getpass.getpass("Password (at least 8 characters): ")
        second = getpass.getpass("Repeat the password: ")
        if first != second:
            raise SystemExit("create-admin: the passwords do not match")
        return first
    return stdin.readline().rstrip("\r\n")


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        if command == "run":
            settings.require_token()
        return _dispatch(command, args, settings, stdin or sys.stdin)
    except (ConfigError, EmbeddedUnavailable) as exc:
        print(f"clinic-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(command: str, args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    import psycopg

    from bot.runtime import configure_logging, open_database
    from db.migrate import upgrade_to_head, wait_for_database

    if command == "create-admin":
        password = _read_password(stdin)  # before any logging or database start
    configure_logging(settings, settings.database_url)
    settings, database = open_database(settings)
    configure_logging(settings, database.url)
    try:
        wait_for_database(database.url)
    except psycopg.OperationalError as exc:
        raise ConfigError(
            "DATABASE_URL",
            f"cannot connect ({type(exc).__name__}); check the host, port, user and password",
        ) from None
    upgrade_to_head(database.url)
    log.info("Database migrated to the newest schema")
    if command == "migrate":
        print("Database is up to date.")
        return 0
    if command == "create-admin":
        return asyncio.run(_create_admin(settings, database, args.email, args.name, password))
    if command == "seed-demo":
        from bot.demo import seed_demo

        return asyncio.run(seed_demo(settings, database))
    return asyncio.run(_run(settings, database))


async def _create_admin(
    settings: Settings, database: object, email: str, name: str, password: str
) -> int:
    from bot.runtime import Database, make_services
    from db.accounts import create_or_promote_admin
    from db.errors import DomainError
    from db.passwords import hash_password

    assert isinstance(database, Database)
    services = make_services(settings, database)
    try:
        password_hash = await hash_password(password)
        async with services.transaction() as s:
            user, created = await create_or_promote_admin(
                s, email=email, name=name, password_hash=password_hash
            )
    except DomainError as exc:
        print(f"create-admin: {_DOMAIN_MESSAGES.get(exc.code, exc.code)}", file=sys.stderr)
        return 1
    finally:
        await services.close()
    verb = "Created" if created else "Promoted"
    print(f"{verb} admin {user.email}. They can now /login in the bot.")
    return 0


_DOMAIN_MESSAGES = {
    "invalid_email": "that is not a valid email address",
    "invalid_name": "the name must have 2 to 120 characters",
    "password_too_short": "the password must have at least 8 characters",
    "password_too_long": "the password must have at most 256 characters",
}


async def _run(settings: Settings, database: object) -> int:
    from bot.application import build_application
    from bot.runtime import Database, make_services
    from bot.server import serve

    assert isinstance(database, Database)
    from telegram.error import InvalidToken

    services = make_services(settings, database)
    app = build_application(services)
    try:
        await serve(app, port=settings.port, webhook_url=settings.webhook_url)
    except InvalidToken:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN", "Telegram rejected this token; copy it again from @BotFather"
        ) from None
    finally:
        await services.close()
    return 0
