"""The action server's signed record of which customer a conversation verified."""

from __future__ import annotations

import time

from rasa_sdk import Tracker

from actions.verification import CustomerVerification, verified_customer, verified_slots

SIGNER = CustomerVerification(b"k" * 32, idle_seconds=30 * 60)


def tracker(sender: str, slots: dict, message_times: list[float]) -> Tracker:
    events = [{"event": "user", "timestamp": t, "text": "hi"} for t in message_times]
    return Tracker(sender, slots, {"text": "hi"}, events, False, None, {}, "action_listen")


def test_a_proof_names_the_customer_for_its_own_conversation() -> None:
    now = time.time()
    slots = verified_slots(SIGNER, tracker("c-1", {}, []), 7)
    assert verified_customer(SIGNER, tracker("c-1", slots, [now])) == 7


def test_a_proof_does_not_work_in_another_conversation() -> None:
    slots = verified_slots(SIGNER, tracker("c-1", {}, []), 7)
    assert verified_customer(SIGNER, tracker("c-2", slots, [time.time()])) is None


def test_a_slot_naming_another_customer_than_the_proof_is_refused() -> None:
    slots = {**verified_slots(SIGNER, tracker("c-1", {}, []), 7), "verified_customer_id": 8.0}
    assert verified_customer(SIGNER, tracker("c-1", slots, [time.time()])) is None


def test_the_slot_alone_or_a_proof_signed_with_another_key_is_refused() -> None:
    other = CustomerVerification(b"x" * 32, idle_seconds=1800)
    assert verified_customer(SIGNER, tracker("c-1", {"verified_customer_id": 7.0}, [])) is None
    forged = verified_slots(other, tracker("c-1", {}, []), 7)
    assert verified_customer(SIGNER, tracker("c-1", forged, [time.time()])) is None
    garbage = {**forged, "verification_proof": "garbage"}
    assert verified_customer(SIGNER, tracker("c-1", garbage, [])) is None


def test_verification_lapses_after_the_conversation_was_idle_too_long() -> None:
    issued = time.time() - 3 * 3600
    proof = SIGNER.sign("c-1", 7, issued_at=issued)
    slots = {"verified_customer_id": 7.0, "verification_proof": proof}
    # A shopper who kept talking every 20 minutes since then is still verified...
    steady = [issued + 20 * 60 * i for i in range(1, 10)] + [time.time() - 60]
    assert verified_customer(SIGNER, tracker("c-1", slots, steady)) == 7
    # ...one who paused for an hour in between is asked again.
    paused = (
        [issued + 60, issued + 120]
        + [issued + 2 * 3600 + 60 * i for i in range(0, 60, 10)]
        + [time.time() - 60]
    )
    assert verified_customer(SIGNER, tracker("c-1", slots, paused)) is None
    # And a forged tracker without the messages in between cannot stretch it.
    assert verified_customer(SIGNER, tracker("c-1", slots, [])) is None
