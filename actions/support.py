"""Order support flows: verify the shopper, then status, cancel, address change, return, refund.

The order number and the email or ZIP code are checked together (no hint which one was
wrong); the verified customer is recorded with the action server's signature
(:mod:`actions.verification`) and every order lookup is scoped to that customer, so a
shopper never sees another customer's order, even through a forged tracker.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from sqlalchemy.orm import Session

from actions.address import AddressFormatError, parse_address
from actions.base import (
    ShopAction,
    UsesShopServices,
    entity_values,
    first_entity,
    likeliest_intent,
    shopper_text,
)
from actions.conversation import clear_flow_slots
from actions.handoff import hand_over
from actions.order_presenter import (
    address_change_text,
    cancellation_offer_text,
    cancellation_text,
    eligibility_text,
    offers_return,
    order_not_found_text,
    order_status_text,
    refund_text,
    return_outcome_text,
)
from actions.policy_or_order import Decision, Kind, Reading, policy_or_my_order
from actions.profile import greeting_for, link_verified
from actions.return_reason import asks_instead_of_answering
from actions.verification import verified_customer, verified_slots
from retrieval.knowledge_base import KNOWLEDGE_TOPICS
from storage.orders import (
    AddressChangeStatus,
    CancelOutcome,
    CancelStatus,
    OrderService,
    OrderView,
    normalize_order_number,
    validate_address,
)
from storage.pii import redact
from storage.returns import ReturnRules, ReturnService, ReturnStatusCode
from storage.schema import HandoffReason, LinkMethod


class OrderFlow(str, enum.Enum):
    """The order flows a verified shopper can ask for, named as the intents that start them."""

    ORDER_STATUS = "order_status"
    CANCEL_ORDER = "cancel_order"
    CHANGE_ORDER = "change_order"
    CHANGE_SHIPPING_ADDRESS = "change_shipping_address"
    RETURN_ITEM = "return_item"
    REFUND_STATUS = "refund_status"

    @classmethod
    def named(cls, name: Any) -> OrderFlow | None:
        """The flow called ``name`` (an intent or a slot value), or None."""
        return next((flow for flow in cls if flow.value == name), None)


MAX_VERIFICATION_ATTEMPTS = 3
_ORDER_NUMBER = re.compile(r"^\d{5,8}$")
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]

#: What the bot says when nothing in the knowledge base answers a question.
NOT_SURE = "I'm not sure about that one and I'd rather not guess."


def knowledge_topic(intent: str | None) -> str | None:
    """The knowledge base topic an intent names (shipping_info, return_policy, ...), or None."""
    return intent if intent in KNOWLEDGE_TOPICS else None


def policy_answer(services: Any, text: str, topic: str | None) -> str | None:
    """The knowledge base's answer to a policy question (the best of ``topic``'s entries when
    one is close enough), or None when no entry is close enough to answer."""
    answer = services.knowledge_index.answer(text, topic=topic)
    return answer.text if answer else None


Events = list[dict[str, Any]]


def policy_or_order_of(tracker: Tracker) -> Decision | None:
    """Whether the latest message asks about the policy or the shopper's own order, from its
    wording and intent ranking (:func:`actions.policy_or_order.policy_or_my_order`)."""
    message = tracker.latest_message
    ranking = message.get("intent_ranking") or [message.get("intent") or {}]
    has_number = first_entity(tracker, "order_number") is not None
    return policy_or_my_order(shopper_text(tracker), ranking, order_number=has_number)


def start_verification(services: Any, tracker: Tracker, flow: OrderFlow) -> Events:
    """Events that verify the shopper and then run ``flow``: the order number given in the
    message is kept, an unverified shopper's earlier one forgotten (the form asks for it)."""
    events: Events = [SlotSet("requested_flow", flow.value)]
    number = first_entity(tracker, "order_number")
    if number:
        events.append(SlotSet("order_number", normalize_order_number(number)))
    elif verified_customer(services.verification, tracker) is None:
        events.append(SlotSet("order_number", None))
    return [*events, FollowupAction("verification_form")]


