"""The services actions call, built once when the action server starts.

Loading the embedding model and the product index takes seconds, so it happens once per
process (the first time an action is created), never per message. Tests build their own
:class:`ShopServices` and hand it to the actions they create.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from actions.identity import IdentityTokens
from actions.staff_hours import StaffHours
from actions.verification import CustomerVerification
from models.recommender import Recommender, RecommenderDataError
from models.recommender.shop_data import CatalogContent, load_or_train
from retrieval import knowledge_index
from retrieval.embeddings import TextEncoder
from retrieval.knowledge_index import KnowledgeIndex
from retrieval.product_index import ProductIndex, load_or_build, set_search_threads
from retrieval.product_text import embedding_text
from shopdesk.secrets import identity_key, verification_key
from shopdesk.settings import Settings, get_settings
from storage.catalog import iter_product_records
from storage.db import create_engine_for, session_factory

logger = logging.getLogger(__name__)


@dataclass
class ShopServices:
    """Everything an action may call: the shop database, the product index, the knowledge base."""

    settings: Settings
    sessions: sessionmaker
    product_index: ProductIndex
    knowledge_index: KnowledgeIndex
    #: Signs and checks which customer a conversation verified.
    verification: CustomerVerification
    #: Recommendations from shop behaviour; None means best sellers by rating only.
    recommender: Recommender | None = None
    #: Checks the shop's signed identity tokens; None ignores every token (anonymous).
    identity: IdentityTokens | None = None
    #: When a person answers handed-over conversations (``SHOPDESK_STAFF_HOURS``).
    staff_hours: StaffHours = field(init=False)
    #: The shop's time zone (``SHOPDESK_SHOP_TIMEZONE``): its calendar decides what "today" is.
    shop_zone: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        """Read the staff hours and the shop's time zone once: a bad value stops the start."""
        self.staff_hours = StaffHours.from_settings(self.settings)
        self.shop_zone = self.settings.shop_zone

    def today(self) -> date:
        """The shop's current day, in its time zone."""
        return self.settings.shop_today()

    def session(self) -> Session:
        """A new database session (use it as a context manager)."""
        return self.sessions()

    def product_url(self, handle: str) -> str:
        """The shop's page for a product."""
        return f"{self.settings.shop_url}/products/{handle}"


def build_services(settings: Settings) -> ShopServices:
    """Connect to the shop database and load (or rebuild, when stale) the product index."""
    import torch

    torch.set_num_threads(settings.torch_threads)
    set_search_threads(settings.search_threads)
    sessions = session_factory(create_engine_for(settings.database_url))
    encoder = TextEncoder(settings.embedding_model)

    def load_records():
        with sessions() as session:
            return list(iter_product_records(session))

    index = load_or_build(
        settings.index_dir,
        load_records,
        encoder,
        approximate_threshold=settings.approximate_index_threshold,
    )
    logger.info("Product index ready: %d products", len(index))
    knowledge = load_knowledge_index(settings, encoder)
    recommender = load_recommender(settings, sessions, encoder)
    return ShopServices(
        settings=settings,
        sessions=sessions,
        product_index=index,
        knowledge_index=knowledge,
        verification=customer_verification(settings),
        recommender=recommender,
        identity=IdentityTokens(identity_key(settings).encode()),
    )


def customer_verification(settings: Settings) -> CustomerVerification:
    """The signer of verified shoppers, with the key from the settings (or the data directory)."""
    return CustomerVerification(
        verification_key(settings).encode(), idle_seconds=settings.verification_minutes * 60
    )


def load_recommender(
    settings: Settings,
    sessions: sessionmaker,
    encoder: TextEncoder,
    retrain: bool = False,
    progress: bool = False,
) -> Recommender | None:
    """The recommender saved in ``<data_dir>/recommender``, retrained when the shop's data changed.

    None for a shop without products (nothing to recommend yet).
    """

    def catalog() -> CatalogContent:
        with sessions() as session:
            records = list(iter_product_records(session))
        embeddings = (
            encoder.encode([embedding_text(r) for r in records], progress=progress)
            if records
            else None
        )
        return CatalogContent(
            [r.product_id for r in records], embeddings, {r.product_id: r.title for r in records}
        )

    try:
        with sessions() as session:
            recommender = load_or_train(
                settings.data_dir / "recommender",
                session,
                catalog,
                retrain=retrain,
                progress=progress,
                threads=settings.torch_threads,
            )
    except RecommenderDataError as exc:
        logger.warning("No recommender: %s", exc)
        return None
    logger.info("Recommender ready: %d products", len(recommender))
    return recommender


def load_knowledge_index(
    settings: Settings, encoder: TextEncoder, rebuild: bool = False
) -> KnowledgeIndex:
    """The knowledge base's index, rebuilt when the file changed since it was built."""
    return knowledge_index.load_or_build(
        settings.knowledge_index_dir,
        settings.knowledge_base_path,
        encoder,
        rebuild=rebuild,
        progress=False,
    )


@lru_cache(maxsize=1)
def shop_services() -> ShopServices:
    """The process-wide services, built on first use from the environment's settings."""
    return build_services(get_settings())
