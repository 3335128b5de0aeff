"""``shopdesk bench console``: the support console's queries on a large conversation store.

Generates ``--conversations`` conversations (about 15 events each, in the JSON Rasa's SQL
tracker store writes) into a PostgreSQL database, plus handoffs and CSAT ratings, lets the
console's indexer read them, then times the inbox's first page, each filter, full-text search
and the 30-day analytics (median of ``--repeat`` runs). Targets (issue 13, 100,000
conversations / 1.5 million events): inbox page and each filter <= 300 ms, search <= 500 ms,
analytics for 30 days <= 1 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from functools import partial

from sqlalchemy import insert, text

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/shopdesk_bench_console"
INTENTS = [
    ("product_search", "do you have {} running shoes under $100"),
    ("order_status", "where is my order {}"),
    ("return_item", "I want to return the {} jacket"),
    ("greet", "hello there {}"),
    ("recommend", "what goes with a {} hoodie"),
    ("shipping_info", "how long does shipping to {} take"),
]
WORDS = ["blue", "red", "10002", "green", "canada", "black", "leather", "linen", "10006"]
CHANNELS = ["shopdesk", "rest", "facebook"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench console``."""
    parser = subparsers.add_parser("console", help="support console queries on many conversations")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL database (recreated)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-report", action="store_true", help="print, do not write docs")
    parser.set_defaults(handler=run)


