"""Serving the console: in this process (`shopdesk console`) or beside the bot (`shopdesk demo`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from console.staff import add_staff
from shopdesk.observability import configure_logging
from shopdesk.secrets import stored_secret
from shopdesk.serve import local_url, wait_until_up
from shopdesk.settings import Settings
from storage.db import create_engine_for, session_factory
from storage.migrations import upgrade
from storage.schema import StaffMember

DEMO_ADMIN_EMAIL = "admin@shop.example"


def serve(settings: Settings) -> None:
    """Run the console in this process until interrupted (migrating the database first)."""
    import uvicorn

    from console.app import create_app

    upgrade(settings.database_url)
    configure_logging(settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.console_host,
        port=settings.console_port,
        log_level="warning",
        # JSON logs: uvicorn's loggers pass their records to the root logger's JSON handler.
        log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        # Open live-queue streams end with the browser; do not wait for them on shutdown.
        timeout_graceful_shutdown=5,
    )


def console_url(settings: Settings) -> str:
    """The console's address as a browser on this machine reaches it."""
    return local_url(settings.console_host, settings.console_port)


def start_console(
    settings: Settings, log_dir: Path | None = None, timeout: float = 60
) -> subprocess.Popen:
    """Start ``shopdesk console`` as a child process and wait until it answers."""
    output = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        output = open(log_dir / "console.log", "ab")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen(
        [sys.executable, "-m", "console"],
        cwd=settings.process_dir,
        env={**os.environ, "SHOPDESK_DATA_DIR": str(settings.data_dir)},
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
    )
    try:
        wait_until_up(f"{console_url(settings)}/login", process, "support console", timeout)
    except Exception:
        process.terminate()
        raise
    return process


def demo_admin(settings: Settings) -> tuple[str, str] | None:
    """The demo's first admin login (created when the console has no staff yet).

    The password is generated once into ``<data dir>/console-demo-admin-password`` (mode 0600),
    so every ``shopdesk demo`` can print it. None when the shop has staff other than this
    account, i.e. the operator manages accounts with ``shopdesk staff add``.
    """
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            emails = set(session.execute(select(StaffMember.email)).scalars())
            if emails and emails != {DEMO_ADMIN_EMAIL}:
                return None
            password = stored_secret("", settings.data_dir / "console-demo-admin-password")
            if not emails:
                add_staff(session, DEMO_ADMIN_EMAIL, password, "admin", "Demo Admin")
            return DEMO_ADMIN_EMAIL, password
    finally:
        engine.dispose()
