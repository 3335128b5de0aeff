"""The demo store the storage tests run on: its seeding day, its contract customers, a small copy.

Tests that cancel, re-address or return write to their own copy of a 60-product demo store
(the ``shop`` and ``shop_engine`` fixtures of tests/storage/conftest.py, built with
:func:`seed_small_store`), since the shared ``demo_session`` store must stay untouched.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.db import create_engine_for, session_factory
from storage.demo_store import seed_demo_store
from storage.migrations import upgrade
from storage.schema import Customer

#: The seeding day of every demo store in the storage tests.
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


def reopen(engine: Engine) -> Session:
    """A new session, to check what was really committed (use it as a context manager)."""
    return session_factory(engine)()


def customer_id(session: Session, email: str) -> int:
    """The id of the demo customer with ``email``."""
    return session.execute(select(Customer.id).where(Customer.email == email)).scalar_one()
