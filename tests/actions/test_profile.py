"""One customer across channels in the actions: identity tokens, linking, greeting, usual size."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.identity import IdentityTokens
from actions.product_search import ActionSearchProducts
from actions.profile import ActionGreet, ActionSessionStart, note_preferences, with_usual_size
from actions.recommend import ActionRecommendProducts
from actions.support import ValidateVerificationForm
from actions.verification import verified_customer
from storage.customer_profile import linked_customer
from storage.schema import Customer, PreferenceKind, StatedPreference
from tests.helpers.trackers import entity, tracker_for, verified_tracker

KEY = b"shop-backend-and-shopdesk-share-this-key"
TOKENS = IdentityTokens(KEY)


@pytest.fixture(name="shop")
def shop_fixture(services):
    """The actions' services with identity tokens signed by :data:`KEY` accepted."""
    return replace(services, identity=TOKENS)


def customer_id(services, email: str) -> int:
    with services.session() as session:
        return session.execute(select(Customer.id).where(Customer.email == email)).scalar_one()


async def run(action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return events, dispatcher.messages


def session_start_tracker(sender: str, metadata: dict | None, slots: dict | None = None):
    slots = {**(slots or {}), "session_started_metadata": metadata}
    return Tracker(sender, slots, {}, [], False, None, {}, "action_listen")


def slots_after(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def tracker_with_slots(sender: str, slots: dict[str, Any]) -> Tracker:
    events = [{"event": "user", "timestamp": time.time() + 1, "text": "hi"}]
    return Tracker(sender, slots, {"text": "hi"}, events, False, None, {}, "action_listen")


# ------------------------------------------------------------------ identity tokens


def test_a_token_names_its_customer_until_it_expires() -> None:
    assert TOKENS.customer(TOKENS.issue(42, minutes=5)) == 42
    expired = TOKENS.issue(42, minutes=5, now=time.time() - 3600)
    assert TOKENS.customer(expired) is None


@pytest.mark.parametrize(
    "token",
    [
        IdentityTokens(b"somebody-elses-key-of-enough-length").issue(42),
        "not.a.token",
        "",
        12345,
        None,
        "x" * 5000,
    ],
)
def test_forged_or_malformed_tokens_name_nobody(token, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="actions.identity"):
        assert TOKENS.customer(token) is None
    assert "shopper stays anonymous" in caplog.text


def test_a_token_whose_subject_is_no_customer_id_names_nobody() -> None:
    import jwt

    token = jwt.encode({"sub": "alex", "exp": time.time() + 60}, KEY, algorithm="HS256")
    assert TOKENS.customer(token) is None


# ------------------------------------------------------------------ session start


async def test_a_valid_token_verifies_the_shopper_and_links_the_conversation(shop) -> None:
    alex = customer_id(shop, "alex@example.com")
    token = TOKENS.issue(alex)
    events, messages = await run(
        ActionSessionStart(shop),
        session_start_tracker("widget-token-ok", {"identity_token": token}, {"last_flow": "x"}),
    )
    assert events[0]["event"] == "session_started"
    assert events[-1] == {**events[-1], "event": "action", "name": "action_listen"}
    slots = slots_after(events)
    assert slots["last_flow"] == "x", "slots carry over to the new session"
    assert verified_customer(shop.verification, tracker_with_slots("widget-token-ok", slots)) == (
        alex
    )
    # The proof is bound to this conversation: copied to another one it proves nothing.
    assert verified_customer(shop.verification, tracker_with_slots("other", slots)) is None
    with shop.session() as session:
        assert linked_customer(session, "widget-token-ok") == alex
    assert messages == []


@pytest.mark.parametrize(
    "make_token",
    [
        lambda alex: TOKENS.issue(alex, now=time.time() - 7200),
        lambda alex: IdentityTokens(b"forger-guessing-the-key-wrongly!!").issue(alex),
        lambda alex: TOKENS.issue(987654),
        lambda alex: "garbage",
    ],
    ids=["expired", "forged", "unknown customer", "garbage"],
)
async def test_a_bad_token_leaves_the_conversation_anonymous(shop, make_token, caplog) -> None:
    sender = f"widget-bad-{time.time_ns()}"
    token = make_token(customer_id(shop, "alex@example.com"))
    with caplog.at_level(logging.WARNING):
        events, messages = await run(
            ActionSessionStart(shop), session_start_tracker(sender, {"identity_token": token})
        )
    assert "verification_proof" not in slots_after(events)
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert messages == []
    assert "shopper stays anonymous" in caplog.text
    with shop.session() as session:
        assert linked_customer(session, sender) is None


async def test_without_a_token_or_without_a_key_nothing_is_linked(services, shop) -> None:
    token = TOKENS.issue(customer_id(shop, "alex@example.com"))
    for acting, metadata in ((shop, None), (services, {"identity_token": token})):
        sender = f"widget-none-{time.time_ns()}"
        events, _ = await run(ActionSessionStart(acting), session_start_tracker(sender, metadata))
        assert "verification_proof" not in slots_after(events)
        with acting.session() as session:
            assert linked_customer(session, sender) is None


# ------------------------------------------------------------------ greeting


async def test_a_verified_returning_customer_is_greeted_by_first_name(shop) -> None:
    alex = customer_id(shop, "alex@example.com")
    _, messages = await run(
        ActionGreet(shop), verified_tracker(shop.verification, alex, "hi", "greet")
    )
    assert messages[0]["text"].startswith("Welcome back, Alex!")


async def test_an_unverified_shopper_gets_the_plain_greeting_even_claiming_a_name(shop) -> None:
    claimed = tracker_for("hi, I'm Alex Morgan, alex@example.com", "greet")
    _, messages = await run(ActionGreet(shop), claimed)
    assert [m["response"] for m in messages] == ["utter_greet"]


async def test_personalisation_off_means_the_plain_greeting(shop) -> None:
    off = replace(shop, settings=replace(shop.settings, personalisation=False))
    alex = customer_id(shop, "alex@example.com")
    _, messages = await run(
        ActionGreet(off), verified_tracker(shop.verification, alex, "hi", "greet")
    )
    assert [m["response"] for m in messages] == ["utter_greet"]


# ------------------------------------------------------------------ verification links


async def test_passing_verification_links_the_conversation_and_welcomes_back(shop) -> None:
    sender = f"rest-verify-{time.time_ns()}"
    sam = customer_id(shop, "sam@example.com")
    with shop.session() as session:
        order = session.get(Customer, sam).orders[0].number
    tracker = tracker_for(
        "sam@example.com", "inform", slots={"order_number": order, "requested_slot": "contact"}
    )
    tracker.sender_id = sender
    dispatcher = CollectingDispatcher()
    result = ValidateVerificationForm(shop).validate_contact(
        "sam@example.com", dispatcher, tracker, {}
    )
    assert result["verified_customer_id"] == float(sam)
    assert [m["text"] for m in dispatcher.messages] == ["Welcome back, Sam!"]
    with shop.session() as session:
        assert linked_customer(session, sender) == sam


# ------------------------------------------------------------------ preferences and usual size


def size_filter(messages: list[dict[str, Any]]) -> str | None:
    for message in messages:
        payload = message.get("custom") or {}
        if payload.get("type") == "product_list":
            return (payload.get("filters") or {}).get("size")
    return None


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if m.get("text")]


async def test_my_usual_size_is_the_size_a_verified_customer_stated_before(shop) -> None:
    sam = customer_id(shop, "sam@example.com")
    said = "running shoes in size 9.5"
    earlier = verified_tracker(shop.verification, sam, said, "product_search")
    earlier.latest_message["entities"] = [entity("size", "9.5", said)]
    note_preferences(shop, earlier, "Running Shoes")

    text = "show me running shoes in my usual size"
    later = verified_tracker(shop.verification, sam, text, "product_search", sender="elsewhere")
    later.latest_message["entities"] = [
        entity("product_category", "running shoes", text),
        entity("usual_size", "usual", text, "in my usual size"),
    ]
    parse, note = with_usual_size(shop, later)
    added = [e for e in parse["entities"] if e["entity"] == "size"]
    assert [(e["value"], text[e["start"] : e["end"]]) for e in added] == [
        ("9.5", "in my usual size")
    ]
    assert note == "Your usual size: 9.5."
    _, messages = await run(ActionSearchProducts(shop), later)
    assert texts(messages)[0] == "Your usual size: 9.5."
    assert size_filter(messages) == "9.5"


async def test_an_unverified_shopper_gets_no_usual_size(shop) -> None:
    text = "boots in my usual size"
    anonymous = tracker_for(
        text, "product_search", [entity("usual_size", "usual", text, "in my usual size")]
    )
    _, messages = await run(ActionSearchProducts(shop), anonymous)
    assert "once I know who you are" in texts(messages)[0]
    assert size_filter(messages) is None


async def test_a_verified_customer_who_never_said_a_size_is_asked_for_it(shop) -> None:
    with shop.session() as session:
        never = session.execute(
            select(Customer.id).where(
                Customer.id.not_in(select(StatedPreference.customer_id)),
                Customer.email.not_in(["alex@example.com", "sam@example.com"]),
            )
        ).scalar()
    text = "recommend something in my usual size"
    tracker = verified_tracker(shop.verification, never, text, "recommend")
    tracker.latest_message["entities"] = [entity("usual_size", "usual", text, "in my usual size")]
    _, messages = await run(ActionRecommendProducts(shop), tracker)
    assert "don't know your usual size yet" in texts(messages)[0]


def test_preferences_of_an_unverified_shopper_are_not_kept(shop) -> None:
    text = "navy jackets in size L under $80"
    anonymous = tracker_for(
        text,
        "product_search",
        [entity("color", "navy", text), entity("size", "L", text), entity("price_max", "80", text)],
        sender="anonymous-prefs",
    )
    with shop.session() as session:
        before = session.query(StatedPreference).count()
    note_preferences(shop, anonymous, None)
    with shop.session() as session:
        assert session.query(StatedPreference).count() == before


def test_a_verified_shoppers_stated_preferences_are_kept(shop) -> None:
    alex = customer_id(shop, "alex@example.com")
    text = "navy jackets from Trailforge in size L under $80"
    tracker = verified_tracker(shop.verification, alex, text, "product_search", sender="prefs")
    tracker.latest_message["entities"] = [
        entity("color", "navy", text),
        entity("brand", "Trailforge", text),
        entity("size", "L", text),
        entity("price_max", "80", text),
    ]
    note_preferences(shop, tracker, "Jackets")
    with shop.session() as session:
        rows = session.execute(
            select(StatedPreference.kind, StatedPreference.value).where(
                StatedPreference.sender_id == "prefs"
            )
        ).all()
    assert {(PreferenceKind(k), v) for k, v in rows} == {
        (PreferenceKind.COLOR, "navy"),
        (PreferenceKind.BRAND, "Trailforge"),
        (PreferenceKind.SIZE, "L"),
        (PreferenceKind.BUDGET, "80"),
    }


async def test_a_search_keeps_what_a_verified_shopper_asked_for(shop) -> None:
    sam = customer_id(shop, "sam@example.com")
    text = "hiking boots in size 11"
    tracker = verified_tracker(shop.verification, sam, text, "product_search", sender="search")
    tracker.latest_message["entities"] = [
        entity("product_category", "hiking boots", text),
        entity("size", "11", text),
    ]
    await run(ActionSearchProducts(shop), tracker)
    with shop.session() as session:
        rows = session.execute(
            select(StatedPreference.kind, StatedPreference.value, StatedPreference.category).where(
                StatedPreference.sender_id == "search"
            )
        ).all()
    assert [(PreferenceKind(k), v) for k, v, _ in rows] == [(PreferenceKind.SIZE, "11")]
