"""Orders, returns and refunds in the words the bot tells the shopper."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from actions.product_presenter import format_price
from storage.orders import (
    AddressChangeOutcome,
    AddressChangeStatus,
    CancelOutcome,
    CancelStatus,
    OrderView,
    long_date,
)
from storage.returns import (
    RefundStage,
    RefundView,
    ReturnEligibility,
    ReturnLineEligibility,
    ReturnOutcome,
    ReturnStatusCode,
)
from storage.schema import OrderStatus

STATUS_WORDS = {
    OrderStatus.PROCESSING: "is being prepared and hasn't shipped yet",
    OrderStatus.SHIPPED: "is on its way",
    OrderStatus.DELIVERED: "was delivered",
    OrderStatus.CANCELLED: "was cancelled",
    OrderStatus.RETURNED: "was returned",
}
#: An order in these states has reached (or is on its way to) the shopper, so it can go back.
_SENT = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def day(value: date | datetime | None) -> str:
    """``March 14, 2025``."""
    return "an unknown date" if value is None else long_date(value)


def order_not_found_text(number: str) -> str:
    """The answer when a verified customer names an order that is not theirs (or none)."""
    return f"I can't find order {number} among your orders."


def money(amount: Decimal | float, currency: str | None) -> str:
    """An amount with its currency symbol."""
    return format_price(float(amount), currency or "USD")


def items_line(view: OrderView) -> str:
    """ "2 × Trail Sock, 1 × Tempo 3 Running Shoe"."""
    return ", ".join(f"{item.quantity} × {item.title}" for item in view.items)


def order_status_text(view: OrderView) -> str:
    """State, items, carrier, tracking number and the (estimated) delivery date of an order."""
    lines = [
        f"Order {view.number} {STATUS_WORDS.get(view.status, view.status.value)}.",
        f"Items: {items_line(view)} (total {money(view.total, view.currency)}).",
    ]
    if view.carrier and view.tracking_number:
        lines.append(
            f"Shipped {day(view.shipped_at)} with {view.carrier}, "
            f"tracking number {view.tracking_number}."
        )
    if view.delivered_at:
        lines.append(f"Delivered on {day(view.delivered_at)}.")
    elif view.estimated_delivery and view.status is OrderStatus.SHIPPED:
        lines.append(f"Estimated delivery: {day(view.estimated_delivery)}.")
    elif view.status is OrderStatus.PROCESSING:
        lines.append(
            f"Placed on {day(view.placed_at)}; it will ship to {view.shipping_address.one_line()}."
        )
    return "\n".join(lines)


def line_reason(line: ReturnLineEligibility) -> str:
    """ "Tempo 3 Running Shoe: final-sale item"."""
    return f"{line.title}: {line.reason}" if line.reason else line.title


def eligibility_text(eligibility: ReturnEligibility) -> str:
    """Which items can go back, for how much, and why the others can't."""
    eligible = eligibility.eligible_lines
    refused = [line for line in eligibility.lines if not line.eligible]
    currency = eligibility.currency
    parts = []
    if eligible:
        listed = "; ".join(
            f"{line.returnable_quantity} × {line.title} ({money(line.refund_amount, currency)})"
            for line in eligible
        )
        parts.append(
            f"From order {eligibility.order_number} you can return: {listed}. "
            f"Refund: {money(eligibility.refund_amount, currency)} to your original payment method."
        )
        if eligibility.window_ends_on:
            parts.append(f"The return window ends on {day(eligibility.window_ends_on)}.")
    if refused:
        reasons = "; ".join(line_reason(line) for line in refused)
        parts.append(
            (
                "These can't be returned: "
                if eligible
                else f"Order {eligibility.order_number} can't be returned: "
            )
            + reasons
            + "."
        )
    return " ".join(parts)


def return_created_text(outcome: ReturnOutcome) -> str:
    """The RMA number, refund amount and next steps of a new return."""
    return (
        f"Your return is open: RMA number {outcome.rma_number}, "
        f"refund {money(outcome.refund_amount or 0, outcome.currency)}. "
        "Next steps: pack the items with the RMA number on a note inside, drop the parcel at "
        "any UPS point with the prepaid label we're emailing you, and the refund goes to your "
        "original payment method within 5–7 business days after the parcel reaches us."
    )


