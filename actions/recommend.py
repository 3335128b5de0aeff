"""Recommendations: "what goes with these shoes?", "like this but cheaper", "a gift for a runner".

What the answer is based on, first match wins:

1. "what goes with X" — products often bought with X (X named in the message, else the
   product being talked about),
2. "something like X" / "cheaper alternative" — similar products (cheaper than X when asked),
3. "a gift for …" — best sellers of the asked category, else products matching the phrase,
4. the verified customer's orders and this conversation's events as they happened (shown,
   clicked, asked about, viewed in the storefront, carted; :mod:`actions.shopper_events`),
5. the best sellers (of the asked category), also when asked for them by name.

Everything shown is in stock and passes the shopper's filters (price, color, size, brand,
category); each product comes with its reason, in the same ``product_list`` payload as search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction, as_float
from actions.explanations import recommendation_scores, search_scores, with_buyer_counts
from actions.product_presenter import describe_filters, product_card, product_line
from actions.profile import with_usual_size
from actions.shopper_events import record_shopper_events, shopper_history
from models.recommender import InteractionKind, Recommendation
from retrieval.product_index import SearchFilters
from retrieval.query_understanding import (
    ShopperMessage,
    anchor_phrase,
    asks_for_best_sellers,
    asks_for_complements,
    asks_for_gift,
    asks_for_similar,
    gift_recipient,
    wants_cheaper,
)
from storage.catalog import ProductRecord


@dataclass(frozen=True)
class Suggestions:
    """What to show: products with reasons and the sentence that introduces them."""

    intro: str
    #: (product, reason shown to the shopper, the scores behind it for staff)
    items: list[tuple[ProductRecord, str, dict[str, float]]]


class ActionRecommendProducts(ShopAction):
    """Recommends a few in-stock products with the reason for each."""

    def name(self) -> str:
        return "action_recommend_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        parse, usual_size_note = with_usual_size(self.services, tracker)
        if usual_size_note:
            dispatcher.utter_message(text=usual_size_note)
        message = ShopperMessage.from_parse(parse)
        text = message.text
        anchor, anchor_span = self._anchor(tracker, text)
        filters = replace(message.filters(outside=anchor_span), in_stock=True)
        count = self.services.settings.search_results
        suggestions = self._suggest(tracker, text, anchor, filters, count)
        if not suggestions.items:
            described = describe_filters(filters) or "that"
            dispatcher.utter_message(
                text=f"Sorry, I have nothing in stock to recommend for {described} right now. "
                "Try a wider price range or another category."
            )
            return []
        url = self.services.product_url
        lines = [
            f"{n}. {product_line(record, url(record.handle))} ({reason})"
            for n, (record, reason, _) in enumerate(suggestions.items, start=1)
        ]
        dispatcher.utter_message(
            text="\n".join([suggestions.intro, *lines]),
            json_message={
                "type": "product_list",
                "filters": asdict(filters),
                "products": [
                    {**product_card(record, url(record.handle)), "reason": reason, "scores": scores}
                    for record, reason, scores in suggestions.items
                ],
            },
        )
        shown = [record.product_id for record, _, _ in suggestions.items]
        record_shopper_events(self.services, tracker, shown, InteractionKind.SHOWN)
        return [SlotSet("shown_products", shown), SlotSet("focused_product", float(shown[0]))]

    # ------------------------------------------------------------------ what to base it on

    def _suggest(
        self,
        tracker: Tracker,
        text: str,
        anchor: ProductRecord | None,
        filters: SearchFilters,
        count: int,
    ) -> Suggestions:
        allowed = self._allowed(filters)
        complements = asks_for_complements(text)
        if anchor is not None and complements:
            together = self._recommender_call("bought_together", anchor, count, allowed)
            items = self._records(with_buyer_counts(self.services.sessions, together, anchor))
            if items:
                return Suggestions(f"These go well with the {anchor.title}:", items)
        if anchor is not None and (complements or asks_for_similar(text)):
            return self._similar(text, anchor, filters, count)
        if asks_for_gift(text):
            return self._gift(text, filters, allowed, count)
        if asks_for_best_sellers(text):
            return self._best_sellers(filters, allowed, count)
        history = shopper_history(self.services, tracker)
        if history and self.services.recommender is not None:
            items = self._records(self.services.recommender.recommend(history, count, allowed))
            if items:
                return Suggestions("Picked for you:", items)
        return self._best_sellers(filters, allowed, count)

    def _similar(
        self, text: str, anchor: ProductRecord, filters: SearchFilters, count: int
    ) -> Suggestions:
        cheaper = wants_cheaper(text) and filters.price_max is None
        if cheaper:
            filters = replace(filters, price_max=round(anchor.price - 0.01, 2))
        allowed = self._allowed(filters) - {anchor.product_id}
        items = self._records(self._recommender_call("similar_items", anchor, count, allowed))
        if not items:
            # A product the recommender has not seen yet: content similarity from the search index.
            hits = self.services.product_index.search(anchor.title, filters, k=count + 1)
            items = [
                (h.record, f"similar to {anchor.title}", search_scores(h))
                for h in hits
                if h.record.product_id != anchor.product_id
            ]
        intro = f"Like the {anchor.title}" + (" but cheaper:" if cheaper else ":")
        return Suggestions(intro, items[:count])

    def _gift(
        self, text: str, filters: SearchFilters, allowed: set[int], count: int
    ) -> Suggestions:
        phrase = gift_recipient(text)
        if filters.category is None and phrase is not None:
            hits = self.services.product_index.search(phrase, filters, k=count * 3)
            popularity = self._popularity()
            ranked = sorted(hits, key=lambda h: -popularity.get(h.record.product_id, 0.0))
            items = [
                (
                    h.record,
                    f"a popular pick for {phrase}",
                    {**search_scores(h), "popularity": popularity.get(h.record.product_id, 0.0)},
                )
                for h in ranked[:count]
            ]
            if items:
                return Suggestions(f"Gift ideas for {phrase}:", items)
        return self._best_sellers(filters, allowed, count, gift=True)

    def _best_sellers(
        self, filters: SearchFilters, allowed: set[int], count: int, gift: bool = False
    ) -> Suggestions:
        where = f" in {filters.category.lower()}" if filters.category else ""
        intro = f"Popular gift ideas{where}:" if gift else f"Our best sellers{where}:"
        recommender = self.services.recommender
        items = (
            self._records(recommender.best_sellers(count, allowed))
            if recommender is not None
            else []
        )
        if len(items) < count:
            # Products nobody bought yet: top rated ones fill the list.
            taken = {record.product_id for record, _, _ in items}
            for hit in self.services.product_index.search("", filters, k=count + len(taken)):
                if hit.record.product_id not in taken and len(items) < count:
                    items.append((hit.record, "highly rated", {"rating": hit.score}))
        return Suggestions(intro, items)

    # ------------------------------------------------------------------ inputs

    def _anchor(
        self, tracker: Tracker, text: str
    ) -> tuple[ProductRecord | None, tuple[int, int] | None]:
        """The product the message is about ("what goes with <X>") and the span of its phrase.

        A phrase that points back ("this", "these shoes", none at all) means the product
        being talked about; a named one is looked up in the product index.
        """
        if not (asks_for_complements(text) or asks_for_similar(text)):
            return None, None
        named = anchor_phrase(text)
        hits = self.services.product_index.search(named[0], SearchFilters(), k=1) if named else []
        if named is None or not hits:
            return self._focused(tracker), None
        return hits[0].record, named[1]

    def _focused(self, tracker: Tracker) -> ProductRecord | None:
        product_id = as_float(tracker.get_slot("focused_product"))
        if product_id is None:
            shown = tracker.get_slot("shown_products") or []
            product_id = as_float(shown[0]) if shown else None
        return self.services.product_index.get(int(product_id)) if product_id is not None else None

    def _allowed(self, filters: SearchFilters) -> set[int]:
        """Ids of the products passing ``filters`` (in stock included)."""
        return self.services.product_index.ids_matching(filters)

    def _popularity(self) -> dict[int, float]:
        recommender = self.services.recommender
        if recommender is None:
            return {}
        return dict(
            zip(recommender.product_ids.tolist(), recommender.popularity.tolist(), strict=True)
        )

    def _recommender_call(
        self, method: str, anchor: ProductRecord, count: int, allowed: set[int]
    ) -> list[Recommendation]:
        recommender = self.services.recommender
        if recommender is None:
            return []
        return getattr(recommender, method)(anchor.product_id, count, allowed)

    def _records(
        self, recommendations: Sequence[Recommendation]
    ) -> list[tuple[ProductRecord, str, dict[str, float]]]:
        """Recommendations as (record, reason, scores), skipping products the index no longer
        has."""
        index = self.services.product_index
        found = [(index.get(r.product_id), r) for r in recommendations]
        return [
            (record, r.reason, recommendation_scores(r))
            for record, r in found
            if record is not None
        ]