def answer_policy(
    services: Any,
    dispatcher: CollectingDispatcher,
    text: str,
    topic: str | None,
    offer: Kind | None = None,
) -> Events:
    """Answer a policy question from the knowledge base, followed by ``offer`` (checking one of
    the shopper's orders, with Yes / No) when given; a person is offered when nothing answers."""
    answer = policy_answer(services, text, topic)
    if answer is None:
        dispatcher.utter_message(
            text=f"{NOT_SURE} Shall I pass you to a person from our team?", buttons=YES_NO
        )
        return [SlotSet("pending_confirmation", "handoff")]
    if offer is None:
        dispatcher.utter_message(text=answer)
        return [SlotSet("last_flow", topic or "policy")]
    dispatcher.utter_message(text=f"{answer}\n\n{offer.offer}", buttons=YES_NO)
    return [
        SlotSet("last_flow", topic),
        SlotSet("requested_flow", offer.flow),
        SlotSet("pending_confirmation", "check_order"),
    ]


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


def flow_finished(flow: OrderFlow | str) -> Events:
    """Events closing a flow: its data forgotten, its name kept for the rating."""
    name = flow.value if isinstance(flow, OrderFlow) else flow
    return [*clear_flow_slots(), SlotSet("last_flow", name)]


def finish(
    dispatcher: CollectingDispatcher, text: str, flow: OrderFlow, ask_rating: bool
) -> Events:
    """Say ``text`` and close ``flow``, asking for a rating when the flow did what was asked."""
    dispatcher.utter_message(text=text)
    if ask_rating:
        dispatcher.utter_message(response="utter_ask_rating")
    return flow_finished(flow)


