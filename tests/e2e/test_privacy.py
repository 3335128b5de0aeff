"""Personal data on the real servers: masked at rest, flows still work, export and forget.

A shopper of her own (Dana, three orders) gives her email to verify, types a card number, a
phone number and a new shipping address; then a byte search of every file under the data
directory finds none of them where they should not be. The shop database is the shop's record
of its customers, so it keeps Dana's email and the address her order now ships to; it never
gets the card or the phone. After ``shopdesk customer forget`` no file holds her email, name
or phone.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.indexer import catch_up
from shopdesk.serve import start_bot
from shopdesk.training import latest_model
from storage.db import create_engine_for
from storage.schema import (
    ConversationMessage,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductVariant,
    ReturnRequest,
    Shipment,
)

EMAIL = "dana.whitfield@example.org"
NAME = "Dana Whitfield"
CARD = "4111 1111 1111 1111"
PHONE = "(503) 555-0143"
NEW_STREET = "88 Birch Road"
TRACKING = "1Z84PRIV0000000017"
REDIS = ("127.0.0.1", 6379)


def add_dana(bot) -> None:
    """Dana and her orders: 30001 processing, 30002 shipped, 30003 delivered 3 days ago."""
    now = datetime.utcnow()
    with bot.session() as session:
        variants = session.execute(
            select(ProductVariant).join(Product).where(Product.final_sale.is_(False)).limit(2)
        ).scalars()
        variant = list(variants)[0]
        dana = Customer(name=NAME, email=EMAIL, zip_code="97201")
        session.add(dana)
        for number, status, days in (
            ("30001", OrderStatus.PROCESSING, 1),
            ("30002", OrderStatus.SHIPPED, 4),
            ("30003", OrderStatus.DELIVERED, 8),
        ):
            order = Order(
                number=number,
                customer=dana,
                status=status,
                placed_at=now - timedelta(days=days),
                currency="USD",
                shipping_name=NAME,
                shipping_line1="12 Alder Street",
                shipping_city="Portland",
                shipping_region="OR",
                shipping_postal_code="97201",
                shipping_country="US",
                payment_method="Visa ending 1111",
            )
            order.lines.append(
                OrderLine(
                    variant=variant,
                    product_title=variant.product.title,
                    quantity=1,
                    unit_price=variant.price,
                    final_sale=False,
                )
            )
            if status is not OrderStatus.PROCESSING:
                order.shipments.append(
                    Shipment(
                        carrier="UPS",
                        tracking_number=TRACKING if number == "30002" else "1Z84PRIV0000000031",
                        shipped_at=now - timedelta(days=days - 1),
                        estimated_delivery=(now + timedelta(days=2)).date(),
                        delivered_at=now - timedelta(days=3) if number == "30003" else None,
                    )
                )
            session.add(order)
        session.commit()


def files_holding(root: Path, secrets: list[str], skip: str | None = None) -> list[str]:
    """``file: secret`` for each file under ``root`` (not named ``skip*``) holding a secret."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if skip and path.name.startswith(skip):
            continue
        data = path.read_bytes()
        found += [f"{path.relative_to(root)}: {s}" for s in secrets if s.encode() in data]
    return found


