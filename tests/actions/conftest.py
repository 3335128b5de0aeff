"""Actions run against real services: a seeded demo store and a real product index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actions.services import ShopServices, customer_verification, load_recommender
from retrieval.embeddings import TextEncoder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.knowledge_index import KnowledgeIndex
from retrieval.product_index import ProductIndex
from shopdesk.settings import Settings
from storage.catalog import iter_product_records
from storage.db import create_engine_for, session_factory
from tests.helpers.demo_shop import seed_small_store


@pytest.fixture(scope="session")
def services(tmp_path_factory) -> Iterator[ShopServices]:
    """Services over a 400-product demo store seeded once for the actions' tests."""
    home = tmp_path_factory.mktemp("actions")
    settings = Settings(data_dir=home, database_url=f"sqlite:///{home / 'shop.db'}")
    engine = create_engine_for(settings.database_url)
    seed_small_store(engine, products=400)
    sessions = session_factory(engine)
    with sessions() as session:
        records = list(iter_product_records(session))
    encoder = TextEncoder("bundled:all-MiniLM-L6-v2")
    index = ProductIndex.build(records, encoder, progress=False)
    knowledge = KnowledgeIndex.build(
        KnowledgeBase.from_file(settings.knowledge_base_path), encoder, progress=False
    )
    recommender = load_recommender(settings, sessions, encoder)
    yield ShopServices(
        settings=settings,
        sessions=sessions,
        product_index=index,
        knowledge_index=knowledge,
        verification=customer_verification(settings),
        recommender=recommender,
    )
    engine.dispose()
