"""Alembic migrations of the shop database, driven from Python (no alembic.ini needed).

``upgrade(url)`` brings a database to the newest schema; ``current_revision(url)`` tells
where it is. Developers adding a revision can use :func:`alembic_config` with Alembic's
``command.revision(config, message, autogenerate=True)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, Connection, Engine

from storage.db import create_engine_for

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for this package's migrations, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _connection(url_or_engine: str | URL | Engine) -> Iterator[Connection]:
    engine = (
        url_or_engine if isinstance(url_or_engine, Engine) else create_engine_for(url_or_engine)
    )
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        if engine is not url_or_engine:
            engine.dispose()


def upgrade(url: str | URL | Engine, revision: str = "head") -> None:
    """Apply the migrations to ``url`` (a URL or an Engine) up to ``revision``."""
    with _connection(url) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(url: str | URL | Engine, revision: str) -> None:
    """Revert the migrations of ``url`` down to ``revision`` (``"base"`` empties the database)."""
    with _connection(url) as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(url: str | URL | Engine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    with _connection(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()
