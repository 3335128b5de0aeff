"""Reading the shop's behaviour from its database: interaction events and order lines.

Purchases come from orders (every non-cancelled order line is a purchase by its customer, the
order being the basket); the ``interactions`` table adds views, cart additions and guest
purchases. Purchase events that point to an order are skipped there, so nothing counts twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.recommender.data import Interaction, InteractionKind
from models.recommender.recommender import Recommender, RecommenderConfig, RecommenderError
from models.recommender.sequential import SequentialConfig
from storage.schema import (
    CustomerConversation,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductVariant,
)
from storage.schema import Interaction as InteractionRow

logger = logging.getLogger(__name__)


def customer_key(customer_id: int) -> str:
    """The shopper key of a signed-in customer."""
    return f"customer:{customer_id}"


def session_key(session_id: str) -> str:
    """The shopper key of an anonymous session."""
    return f"session:{session_id}"


def _order_purchases(session: Session, customer_id: int | None = None) -> list[Interaction]:
    statement = (
        select(Order.customer_id, Order.number, Order.placed_at, ProductVariant.product_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(ProductVariant, OrderLine.variant_id == ProductVariant.id)
        .where(Order.status != OrderStatus.CANCELLED)
        .order_by(Order.placed_at, OrderLine.id)
    )
    if customer_id is not None:
        statement = statement.where(Order.customer_id == customer_id)
    return [
        Interaction(
            customer_key(row.customer_id),
            row.product_id,
            InteractionKind.PURCHASE,
            row.placed_at,
            row.number,
        )
        for row in session.execute(statement)
    ]


def _events(session: Session, customer_id: int | None = None) -> list[Interaction]:
    table = InteractionRow
    statement = (
        select(table.customer_id, table.session_id, table.product_id, table.kind, table.occurred_at)
        .where(~((table.kind == InteractionKind.PURCHASE) & table.order_id.isnot(None)))
        .where(table.kind != InteractionKind.SHOWN)
        .order_by(table.occurred_at, table.id)
    )
    if customer_id is not None:
        # The customer's own events and those of every conversation linked to them (the
        # ones before they verified, and on other channels).
        linked = select(CustomerConversation.sender_id).where(
            CustomerConversation.customer_id == customer_id
        )
        statement = statement.where(
            or_(table.customer_id == customer_id, table.session_id.in_(linked))
        )
    return [
        Interaction(
            customer_key(row.customer_id)
            if row.customer_id is not None
            else session_key(row.session_id),
            row.product_id,
            InteractionKind(row.kind),
            row.occurred_at,
        )
        for row in session.execute(statement)
    ]


def shop_interactions(session: Session) -> list[Interaction]:
    """Every behaviour event of the shop: order lines as purchases plus the interactions table."""
    return _order_purchases(session) + _events(session)


def customer_history(session: Session, customer_id: int, limit: int = 50) -> list[Interaction]:
    """The customer's last ``limit`` events (orders and interactions), oldest first.

    Interactions of conversations linked to the customer count too, whatever the channel.
    """
    events = _order_purchases(session, customer_id) + _events(session, customer_id)
    events.sort(key=lambda e: e.timestamp)
    return events[-limit:]


def catalog_fingerprint(session: Session) -> str:
    """Changes when products are added, removed or edited: the recommender must then retrain.

    Behaviour (orders, interactions) is deliberately left out: new events reach
    recommendations at request time (the shopper's history is folded in), so they never make
    a start-up retrain; ``shopdesk recommender train`` learns from them when the shop decides.
    """
    counts = session.execute(
        select(func.count(Product.id), func.max(Product.id), func.max(Product.updated_at))
    ).one()
    return hashlib.sha256(repr(tuple(counts)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CatalogContent:
    """The catalog as the recommender sees it: product ids, one embedding row each, titles."""

    product_ids: list[int]
    embeddings: np.ndarray | None
    names: dict[int, str]


def shop_config(time_budget: float = 120.0) -> RecommenderConfig:
    """Settings for a shop's own data: shorter sequence-model training than on a benchmark."""
    return RecommenderConfig(
        sequential=SequentialConfig(epochs=40, time_budget=time_budget),
    )


def train_shop_recommender(
    session: Session,
    catalog: CatalogContent,
    config: RecommenderConfig | None = None,
    progress: bool = True,
    threads: int | None = None,
) -> Recommender:
    """Fit a recommender on all of the shop's behaviour.

    No data is held out: the sequence model trains for ``config.sequential.epochs`` (the
    settings were chosen on the public benchmark, see docs/recommender.md).
    """
    recommender = Recommender(config or shop_config())
    recommender.fit(
        shop_interactions(session),
        products=catalog.product_ids,
        embeddings=catalog.embeddings,
        product_names=catalog.names,
        metadata={"catalog_fingerprint": catalog_fingerprint(session)},
        threads=threads,
        progress=progress,
    )
    return recommender


def load_or_train(
    directory: str | Path,
    session: Session,
    catalog: Callable[[], CatalogContent],
    *,
    retrain: bool = False,
    config: RecommenderConfig | None = None,
    progress: bool = True,
    threads: int | None = None,
) -> Recommender:
    """The saved recommender in ``directory`` if it was trained on the current catalog.

    Else a new one, which is saved. New orders and interactions never cause a retrain here
    (see :func:`catalog_fingerprint`); ``retrain=True`` is the explicit one.
    ``catalog`` is only called when training (embedding the catalog takes a while).
    """
    if not retrain:
        try:
            saved = Recommender.load(directory)
        except RecommenderError as exc:
            logger.info("Training the recommender: %s", exc)
        else:
            if saved.metadata.get("catalog_fingerprint") == catalog_fingerprint(session):
                return saved
            logger.info("Training the recommender: the catalog changed since it was trained")
    recommender = train_shop_recommender(session, catalog(), config, progress, threads)
    recommender.save(directory)
    return recommender
