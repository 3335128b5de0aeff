"""Storage test fixtures: migrated SQLite databases and a seeded demo store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.db import create_engine_for, session_factory
from storage.demo_store import seed_demo_store
from storage.migrations import upgrade

#: The seeding day of every demo store in the tests.
TODAY = date(2025, 3, 14)


def migrated_sqlite_engine(directory: Path) -> Engine:
    """A SQLite file database in ``directory`` with all migrations applied."""
    engine = create_engine_for(f"sqlite:///{directory / 'shop.db'}")
    upgrade(engine)
    return engine


@pytest.fixture
def today() -> date:
    """The seeding day of the demo stores in these tests."""
    return TODAY


@pytest.fixture
def new_engine(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    """Factory of migrated SQLite databases (one per name), disposed after the test."""
    engines: list[Engine] = []

    def make(name: str) -> Engine:
        directory = tmp_path / name
        directory.mkdir()
        engines.append(migrated_sqlite_engine(directory))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = migrated_sqlite_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A demo store of the default size (2400 products), seeded once per test run on TODAY."""
    engine = migrated_sqlite_engine(tmp_path_factory.mktemp("demo-store"))
    with session_factory(engine)() as session:
        seed_demo_store(session, TODAY, progress=False)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    """A session on the shared demo store; roll back anything a test writes."""
    with session_factory(demo_engine)() as session:
        yield session
        session.rollback()
