"""Order support flows: verify the shopper, then status, cancel, address change, return, refund.

The order number and the email or ZIP code are checked together (no hint which one was
wrong); the verified customer is recorded with the action server's signature
(:mod:`actions.verification`) and every order lookup is scoped to that customer, so a
shopper never sees another customer's order, even through a forged tracker.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.address import AddressFormatError, parse_address
from actions.base import ShopAction, UsesShopServices, entity_values, first_entity, shopper_text
from actions.conversation import clear_flow_slots
from actions.handoff import hand_over
from actions.order_presenter import (
    day,
    eligibility_text,
    items_line,
    money,
    order_status_text,
    refund_text,
    return_created_text,
)
from actions.verification import verified_customer, verified_slots
from retrieval.knowledge_base import KNOWLEDGE_TOPICS
from storage.orders import (
    AddressChangeStatus,
    CancelStatus,
    OrderService,
    normalize_order_number,
    validate_address,
)
from storage.returns import ReturnRules, ReturnService, ReturnStatusCode
from storage.schema import HandoffReason

ORDER_FLOWS = (
    "order_status",
    "cancel_order",
    "change_order",
    "change_shipping_address",
    "return_item",
    "refund_status",
)
MAX_VERIFICATION_ATTEMPTS = 3
_ORDER_NUMBER = re.compile(r"^\d{5,8}$")
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def return_rules(services: Any) -> ReturnRules:
    """The shop's return rules from the settings."""
    settings = services.settings
    return ReturnRules(
        window_days=settings.return_window_days,
        final_sale_returnable=settings.final_sale_returnable,
        time_zone=services.shop_zone,
    )


def verified_order(
    services: Any, tracker: Tracker, dispatcher: CollectingDispatcher, restart_with: str
) -> tuple[str, int] | None:
    """The order number and verified customer of this flow, or None after telling how to restart."""
    number, customer = (
        tracker.get_slot("order_number"),
        verified_customer(services.verification, tracker),
    )
    if number and customer is not None:
        return number, customer
    dispatcher.utter_message(
        text=f'I need to verify the order first: say "{restart_with}" to start again.'
    )
    return None


def flow_finished(flow: str) -> list[dict[str, Any]]:
    """Events closing a flow: its data forgotten, its name kept for the rating."""
    return [*clear_flow_slots(), SlotSet("last_flow", flow)]


class ActionStartSupportFlow(ShopAction):
    """Remembers which flow the shopper asked for and the order number they gave."""

    def name(self) -> str:
        return "action_start_support_flow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in ORDER_FLOWS:
            # An order number on its own continues the last order flow, or asks for the status.
            previous = tracker.get_slot("last_flow")
            intent = previous if previous in ORDER_FLOWS else "order_status"
        events: list[dict[str, Any]] = [SlotSet("requested_flow", intent)]
        number = first_entity(tracker, "order_number")
        if number:
            events.append(SlotSet("order_number", normalize_order_number(number)))
        elif verified_customer(self.services.verification, tracker) is None:
            events.append(SlotSet("order_number", None))
        return events


