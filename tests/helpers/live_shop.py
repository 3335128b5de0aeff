"""Starting a real shop for browser tests: servers on free ports, a quickly trained model."""

from __future__ import annotations

import shutil
import socket
from decimal import Decimal
from pathlib import Path

import yaml

from shopdesk.settings import PROJECT_ROOT, Settings
from storage.catalog import ProductData, VariantData, upsert_products
from storage.db import create_engine_for, session_factory

#: Classifier epochs of the test model: enough for the conversations the tests hold.
TEST_EPOCHS = 4
#: Products of the demo catalog the test shops are seeded with (and the test model trained on).
TEST_PRODUCTS = 600
#: A product whose title is HTML that would run a script if a page parsed it.
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE_HANDLE = "hostile-title-test-product"
#: The Rasa HTTP API token of the browser tests' shop.
API_TOKEN = "web-test-token"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quick_config(path: Path, epochs: int = TEST_EPOCHS) -> Path:
    """The bot's config.yml with fewer classifier epochs, written to ``path``."""
    config = yaml.safe_load((PROJECT_ROOT / "bot" / "config.yml").read_text())
    for component in config["pipeline"]:
        if component["name"].endswith("BertIntentClassifier"):
            component["epochs"] = epochs
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def serve_copy(model: Path, settings: Settings) -> Path:
    """A copy of ``model`` in ``settings``' model folder, for a shop whose tests add, load and
    remove models there without touching the other shops'."""
    settings.rasa_model_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(model, settings.rasa_model_dir / model.name))


def add_hostile_product(settings: Settings) -> None:
    """Add a product titled with HTML markup (storefront and widget must show it as text)."""
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            upsert_products(
                session,
                [
                    ProductData(
                        handle=HOSTILE_HANDLE,
                        title=HOSTILE_TITLE,
                        brand="Testware",
                        category="Home & Kitchen > Cookware",
                        description="A product whose title is markup.",
                        currency="USD",
                        rating=4.0,
                        variants=(VariantData("HOSTILE-1", Decimal("19.99"), stock=5),),
                    )
                ],
            )
            session.commit()
    finally:
        engine.dispose()
