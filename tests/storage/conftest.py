"""Storage test fixtures: migrated SQLite databases and a seeded demo store."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.db import create_engine_for, session_factory
from storage.demo_store import seed_demo_store
from storage.migrations import upgrade
from tests.helpers.demo_shop import TODAY, seed_small_store


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


@pytest.fixture(scope="session")
def seeded_shop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small seeded SQLite file (60 products) that tests copy and never open themselves."""
    path = tmp_path_factory.mktemp("seeded-shop") / "shop.db"
    seed_small_store(f"sqlite:///{path}")
    return path


@pytest.fixture
def shop_engine(seeded_shop_file: Path, tmp_path: Path) -> Iterator[Engine]:
    """This test's own copy of the small seeded store, to write to."""
    copy = tmp_path / "shop.db"
    shutil.copyfile(seeded_shop_file, copy)
    engine = create_engine_for(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


@pytest.fixture
def shop(shop_engine: Engine) -> Iterator[Session]:
    """A session on this test's own copy of the small seeded store."""
    with session_factory(shop_engine)() as session:
        yield session