class ValidateVerificationForm(UsesShopServices, FormValidationAction):
    """Asks for the order number and the email or ZIP, and checks them together."""

    def name(self) -> str:
        return "validate_verification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if (tracker.get_slot("verification_failures") or 0) >= MAX_VERIFICATION_ATTEMPTS:
            return []
        if verified_customer(self.services.verification, tracker) is not None:
            return ["order_number"]
        return ["order_number", "contact"]

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "order_number":
            return {}
        number = first_entity(tracker, "order_number")
        if number is None:
            digits = re.sub(r"[#\s]", "", tracker.latest_message.get("text") or "")
            number = digits if digits.isdigit() else None
        return {"order_number": number} if number else {}

    async def extract_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "contact":
            return {}
        for entity in ("email", "zipcode", "order_number"):
            # A bare 5-digit number is read as an order number; asked for a ZIP, it is one.
            values = entity_values(tracker, entity)
            if values:
                return {"contact": values[0]}
        return {}

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        number = normalize_order_number(str(value or ""))
        if not _ORDER_NUMBER.match(number):
            dispatcher.utter_message(
                text="Order numbers have 5 digits, like 10001; you'll find yours in the confirmation email."
            )
            return {"order_number": None}
        customer = verified_customer(self.services.verification, tracker)
        if customer is not None:
            with self.services.session() as session:
                if OrderService(session).order_view(number, customer) is None:
                    dispatcher.utter_message(
                        text=f"I can't find an order {number} among the orders of the customer verified in this chat. "
                        'Please check the number, or say "never mind".'
                    )
                    return {"order_number": None}
        return {"order_number": number}

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        contact = str(value or "").strip()
        is_email = "@" in contact
        with self.services.session() as session:
            customer = OrderService(session).verify_customer(
                tracker.get_slot("order_number") or "",
                email=contact if is_email else None,
                zip_code=None if is_email else contact,
            )
        if customer is not None:
            return {
                "contact": contact,
                **verified_slots(self.services.verification, tracker, customer),
                "verification_failures": 0.0,
            }
        failures = int(tracker.get_slot("verification_failures") or 0) + 1
        if failures >= MAX_VERIFICATION_ATTEMPTS:
            dispatcher.utter_message(
                text="That order number and email or ZIP code still don't match our records."
            )
        else:
            dispatcher.utter_message(
                text="That order number and email or ZIP code don't match our records. Let's try again "
                f"({MAX_VERIFICATION_ATTEMPTS - failures} attempt{'s' if MAX_VERIFICATION_ATTEMPTS - failures > 1 else ''} left)."
            )
        return {"contact": None, "order_number": None, "verification_failures": float(failures)}


class ActionRunSupportFlow(ShopAction):
    """Runs the flow the shopper asked for, once they are verified."""

    def name(self) -> str:
        return "action_run_support_flow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        customer = verified_customer(self.services.verification, tracker)
        number = tracker.get_slot("order_number")
        if customer is None or not number:
            dispatcher.utter_message(
                text="For your security I've stopped trying to verify the order here. A person from our team can check it with you."
            )
            return [
                *clear_flow_slots(),
                *hand_over(self.services, dispatcher, tracker, HandoffReason.VERIFICATION_FAILED),
            ]
        flow = tracker.get_slot("requested_flow") or "order_status"
        return run_flow(self.services, dispatcher, flow, number, customer)


def run_flow(
    services: Any, dispatcher: CollectingDispatcher, flow: str, number: str, customer: int
) -> list[dict[str, Any]]:
    """One order flow for a verified customer's order."""
    with services.session() as session:
        view = OrderService(session).order_view(number, customer)
        if view is None:
            dispatcher.utter_message(text=f"I can't find order {number} among your orders.")
            return flow_finished(flow)
        status = getattr(view.status, "value", view.status)
        if flow == "order_status":
            dispatcher.utter_message(text=order_status_text(view))
            dispatcher.utter_message(response="utter_ask_rating")
            return flow_finished(flow)
        if flow == "refund_status":
            refund = ReturnService(session).refund_status(number, customer)
            dispatcher.utter_message(
                text=refund_text(refund) if refund else f"There's no refund on order {number}."
            )
            dispatcher.utter_message(response="utter_ask_rating")
            return flow_finished(flow)
        if flow == "cancel_order":
            if status == "processing":
                dispatcher.utter_message(
                    text=f"Order {number} ({items_line(view)}, {money(view.total, view.currency)}) hasn't shipped yet. Shall I cancel it?",
                    buttons=YES_NO,
                )
                return [SlotSet("pending_confirmation", "cancel_order")]
            return refuse_cancellation(dispatcher, number, status, view)
        if flow == "change_shipping_address":
            if status != "processing":
                dispatcher.utter_message(
                    text=f"Order {number} {('shipped on ' + day(view.shipped_at)) if view.shipped_at else 'is ' + status}, so its address can't be changed any more. "
                    f"The carrier ({view.carrier or 'the carrier'}) may be able to redirect it with tracking number {view.tracking_number or '-'}."
                )
                return flow_finished(flow)
            dispatcher.utter_message(
                text=f"Order {number} will ship to {view.shipping_address.one_line()}."
            )
            return [FollowupAction("address_form")]
        if flow == "return_item":
            return offer_return(services, session, dispatcher, number, customer)
        dispatcher.utter_message(
            text="Items or sizes of an order can't be changed once it's placed. "
            + (
                "You can cancel order " + number + " while it hasn't shipped and order again, or "
                if status == "processing"
                else ""
            )
            + "a person from our team can look at it with you. Shall I pass you to them?",
            buttons=YES_NO,
        )
        return [SlotSet("pending_confirmation", "handoff")]


