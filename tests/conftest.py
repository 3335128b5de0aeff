"""Test-wide settings (no model hub, quiet TensorFlow) and a fresh PostgreSQL database."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from storage.db import DatabaseUnavailable, temporary_database  # noqa: E402  (after the env)

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_HELP = (
    "PostgreSQL is not running on 127.0.0.1:5432 (needed by tests marked 'postgres').\n"
    "Start it with:\n"
    "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
    "or deselect these tests with: pytest -m 'not postgres'"
)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database (:func:`storage.db.temporary_database`); fails the test
    with how to start PostgreSQL when it is not running."""
    try:
        with temporary_database(POSTGRES_ADMIN_URL, "shopdesk_test") as url:
            yield url
    except DatabaseUnavailable as exc:
        pytest.fail(f"{POSTGRES_HELP}\n({exc})", pytrace=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, uniquely named PostgreSQL database, dropped after the test."""
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """URL of a new PostgreSQL database shared by a test module, dropped after it."""
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def bot_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's model, trained once per test session (``TEST_EPOCHS`` classifier epochs) on the
    demo catalog the test shops are seeded with; the end-to-end and browser shops serve copies.
    """
    # Imported here: most tests need neither Rasa nor torch.
    from shopdesk.operations import seed_demo
    from shopdesk.settings import get_settings
    from shopdesk.training import train_bot
    from tests.helpers.demo_shop import environment
    from tests.helpers.live_shop import TEST_PRODUCTS, quick_config

    home = tmp_path_factory.mktemp("shopdesk-model")
    with environment({"SHOPDESK_DATA_DIR": str(home), "SHOPDESK_DATABASE_URL": None}):
        settings = get_settings()
        seed_demo(settings, products=TEST_PRODUCTS)
        return train_bot(settings, config=quick_config(home / "config.yml"))
