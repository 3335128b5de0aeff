"""Engines and sessions for the shop database (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import ShopdeskError


class StorageError(ShopdeskError):
    """Base class of the errors raised by the ``storage`` package."""


class DatabaseUnavailable(StorageError):
    """The shop database cannot be reached (server down, wrong URL, unusable file)."""

    def __init__(self, url: str | URL, reason: str) -> None:
        self.url = masked_url(url)
        self.reason = reason
        super().__init__(
            f"Cannot connect to the shop database at {self.url}: {reason}. {_what_to_check(url)}"
        )


def masked_url(url: str | URL) -> str:
    """Return ``url`` as text with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _what_to_check(url: str | URL) -> str:
    if make_url(url).get_backend_name() == "sqlite":
        return "Check that the directory of the database file exists and is writable."
    return (
        "Check that the database server is running and reachable at that host and port, "
        "that the database exists, and that the user name and password in the URL are right."
    )


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _enable_sqlite_foreign_keys(dbapi_connection, _connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def use_sqlite_write_ahead_log(dbapi_connection, _connection_record) -> None:
    """Connect hook: SQLite in WAL mode with ``synchronous=NORMAL``.

    In the default rollback-journal mode every commit waits for several fsyncs, and the servers
    commit on every message; with a write-ahead log a commit is an append, readers do not block
    the writer, and a crash of the program loses nothing (only a power cut can lose the last
    commits before a checkpoint).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _raise_unavailable_on_connect_failure(context) -> None:
    # ``connection`` is None only when opening a new DBAPI connection failed.
    if context.connection is None and context.sqlalchemy_exception is not None:
        url = context.engine.url if context.engine is not None else "<unknown>"
        reason = str(context.original_exception).strip().splitlines()[0]
        raise DatabaseUnavailable(url, reason) from context.original_exception


def create_engine_for(url: str | URL, *, echo: bool = False) -> Engine:
    """Create a SQLAlchemy 2.0-style engine for ``url``.

    SQLite gets foreign keys switched on, connections usable from any thread, a file database
    the write-ahead log (:func:`use_sqlite_write_ahead_log`) and the parent directory of its
    file created; server databases get ``pool_pre_ping`` so dropped connections are
    replaced. A failure to connect later raises :class:`DatabaseUnavailable`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db_file = _sqlite_file(parsed)
        if db_file is not None:
            try:
                db_file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailable(
                    parsed, f"cannot create directory {db_file.parent}: {exc}"
                ) from exc
        # Web apps (console, storefront) open a request's session in one worker thread and
        # may close it in another; each connection still serves one session at a time.
        engine = create_engine(
            parsed, future=True, echo=echo, connect_args={"check_same_thread": False}
        )
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        if db_file is not None:
            event.listen(engine, "connect", use_sqlite_write_ahead_log)
    else:
        engine = create_engine(parsed, future=True, echo=echo, pool_pre_ping=True)
    event.listen(engine, "handle_error", _raise_unavailable_on_connect_failure)
    return engine


def session_factory(engine: Engine) -> sessionmaker:
    """Return a ``sessionmaker`` producing 2.0-style sessions bound to ``engine``."""
    return sessionmaker(bind=engine, class_=Session, future=True, expire_on_commit=False)


@contextmanager
def temporary_database(admin_url: str | URL, prefix: str = "shopdesk_tmp") -> Iterator[str]:
    """URL of a new, uniquely named PostgreSQL database, dropped (with its connections) after.

    ``admin_url`` is a database of the same server whose user may create databases.
    :class:`DatabaseUnavailable` when the server cannot be reached.
    """
    admin = create_engine_for(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
