"""Hand-offs to human agents, satisfaction ratings, and migration 0002 that adds their tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import create_engine_for, session_factory
from storage.migrations import current_revision, downgrade, upgrade
from storage.schema import HandoffReason, HandoffRequest, HandoffStatus
from storage.support import (
    InvalidRating,
    is_handed_off,
    open_handoffs,
    rating_summary,
    record_rating,
    request_handoff,
    resolve_handoff,
)
from tests.helpers.demo_shop import reopen

MORNING = datetime(2025, 3, 14, 9, 0)
SUPPORT_TABLES = {"order_cancellations", "handoff_requests", "satisfaction_ratings"}


# --- hand-offs -----------------------------------------------------------------------------------


def test_a_handoff_request_is_stored_and_queued(session: Session, engine: Engine) -> None:
    handoff = request_handoff(
        session, "chat-1", HandoffReason.COMPLAINT, "Parcel arrived damaged", now=MORNING
    )
    assert (handoff.status, handoff.reason, handoff.created_at) == (
        HandoffStatus.OPEN,
        HandoffReason.COMPLAINT,
        MORNING,
    )
    with reopen(engine) as check:
        assert is_handed_off(check, "chat-1")
        assert not is_handed_off(check, "chat-2")
        (queued,) = open_handoffs(check)
        assert (queued.sender_id, queued.note) == ("chat-1", "Parcel arrived damaged")


def test_asking_again_while_open_keeps_the_first_request(session: Session, engine: Engine) -> None:
    first = request_handoff(session, "chat-1", "verification_failed", now=MORNING)
    again = request_handoff(session, "chat-1", "requested", "please, a human", now=MORNING)
    assert again == first
    with reopen(engine) as check:
        assert check.execute(select(HandoffRequest.reason)).scalars().all() == [
            HandoffReason.VERIFICATION_FAILED
        ]


def test_the_agents_queue_is_oldest_first(session: Session) -> None:
    request_handoff(session, "late", "complaint", now=MORNING + timedelta(minutes=5))
    request_handoff(session, "early", "repeated_fallback", now=MORNING)
    assert [h.sender_id for h in open_handoffs(session)] == ["early", "late"]


def test_resolving_hands_the_conversation_back_to_the_bot(session: Session, engine: Engine) -> None:
    request_handoff(session, "chat-1", "requested", "wants to talk to a person", now=MORNING)
    resolved = resolve_handoff(
        session, "chat-1", "Called the customer back", now=MORNING + timedelta(hours=1)
    )
    assert resolved.status is HandoffStatus.RESOLVED
    assert resolved.resolved_at == MORNING + timedelta(hours=1)
    assert resolved.note == "wants to talk to a person\nCalled the customer back"
    with reopen(engine) as check:
        assert not is_handed_off(check, "chat-1")
        assert open_handoffs(check) == []
    assert resolve_handoff(session, "chat-1") is None

    reopened = request_handoff(session, "chat-1", "complaint")
    assert reopened.id != resolved.id and reopened.status is HandoffStatus.OPEN


def test_unknown_handoff_reasons_are_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="angry"):
        request_handoff(session, "chat-1", "angry")
    assert open_handoffs(session) == []


def test_the_database_allows_one_open_request_per_conversation(session: Session) -> None:
    request_handoff(session, "chat-1", "requested")
    session.add(HandoffRequest(sender_id="chat-1", reason=HandoffReason.COMPLAINT))
    with pytest.raises(IntegrityError):
        session.flush()


# --- ratings -------------------------------------------------------------------------------------


def test_ratings_are_stored_and_summarised(session: Session, engine: Engine) -> None:
    record_rating(session, "chat-1", 5, "order_status", now=MORNING)
    record_rating(session, "chat-2", 2, "returns", "took too long", now=MORNING)
    record_rating(session, "chat-3", 4, "returns", now=MORNING + timedelta(days=1))
    with reopen(engine) as check:
        everything = rating_summary(check)
        assert (everything.count, everything.average) == (3, pytest.approx(11 / 3))
        assert everything.by_score == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
        returns = rating_summary(check, flow="returns")
        assert (returns.count, returns.average) == (2, 3.0)
        recent = rating_summary(check, since=MORNING + timedelta(hours=1))
        assert (recent.count, recent.average) == (1, 4.0)
        assert rating_summary(check, flow="cancellation").average is None


@pytest.mark.parametrize("rating", [0, 6, -1, 3.5, "5", True])
def test_ratings_outside_one_to_five_are_refused(session: Session, rating) -> None:
    with pytest.raises(InvalidRating, match="1 to 5"):
        record_rating(session, "chat-1", rating, "returns")
    assert rating_summary(session).count == 0


def test_a_rating_names_its_flow(session: Session) -> None:
    with pytest.raises(InvalidRating, match="flow"):
        record_rating(session, "chat-1", 4, "  ")


# --- migration 0002 ------------------------------------------------------------------------------


def test_0002_upgrades_a_shop_at_0001_and_downgrades_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url, "0001")
    engine = create_engine_for(url)
    try:
        assert not SUPPORT_TABLES & set(inspect(engine).get_table_names())
        upgrade(engine, "0002")
        assert current_revision(engine) == "0002"
        assert SUPPORT_TABLES <= set(inspect(engine).get_table_names())
        with session_factory(engine)() as session:
            request_handoff(session, "chat-1", "requested")
        downgrade(engine, "0001")
        assert current_revision(engine) == "0001"
        tables = set(inspect(engine).get_table_names())
        assert not SUPPORT_TABLES & tables and {"orders", "refunds"} <= tables
    finally:
        engine.dispose()


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_handoffs_and_ratings_on_postgres(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = create_engine_for(postgres_url)
    sessions = session_factory(engine)
    try:
        with sessions() as session:
            request_handoff(session, "chat-1", "repeated_fallback", now=MORNING)
            assert request_handoff(session, "chat-1", "complaint").reason is (
                HandoffReason.REPEATED_FALLBACK
            )
            record_rating(session, "chat-1", 3, "returns")
            session.add(HandoffRequest(sender_id="chat-1", reason=HandoffReason.COMPLAINT))
            with pytest.raises(IntegrityError):
                session.flush()
            session.rollback()
        with sessions() as check:
            assert [h.sender_id for h in open_handoffs(check)] == ["chat-1"]
            assert rating_summary(check, flow="returns").average == 3.0
            assert resolve_handoff(check, "chat-1").status is HandoffStatus.RESOLVED
            assert not is_handed_off(check, "chat-1")
    finally:
        engine.dispose()
