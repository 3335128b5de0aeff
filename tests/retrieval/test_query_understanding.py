"""Reading a shopping message: filters, search text, refinements and recommendation cues."""

from __future__ import annotations

import pytest

from retrieval.filters import SearchFilters
from retrieval.query_understanding import (
    PlannedSearch,
    ShopperMessage,
    anchor_phrase,
    asks_for_complements,
    asks_for_gift,
    asks_for_similar,
    gift_recipient,
    plan_search,
    wants_cheaper,
    wants_more,
    wants_pricier,
)
from tests.helpers.trackers import entity


def message(text: str, *entities: tuple[str, str] | tuple[str, str, str]) -> ShopperMessage:
    """``text`` with entities given as (type, value) or (type, value, phrase in the text)."""
    return ShopperMessage(
        text, tuple(entity(name, value, text, *phrase) for name, value, *phrase in entities)
    )


RUNNING_SHOES = PlannedSearch("show me running shoes", SearchFilters(category="running shoes"))
SHOWN_PRICES = [40.0, 60.0, 80.0, 100.0, 120.0]


def test_filters_from_entities_first_value_wins_and_prices_are_numbers() -> None:
    text = "blue or red Stridewell running shoes in size 10 between $50 and $90"
    parsed = message(
        text,
        ("color", "blue"),
        ("color", "red"),
        ("brand", "Stridewell"),
        ("product_category", "running shoes"),
        ("size", "10"),
        ("price_min", "50", "$50"),
        ("price_max", "90", "$90"),
    )
    assert parsed.filters() == SearchFilters(
        category="running shoes",
        brand="Stridewell",
        color="blue",
        size="10",
        price_min=50.0,
        price_max=90.0,
    )


def test_entities_naming_the_compared_product_are_not_filters() -> None:
    text = "something like the Stridewell Tempo 3 but in blue"
    parsed = message(text, ("brand", "Stridewell"), ("color", "blue"))
    named = anchor_phrase(text)
    assert named is not None and named[0] == "Stridewell Tempo 3"
    assert parsed.filters(outside=named[1]) == SearchFilters(color="blue")


def test_unreadable_price_gives_no_price_filter() -> None:
    assert message("under $abc", ("price_max", "abc", "$abc")).filters() == SearchFilters()


def test_price_and_size_phrases_leave_the_search_text() -> None:
    text = "blue hoodies in size L under $40"
    parsed = message(text, ("color", "blue"), ("size", "L", "size L"), ("price_max", "40", "$40"))
    assert parsed.search_text() == "blue hoodies in under"


def test_from_parse_reads_rasa_parse_data() -> None:
    parsed = ShopperMessage.from_parse({"text": None, "intent": {"name": "product_search"}})
    assert parsed == ShopperMessage("", ())


def test_leftover_words_ignore_entities_refinement_phrases_and_filler() -> None:
    assert message("cheaper ones in navy please", ("color", "navy")).leftover_words() == []
    assert message("show more with a hood").leftover_words() == ["hood"]


@pytest.mark.parametrize(
    ("text", "cheaper", "pricier", "more"),
    [
        ("cheaper", True, False, False),
        ("still too expensive", True, False, False),
        ("anything on a budget?", True, False, False),
        ("something more premium", False, True, False),
        ("more expensive ones", False, True, False),
        ("show me more", False, False, True),
        ("more", False, False, True),
        ("more shoes", False, False, False),
    ],
)
def test_refinement_cues(text: str, cheaper: bool, pricier: bool, more: bool) -> None:
    assert (wants_cheaper(text), wants_pricier(text), wants_more(text)) == (cheaper, pricier, more)


def test_cheaper_lowers_the_limit_below_the_median_shown() -> None:
    plan = plan_search(message("cheaper please"), RUNNING_SHOES, SHOWN_PRICES)
    assert plan.refined and plan.change == "cheaper"
    assert plan.filters == SearchFilters(category="running shoes", price_max=79.99)
    assert plan.query == "show me running shoes"


def test_pricier_raises_the_floor_and_drops_a_lower_ceiling() -> None:
    previous = PlannedSearch("shoes", SearchFilters(price_max=70.0))
    plan = plan_search(message("something more premium"), previous, SHOWN_PRICES)
    assert plan.change == "pricier" and plan.filters == SearchFilters(price_min=80.01)


def test_show_more_pages_past_what_was_shown() -> None:
    previous = PlannedSearch("shoes", SearchFilters(), offset=5)
    plan = plan_search(message("show more"), previous, SHOWN_PRICES)
    assert (plan.offset, plan.change, plan.query) == (10, "more", "shoes")


def test_a_colour_alone_merges_into_the_previous_filters() -> None:
    plan = plan_search(message("in blue", ("color", "blue")), RUNNING_SHOES, SHOWN_PRICES)
    assert plan.change == "filters"
    assert plan.filters == SearchFilters(category="running shoes", color="blue")


def test_a_new_category_or_new_words_start_a_new_search() -> None:
    text = "what about hoodies under $40"
    plan = plan_search(
        message(text, ("product_category", "hoodies"), ("price_max", "40", "$40")),
        RUNNING_SHOES,
        SHOWN_PRICES,
    )
    assert not plan.refined
    assert plan.filters == SearchFilters(category="hoodies", price_max=40.0)
    assert plan.query == "what about hoodies under"
    assert not plan_search(message("a tent for two"), RUNNING_SHOES, SHOWN_PRICES).refined


def test_without_a_previous_search_cheaper_is_a_new_search() -> None:
    plan = plan_search(message("cheaper"), None, [])
    assert plan == PlannedSearch("cheaper", SearchFilters())


@pytest.mark.parametrize(
    ("text", "complements", "similar", "gift"),
    [
        ("what goes with these shoes?", True, False, False),
        ("accessories for my bike", True, False, False),
        ("something like this but cheaper", False, True, False),
        ("an alternative to the Tempo 3", False, True, False),
        ("this is too expensive", False, True, False),
        ("gift ideas on a budget", False, False, True),
        ("a present for my dad", False, False, True),
    ],
)
def test_recommendation_cues(text: str, complements: bool, similar: bool, gift: bool) -> None:
    assert (asks_for_complements(text), asks_for_similar(text), asks_for_gift(text)) == (
        complements,
        similar,
        gift,
    )


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("what goes with the Tempo 3 running shoes?", "Tempo 3 running shoes"),
        ("something similar to my Trail Sock but cheaper", "Trail Sock"),
        ("what goes with these?", None),
        ("something like this but cheaper", None),
        ("what goes with it", None),
    ],
)
def test_anchor_phrase_names_the_compared_product_or_points_back(
    text: str, phrase: str | None
) -> None:
    named = anchor_phrase(text)
    assert (named[0] if named else None) == phrase
    if named:
        start, end = named[1]
        assert text[start:end].endswith(phrase)  # the span includes "the", "my"


def test_gift_recipient() -> None:
    assert gift_recipient("gift ideas for a runner") == "runner"
    assert gift_recipient("a present for my dad, under $50") == "dad"
    assert gift_recipient("gift ideas") is None
