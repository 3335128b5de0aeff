"""Analytics over the console's index of the conversation store, for a chosen period.

Every figure is one SQL query grouped by day (weeks are rolled up from the days), and every
chart is backed by a :class:`Table` that the page shows and exports as CSV.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from storage.schema import (
    ConversationMessage,
    ConversationSummary,
    HandoffRequest,
    SatisfactionRating,
)

MAX_PERIOD_DAYS = 366
TOP = 10


class InvalidPeriod(ValueError):
    """A period the analytics cannot use; the message says what is allowed."""


@dataclass(frozen=True)
class Period:
    """The days ``first``..``last`` (inclusive), per ``day`` or ``week``, optionally one channel."""

    first: date
    last: date
    granularity: str = "day"
    channel: str | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time())

    def bucket(self, day: date) -> date:
        """The day itself, or the Monday of its week."""
        return day - timedelta(days=day.weekday()) if self.granularity == "week" else day

    def buckets(self) -> list[date]:
        """Every bucket of the period, in order (empty ones included)."""
        days = (self.last - self.first).days + 1
        return sorted({self.bucket(self.first + timedelta(days=n)) for n in range(days)})


def parse_period(params: dict[str, str], today: date) -> Period:
    """The period from query parameters ``from``, ``to``, ``per``, ``channel``; default the
    last 30 days per day."""
    try:
        last = date.fromisoformat(params["to"]) if params.get("to") else today
        first = (
            date.fromisoformat(params["from"]) if params.get("from") else last - timedelta(days=29)
        )
    except ValueError:
        raise InvalidPeriod("from and to must be dates like 2026-11-30.") from None
    if first > last:
        raise InvalidPeriod("from is after to: swap the two dates.")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise InvalidPeriod(f"Choose a period of at most {MAX_PERIOD_DAYS} days.")
    granularity = params.get("per") or "day"
    if granularity not in ("day", "week"):
        raise InvalidPeriod("per must be day or week.")
    channel = (params.get("channel") or "").strip()[:50] or None
    return Period(first, last, granularity, channel)


@dataclass
class Table:
    """A titled table of numbers: what a chart shows, and its CSV."""

    name: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    #: ``line``, ``bar`` or ``none`` (a list, not a chart).
    chart: str = "line"

    def csv(self) -> str:
        """The table as CSV text with a header row."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


@dataclass
class Report:
    """Headline figures and the tables of one period."""

    period: Period
    totals: dict[str, object]
    tables: dict[str, Table]


def _day(column):
    return func.date(column)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _channel_filter(period: Period) -> list:
    if period.channel is None:
        return []
    return [ConversationSummary.channel == period.channel]


