"""Alembic migrations: they build exactly the ORM schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from storage.catalog import iter_product_records
from storage.db import create_engine_for, session_factory
from storage.demo_store import seed_demo_store
from storage.migrations import current_revision, downgrade, upgrade
from storage.schema import Base, Order

EXPECTED_TABLES = {
    "alembic_version", "categories", "products", "product_variants", "customers", "orders",
    "order_lines", "shipments", "return_requests", "return_lines", "refunds",
    "order_cancellations", "handoff_requests", "satisfaction_ratings", "interactions",
    "staff_members", "staff_sessions", "login_failures", "audit_log", "console_conversations",
    "console_conversation_intents", "console_messages", "console_tags", "console_notes",
    "console_canned_replies", "console_labels", "console_index_position",
    "customer_conversations", "customer_preferences", "conversation_sentiment",
}  # fmt: skip
HEAD = "0006"


def schema_differences(url: str) -> list:
    """What Alembic autogenerate would change to turn the migrated database into schema.py."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def assert_migrations_build_schema(url: str) -> None:
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == HEAD
    engine = create_engine_for(url)
    assert set(inspect(engine).get_table_names()) == EXPECTED_TABLES
    engine.dispose()
    assert schema_differences(url) == []


def test_sqlite_migrations_create_exactly_the_orm_schema(tmp_path: Path) -> None:
    assert_migrations_build_schema(f"sqlite:///{tmp_path / 'shop.db'}")


def test_upgrade_twice_is_harmless_and_downgrade_empties(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url)
    upgrade(url)
    assert current_revision(url) == HEAD
    downgrade(url, "base")
    assert current_revision(url) is None
    engine = create_engine_for(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()


@pytest.mark.postgres
def test_postgres_migrations_create_exactly_the_orm_schema(postgres_url: str) -> None:
    assert_migrations_build_schema(postgres_url)


@pytest.mark.postgres
def test_postgres_holds_a_seeded_store(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = create_engine_for(postgres_url)
    try:
        with session_factory(engine)() as session:
            seed_demo_store(session, date(2025, 3, 14), product_count=60, progress=False)
            order = session.execute(select(Order).where(Order.number == "10002")).scalar_one()
            assert str(order.total) == "105.97"
            assert order.status.value == "shipped"
            records = list(iter_product_records(session))
            assert len(records) == 60
            assert records[0].title == "Stridewell Tempo 3 Running Shoe"
            assert records[0].price == 89.99
    finally:
        engine.dispose()