def refuse_cancellation(
    dispatcher: CollectingDispatcher, number: str, status: str, view: Any
) -> list[dict[str, Any]]:
    """Explain why an order can't be cancelled, offering a return when it shipped."""
    if status == "cancelled":
        dispatcher.utter_message(text=f"Order {number} is already cancelled; nothing more to do.")
        return flow_finished("cancel_order")
    if status in ("shipped", "delivered"):
        shipped = (
            f"it shipped on {day(view.shipped_at)} with {view.carrier}"
            if view.shipped_at
            else "it has shipped"
        )
        dispatcher.utter_message(
            text=f"Order {number} can't be cancelled because {shipped}. Once it arrives you can return it for a refund. Shall I start a return?",
            buttons=YES_NO,
        )
        return [SlotSet("pending_confirmation", "offer_return")]
    dispatcher.utter_message(text=f"Order {number} {status} and can't be cancelled.")
    return flow_finished("cancel_order")


def offer_return(
    services: Any, session: Any, dispatcher: CollectingDispatcher, number: str, customer: int
) -> list[dict[str, Any]]:
    """Tell which items can go back and ask the reason, or explain why none can."""
    eligibility = ReturnService(session).return_eligibility(
        number, customer, return_rules(services), services.today()
    )
    if eligibility is None:
        dispatcher.utter_message(text=f"I can't find order {number} among your orders.")
        return flow_finished("return_item")
    dispatcher.utter_message(text=eligibility_text(eligibility))
    if not eligibility.eligible_lines:
        return flow_finished("return_item")
    return [SlotSet("requested_flow", "return_item"), FollowupAction("return_form")]


class ActionHandleConfirmation(ShopAction):
    """A yes or no: to a cancellation, a return offer or a handoff offer."""

    def name(self) -> str:
        return "action_handle_confirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        pending = tracker.get_slot("pending_confirmation")
        agreed = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        number, customer = (
            tracker.get_slot("order_number"),
            verified_customer(self.services.verification, tracker),
        )
        if pending == "handoff" and agreed:
            return hand_over(self.services, dispatcher, tracker, HandoffReason.REQUESTED)
        if (
            pending in ("cancel_order", "offer_return")
            and agreed
            and number
            and customer is not None
        ):
            if pending == "offer_return":
                with self.services.session() as session:
                    return [
                        SlotSet("pending_confirmation", None),
                        *offer_return(self.services, session, dispatcher, number, customer),
                    ]
            return cancel(self.services, dispatcher, number, customer)
        if pending:
            dispatcher.utter_message(
                text="OK, I'll leave it as it is. Anything else I can help with?"
            )
            return flow_finished(tracker.get_slot("requested_flow") or "conversation")
        dispatcher.utter_message(
            text="Great! What can I do for you?"
            if agreed
            else "OK. Is there anything else I can help with?"
        )
        return []


def cancel(
    services: Any, dispatcher: CollectingDispatcher, number: str, customer: int
) -> list[dict[str, Any]]:
    """Cancel the order (once, in one transaction) and say what happened."""
    with services.session() as session:
        outcome = OrderService(session).cancel_order(number, customer)
    if outcome.status == CancelStatus.CANCELLED:
        dispatcher.utter_message(
            text=f"Done: order {number} is cancelled. The payment hold is released and any charge is refunded to your original payment method within 5–7 business days."
        )
        dispatcher.utter_message(response="utter_ask_rating")
    elif outcome.status == CancelStatus.ALREADY_CANCELLED:
        dispatcher.utter_message(text=f"Order {number} was already cancelled; nothing more to do.")
    else:
        dispatcher.utter_message(text=f"Order {number} can't be cancelled: {outcome.reason}.")
    return flow_finished("cancel_order")


