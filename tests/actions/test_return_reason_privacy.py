"""The reason a shopper types for a return is stored without their personal data."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.support import ActionCreateReturn
from storage.schema import (
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductVariant,
    ReturnRequest,
    Shipment,
)
from tests.helpers.trackers import verified_tracker

REASON = "too small, call me on (415) 555-0134"


def returnable_order(services, number: str) -> tuple[int, str]:
    """A new order of a generated customer, delivered two days ago (inside the return window)."""
    now = datetime.utcnow()
    with services.session() as session:
        customer = session.execute(
            select(Customer).where(Customer.email.like("%@example.net")).limit(1)
        ).scalar_one()
        variant = session.execute(
            select(ProductVariant).join(Product).where(Product.final_sale.is_(False)).limit(1)
        ).scalar_one()
        order = Order(
            number=number,
            customer=customer,
            status=OrderStatus.DELIVERED,
            placed_at=now - timedelta(days=6),
            currency="USD",
            shipping_name=customer.name,
            shipping_line1="1 Test Street",
            shipping_city="Portland",
            shipping_region="OR",
            shipping_postal_code="97201",
            shipping_country="US",
            payment_method="Visa ending 1111",
        )
        session.add(order)
        order.lines.append(
            OrderLine(
                variant=variant,
                product_title=variant.product.title,
                quantity=1,
                unit_price=variant.price,
                final_sale=False,
            )
        )
        order.shipments.append(
            Shipment(
                carrier="UPS",
                tracking_number=f"1Z{number}",
                shipped_at=now - timedelta(days=5),
                delivered_at=now - timedelta(days=2),
            )
        )
        session.commit()
        return customer.id, number


def create_return(services, customer_id: int, number: str) -> str | None:
    slots = {"order_number": number, "requested_flow": "return_item", "return_reason": REASON}
    tracker = verified_tracker(
        services.verification, customer_id, REASON, "inform", slots, f"reason-{number}"
    )
    asyncio.run(ActionCreateReturn(services).run(CollectingDispatcher(), tracker, {}))
    with services.session() as session:
        return session.execute(
            select(ReturnRequest.reason).join(Order).where(Order.number == number)
        ).scalar_one_or_none()


def test_the_phone_in_a_return_reason_is_masked(services) -> None:
    customer_id, number = returnable_order(services, "39001")
    assert create_return(services, customer_id, number) == "too small, call me on <PHONE>"


def test_with_masking_off_the_reason_is_stored_as_typed(services) -> None:
    plain = dataclasses.replace(
        services, settings=dataclasses.replace(services.settings, redact_pii=False)
    )
    customer_id, number = returnable_order(services, "39002")
    assert create_return(plain, customer_id, number) == REASON
