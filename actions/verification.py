"""Who the shopper proved to be in this conversation, vouched for by the action server alone.

A tracker is only what Rasa (or whoever holds the action server's secret) sends, so a slot
saying "customer 42 is verified" proves nothing by itself. When a shopper passes the order
number + email/ZIP check, the action server signs (HMAC-SHA256, with a key Rasa never sees)
the conversation id, the customer id and the time. Every action that discloses or changes an
order reads the customer through :func:`verified_customer`, which accepts the claim only when

* the signature matches (the claim was made by this action server),
* it names this conversation (a verified state never carries over to another sender id), and
* the conversation has not been idle longer than the verification lifetime since then (a
  shopper who comes back after a long pause, or someone who finds the page later, is asked
  again).

Whether the verified customer owns a given order is decided in one place below the actions:
every :class:`storage.orders.OrderService` lookup and change is scoped to the customer.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from rasa_sdk import Tracker

#: Slot with the verified customer's id (for staff and the recommender's history).
CUSTOMER_SLOT = "verified_customer_id"
#: Slot with the action server's signed statement of that verification.
PROOF_SLOT = "verification_proof"


@dataclass(frozen=True)
class CustomerVerification:
    """Signs and checks "conversation S verified customer C at time T"."""

    key: bytes
    #: Seconds a conversation may stay idle before the verification lapses.
    idle_seconds: float

    def sign(self, sender_id: str, customer_id: int, issued_at: float | None = None) -> str:
        """The proof for ``customer_id`` in conversation ``sender_id``.

        Its form is ``customer:time:signature``.
        """
        issued = int(issued_at if issued_at is not None else time.time())
        return f"{customer_id}:{issued}:{self._mac(sender_id, customer_id, issued)}"

    def customer(self, sender_id: str, proof: Any, activity: list[float], now: float) -> int | None:
        """The customer a valid ``proof`` names, or None.

        ``activity`` holds the times of the shopper's messages; the proof lapses when two
        consecutive ones after it (or the last one and ``now``) are further apart than
        :attr:`idle_seconds`.
        """
        try:
            customer_text, issued_text, mac = str(proof).split(":")
            customer_id, issued = int(customer_text), int(issued_text)
        except (TypeError, ValueError):
            return None
        if not hmac.compare_digest(
            mac.encode(), self._mac(sender_id, customer_id, issued).encode()
        ):
            return None
        moments = [issued, *sorted(t for t in activity if t > issued), now]
        if any(later - earlier > self.idle_seconds for earlier, later in pairwise(moments)):
            return None
        return customer_id

    def _mac(self, sender_id: str, customer_id: int, issued: int) -> str:
        message = f"{len(sender_id)}:{sender_id}|{customer_id}|{issued}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


def verified_customer(verification: CustomerVerification, tracker: Tracker) -> int | None:
    """The customer verified in this conversation, or None (never verified, forged or lapsed)."""
    proof = tracker.get_slot(PROOF_SLOT)
    claimed = tracker.get_slot(CUSTOMER_SLOT)
    if proof is None or claimed is None:
        return None
    activity = [
        float(e["timestamp"])
        for e in tracker.events
        if e.get("event") == "user" and e.get("timestamp")
    ]
    customer = verification.customer(tracker.sender_id, proof, activity, time.time())
    if customer is None or float(claimed) != float(customer):
        return None
    return customer


def verified_slots(
    verification: CustomerVerification, tracker: Tracker, customer_id: int
) -> dict[str, Any]:
    """Slot values recording that the shopper of ``tracker`` just proved to be ``customer_id``."""
    return {
        CUSTOMER_SLOT: float(customer_id),
        PROOF_SLOT: verification.sign(tracker.sender_id, customer_id),
    }
