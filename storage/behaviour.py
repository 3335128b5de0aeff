"""Behaviour events from conversations and the storefront, as they happen.

Every product the bot shows (``shown``), every card the shopper clicks in the widget
(``click``), every product they ask about or open in the storefront (``view``) and every
product added to the cart (``cart``) is one ``interactions`` row, stored under the
conversation's id (the widget's session id is the Rasa sender id) and, once the shopper is
verified, under the customer too. The next recommendation in the same conversation reads them
back (:func:`conversation_events`) and folds them into the shopper's vector at request time;
``shopdesk recommender train`` learns from them (all but ``shown``) together with orders.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, case, cast, func, select, union
from sqlalchemy.orm import Session

from storage.orders import committing, utcnow
from storage.schema import (
    Interaction,
    InteractionKind,
    Order,
    OrderLine,
    OrderStatus,
    ProductVariant,
)


def record_events(
    session: Session,
    product_ids: Iterable[int],
    sender_id: str,
    kind: InteractionKind,
    customer_id: int | None = None,
) -> None:
    """Store that the conversation ``sender_id`` did ``kind`` with each of ``product_ids``.

    The verified customer, if any, is stored with the events. One commit for all of them.
    """
    now = utcnow()
    with committing(session):
        session.add_all(
            Interaction(
                product_id=int(product_id),
                session_id=sender_id,
                customer_id=customer_id,
                kind=kind,
                occurred_at=now,
            )
            for product_id in product_ids
        )


def record_view(
    session: Session, product_id: int, sender_id: str, customer_id: int | None = None
) -> None:
    """Store that the conversation ``sender_id`` viewed a product."""
    record_events(session, [product_id], sender_id, InteractionKind.VIEW, customer_id)


def conversation_events(
    session: Session, sender_id: str, limit: int = 50
) -> list[tuple[int, InteractionKind]]:
    """The last ``limit`` events of the conversation ``sender_id``: (product id, kind).

    Oldest first.
    """
    rows = session.execute(
        select(Interaction.product_id, Interaction.kind)
        .where(Interaction.session_id == sender_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    ).all()
    return [(int(row.product_id), InteractionKind(row.kind)) for row in reversed(rows)]


def co_buyers(session: Session, product_id: int, others: Iterable[int]) -> dict[int, int]:
    """How many shoppers bought both ``product_id`` and each of ``others``.

    Shoppers are customers (their non-cancelled orders and purchase events) and guest
    sessions (their purchase events). Products nobody bought together with it are left out.
    """
    wanted = {int(o) for o in others} - {int(product_id)}
    if not wanted:
        return {}
    ordered = (
        select(
            ("customer:" + cast(Order.customer_id, String)).label("shopper"),
            ProductVariant.product_id.label("product_id"),
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(ProductVariant, OrderLine.variant_id == ProductVariant.id)
        .where(Order.status != OrderStatus.CANCELLED)
    )
    shopper = case(
        (
            Interaction.customer_id.isnot(None),
            "customer:" + cast(Interaction.customer_id, String),
        ),
        else_="session:" + func.coalesce(Interaction.session_id, ""),
    )
    events = select(shopper.label("shopper"), Interaction.product_id.label("product_id")).where(
        Interaction.kind == InteractionKind.PURCHASE
    )
    bought = union(ordered, events).subquery()
    anchor = bought.alias("anchor")
    rows = session.execute(
        select(bought.c.product_id, func.count(func.distinct(bought.c.shopper)))
        .join(anchor, anchor.c.shopper == bought.c.shopper)
        .where(anchor.c.product_id == int(product_id), bought.c.product_id.in_(wanted))
        .group_by(bought.c.product_id)
    ).all()
    return {int(p): int(n) for p, n in rows}
