"""The action server as an attacker on the same machine or network would try it (docs/security.md).

Forged requests go straight to the real action server of the ``bot`` fixture; what they
change is checked in the shop database.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from typing import Any

import pytest
from sqlalchemy import select

from shopdesk.secrets import action_token
from shopdesk.serve import action_server_url
from storage.schema import Order

ALEX_ORDER, ALEX_TRACKING = "10002", "1Z999AA10123456784"
SAMS_ORDER, SAMS_TRACKING = "10006", "612999AA10123456"


def call_action(
    bot,
    action: str,
    sender: str,
    slots: dict,
    intent: str = "order_status",
    token: str | None = None,
):
    """POST a hand-written action call to the action server; (HTTP status, JSON body)."""
    tracker = {
        "sender_id": sender,
        "slots": slots,
        "latest_message": {
            "text": "/" + intent,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": [],
        },
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    body = {
        "next_action": action,
        "sender_id": sender,
        "tracker": tracker,
        "domain": {},
        "version": "3.6.21",
    }
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{action_server_url(bot.settings)}/webhook",
        data=json.dumps(body).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def said(body: Any) -> str:
    """Everything the action told the shopper."""
    return json.dumps(body.get("responses", []) if isinstance(body, dict) else body)


def order_status(bot, number: str) -> str:
    with bot.session() as session:
        return session.execute(select(Order.status).where(Order.number == number)).scalar_one()


def alex_id(bot) -> float:
    with bot.session() as session:
        return float(
            session.execute(
                select(Order.customer_id).where(Order.number == ALEX_ORDER)
            ).scalar_one()
        )


@pytest.fixture(scope="module")
def token(bot) -> str:
    return action_token(bot.settings)


@pytest.mark.parametrize("given", [None, "", "wrong-token"])
def test_a_request_without_the_secret_is_refused_and_cancels_nothing(bot, given) -> None:
    slots = {
        "pending_confirmation": "cancel_order",
        "order_number": "10001",
        "verified_customer_id": alex_id(bot),
    }
    status, body = call_action(
        bot, "action_handle_confirmation", "forged-1", slots, intent="affirm", token=given
    )
    assert status == 401
    assert "token" in body["error"]
    assert order_status(bot, "10001") == "processing"


def test_the_action_list_needs_the_secret_but_health_does_not(bot, token) -> None:
    url = action_server_url(bot.settings)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/actions", timeout=10)
    assert refused.value.code == 401
    listing = urllib.request.Request(f"{url}/actions", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(listing, timeout=10) as reply:
        assert {"name": "action_run_support_flow"} in json.loads(reply.read())
    with urllib.request.urlopen(f"{url}/health", timeout=10) as reply:
        assert reply.status == 200


def test_a_verified_slot_without_the_servers_proof_discloses_nothing(bot, token) -> None:
    slots = {
        "requested_flow": "order_status",
        "order_number": ALEX_ORDER,
        "verified_customer_id": alex_id(bot),
    }
    status, body = call_action(bot, "action_run_support_flow", "forged-2", slots, token=token)
    assert status == 200
    assert ALEX_TRACKING not in said(body) and "UPS" not in said(body)


def test_a_forged_proof_cancels_nothing(bot, token) -> None:
    slots = {
        "pending_confirmation": "cancel_order",
        "order_number": "10001",
        "verified_customer_id": alex_id(bot),
        "verification_proof": f"{int(alex_id(bot))}:1999999999:{'0' * 64}",
    }
    status, body = call_action(
        bot, "action_handle_confirmation", "forged-3", slots, intent="affirm", token=token
    )
    assert status == 200
    assert "cancelled" not in said(body)
    assert order_status(bot, "10001") == "processing"


def verified_alex(bot, sender: str) -> dict:
    """Slots of a real conversation in which Alex passed verification."""
    bot.text(sender, f"where is my order {ALEX_ORDER}?")
    assert ALEX_TRACKING in bot.text(sender, "alex@example.com")
    slots = bot.slots(sender)
    assert slots["verification_proof"]
    return slots


def test_a_real_verification_with_another_customers_order_is_refused(bot, token) -> None:
    slots = {
        **verified_alex(bot, "sec-real"),
        "requested_flow": "order_status",
        "order_number": SAMS_ORDER,
    }
    status, body = call_action(bot, "action_run_support_flow", "sec-real", slots, token=token)
    assert status == 200
    assert SAMS_TRACKING not in said(body) and "FedEx" not in said(body)
    assert f"can't find order {SAMS_ORDER}" in said(body)


def test_a_verification_does_not_carry_over_to_another_conversation(bot, token) -> None:
    slots = {
        **verified_alex(bot, "sec-origin"),
        "requested_flow": "order_status",
        "order_number": ALEX_ORDER,
    }
    status, body = call_action(bot, "action_run_support_flow", "sec-origin", slots, token=token)
    assert ALEX_TRACKING in said(body)
    status, body = call_action(bot, "action_run_support_flow", "sec-elsewhere", slots, token=token)
    assert status == 200
    assert ALEX_TRACKING not in said(body)


def test_the_action_server_listens_on_loopback_only(bot) -> None:
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout
    port = f":{bot.settings.action_port}"
    addresses = [
        line.split()[3] for line in listening.splitlines() if line.split()[3].endswith(port)
    ]
    assert addresses, f"nothing listens on {port}:\n{listening}"
    assert all(address.startswith(("127.0.0.1:", "[::1]:")) for address in addresses), addresses


def test_no_secret_shows_on_a_command_line(bot, token) -> None:
    command_lines = subprocess.run(
        ["ps", "-eo", "args"], capture_output=True, text=True, check=True
    ).stdout
    assert "actions.server" in command_lines and "bot.rasa_main" in command_lines
    assert token not in command_lines
    assert bot.token not in command_lines