def _per_bucket(period: Period, rows) -> dict[date, float]:
    counts: dict[date, float] = defaultdict(float)
    for day, value in rows:
        counts[period.bucket(_as_date(day))] += value or 0
    return counts


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def build_report(session: Session, period: Period, low_confidence: float) -> Report:
    """Every analytics table for ``period``."""
    summary, message = ConversationSummary, ConversationMessage
    in_period = [summary.started_at >= period.start, summary.started_at < period.end]
    in_period += _channel_filter(period)
    handed_off = select(HandoffRequest.sender_id).distinct()

    conversations = session.execute(
        select(
            _day(summary.started_at),
            func.count(),
            func.sum(case((summary.sender_id.in_(handed_off), 1), else_=0)),
        )
        .where(*in_period)
        .group_by(_day(summary.started_at))
    ).all()
    started = _per_bucket(period, [(d, n) for d, n, _ in conversations])
    escalated = _per_bucket(period, [(d, h) for d, _, h in conversations])

    # One pass over the period's messages, grouped finely enough (day, actor, intent,
    # misunderstood) that volume, fallback rate, top intents and their trend all come from it.
    misunderstood_message = or_(message.fallback, message.confidence < low_confidence)
    day_of_message = _day(message.sent_at)
    missed = case((misunderstood_message, True), else_=False)
    counted = (
        select(day_of_message, message.actor, message.intent, missed, func.count())
        .where(message.sent_at >= period.start, message.sent_at < period.end)
        .group_by(day_of_message, message.actor, message.intent, missed)
    )
    if period.channel:
        counted = counted.join(summary, summary.sender_id == message.sender_id).where(
            *_channel_filter(period)
        )
    messages: dict[date, float] = defaultdict(float)
    user_messages: dict[date, float] = defaultdict(float)
    misunderstood: dict[date, float] = defaultdict(float)
    per_intent: Counter = Counter()
    per_intent_bucket: Counter = Counter()
    for day, actor, intent, was_missed, n in session.execute(counted):
        bucket = period.bucket(_as_date(day))
        messages[bucket] += n
        if actor != "user":
            continue
        user_messages[bucket] += n
        misunderstood[bucket] += n if was_missed else 0
        if intent is not None:
            per_intent[intent] += n
            per_intent_bucket[(bucket, intent)] += n

    tables: dict[str, Table] = {}
    volume = Table("volume", "Conversations and messages", ["period", "conversations", "messages"])
    rates = Table(
        "rates",
        "Containment, handoff and fallback rates",
        ["period", "containment", "handoff rate", "fallback rate"],
    )
    for bucket in period.buckets():
        n = started.get(bucket, 0)
        volume.rows.append([bucket.isoformat(), int(n), int(messages.get(bucket, 0))])
        rates.rows.append(
            [
                bucket.isoformat(),
                _ratio(n - escalated.get(bucket, 0), n),
                _ratio(escalated.get(bucket, 0), n),
                _ratio(misunderstood.get(bucket, 0), user_messages.get(bucket, 0)),
            ]
        )
    tables["volume"] = volume
    tables["rates"] = rates

    reasons = Table("handoff_reasons", "Handoff reasons", ["reason", "handoffs"], chart="bar")
    reason_query = (
        select(HandoffRequest.reason, func.count())
        .where(HandoffRequest.created_at >= period.start, HandoffRequest.created_at < period.end)
        .group_by(HandoffRequest.reason)
        .order_by(func.count().desc())
    )
    if period.channel:
        reason_query = reason_query.join(
            summary, summary.sender_id == HandoffRequest.sender_id
        ).where(*_channel_filter(period))
    reasons.rows = [[r.value, n] for r, n in session.execute(reason_query)]
    tables["handoff_reasons"] = reasons

    rating_query = select(SatisfactionRating.rating, func.count()).where(
        SatisfactionRating.created_at >= period.start, SatisfactionRating.created_at < period.end
    )
    if period.channel:
        rating_query = rating_query.join(
            summary, summary.sender_id == SatisfactionRating.sender_id
        ).where(*_channel_filter(period))
    ratings = dict(session.execute(rating_query.group_by(SatisfactionRating.rating)).all())
    csat = Table("csat", "CSAT distribution", ["score", "ratings"], chart="bar")
    csat.rows = [[score, ratings.get(score, 0)] for score in range(1, 6)]
    tables["csat"] = csat
    rated = sum(ratings.values())

    top = sorted(per_intent.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    tables["top_intents"] = Table(
        "top_intents", "Top intents", ["intent", "messages"], [[i, n] for i, n in top], "bar"
    )
    top_names = [intent for intent, _ in top[:5]]
    tables["intent_trend"] = Table(
        "intent_trend",
        "Top intents over time",
        ["period", *top_names],
        [
            [b.isoformat(), *(per_intent_bucket[(b, i)] for i in top_names)]
            for b in period.buckets()
        ],
    )

    not_understood_query = (
        select(func.lower(message.text), func.count())
        .where(
            message.actor == "user",
            message.sent_at >= period.start,
            message.sent_at < period.end,
            misunderstood_message,
        )
        .group_by(func.lower(message.text))
        .order_by(func.count().desc(), func.lower(message.text))
        .limit(TOP * 2)
    )
    if period.channel:
        not_understood_query = not_understood_query.join(
            summary, summary.sender_id == message.sender_id
        ).where(*_channel_filter(period))
    not_understood = session.execute(not_understood_query).all()
    tables["not_understood"] = Table(
        "not_understood",
        "Messages the bot did not understand",
        ["message", "times"],
        [[t, n] for t, n in not_understood],
        "none",
    )

    first_reply = (
        select(func.min(message.sent_at))
        .where(
            message.sender_id == HandoffRequest.sender_id,
            message.actor == "staff",
            message.sent_at >= HandoffRequest.created_at,
        )
        .scalar_subquery()
    )
    waits = [
        (replied - created).total_seconds()
        for created, replied in session.execute(
            select(HandoffRequest.created_at, first_reply).where(
                HandoffRequest.created_at >= period.start, HandoffRequest.created_at < period.end
            )
        )
        if replied is not None
    ]
    total_conversations = int(sum(started.values()))
    totals = {
        "conversations": total_conversations,
        "messages": int(sum(messages.values())),
        "containment": _ratio(total_conversations - sum(escalated.values()), total_conversations),
        "handoff rate": _ratio(sum(escalated.values()), total_conversations),
        "fallback rate": _ratio(sum(misunderstood.values()), sum(user_messages.values())),
        "CSAT average": round(sum(s * n for s, n in ratings.items()) / rated, 2) if rated else None,
        "CSAT ratings": rated,
        "median first staff response (min)": (
            round(statistics.median(waits) / 60, 1) if waits else None
        ),
    }
    return Report(period=period, totals=totals, tables=tables)
