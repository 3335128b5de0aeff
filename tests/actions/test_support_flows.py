"""Order flows of a verified shopper on the demo store: cancel, re-address, change, not theirs.

The words come from the order service's outcome; these tests check what the shopper is
told and asked, the slots set, and that nothing changes before the shopper confirms.
"""

from __future__ import annotations

import asyncio
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.support import (
    ActionHandleConfirmation,
    ActionRunSupportFlow,
    OrderFlow,
    ValidateVerificationForm,
)
from shopdesk.settings import BOT_DIR
from storage.schema import Customer, Order, OrderStatus
from tests.helpers.trackers import tracker_for, verified_tracker

ALEX = "alex@example.com"
SAM = "sam@example.com"


def customer(services, email: str) -> int:
    with services.session() as session:
        return session.execute(select(Customer.id).where(Customer.email == email)).scalar_one()


def run(action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def run_flow(services, sender: str, email: str, flow: OrderFlow, number: str):
    slots = {"order_number": number, "requested_flow": flow.value}
    tracker = verified_tracker(
        services.verification, customer(services, email), "", flow.value, slots, sender
    )
    return run(ActionRunSupportFlow(services), tracker)


def order_status(services, number: str) -> OrderStatus:
    with services.session() as session:
        return session.execute(select(Order.status).where(Order.number == number)).scalar_one()


def processing_order(services) -> tuple[str, str]:
    """A generated processing order (not a contract one, which other tests read) and its email."""
    with services.session() as session:
        return session.execute(
            select(Order.number, Customer.email)
            .join(Customer)
            .where(Order.status == OrderStatus.PROCESSING, Order.number >= "20001")
            .order_by(Order.number)
        ).first()


def test_a_processing_order_is_cancelled_only_after_yes(services) -> None:
    number, email = processing_order(services)
    messages, events = run_flow(services, "flow-cancel", email, OrderFlow.CANCEL_ORDER, number)
    assert "hasn't shipped yet. Shall I cancel it?" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert slots_of(events) == {"pending_confirmation": "cancel_order"}
    assert order_status(services, number) is OrderStatus.PROCESSING

    slots = {"order_number": number, "pending_confirmation": "cancel_order"}
    confirm = verified_tracker(
        services.verification, customer(services, email), "yes", "affirm", slots, "flow-cancel"
    )
    messages, events = run(ActionHandleConfirmation(services), confirm)
    assert messages[0]["text"].startswith(f"Done: order {number} is cancelled.")
    assert messages[1]["response"] == "utter_ask_rating"
    assert slots_of(events)["last_flow"] == "cancel_order"
    assert order_status(services, number) is OrderStatus.CANCELLED

    messages, events = run_flow(services, "flow-cancel-2", email, OrderFlow.CANCEL_ORDER, number)
    assert messages[0]["text"] == f"Order {number} was already cancelled; nothing more to do."
    assert not messages[0]["buttons"] and slots_of(events)["last_flow"] == "cancel_order"


def test_cancelling_a_shipped_order_gives_the_services_reason_and_offers_a_return(
    services,
) -> None:
    messages, events = run_flow(services, "flow-shipped", ALEX, OrderFlow.CANCEL_ORDER, "10002")
    assert messages[0]["text"] == (
        "Order 10002 can't be cancelled: it shipped on March 12, 2025 with UPS. "
        "Once it arrives you can return it for a refund. Shall I start a return?"
    )
    assert slots_of(events) == {"pending_confirmation": "offer_return"}
    assert order_status(services, "10002") is OrderStatus.SHIPPED


def test_cancelling_a_returned_order_is_refused_without_a_return_offer(services) -> None:
    messages, events = run_flow(services, "flow-returned", ALEX, OrderFlow.CANCEL_ORDER, "10005")
    assert messages[0]["text"] == "Order 10005 can't be cancelled: the order was returned."
    assert not messages[0]["buttons"] and slots_of(events)["last_flow"] == "cancel_order"


def test_the_address_of_a_shipped_order_cannot_change_and_the_carrier_is_named(
    services,
) -> None:
    messages, events = run_flow(
        services, "flow-address", ALEX, OrderFlow.CHANGE_SHIPPING_ADDRESS, "10002"
    )
    assert messages[0]["text"] == (
        "The address of order 10002 can't be changed: it shipped on March 12, 2025 with UPS. "
        "The carrier (UPS) may be able to redirect it with tracking number 1Z999AA10123456784."
    )
    assert slots_of(events)["last_flow"] == "change_shipping_address"
    assert not [e for e in events if e.get("event") == "followup"]


def test_the_address_of_a_processing_order_is_asked_for(services) -> None:
    number, email = processing_order(services)
    messages, events = run_flow(
        services, "flow-address-2", email, OrderFlow.CHANGE_SHIPPING_ADDRESS, number
    )
    assert messages[0]["text"].startswith(f"Order {number} will ship to ")
    assert [e["name"] for e in events if e.get("event") == "followup"] == ["address_form"]


def test_changing_items_suggests_cancelling_only_while_the_order_can_be_cancelled(
    services,
) -> None:
    number, email = processing_order(services)
    messages, events = run_flow(services, "flow-change", email, OrderFlow.CHANGE_ORDER, number)
    assert f"You can cancel order {number} while it hasn't shipped" in messages[0]["text"]
    assert slots_of(events) == {"pending_confirmation": "handoff"}
    messages, _ = run_flow(services, "flow-change-2", ALEX, OrderFlow.CHANGE_ORDER, "10002")
    assert "cancel" not in messages[0]["text"] and "person" in messages[0]["text"]


def test_another_customers_order_is_not_found(services) -> None:
    for flow in OrderFlow:
        messages, events = run_flow(services, f"flow-sam-{flow.value}", SAM, flow, "10002")
        assert messages[0]["text"] == "I can't find order 10002 among your orders."
        assert slots_of(events)["last_flow"] == flow.value
    assert order_status(services, "10002") is OrderStatus.SHIPPED


def test_every_flow_is_started_by_an_intent_of_the_domain() -> None:
    domain = yaml.safe_load((BOT_DIR / "domain" / "shop.yml").read_text())
    assert {flow.value for flow in OrderFlow} <= set(domain["intents"])
    assert OrderFlow.named("cancel_order") is OrderFlow.CANCEL_ORDER
    assert OrderFlow.named("greet") is None and OrderFlow.named(None) is None


def test_the_order_number_is_asked_for_not_refused_when_the_flow_starts(services) -> None:
    """Starting a flow clears the number; the shopper sees the question, not a complaint."""
    form = ValidateVerificationForm(services)
    tracker = tracker_for("how long does a refund take?", "refund_status")
    started, refused = CollectingDispatcher(), CollectingDispatcher()
    assert form.validate_order_number(None, started, tracker, {}) == {"order_number": None}
    assert started.messages == []
    assert form.validate_order_number("12", refused, tracker, {}) == {"order_number": None}
    assert "5 digits" in refused.messages[0]["text"]