def _recreate(url: str) -> None:
    from sqlalchemy.engine import make_url

    from storage.db import create_engine_for

    parsed = make_url(url)
    admin = create_engine_for(parsed.set(database="postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _events(rng: random.Random, sender: str, start: datetime) -> list[dict]:
    """One conversation's events as Rasa's SQLTrackerStore stores them."""
    rows, moment = [], start.replace(tzinfo=timezone.utc).timestamp()
    channel = rng.choice(CHANNELS)

    def add(type_name: str, data: dict, intent: str | None = None, action: str | None = None):
        nonlocal moment
        moment += rng.uniform(2, 40)
        data = {"event": type_name, "timestamp": moment, **data}
        rows.append(
            {
                "sender_id": sender,
                "type_name": type_name,
                "timestamp": moment,
                "intent_name": intent,
                "action_name": action,
                "data": json.dumps(data),
            }
        )

    add("action", {"name": "action_session_start"}, action="action_session_start")
    add("session_started", {})
    for _ in range(3):
        add("action", {"name": "action_listen"}, action="action_listen")
        intent, template = rng.choice(INTENTS)
        confidence = rng.uniform(0.2, 1.0)
        if confidence < 0.3:
            intent = "nlu_fallback"
        said = template.format(rng.choice(WORDS))
        parse = {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": [],
            "text": said,
        }
        add(
            "user",
            {"text": said, "parse_data": parse, "input_channel": channel},
            intent=intent,
        )
        add("action", {"name": "utter_answer"}, action="utter_answer")
        add("bot", {"text": f"Here is what I found for {said}", "data": {}, "metadata": {}})
    add("action", {"name": "action_listen"}, action="action_listen")
    return rows


def _copy_rows(connection, table: str, columns: list[str], rows: list[dict]) -> None:
    """Append ``rows`` to ``table`` with PostgreSQL's COPY (tens of times faster than INSERT)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    buffer.seek(0)
    cursor = connection.connection.cursor()
    try:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')", buffer
        )
    finally:
        cursor.close()


def _seed(url: str, conversations: int, today: date) -> int:
    from console.conversation_store import EVENTS
    from storage.db import create_engine_for
    from storage.migrations import upgrade
    from storage.schema import HandoffReason, HandoffRequest, HandoffStatus, SatisfactionRating

    upgrade(url)
    engine = create_engine_for(url)
    EVENTS.metadata.create_all(engine)
    rng = random.Random(13)
    first = datetime.combine(today - timedelta(days=90), datetime.min.time())
    columns = ["sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"]
    total = 0
    with engine.begin() as connection:
        batch, handoffs, ratings = [], [], []
        for n in range(conversations):
            sender = f"bench-{n:07d}"
            start = first + timedelta(seconds=rng.uniform(0, 90 * 86400))
            batch += _events(rng, sender, start)
            if rng.random() < 0.05:
                handoffs.append(
                    {
                        "sender_id": sender,
                        "reason": HandoffReason.REQUESTED.value,
                        "status": HandoffStatus.OPEN.value,
                        "created_at": start + timedelta(minutes=2),
                    }
                )
            if rng.random() < 0.1:
                ratings.append(
                    {
                        "sender_id": sender,
                        "rating": rng.randint(1, 5),
                        "flow": "order_status",
                        "created_at": start + timedelta(minutes=3),
                    }
                )
            if len(batch) >= 100_000:
                _copy_rows(connection, "events", columns, batch)
                total += len(batch)
                batch = []
        if batch:
            _copy_rows(connection, "events", columns, batch)
            total += len(batch)
        if handoffs:
            connection.execute(insert(HandoffRequest.__table__), handoffs)
        if ratings:
            connection.execute(insert(SatisfactionRating.__table__), ratings)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return total


def _target_ms(query: str) -> int:
    """The issue's target for a timed query."""
    if query.startswith("analytics"):
        return 1000
    return 500 if query.startswith("full-text search") else 300


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(args: argparse.Namespace) -> int:
    """Seed, index, time; write the ``console`` section of docs/benchmarks.md."""
    from console.analytics import Period, build_report
    from console.inbox import InboxFilters, search_inbox
    from console.indexer import catch_up
    from storage.db import create_engine_for, session_factory

    today = date.today()
    _recreate(args.url)
    started = time.perf_counter()
    events = _seed(args.url, args.conversations, today)
    seeded = time.perf_counter() - started
    engine = create_engine_for(args.url)
    with session_factory(engine)() as session:
        started = time.perf_counter()
        catch_up(engine, session)
        indexed = time.perf_counter() - started
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        low = 0.6
        recent = today - timedelta(days=7)
        cases = {
            "inbox, first page": InboxFilters(),
            "inbox, page 40": InboxFilters(page=40),
            "filter: channel": InboxFilters(channel="facebook"),
            "filter: last activity in the last 7 days": InboxFilters(active_from=recent),
            "filter: intent": InboxFilters(intent="return_item"),
            "filter: waiting for a person": InboxFilters(handoff="waiting"),
            "filter: misunderstood": InboxFilters(misunderstood=True),
            "filter: CSAT 1": InboxFilters(csat="1"),
            "filter: verified": InboxFilters(verified=True),
            "filter: not reviewed": InboxFilters(reviewed=False),
            "filters combined (channel, intent, misunderstood, 7 days)": InboxFilters(
                channel="rest", intent="order_status", misunderstood=True, active_from=recent
            ),
            "full-text search": InboxFilters(search="leather jacket"),
            "full-text search, words no message has": InboxFilters(search="parcel never came"),
        }
        load_before = os.getloadavg()[0]
        timings = {
            name: _median_ms(partial(search_inbox, session, f, low), args.repeat)
            for name, f in cases.items()
        }
        period = Period(today - timedelta(days=29), today)
        timings["analytics, 30 days"] = _median_ms(
            lambda: build_report(session, period, low), args.repeat
        )
        load_after = os.getloadavg()[0]
    engine.dispose()
    rows = "\n".join(f"| {name} | {ms:.0f} | {_target_ms(name)} |" for name, ms in timings.items())
    markdown = (
        "## Support console queries\n\n"
        f"{args.conversations:,} conversations, {events:,} events in PostgreSQL "
        f"(seeded in {seeded:.0f} s, indexed by the console in {indexed:.0f} s); median of "
        f"{args.repeat} runs. Targets at 100,000 conversations: inbox page and each filter "
        "<= 300 ms, full-text search <= 500 ms, analytics for 30 days <= 1 s. "
        "`shopdesk bench console --conversations N`. Load average (1 min) while timing: "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end.\n\n"
        "| query | ms | target ms |\n|---|---|---|\n" + rows + "\n"
    )
    print(markdown)
    if not args.no_report:
        from shopdesk.bench.report import stamp, update_section

        update_section("console", markdown + "\n" + stamp())
    return 0