def shopdesk(*args: str) -> subprocess.CompletedProcess:
    """Run the ``shopdesk`` command (the bot fixture's settings are in the environment)."""
    return subprocess.run(
        [sys.executable, "-m", "shopdesk.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def index_for_the_console(bot) -> None:
    """What the console's indexer does every second: copy new events into its index."""
    events = create_engine_for(bot.settings.tracker_store_url)
    try:
        with bot.session() as session:
            catch_up(events, session)
    finally:
        events.dispose()


@pytest.fixture(scope="module")
def restarted(bot, free_port):
    """The bot started again on the same data, with two workers sharing a Redis lock store."""
    try:
        socket.create_connection(REDIS, timeout=2).close()
    except OSError as exc:
        pytest.fail(f"Redis is not running on {REDIS[0]}:{REDIS[1]}: {exc}", pytrace=False)
    settings = dataclasses.replace(
        bot.settings,
        rasa_port=free_port(),
        action_port=free_port(),
        rasa_workers=2,
        lock_store_url="redis://127.0.0.1:6379/4",
    )
    return settings


def test_personal_data_is_masked_flows_work_and_forget_erases_it(bot, restarted, tmp_path):
    add_dana(bot)
    data_dir = bot.settings.data_dir

    # Order status: verify with the email, then card and phone in the same conversation.
    assert "email" in bot.text("p-status", "where is my order 30002?").lower()
    assert TRACKING in bot.text("p-status", EMAIL)
    bot.text("p-status", f"my card {CARD} was charged twice")
    # Address change with a new address typed as "name, street, city, state ZIP".
    bot.text("p-address", "I need to change the shipping address of order 30001")
    bot.text("p-address", EMAIL)
    done = bot.text("p-address", f"{NAME}, {NEW_STREET}, Portland, OR 97205")
    assert "Done" in done, done
    bot.text("p-address", f"the courier can call me on {PHONE}")
    # A return.
    bot.text("p-return", "I'd like to return something from order 30003")
    assert "Why are you returning" in bot.text("p-return", EMAIL)
    assert "RMA" in bot.text("p-return", "they are too small")
    with bot.session() as session:
        order = session.execute(select(Order).where(Order.number == "30001")).scalar_one()
        assert order.shipping_line1 == NEW_STREET
        rma = session.execute(
            select(ReturnRequest.rma_number).join(Order).where(Order.number == "30003")
        ).scalar_one()

    # The conversation holds ids, not what the shopper typed.
    slots = bot.slots("p-status")
    assert slots["verified_customer_id"] is not None and slots["order_number"] == "30002"
    assert EMAIL not in json.dumps(slots)

    # After a restart, on two workers: still verified, from the masked transcript alone.
    running = start_bot(
        restarted, latest_model(restarted.rasa_model_dir), log_dir=data_dir / "logs" / "restarted"
    )
    try:
        other = type(bot)(f"http://127.0.0.1:{restarted.rasa_port}", running.token, restarted)
        for _ in range(3):
            answer = other.text("p-status", "where is my order 30002?")
            assert TRACKING in answer and "email" not in answer.lower(), answer
    finally:
        running.stop()

    index_for_the_console(bot)
    typed = [EMAIL, CARD, PHONE, NEW_STREET, "4111111111111111"]
    assert files_holding(data_dir, typed, skip="shop.db") == []
    assert files_holding(data_dir, [CARD, PHONE, "4111111111111111"]) == []

    # Export: everything held, to a file outside the data directory.
    exported = tmp_path / "dana.json"
    result = shopdesk("customer", "export", EMAIL, "--output", str(exported))
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(exported.read_text())
    assert data["profile"]["email"] == EMAIL and data["profile"]["name"] == NAME
    orders = {o["number"]: o for o in data["orders"]}
    assert set(orders) == {"30001", "30002", "30003"}
    assert NEW_STREET in orders["30001"]["shipping_address"]
    assert orders["30002"]["shipments"][0]["tracking_number"] == TRACKING
    assert orders["30003"]["returns"][0]["rma"] == rma
    conversations = {c["id"]: c["messages"] for c in data["conversations"]}
    assert {"p-status", "p-address", "p-return"} <= set(conversations)
    said = [m.get("text") for m in conversations["p-status"] if m.get("from") == "user"]
    assert "my card <CARD> was charged twice" in said
    said = [m.get("text") for m in conversations["p-address"] if m.get("from") == "user"]
    assert "the courier can call me on <PHONE>" in said
    assert "<NAME>, <ADDRESS>, Portland, OR 97205" in said

    # Forget: an unknown email changes nothing; Dana is erased; a second run says so.
    with bot.session() as session:
        before = session.execute(select(func.count()).select_from(Customer)).scalar_one()
    unknown = shopdesk("customer", "forget", "nobody-at-all@example.org")
    assert unknown.returncode == 1 and "Nothing is held" in unknown.stdout
    forgot = shopdesk("customer", "forget", EMAIL)
    assert forgot.returncode == 0, forgot.stdout + forgot.stderr
    assert "3 conversation" in forgot.stdout
    again = shopdesk("customer", "forget", EMAIL)
    assert again.returncode == 1 and "Nothing is held" in again.stdout

    with bot.session() as session:
        assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == before
        senders = session.execute(select(ConversationMessage.sender_id).distinct()).scalars()
        assert not {"p-status", "p-address", "p-return"} & set(senders)
        order = session.execute(select(Order).where(Order.number == "30002")).scalar_one()
        assert order.status is OrderStatus.SHIPPED and order.shipping_name != NAME
    status, tracker = bot.get(f"/conversations/p-status/tracker?token={bot.token}")
    assert status == 200 and tracker["slots"]["verified_customer_id"] is None
    assert files_holding(data_dir, [EMAIL, NAME, PHONE]) == []