class ActionStartSupportFlow(ShopAction):
    """Starts the order flow the shopper asked for: verification first, with the order number
    they gave. A question that may be about the policy as well ("how long does a refund
    take?") gets the policy and an offer to check their order instead
    (:mod:`actions.policy_or_order`)."""

    def name(self) -> str:
        return "action_start_support_flow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        decision = policy_or_order_of(tracker)
        if decision is not None and decision.reading is Reading.POLICY:
            text = shopper_text(tracker)
            return answer_policy(
                self.services, dispatcher, text, decision.kind.topic, offer=decision.kind
            )
        # An order number on its own continues the last order flow, or asks for the status.
        flow = (
            OrderFlow.named((tracker.latest_message.get("intent") or {}).get("name"))
            or OrderFlow.named(tracker.get_slot("last_flow"))
            or OrderFlow.ORDER_STATUS
        )
        return start_verification(self.services, tracker, flow)


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
        if value is None:
            # Cleared when the flow starts (no number given yet): the form asks, no complaint.
            return {"order_number": None}
        number = normalize_order_number(str(value))
        if not _ORDER_NUMBER.match(number):
            dispatcher.utter_message(
                text="Order numbers have 5 digits, like 10001; "
                "you'll find yours in the confirmation email."
            )
            return {"order_number": None}
        customer = verified_customer(self.services.verification, tracker)
        if customer is not None:
            with self.services.session() as session:
                if OrderService(session).order_view(number, customer) is None:
                    dispatcher.utter_message(
                        text=f"I can't find an order {number} among the orders of the customer "
                        "verified in this chat. "
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
            link_verified(self.services, tracker, customer, LinkMethod.VERIFICATION)
            if self.services.settings.personalisation:
                greeting = greeting_for(self.services, customer, tracker.sender_id)
                if greeting:
                    dispatcher.utter_message(text=greeting)
            return {
                "contact": contact,
                **verified_slots(self.services.verification, tracker, customer),
                "verification_failures": 0.0,
            }
        failures = int(tracker.get_slot("verification_failures") or 0) + 1
        left = MAX_VERIFICATION_ATTEMPTS - failures
        if left <= 0:
            dispatcher.utter_message(
                text="That order number and email or ZIP code still don't match our records."
            )
        else:
            dispatcher.utter_message(
                text="That order number and email or ZIP code don't match our records. "
                f"Let's try again ({left} attempt{'s' if left > 1 else ''} left)."
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
                text="For your security I've stopped trying to verify the order here. "
                "A person from our team can check it with you."
            )
            return [
                *clear_flow_slots(),
                *hand_over(self.services, dispatcher, tracker, HandoffReason.VERIFICATION_FAILED),
            ]
        flow = OrderFlow.named(tracker.get_slot("requested_flow")) or OrderFlow.ORDER_STATUS
        return run_flow(self.services, dispatcher, flow, number, customer)


@dataclass(frozen=True)
class OrderFlowContext:
    """What an order flow works with: a verified customer's order on an open session."""

    services: Any
    session: Session
    dispatcher: CollectingDispatcher
    view: OrderView
    customer: int

    @property
    def number(self) -> str:
        """The order's number."""
        return self.view.number


def show_status(flow: OrderFlowContext) -> Events:
    """Where the order is, then a rating question."""
    return finish(flow.dispatcher, order_status_text(flow.view), OrderFlow.ORDER_STATUS, True)


def show_refund(flow: OrderFlowContext) -> Events:
    """Where the refund of the order stands, then a rating question."""
    refund = ReturnService(flow.session).refund_status(flow.number, flow.customer)
    text = refund_text(refund) if refund else order_not_found_text(flow.number)
    return finish(flow.dispatcher, text, OrderFlow.REFUND_STATUS, refund is not None)


def offer_cancellation(flow: OrderFlowContext) -> Events:
    """Ask before cancelling an order that can be cancelled; else say why it can't."""
    outcome = OrderService(flow.session).check_cancellation(flow.number, flow.customer)
    if outcome.status is not CancelStatus.CANCELLABLE:
        return answer_cancellation(flow.dispatcher, outcome)
    flow.dispatcher.utter_message(text=cancellation_offer_text(flow.view), buttons=YES_NO)
    return [SlotSet("pending_confirmation", "cancel_order")]


def offer_address_change(flow: OrderFlowContext) -> Events:
    """Show the current address and ask for the new one, or say why it can't change."""
    outcome = OrderService(flow.session).check_address_change(flow.number, flow.customer)
    flow.dispatcher.utter_message(text=address_change_text(outcome, flow.view))
    if outcome.status is not AddressChangeStatus.CHANGEABLE:
        return flow_finished(OrderFlow.CHANGE_SHIPPING_ADDRESS)
    return [FollowupAction("address_form")]


def start_return(flow: OrderFlowContext) -> Events:
    """Tell which items can go back and ask why, or why none can."""
    return offer_return(flow.services, flow.session, flow.dispatcher, flow.number, flow.customer)


def explain_order_change(flow: OrderFlowContext) -> Events:
    """Items can't be changed: suggest cancelling (while possible) or a person."""
    cancellable = (
        OrderService(flow.session).check_cancellation(flow.number, flow.customer).status
        is CancelStatus.CANCELLABLE
    )
    instead = (
        f"You can cancel order {flow.number} while it hasn't shipped and order again, or "
        if cancellable
        else ""
    )
    flow.dispatcher.utter_message(
        text="Items or sizes of an order can't be changed once it's placed. "
        f"{instead}a person from our team can look at it with you. Shall I pass you to them?",
        buttons=YES_NO,
    )
    return [SlotSet("pending_confirmation", "handoff")]


#: What each order flow does once the shopper is verified.
FLOW_HANDLERS: dict[OrderFlow, Callable[[OrderFlowContext], Events]] = {
    OrderFlow.ORDER_STATUS: show_status,
    OrderFlow.REFUND_STATUS: show_refund,
    OrderFlow.CANCEL_ORDER: offer_cancellation,
    OrderFlow.CHANGE_SHIPPING_ADDRESS: offer_address_change,
    OrderFlow.RETURN_ITEM: start_return,
    OrderFlow.CHANGE_ORDER: explain_order_change,
}


def run_flow(
    services: Any, dispatcher: CollectingDispatcher, flow: OrderFlow, number: str, customer: int
) -> Events:
    """One order flow for a verified customer's order."""
    with services.session() as session:
        view = OrderService(session).order_view(number, customer)
        if view is None:
            dispatcher.utter_message(text=order_not_found_text(number))
            return flow_finished(flow)
        context = OrderFlowContext(services, session, dispatcher, view, customer)
        return FLOW_HANDLERS[flow](context)


def answer_cancellation(dispatcher: CollectingDispatcher, outcome: CancelOutcome) -> Events:
    """Say what a cancellation did or why it was refused, offering a return when it was sent."""
    if offers_return(outcome):
        dispatcher.utter_message(text=cancellation_text(outcome), buttons=YES_NO)
        return [SlotSet("pending_confirmation", "offer_return")]
    done = outcome.status is CancelStatus.CANCELLED
    return finish(dispatcher, cancellation_text(outcome), OrderFlow.CANCEL_ORDER, done)


def offer_return(
    services: Any, session: Any, dispatcher: CollectingDispatcher, number: str, customer: int
) -> list[dict[str, Any]]:
    """Tell which items can go back and ask the reason, or explain why none can."""
    eligibility = ReturnService(session).return_eligibility(
        number, customer, return_rules(services), services.today()
    )
    if eligibility is None:
        dispatcher.utter_message(text=order_not_found_text(number))
        return flow_finished(OrderFlow.RETURN_ITEM)
    dispatcher.utter_message(text=eligibility_text(eligibility))
    if not eligibility.eligible_lines:
        return flow_finished(OrderFlow.RETURN_ITEM)
    return [SlotSet("requested_flow", OrderFlow.RETURN_ITEM.value), FollowupAction("return_form")]


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
        if pending == "check_order" and agreed:
            # The shopper took up the offer made after a policy answer: verify, then run the flow.
            flow = OrderFlow.named(tracker.get_slot("requested_flow")) or OrderFlow.ORDER_STATUS
            return [
                SlotSet("pending_confirmation", None),
                *start_verification(self.services, tracker, flow),
            ]
        if pending == "check_order":
            dispatcher.utter_message(text="OK. Is there anything else I can help with?")
            return [SlotSet("pending_confirmation", None), SlotSet("requested_flow", None)]
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
            with self.services.session() as session:
                outcome = OrderService(session).cancel_order(number, customer)
            return answer_cancellation(dispatcher, outcome)
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
            return flow_finished(OrderFlow.CHANGE_SHIPPING_ADDRESS)
        number, customer = verified
        with self.services.session() as session:
            view = OrderService(session).order_view(number, customer)
            name = view.shipping_address.name if view else None
            outcome = OrderService(session).change_shipping_address(
                number,
                customer,
                parse_address(tracker.get_slot("new_address") or "", default_name=name),
            )
        done = outcome.status is AddressChangeStatus.CHANGED
        text = address_change_text(outcome, view)
        return finish(dispatcher, text, OrderFlow.CHANGE_SHIPPING_ADDRESS, done)


class ActionCreateReturn(ShopAction):
    """Opens the return (RMA) for every eligible item of the order."""

    def name(self) -> str:
        return "action_create_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        verified = verified_order(self.services, tracker, dispatcher, "I want to return something")
        if verified is None:
            return flow_finished(OrderFlow.RETURN_ITEM)
        number, customer = verified
        reason = tracker.get_slot("return_reason")
        if reason and self.services.settings.redact_pii:
            # Stored with the return as the conversation's copy is: without personal data.
            reason = redact(str(reason))
        with self.services.session() as session:
            outcome = ReturnService(session).create_return(
                number,
                customer,
                return_rules(self.services),
                self.services.today(),
                reason=reason,
            )
        done = outcome.status is ReturnStatusCode.CREATED
        return finish(dispatcher, return_outcome_text(outcome), OrderFlow.RETURN_ITEM, done)


class ActionAnswerPolicy(ShopAction):
    """Answers policy questions (shipping, returns, payment, ...) from the knowledge base.

    Outside a form, a question that may be about the shopper's own order as well gets the
    policy and an offer to check their order, and one about their own order ("when will I get
    my refund?") starts verification whichever intent it was read as
    (:mod:`actions.policy_or_order`)."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        decision = policy_or_order_of(tracker)
        topic = (
            decision.kind.topic
            if decision is not None
            else knowledge_topic((tracker.latest_message.get("intent") or {}).get("name"))
        )
        text = shopper_text(tracker)
        if decision is None or tracker.active_loop_name:
            return answer_policy(self.services, dispatcher, text, topic)
        if decision.reading is Reading.MY_ORDER:
            flow = OrderFlow.named(decision.kind.flow) or OrderFlow.ORDER_STATUS
            return start_verification(self.services, tracker, flow)
        return answer_policy(self.services, dispatcher, text, topic, offer=decision.kind)


class ValidateReturnForm(UsesShopServices, FormValidationAction):
    """Takes the reason for a return; a question asked instead is answered, and the reason
    asked for again (:func:`actions.return_reason.asks_instead_of_answering`)."""

    def name(self) -> str:
        return "validate_return_form"

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        intent, confidence = likeliest_intent(tracker)
        if not asks_instead_of_answering(text, intent, confidence):
            return {"return_reason": value}
        answer = policy_answer(self.services, text, knowledge_topic(intent))
        dispatcher.utter_message(
            text=answer or f'{NOT_SURE} Say "talk to a person" if you\'d like one of our team.'
        )
        # Emptied, the reason is asked for again and the form stays active.
        return {"return_reason": None}
