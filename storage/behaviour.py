"""Behaviour events from conversations: what a shopper looked at, for the recommender.

The bot records a product *view* when a shopper asks about one product (its price, sizes,
colours): the conversational equivalent of opening a product page. Lists of search results
are not recorded; being shown is not being interested. ``shopdesk recommender train`` learns
from these rows together with orders (``models.recommender.shop_data.shop_interactions``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.orders import committing, utcnow
from storage.schema import Interaction, InteractionKind


def record_view(
    session: Session, product_id: int, sender_id: str, customer_id: int | None = None
) -> None:
    """Store that the conversation ``sender_id`` viewed a product.

    The verified customer, if any, is stored with the view.
    """
    with committing(session):
        session.add(
            Interaction(
                product_id=int(product_id),
                session_id=sender_id,
                customer_id=customer_id,
                kind=InteractionKind.VIEW,
                occurred_at=utcnow(),
            )
        )
