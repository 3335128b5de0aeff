"""Questions about one product: "does it come in blue?", "what is the Tempo 3 made of?"."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction, first_entity
from actions.product_presenter import format_price, product_card, stock_phrase
from actions.shopper_events import record_shopper_events
from storage.catalog import ProductRecord, iter_product_records, product_id_for_handle
from storage.inventory import VariantStock, variant_stock
from storage.schema import InteractionKind
from storage.wording import list_in_words

logger = logging.getLogger(__name__)

#: The reason on the card of a product the shopper asked about.
ASKED_ABOUT = "the product you asked about"

_ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "last": -1,
}
_ORDINAL = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b(?:\s+one)?", re.IGNORECASE
)
_NUMBERED = re.compile(r"(?:number|no\.?|#)\s*([1-5])\b", re.IGNORECASE)

#: Question aspects and the words that signal them, checked in this order.
ASPECTS = (
    ("price", ("price", "cost", "how much", "expensive", "cheap")),
    ("material", ("material", "made of", "made from", "fabric", "cotton", "leather")),
    ("sizes", ("size", "fit", "fits")),
    ("colors", ("color", "colour", "come in")),
    ("stock", ("stock", "available", "availability", "left", "sold out", "have any")),
    ("rating", ("rating", "review", "rated", "good", "stars")),
)
_TITLE_STOPWORDS = {"the", "a", "an", "and", "of", "for", "with", "&", "-"}


def question_aspect(text: str, color: str | None, size: str | None) -> str:
    """What the shopper asks about: price, material, colors, sizes, stock, rating or summary."""
    lowered = text.lower()
    for aspect, cues in ASPECTS:
        if any(cue in lowered for cue in cues):
            return aspect
    if size:
        return "sizes"
    if color:
        return "colors"
    return "summary"


def ordinal_reference(text: str, shown: Sequence[int]) -> int | None:
    """The product id meant by "the second one" / "number 2", from the products last shown."""
    match = _ORDINAL.search(text)
    position = _ORDINALS[match.group(1).lower()] if match else None
    if position is None:
        numbered = _NUMBERED.search(text)
        position = int(numbered.group(1)) - 1 if numbered else None
    if position is None or not shown or position >= len(shown):
        return None
    return int(shown[position])


def page_product_handle(latest_message: dict[str, Any]) -> str | None:
    """The handle of the product page the shopper wrote from (the widget's page metadata)."""
    page = ((latest_message or {}).get("metadata") or {}).get("page")
    handle = page.get("product_handle") if isinstance(page, dict) else None
    return handle if isinstance(handle, str) and handle else None


def names_product(text: str, record: ProductRecord) -> bool:
    """True when the message names the product (most of its distinctive title words)."""
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    title_words = [
        w for w in re.findall(r"[a-z0-9]+", record.title.lower()) if w not in _TITLE_STOPWORDS
    ]
    hits = sum(1 for w in title_words if w in words)
    return hits >= 2 and hits >= len(title_words) / 2


class ActionAnswerProductQuestion(ShopAction):
    """Answers price, size, colour, material, stock and rating questions from the catalog."""

    def name(self) -> str:
        return "action_answer_product_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        product_id = self._product_meant(text, tracker)
        if product_id is None:
            dispatcher.utter_message(
                text="Which product do you mean? Tell me its name, or search first, "
                'e.g. "show me running shoes".'
            )
            return []
        with self.services.session() as session:
            records = list(iter_product_records(session, product_ids=[product_id]))
            variants = variant_stock(session, product_id) if records else []
        if not records:
            dispatcher.utter_message(
                text="That product is no longer in the catalog. "
                "Shall I search for something similar?"
            )
            return [SlotSet("focused_product", None)]
        record = records[0]
        color, size = first_entity(tracker, "color"), first_entity(tracker, "size")
        answer = answer_product_question(
            record, variants, question_aspect(text, color, size), color, size
        )
        url = self.services.product_url(record.handle)
        card = {**product_card(record, url), "reason": ASKED_ABOUT}
        dispatcher.utter_message(text=answer, json_message={"type": "product", "product": card})
        record_shopper_events(self.services, tracker, [record.product_id], InteractionKind.VIEW)
        return [SlotSet("focused_product", float(record.product_id))]

    def _product_meant(self, text: str, tracker: Tracker) -> int | None:
        shown = [int(p) for p in (tracker.get_slot("shown_products") or [])]
        referenced = ordinal_reference(text, shown)
        if referenced is not None:
            return referenced
        for hit in self.services.product_index.search(text, None, k=3):
            if names_product(text, hit.record):
                return hit.record.product_id
        on_page = page_product_handle(tracker.latest_message)
        if on_page:
            with self.services.session() as session:
                product_id = product_id_for_handle(session, on_page)
            if product_id is not None:
                return product_id
        focused = tracker.get_slot("focused_product")
        return int(focused) if focused is not None else None


def answer_product_question(
    record: ProductRecord,
    variants: Sequence[VariantStock],
    aspect: str,
    color: str | None = None,
    size: str | None = None,
) -> str:
    """The answer to one question about ``record``, from the catalog's facts."""
    name = record.title
    if color or size:
        return _variant_answer(record, variants, color, size)
    if aspect == "price":
        prices = sorted({v.price for v in variants}) or [record.price]
        if len(prices) > 1:
            lowest = format_price(prices[0], record.currency)
            highest = format_price(prices[-1], record.currency)
            return f"The {name} costs {lowest} to {highest} depending on the option."
        return f"The {name} costs {format_price(prices[0], record.currency)}."
    if aspect == "material":
        return (
            f"The {name} is made of {record.material}."
            if record.material
            else f"The catalog does not list a material for the {name}."
        )
    if aspect == "colors":
        return (
            f"The {name} comes in {list_in_words(record.colors)}."
            if record.colors
            else f"The {name} comes in one colour only."
        )
    if aspect == "sizes":
        return (
            f"The {name} comes in sizes {list_in_words(record.sizes)}."
            if record.sizes
            else f"The {name} is one size."
        )
    if aspect == "stock":
        return f"The {name} is {stock_phrase(record)}."
    if aspect == "rating" and record.rating is not None:
        return f"Shoppers rate the {name} {record.rating:.1f} out of 5."
    summary = record.description.split(". ")[0].rstrip(".") + "."
    facts = [format_price(record.price, record.currency), stock_phrase(record)]
    if record.colors:
        facts.append(f"colours: {list_in_words(record.colors)}")
    if record.sizes:
        facts.append(f"sizes: {list_in_words(record.sizes)}")
    return f"{name}: {summary} ({'; '.join(facts)})"


def _variant_answer(
    record: ProductRecord, variants: Sequence[VariantStock], color: str | None, size: str | None
) -> str:
    """Is the product available in this colour and/or size, and how many are left?"""
    wanted = " ".join(
        part for part in (color.lower() if color else "", f"size {size}" if size else "") if part
    )
    matching = [
        v
        for v in variants
        if (not color or (v.color or "").lower() == color.lower())
        and (not size or (v.size or "").lower() == size.lower())
    ]
    if not matching:
        options = record.colors if color and not size else record.sizes if size else ()
        listed = f" It comes in {list_in_words(options)}." if options else ""
        return f"Sorry, the {record.title} doesn't come in {wanted}.{listed}"
    stock = sum(v.stock for v in matching)
    if stock <= 0:
        return f"The {record.title} in {wanted} is out of stock right now."
    return f"Yes, the {record.title} comes in {wanted}, and we have {stock} in stock."
