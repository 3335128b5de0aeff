"""The demo store the tests run on: its seeding day, its contract customers, a small copy, and
the seeded shop of the tests that start real servers.

Tests that cancel, re-address or return write to their own copy of a 60-product demo store
(the ``shop`` and ``shop_engine`` fixtures of tests/storage/conftest.py, built with
:func:`seed_small_store`), since the shared ``demo_session`` store must stay untouched. The
end-to-end and browser tests set their shop's ``SHOPDESK_*`` variables with
:func:`environment` and seed and index it with :func:`seed_and_index`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shopdesk.settings import Settings
from storage.db import create_engine_for, session_factory
from storage.demo_store import seed_demo_store
from storage.migrations import upgrade
from storage.schema import Customer

#: The seeding day of the demo stores the tests seed themselves.
TODAY = date(2025, 3, 14)
ALEX_EMAIL = "alex@example.com"
SAM_EMAIL = "sam@example.com"


def seed_small_store(url_or_engine: str | Engine, products: int = 60) -> None:
    """Migrate and seed a demo store of ``products`` products on :data:`TODAY` (the contract
    customers and orders are all there, whatever the size)."""
    is_engine = isinstance(url_or_engine, Engine)
    engine = url_or_engine if is_engine else create_engine_for(url_or_engine)
    try:
        upgrade(engine)
        with session_factory(engine)() as session:
            seed_demo_store(session, TODAY, product_count=products, progress=False)
    finally:
        if engine is not url_or_engine:
            engine.dispose()


def reopen(engine: Engine) -> Session:
    """A new session, to check what was really committed (use it as a context manager)."""
    return session_factory(engine)()


def customer_id(session: Session, email: str) -> int:
    """The id of the demo customer with ``email``."""
    return session.execute(select(Customer.id).where(Customer.email == email)).scalar_one()


@contextmanager
def environment(overrides: Mapping[str, str | None]) -> Iterator[None]:
    """``overrides`` in ``os.environ`` for the block (None: unset); the previous values after."""
    saved = {name: os.environ.get(name) for name in overrides}
    _set_environment(overrides)
    try:
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def seed_and_index(
    settings: Settings, products: int, also: Callable[[Settings], None] | None = None
) -> None:
    """Seed the demo store (``products`` products) into ``settings``' shop database unless it
    holds products already, run ``also`` (e.g. to add a product), and build its product index."""
    # Imported here: the storage tests use this module and need no index (nor torch to load).
    from shopdesk.operations import refresh_index, seed_demo

    seed_demo(settings, products=products)
    if also is not None:
        also(settings)
    refresh_index(settings)
