"""Test-wide settings (no model hub, quiet TensorFlow) and a fresh PostgreSQL database."""

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from storage.db import DatabaseUnavailable, create_engine_for  # noqa: E402  (after the env)

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_HELP = (
    "PostgreSQL is not running on 127.0.0.1:5432 (needed by tests marked 'postgres').\n"
    "Start it with:\n"
    "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
    "or deselect these tests with: pytest -m 'not postgres'"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, uniquely named PostgreSQL database, dropped after the test."""
    admin = create_engine_for(POSTGRES_ADMIN_URL)
    name = f"shopdesk_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except DatabaseUnavailable as exc:
        admin.dispose()
        pytest.fail(f"{POSTGRES_HELP}\n({exc})", pytrace=False)
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
