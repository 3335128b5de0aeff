"""What the shopper does in this conversation, stored as it happens and read back for the
next recommendation (the one helper the product actions share; see storage/behaviour.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError

from actions.base import as_float
from actions.services import ShopServices
from actions.verification import verified_customer
from models.recommender import Interaction, InteractionKind
from models.recommender.shop_data import customer_history
from storage.behaviour import conversation_events, record_events
from storage.db import StorageError

logger = logging.getLogger(__name__)


def record_shopper_events(
    services: ShopServices, tracker: Tracker, product_ids: Sequence[int], kind: InteractionKind
) -> None:
    """Store ``kind`` events for ``product_ids`` by this conversation (and its verified customer).

    Nothing is stored when ``SHOPDESK_RECORD_BEHAVIOUR`` is off. The shopper's answer never
    waits on a database failure: it is logged and the conversation goes on.
    """
    if not services.settings.record_behaviour or not product_ids:
        return
    customer_id = verified_customer(services.verification, tracker)
    try:
        with services.session() as session:
            record_events(session, product_ids, tracker.sender_id, kind, customer_id)
    except (SQLAlchemyError, StorageError) as exc:
        logger.warning(
            "Could not record %s of products %s by %s: %s",
            kind.value,
            list(product_ids),
            tracker.sender_id,
            exc,
        )


def shopper_history(services: ShopServices, tracker: Tracker) -> list[Interaction]:
    """What to recommend from, oldest first.

    The verified customer's orders and events, then this conversation's events as they were
    stored (shown, clicked, asked about, viewed in the storefront, carted), so what the
    shopper did a moment ago counts in the next recommendation without retraining. Without
    stored events (``SHOPDESK_LIVE_RECOMMENDATIONS`` off, or the database failing): the
    products shown in the chat, the one talked about last.
    """
    history: list[Interaction] = []
    live: list[Interaction] = []
    customer_id = verified_customer(services.verification, tracker)
    try:
        with services.session() as session:
            if customer_id is not None:
                history = customer_history(session, customer_id)
            if services.settings.live_recommendations:
                live = [
                    Interaction("conversation", product_id, kind)
                    for product_id, kind in conversation_events(session, tracker.sender_id)
                ]
    except (SQLAlchemyError, StorageError) as exc:
        logger.warning("Could not read the behaviour of %s: %s", tracker.sender_id, exc)
    chat = _chat_products(tracker)
    if live:
        # The customer's own events of this conversation are already in ``live``.
        seen_live = {(e.product_id, e.kind) for e in live}
        older = [e for e in history if (e.product_id, e.kind) not in seen_live]
        # Products in the chat's slots that were not stored (recording off or failing).
        stored = {e.product_id for e in live}
        return older + live + [e for e in chat if e.product_id not in stored]
    return history or chat


def _chat_products(tracker: Tracker) -> list[Interaction]:
    seen = [int(p) for p in (tracker.get_slot("shown_products") or []) if as_float(p) is not None]
    focused = as_float(tracker.get_slot("focused_product"))
    if focused is not None:
        # The product talked about last is the latest event.
        seen = [p for p in seen if p != int(focused)] + [int(focused)]
    return [Interaction("conversation", p, InteractionKind.VIEW) for p in seen]
