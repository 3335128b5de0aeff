"""Engines, sessions and the DatabaseUnavailable error."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import DatabaseUnavailable, create_engine_for, masked_url, session_factory
from storage.migrations import upgrade
from storage.schema import ProductVariant


def test_sqlite_file_gets_its_directory_created(tmp_path: Path) -> None:
    db_file = tmp_path / "nested" / "data" / "shop.db"
    engine = create_engine_for(f"sqlite:///{db_file}")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    assert db_file.is_file()


def test_a_writer_does_not_wait_for_a_reader_on_a_sqlite_file(tmp_path: Path) -> None:
    """Write-ahead log: a commit goes through while another process is in the middle of a read."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'shop.db'}")
    other = create_engine_for(f"sqlite:///{tmp_path / 'shop.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with other.connect() as reader:
        reader.exec_driver_sql("BEGIN")
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
        with engine.begin() as writer:
            writer.execute(text("INSERT INTO t VALUES (2)"))
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1  # its snapshot
        reader.exec_driver_sql("COMMIT")
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 2
    engine.dispose()
    other.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'shop.db'}")
    upgrade(engine)
    with session_factory(engine)() as session:
        session.add(
            ProductVariant(sku="ORPHAN-1", product_id=12345, price=Decimal("1.00"), stock=1)
        )
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            session.flush()


def test_unreachable_server_raises_database_unavailable_with_masked_password() -> None:
    engine = create_engine_for("postgresql://shop:s3cret-pw@127.0.0.1:1/shop")
    with pytest.raises(DatabaseUnavailable) as info:
        with engine.connect():
            pass
    message = str(info.value)
    assert "s3cret-pw" not in message
    assert "postgresql://shop:***@127.0.0.1:1/shop" in message
    assert "Check that the database server is running" in message


def test_unusable_sqlite_location_raises_database_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")
    with pytest.raises(DatabaseUnavailable, match="not-a-directory"):
        create_engine_for(f"sqlite:///{blocker / 'shop.db'}")


def test_masked_url_hides_only_the_password() -> None:
    assert (
        masked_url("postgresql://user:pw@db.example.com/shop")
        == "postgresql://user:***@db.example.com/shop"
    )
    assert masked_url("sqlite:///data/shop.db") == "sqlite:///data/shop.db"


def test_sessions_keep_loaded_values_after_commit(session) -> None:
    variant_count = session.execute(text("SELECT count(*) FROM product_variants")).scalar_one()
    session.commit()
    assert variant_count == 0


def test_a_sqlite_session_may_close_in_another_thread(tmp_path: Path) -> None:
    """A web request's session is opened in one worker thread and closed in another."""
    import threading

    engine = create_engine_for(f"sqlite:///{tmp_path / 'shop.db'}")
    session = session_factory(engine)()
    assert session.execute(text("SELECT 1")).scalar_one() == 1
    failures: list[BaseException] = []

    def close() -> None:
        try:
            session.close()
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    closer = threading.Thread(target=close)
    closer.start()
    closer.join()
    engine.dispose()
    assert failures == []
