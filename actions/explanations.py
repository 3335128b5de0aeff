"""Why the bot shows a product: one short reason on every card, and "why this one?".

Search results say which of the shopper's wishes they match ("matches: under $100, navy,
size 10"); recommendations carry the recommender's reason ("because you looked at …",
"bought together with the … by 34 shoppers"). The reason travels in the card payload
(``reason``, with the ``scores`` behind it for staff), so the widget, the messaging channels
and the console show the same words, and "why this one?" answers from the card the shopper
saw: nothing is recomputed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.base import ShopAction, as_float
from actions.product_presenter import format_price
from actions.product_question import names_product, ordinal_reference
from models.recommender import ReasonKind, Recommendation
from retrieval.product_index import SearchFilters, SearchHit
from storage.behaviour import co_buyers
from storage.catalog import ProductRecord
from storage.db import StorageError

logger = logging.getLogger(__name__)


def _amount(value: float, currency: str) -> str:
    """``$100`` for whole amounts, ``$99.50`` otherwise."""
    text = format_price(value, currency)
    return text.replace(".00", "")


def search_reason(record: ProductRecord, filters: SearchFilters, query: str) -> str:
    """Which of the shopper's wishes the product meets: "matches: under $100, navy, size 10"."""
    wishes = []
    if filters.category:
        wishes.append(filters.category.lower())
    if filters.brand:
        wishes.append(record.brand or filters.brand)
    if filters.price_min is not None and filters.price_max is not None:
        low = _amount(filters.price_min, record.currency)
        wishes.append(f"{low}–{_amount(filters.price_max, record.currency)}")
    elif filters.price_max is not None:
        wishes.append(f"under {_amount(filters.price_max, record.currency)}")
    elif filters.price_min is not None:
        wishes.append(f"over {_amount(filters.price_min, record.currency)}")
    if filters.color:
        wishes.append(filters.color.lower())
    if filters.size:
        wishes.append(f"size {filters.size}")
    words = query.strip()
    if words and (not filters.category or filters.category.lower() not in words.lower()):
        wishes.insert(0, f'"{words}"')
    if wishes:
        return "matches: " + ", ".join(wishes)
    return "one of our best rated"


def search_scores(hit: SearchHit) -> dict[str, float]:
    """The search scores behind a result, for staff."""
    return {
        "fused": round(hit.score, 4),
        "semantic": round(hit.dense_score, 4),
        "keywords": round(hit.lexical_score, 4),
    }


def recommendation_scores(recommendation: Recommendation) -> dict[str, float]:
    """The recommender's blended score and each signal's share of it, for staff."""
    return {"blend": round(recommendation.score, 3), **dict(recommendation.signals)}


def with_buyer_counts(
    sessions: Any, recommendations: list[Recommendation], anchor: ProductRecord
) -> list[Recommendation]:
    """ "often bought with X" turned into "bought together with the X by N shoppers" where
    the shop's orders show N ≥ 2 customers who bought both."""
    if not any(r.reason_kind is ReasonKind.BOUGHT_WITH for r in recommendations):
        return recommendations
    try:
        with sessions() as session:
            counts = co_buyers(session, anchor.product_id, [r.product_id for r in recommendations])
    except (SQLAlchemyError, StorageError) as exc:
        logger.warning("Could not count the buyers of product %s: %s", anchor.product_id, exc)
        return recommendations
    return [
        replace(
            r, reason=f"bought together with the {anchor.title} by {counts[r.product_id]} shoppers"
        )
        if r.reason_kind is ReasonKind.BOUGHT_WITH and counts.get(r.product_id, 0) >= 2
        else r
        for r in recommendations
    ]


def shown_cards(tracker: Tracker) -> Iterator[list[Mapping[str, Any]]]:
    """The product cards of the bot's messages in this conversation, latest message first."""
    for event in reversed(tracker.events):
        if event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom") or {}
        if not isinstance(custom, dict):
            continue
        if custom.get("type") == "product_list" and isinstance(custom.get("products"), list):
            yield [c for c in custom["products"] if isinstance(c, dict)]
        elif custom.get("type") == "product" and isinstance(custom.get("product"), dict):
            yield [custom["product"]]


def why_answer(card: Mapping[str, Any]) -> str:
    """The shopper-facing answer to "why this one?" for a card: its title and its reason."""
    reason = str(card.get("reason") or "").strip()
    title = str(card.get("title") or "this product")
    if not reason:
        return f"I showed you the {title} because it fits what you asked for."
    return f"Why the {title}? {reason[0].upper()}{reason[1:]}."


class ActionExplainProduct(ShopAction):
    """Answers "why this one?" / "why did you suggest the second one?" from the card's reason."""

    def name(self) -> str:
        return "action_explain_product"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        lists = list(shown_cards(tracker))
        if not lists:
            dispatcher.utter_message(
                text="I haven't shown you any products yet. Ask me for something, "
                'e.g. "recommend something" or "running shoes under $100".'
            )
            return []
        card = self._card_meant(text, tracker, lists)
        dispatcher.utter_message(text=why_answer(card))
        product_id = as_float(card.get("id"))
        return [] if product_id is None else [SlotSet("focused_product", product_id)]

    def _card_meant(
        self, text: str, tracker: Tracker, lists: list[list[Mapping[str, Any]]]
    ) -> Mapping[str, Any]:
        """The card the shopper refers to: "the second one" in the last list, a product named
        in the message, else the product talked about last, else the first card shown last."""
        latest = lists[0]
        ids = [int(c["id"]) for c in latest if as_float(c.get("id")) is not None]
        wanted = ordinal_reference(text, ids)
        if wanted is None:
            for cards in lists:
                for card in cards:
                    record = self.services.product_index.get(int(card.get("id") or 0))
                    if record is not None and names_product(text, record):
                        return card
            focused = as_float(tracker.get_slot("focused_product"))
            wanted = int(focused) if focused is not None else None
        if wanted is not None:
            for cards in lists:
                for card in cards:
                    if as_float(card.get("id")) == wanted:
                        return card
        return latest[0]
