"""The console's ``shopdesk`` commands: ``shopdesk staff add`` and ``shopdesk console``."""

from __future__ import annotations

import argparse
import getpass

from rich.console import Console

from shopdesk.settings import Settings

out = Console()


def _cmd_staff_add(args: argparse.Namespace, settings: Settings) -> int:
    from console.staff import MIN_PASSWORD_CHARS, StaffError, add_staff
    from storage.db import create_engine_for, session_factory
    from storage.migrations import upgrade

    password = getpass.getpass(
        f"Password for {args.email} (at least {MIN_PASSWORD_CHARS} characters): "
    )
    if password != getpass.getpass("The same password again: "):
        out.print("[red]Error:[/] the two passwords differ; nothing was changed.")
        return 1
    upgrade(settings.database_url)
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            member = add_staff(session, args.email, password, args.role, args.name or "")
    except StaffError as error:
        out.print(f"[red]Error:[/] {error}")
        return 1
    finally:
        engine.dispose()
    out.print(f"Added {member.email} ({member.role.value}). Sign in at the console's /login.")
    return 0


def _cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from console.server import console_url, serve

    out.print(f"Support console at {console_url(settings)} (Ctrl-C stops it).")
    serve(settings)
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register ``staff add`` and ``console`` on the ``shopdesk`` parser."""
    staff = commands.add_parser("staff", help="support console accounts").add_subparsers(
        dest="staff_command", required=True
    )
    add = staff.add_parser("add", help="add a staff member (asks for the password)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=["admin", "agent", "annotator"])
    add.add_argument("--name", help="shown to shoppers in replies (default: the e-mail's name)")
    add.set_defaults(handler=_cmd_staff_add)
    commands.add_parser(
        "console", help="serve the support console (SHOPDESK_CONSOLE_PORT, default 8080)"
    ).set_defaults(handler=_cmd_console)
