"""What both servers share on a failure, on plain events as Rasa serialises them."""

from __future__ import annotations

from storage.outages import APOLOGY, apologised_this_turn, keep_form_waiting

SHOPPER = {"event": "user", "text": "where is my order?"}
APOLOGISED = {"event": "bot", "text": APOLOGY}
ANSWERED = {"event": "bot", "text": "Your order is on its way."}
ACTION = {"event": "action", "name": "action_order_status"}


def test_the_apology_counts_only_since_the_shoppers_latest_message() -> None:
    # Newest first: the apology after the latest message is said already...
    assert apologised_this_turn([ACTION, APOLOGISED, SHOPPER])
    # ...one of an earlier turn is not, and neither is another answer.
    assert not apologised_this_turn([ACTION, SHOPPER, APOLOGISED])
    assert not apologised_this_turn([ANSWERED, SHOPPER])
    assert not apologised_this_turn([])


def test_the_apology_check_stops_at_the_shoppers_latest_message() -> None:
    def newest_first():
        yield SHOPPER
        raise AssertionError("read past the shopper's latest message")

    assert not apologised_this_turn(newest_first())


def test_a_form_keeps_waiting_for_its_requested_slot() -> None:
    assert keep_form_waiting("contact") == [
        {"event": "slot", "timestamp": None, "name": "contact", "value": None}
    ]
    assert keep_form_waiting(None) == []
    assert keep_form_waiting("") == []
