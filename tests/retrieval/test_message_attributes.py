"""Price bounds, sizes, order numbers, emails and ZIP codes read from shoppers' words."""

import pytest

from retrieval.message_attributes import extract_attributes


def found(text):
    return [(m.entity, m.value) for m in extract_attributes(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("do you have running shoes under $100?", [("price_max", "100")]),
        ("between 20 and 40 dollars", [("price_min", "20"), ("price_max", "40")]),
        ("from $45 to $20", [("price_min", "20"), ("price_max", "45")]),
        ("over 100 bucks", [("price_min", "100")]),
        ("sneakers $50-80", [("price_min", "50"), ("price_max", "80")]),
        ("less than 79.99", [("price_max", "79.99")]),
        ("anything at most $1,200", [("price_max", "1200")]),
    ],
)
def test_price_bounds(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("size 10 please", [("size", "10")]),
        ("hoodie in XL", [("size", "XL")]),
        ("a tee in medium", [("size", "M")]),
        ("do you have it in extra large", [("size", "XL")]),
        ("womens size 7.5", [("size", "7.5")]),
        ("I usually wear a medium", [("size", "M")]),
        ("i take a 9.5 in trainers", [("size", "9.5")]),
        ("can you make it an XL", [("size", "XL")]),
        ("please swap it for a 10", [("size", "10")]),
        ("could I get a large instead?", [("size", "L")]),
    ],
)
def test_sizes(text, expected):
    assert found(text) == expected


def test_numbers_without_a_size_or_price_cue_are_not_sizes_or_prices():
    assert found("I'll be back in 2 days, in a minute") == []
    assert found("I take a lot of photos; make it quick") == []
    assert found("call me at 555-123-4567") == []


def test_order_number_email_and_zip_are_told_apart():
    assert found("order #10002, email Alex@Example.com, zip code 94107") == [
        ("order_number", "10002"),
        ("email", "alex@example.com"),
        ("zipcode", "94107"),
    ]


def test_zip_needs_a_cue_and_a_lone_number_is_an_order_number():
    assert found("10001") == [("order_number", "10001")]
    assert found("my zip is 10001") == [("zipcode", "10001")]


def test_spans_point_at_the_words_in_the_message():
    text = "blue hoodies under $40 in size M"
    for mention in extract_attributes(text):
        assert text[mention.start : mention.end] == mention.text


def test_a_megabyte_message_is_scanned_only_at_its_start():
    text = "under $30 " + "x" * 1_000_000 + " size 9"
    assert found(text) == [("price_max", "30")]