class ValidateAddressForm(UsesShopServices, FormValidationAction):
    """Checks a new shipping address field by field."""

    def name(self) -> str:
        return "validate_address_form"

    def validate_new_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            address = parse_address(str(value or ""), default_name=self._current_name(tracker))
        except AddressFormatError as error:
            dispatcher.utter_message(text=str(error))
            return {"new_address": None}
        _, errors = validate_address(address)
        if errors:
            dispatcher.utter_message(
                text="Almost: "
                + " ".join(errors.values())
                + " Please send the whole address again."
            )
            return {"new_address": None}
        return {"new_address": value}

    def _current_name(self, tracker: Tracker) -> str | None:
        customer, number = (
            verified_customer(self.services.verification, tracker),
            tracker.get_slot("order_number"),
        )
        if customer is None or not number:
            return None
        with self.services.session() as session:
            view = OrderService(session).order_view(number, customer)
        return view.shipping_address.name if view else None


class ActionChangeAddress(ShopAction):
    """Saves the new shipping address of a verified customer's unshipped order."""

    def name(self) -> str:
        return "action_change_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        verified = verified_order(self.services, tracker, dispatcher, "change my shipping address")
        if verified is None:
            return flow_finished("change_shipping_address")
        number, customer = verified
        with self.services.session() as session:
            view = OrderService(session).order_view(number, customer)
            name = view.shipping_address.name if view else None
            outcome = OrderService(session).change_shipping_address(
                number,
                customer,
                parse_address(tracker.get_slot("new_address") or "", default_name=name),
            )
        if outcome.status == AddressChangeStatus.CHANGED:
            dispatcher.utter_message(
                text=f"Done: order {number} will now ship to {outcome.address.one_line()}."
            )
            dispatcher.utter_message(response="utter_ask_rating")
        elif outcome.status == AddressChangeStatus.INVALID:
            dispatcher.utter_message(
                text="That address isn't complete: " + " ".join(outcome.errors.values())
            )
        else:
            dispatcher.utter_message(
                text=f"The address of order {number} can't be changed: {outcome.reason}."
            )
        return flow_finished("change_shipping_address")


class ActionCreateReturn(ShopAction):
    """Opens the return (RMA) for every eligible item of the order."""

    def name(self) -> str:
        return "action_create_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        verified = verified_order(self.services, tracker, dispatcher, "I want to return something")
        if verified is None:
            return flow_finished("return_item")
        number, customer = verified
        with self.services.session() as session:
            outcome = ReturnService(session).create_return(
                number,
                customer,
                return_rules(self.services),
                self.services.today(),
                reason=tracker.get_slot("return_reason"),
            )
        if outcome.status == ReturnStatusCode.CREATED:
            dispatcher.utter_message(text=return_created_text(outcome))
            dispatcher.utter_message(response="utter_ask_rating")
        elif outcome.status == ReturnStatusCode.ALREADY_REQUESTED:
            dispatcher.utter_message(
                text=f"Those items are already in return {outcome.rma_number}; no need to open another."
            )
        else:
            reasons = "; ".join(f"{line.title}: {line.reason}" for line in outcome.refused)
            dispatcher.utter_message(
                text=f"I couldn't open a return for order {number}: {reasons or 'nothing on it can be returned'}."
            )
        return flow_finished("return_item")


class ActionAnswerPolicy(ShopAction):
    """Answers shipping, returns, payment, invoice, account, contact and newsletter questions from the knowledge base."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = intent if intent in KNOWLEDGE_TOPICS else None
        answer = self.services.knowledge_index.answer(shopper_text(tracker), topic=topic)
        if answer is None:
            dispatcher.utter_message(
                text="I'm not sure about that one and I'd rather not guess. Shall I pass you to a person from our team?",
                buttons=YES_NO,
            )
            return [SlotSet("pending_confirmation", "handoff")]
        dispatcher.utter_message(text=answer.text)
        return [SlotSet("last_flow", topic or "policy")]
