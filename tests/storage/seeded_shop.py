"""Writable copies of a small seeded demo store, for tests that cancel, re-address or return.

The shared ``demo_session`` store must stay untouched, so tests that write get their own
copy of a 60-product demo store (seeded once per run, copied per test: a file copy is
much faster than seeding). Test modules import the fixtures from here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.db import create_engine_for, session_factory
from storage.demo_store import seed_demo_store
from storage.migrations import upgrade
from storage.schema import Customer

#: Must equal tests/storage/conftest.py TODAY; the ``shop_engine`` fixture checks it.
TODAY = date(2025, 3, 14)
ALEX_EMAIL = "alex@example.com"
SAM_EMAIL = "sam@example.com"


def seed_small_store(url_or_engine: str | Engine) -> None:
    """Migrate and seed a 60-product demo store (the contract orders are all there)."""
    is_engine = isinstance(url_or_engine, Engine)
    engine = url_or_engine if is_engine else create_engine_for(url_or_engine)
    try:
        upgrade(engine)
        with session_factory(engine)() as session:
            seed_demo_store(session, TODAY, product_count=60, progress=False)
    finally:
        if engine is not url_or_engine:
            engine.dispose()


@pytest.fixture(scope="session")
def seeded_shop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite file that tests copy and never open themselves."""
    path = tmp_path_factory.mktemp("seeded-shop") / "shop.db"
    seed_small_store(f"sqlite:///{path}")
    return path


@pytest.fixture
def shop_engine(seeded_shop_file: Path, tmp_path: Path, today: date) -> Iterator[Engine]:
    """This test's own copy of the seeded store."""
    assert today == TODAY
    copy = tmp_path / "shop.db"
    shutil.copyfile(seeded_shop_file, copy)
    engine = create_engine_for(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


@pytest.fixture
def shop(shop_engine: Engine) -> Iterator[Session]:
    """A session on this test's own seeded store."""
    with session_factory(shop_engine)() as session:
        yield session


def reopen(engine: Engine) -> Session:
    """A new session, to check what was really committed (use it as a context manager)."""
    return session_factory(engine)()


def customer_id(session: Session, email: str) -> int:
    """The id of the demo customer with ``email``."""
    return session.execute(select(Customer.id).where(Customer.email == email)).scalar_one()