def refund_text(view: RefundView) -> str:
    """Amount, method and date of the refund, or where the return stands."""
    amount = money(view.amount, view.currency) if view.amount is not None else None
    number, rma = view.order_number, view.rma_number
    if view.stage is RefundStage.REFUND_ISSUED:
        return (
            f"Your refund of {amount} for order {number} was issued on {day(view.issued_at)} "
            f"to {view.method}. Banks usually show it within 5–7 business days."
        )
    if view.stage is RefundStage.REFUND_PENDING:
        return (
            f"Your refund of {amount} for order {number} is approved and being processed "
            f"to {view.method}."
        )
    if view.stage is RefundStage.RETURN_OPEN:
        return (
            f"Return {rma} for order {number} was opened on {day(view.return_requested_at)} "
            f"and we're waiting for the parcel; once it arrives, {amount} is refunded to "
            f"{view.method or 'your original payment method'}."
        )
    if view.stage is RefundStage.RETURN_REJECTED:
        return (
            f"Return {rma} for order {number} was not accepted, so no refund was issued. "
            "A person can explain why: just ask for an agent."
        )
    return (
        f"There's no return or refund on order {number}. "
        'If you\'d like to send something back, say "return an item".'
    )


def cancellation_offer_text(view: OrderView) -> str:
    """The question before cancelling an order that can still be cancelled."""
    return (
        f"Order {view.number} ({items_line(view)}, {money(view.total, view.currency)}) "
        "hasn't shipped yet. Shall I cancel it?"
    )


def offers_return(outcome: CancelOutcome) -> bool:
    """True when a refused cancellation should offer a return instead (the order was sent)."""
    return outcome.status is CancelStatus.NOT_CANCELLABLE and outcome.order_status in _SENT


def cancellation_text(outcome: CancelOutcome) -> str:
    """What a cancellation did, or why the order can't be cancelled (and what to do instead)."""
    number = outcome.order_number
    if outcome.status is CancelStatus.CANCELLED:
        return (
            f"Done: order {number} is cancelled. The payment hold is released and any charge "
            "is refunded to your original payment method within 5–7 business days."
        )
    if outcome.status is CancelStatus.ALREADY_CANCELLED:
        return f"Order {number} was already cancelled; nothing more to do."
    if outcome.status is CancelStatus.NOT_FOUND:
        return order_not_found_text(number)
    if outcome.status is CancelStatus.CANCELLABLE:
        return f"Order {number} hasn't shipped yet, so it can still be cancelled."
    refusal = f"Order {number} can't be cancelled: {outcome.reason}."
    if not offers_return(outcome):
        return refusal
    when = "Once it arrives you" if outcome.order_status is OrderStatus.SHIPPED else "You"
    return f"{refusal} {when} can return it for a refund. Shall I start a return?"


def address_change_text(outcome: AddressChangeOutcome, view: OrderView | None = None) -> str:
    """Where the order ships now, what is missing from the address, or why it can't change.

    ``view`` (the order before the change) adds the carrier and tracking number a shopper
    can ask to redirect an order that is on its way.
    """
    number = outcome.order_number
    if outcome.status is AddressChangeStatus.CHANGED and outcome.address is not None:
        return f"Done: order {number} will now ship to {outcome.address.one_line()}."
    if outcome.status is AddressChangeStatus.CHANGEABLE and outcome.address is not None:
        return f"Order {number} will ship to {outcome.address.one_line()}."
    if outcome.status is AddressChangeStatus.INVALID:
        return "That address isn't complete: " + " ".join(outcome.errors.values())
    if outcome.status is AddressChangeStatus.NOT_FOUND:
        return order_not_found_text(number)
    refusal = f"The address of order {number} can't be changed: {outcome.reason}."
    if outcome.order_status is OrderStatus.SHIPPED and view and view.tracking_number:
        refusal += (
            f" The carrier ({view.carrier or 'the carrier'}) may be able to redirect it "
            f"with tracking number {view.tracking_number}."
        )
    return refusal


def return_outcome_text(outcome: ReturnOutcome) -> str:
    """The new return, the return that already holds the items, or why none was opened."""
    if outcome.status is ReturnStatusCode.CREATED:
        return return_created_text(outcome)
    if outcome.status is ReturnStatusCode.ALREADY_REQUESTED:
        return f"Those items are already in return {outcome.rma_number}; no need to open another."
    if outcome.status is ReturnStatusCode.NOT_FOUND:
        return order_not_found_text(outcome.order_number)
    reasons = "; ".join(line_reason(line) for line in outcome.refused)
    return (
        f"I couldn't open a return for order {outcome.order_number}: "
        f"{reasons or 'nothing on it can be returned'}."
    )
