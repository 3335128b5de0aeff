"""Orders, returns and refunds in the words the bot tells the shopper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from actions.product_presenter import format_price
from storage.orders import OrderView
from storage.returns import (
    RefundStage,
    RefundView,
    ReturnEligibility,
    ReturnLineEligibility,
    ReturnOutcome,
)

STATUS_WORDS = {
    "processing": "is being prepared and hasn't shipped yet",
    "shipped": "is on its way",
    "delivered": "was delivered",
    "cancelled": "was cancelled",
    "returned": "was returned",
}


def day(value: date | datetime | None) -> str:
    """``March 14, 2025``."""
    if value is None:
        return "an unknown date"
    return f"{value:%B} {value.day}, {value.year}"


def money(amount: Decimal | float, currency: str | None) -> str:
    """An amount with its currency symbol."""
    return format_price(float(amount), currency or "USD")


def items_line(view: OrderView) -> str:
    """ "2 × Trail Sock, 1 × Tempo 3 Running Shoe"."""
    return ", ".join(f"{item.quantity} × {item.title}" for item in view.items)


def order_status_text(view: OrderView) -> str:
    """State, items, carrier, tracking number and the (estimated) delivery date of an order."""
    status = getattr(view.status, "value", view.status)
    lines = [
        f"Order {view.number} {STATUS_WORDS.get(status, status)}.",
        f"Items: {items_line(view)} (total {money(view.total, view.currency)}).",
    ]
    if view.carrier and view.tracking_number:
        lines.append(
            f"Shipped {day(view.shipped_at)} with {view.carrier}, tracking number {view.tracking_number}."
        )
    if view.delivered_at:
        lines.append(f"Delivered on {day(view.delivered_at)}.")
    elif view.estimated_delivery and status == "shipped":
        lines.append(f"Estimated delivery: {day(view.estimated_delivery)}.")
    elif status == "processing":
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
    parts = []
    if eligible:
        listed = "; ".join(
            f"{l.returnable_quantity} × {l.title} ({money(l.refund_amount, eligibility.currency)})"
            for l in eligible
        )
        parts.append(
            f"From order {eligibility.order_number} you can return: {listed}. "
            f"Refund: {money(eligibility.refund_amount, eligibility.currency)} to your original payment method."
        )
        if eligibility.window_ends_on:
            parts.append(f"The return window ends on {day(eligibility.window_ends_on)}.")
    if refused:
        reasons = "; ".join(line_reason(l) for l in refused)
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
        f"Your return is open: RMA number {outcome.rma_number}, refund {money(outcome.refund_amount or 0, outcome.currency)}. "
        "Next steps: pack the items with the RMA number on a note inside, drop the parcel at any UPS point with the "
        "prepaid label we're emailing you, and the refund goes to your original payment method within 5–7 business "
        "days after the parcel reaches us."
    )


def refund_text(view: RefundView) -> str:
    """Amount, method and date of the refund, or where the return stands."""
    amount = money(view.amount, view.currency) if view.amount is not None else None
    if view.stage == RefundStage.REFUND_ISSUED:
        return f"Your refund of {amount} for order {view.order_number} was issued on {day(view.issued_at)} to {view.method}. Banks usually show it within 5–7 business days."
    if view.stage == RefundStage.REFUND_PENDING:
        return f"Your refund of {amount} for order {view.order_number} is approved and being processed to {view.method}."
    if view.stage == RefundStage.RETURN_OPEN:
        return f"Return {view.rma_number} for order {view.order_number} was opened on {day(view.return_requested_at)} and we're waiting for the parcel; once it arrives, {amount} is refunded to {view.method or 'your original payment method'}."
    if view.stage == RefundStage.RETURN_REJECTED:
        return f"Return {view.rma_number} for order {view.order_number} was not accepted, so no refund was issued. A person can explain why: just ask for an agent."
    return f"There's no return or refund on order {view.order_number}. If you'd like to send something back, say \"return an item\"."


def list_in_words(items: Sequence[str]) -> str:
    """ "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
