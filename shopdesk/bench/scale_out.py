"""``shopdesk bench scale-out``: Rasa replicas sharing PostgreSQL and Redis lose no message.

Starts one action server and several Rasa server processes on separate ports (as replicas
behind a load balancer), sharing a throwaway PostgreSQL conversation store and the Redis lock
store (bot/lock_store.py). Many conversations run at once; each sends its messages two at a
time (a shopper typing ahead), every message to a random replica over the REST channel with a
``message_id``; a message that gets no answer (connection refused or dropped, a 5xx) is sent
again to another replica. Then every stored conversation is read back from the database and
checked: each message stored exactly once, in the order sent, its turn not overlapping
another turn of the conversation, and answered exactly once. The SIGKILL variant kills one
replica in the middle of the run. ``tests/e2e/test_scale_out.py`` runs the same check, short.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path

import aiohttp
import sqlalchemy as sa
import yaml

from shopdesk.bench.metrics import percentile
from shopdesk.bench.report import stamp, update_section
from shopdesk.serve import (
    ServerFailedToStart,
    start_bot,
    start_rasa_server,
    stop_processes,
    write_endpoints,
)
from shopdesk.settings import Settings, get_settings
from shopdesk.training import latest_model
from storage.db import create_engine_for, temporary_database
from storage.outages import APOLOGY

#: What the conversations say: questions the bot answers with at least one message.
MESSAGES = (
    "hello",
    "do you have running shoes under $100?",
    "something for my kitchen",
    "what is your return policy?",
    "show me blue hoodies in XL",
    "do you ship to canada?",
    "Voltra headphones",
    "thanks!",
)
#: The run on Rasa 3.6's own Redis lock store (``--compare-rasa-lock-store``).
RASA_LOCK_STORE = "same replicas with Rasa's RedisLockStore (RasaHQ/rasa#9213)"
#: Messages of a conversation in flight at once.
BURST = 2
#: Attempts per message (the first and the retries on other replicas).
ATTEMPTS = 10
#: Seconds one attempt may take: under full load a message waits for hundreds of others.
ATTEMPT_TIMEOUT = 600.0


@dataclass(frozen=True)
class SentMessage:
    """One message as the client saw it."""

    sender: str
    message_id: str
    burst: int
    seconds: float
    attempts: int
    replies: int


@dataclass(frozen=True)
class Verdict:
    """What the stored conversations show (all counts but the first three must be 0)."""

    conversations: int
    messages: int
    stored: int
    #: Sent messages with no stored user message (or never answered to the client).
    lost: int
    #: Extra stored copies of a message.
    duplicated: int
    #: Stored after a message that was sent after it.
    out_of_order: int
    #: Turns handled while the previous turn of the conversation was still being handled.
    overlapping: int
    #: Stored messages without a bot message before the next one.
    unanswered: int
    #: Stored messages whose turn ran the prediction loop more than once.
    answered_twice: int
    #: Bot apologies (a component failed) among the answers.
    apologies: int

    @property
    def ok(self) -> bool:
        """No message lost, duplicated, reordered, overlapping or answered other than once."""
        return not (
            self.lost
            or self.duplicated
            or self.out_of_order
            or self.overlapping
            or self.unanswered
            or self.answered_twice
            or self.apologies
        )


async def _send(
    session: aiohttp.ClientSession, urls: Sequence[str], sender: str, message_id: str, text: str
) -> tuple[int, int]:
    """Send one message, retrying on another replica until one answers: (attempts, replies)."""
    body = {"sender": sender, "message": text, "message_id": message_id}
    url, failure = random.choice(urls), ""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with session.post(f"{url}/webhooks/rest/webhook", json=body) as reply:
                if reply.status < 500:
                    replies = await reply.json()
                    if reply.status != 200:
                        raise RuntimeError(f"{url} answered {reply.status}: {replies}")
                    return attempt, len(replies)
                failure = f"HTTP {reply.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            failure = f"{type(error).__name__}: {error}"
        others = [u for u in urls if u != url] or list(urls)
        url = random.choice(others)
        await asyncio.sleep(0.2)
    raise RuntimeError(f"message {message_id} of {sender} got no answer ({failure})")


async def _drive(
    urls: Sequence[str],
    conversations: int,
    messages: int,
    kill_after: int | None,
    kill: Callable[[], None] | None,
) -> tuple[list[SentMessage], float]:
    run = uuid.uuid4().hex[:8]
    sent: list[SentMessage] = []
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT)

    async def message(session, sender: str, index: int, number: int) -> None:
        message_id = f"{sender}-m{number}"
        started = time.perf_counter()
        text = MESSAGES[(index + number) % len(MESSAGES)]
        attempts, replies = await _send(session, urls, sender, message_id, text)
        sent.append(
            SentMessage(
                sender,
                message_id,
                number // BURST,
                time.perf_counter() - started,
                attempts,
                replies,
            )
        )
        if kill is not None and len(sent) == kill_after:
            kill()

    async def conversation(session, index: int) -> None:
        sender = f"scale-{run}-{index}"
        for first in range(0, messages, BURST):
            burst = range(first, min(first + BURST, messages))
            await asyncio.gather(*(message(session, sender, index, n) for n in burst))

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(conversation(session, i) for i in range(conversations)))
    return sent, time.perf_counter() - started


def drive(
    urls: Sequence[str],
    conversations: int,
    messages: int,
    *,
    kill_after: int | None = None,
    kill: Callable[[], None] | None = None,
) -> tuple[list[SentMessage], float]:
    """Run ``conversations`` conversations of ``messages`` messages at once over ``urls``.

    Returns what the client saw and the seconds the whole run took; ``kill`` is called once
    when ``kill_after`` messages have been answered.
    """
    return asyncio.run(_drive(urls, conversations, messages, kill_after, kill))


@dataclass(frozen=True)
class StoredEvent:
    """One row of Rasa's ``events`` table."""

    type_name: str
    timestamp: float
    action_name: str | None
    data: dict


def stored_conversations(
    tracker_store_url: str, senders: Sequence[str]
) -> dict[str, list[StoredEvent]]:
    """Every stored event of the conversations ``senders``, in the order they were stored."""
    table = sa.table(
        "events",
        sa.column("id"),
        sa.column("sender_id"),
        sa.column("type_name"),
        sa.column("timestamp"),
        sa.column("action_name"),
        sa.column("data"),
    )
    engine = create_engine_for(tracker_store_url)
    conversations: dict[str, list[StoredEvent]] = {sender: [] for sender in senders}
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(table).where(table.c.sender_id.in_(list(senders))).order_by(table.c.id)
            )
            for row in rows:
                conversations[row.sender_id].append(
                    StoredEvent(row.type_name, row.timestamp, row.action_name, json.loads(row.data))
                )
    finally:
        engine.dispose()
    return conversations


def _turns(events: Sequence[StoredEvent]) -> list[list[StoredEvent]]:
    """The events from each user message to the next one."""
    turns: list[list[StoredEvent]] = []
    for event in events:
        if event.type_name == "user":
            turns.append([])
        if turns:
            turns[-1].append(event)
    return turns


def check(sent: Sequence[SentMessage], stored: dict[str, list[StoredEvent]]) -> Verdict:
    """Compare what was sent with the stored conversations."""
    burst = {m.message_id: m.burst for m in sent}
    counts = {
        "lost": 0,
        "duplicated": 0,
        "out_of_order": 0,
        "overlapping": 0,
        "unanswered": 0,
        "answered_twice": 0,
        "apologies": 0,
    }
    answered_by_client = {m.message_id for m in sent if m.replies > 0}
    sent_ids: dict[str, set[str]] = {}
    for message in sent:
        sent_ids.setdefault(message.sender, set()).add(message.message_id)
    stored_users = 0
    for sender, events in stored.items():
        turns = _turns(events)
        ids = [str(turn[0].data.get("message_id")) for turn in turns]
        stored_users += len(ids)
        seen = Counter(ids)
        # Not stored, or stored but never answered to the client: lost to the shopper.
        counts["lost"] += sum(
            1 for i in sent_ids.get(sender, ()) if seen[i] == 0 or i not in answered_by_client
        )
        counts["duplicated"] += sum(n - 1 for n in seen.values() if n > 1)
        order = [burst.get(i, -1) for i in ids]
        counts["out_of_order"] += sum(1 for a, b in pairwise(order) if b < a)
        # A turn's events are all made after the previous turn's: otherwise both ran at once.
        spans = [(min(e.timestamp for e in t), max(e.timestamp for e in t)) for t in turns]
        counts["overlapping"] += sum(1 for before, after in pairwise(spans) if after[0] < before[1])
        for turn in turns:
            bot = [e for e in turn if e.type_name == "bot"]
            listens = [e for e in turn if e.action_name == "action_listen"]
            counts["unanswered"] += not bot
            counts["answered_twice"] += len(listens) > 1
            counts["apologies"] += sum(1 for e in bot if e.data.get("text") == APOLOGY)
    return Verdict(len(stored), len(sent), stored_users, **counts)


def start_replicas(
    settings: Settings,
    model: Path,
    ports: Sequence[int],
    log_dir: Path,
    endpoints: Path | None = None,
) -> list[subprocess.Popen]:
    """Start a Rasa server on each port (the first alone: it creates the tables).

    They share ``endpoints`` (default: written from ``settings``).
    """
    if endpoints is None:
        endpoints = write_endpoints(settings, settings.data_dir / "endpoints-replicas.yml")

    def start(port: int) -> subprocess.Popen:
        return start_rasa_server(
            dataclasses.replace(settings, rasa_port=port),
            model,
            endpoints=endpoints,
            log_dir=log_dir,
            log_name=f"rasa-{port}",
        )

    first = start(ports[0])
    with ThreadPoolExecutor(len(ports)) as pool:
        futures = [pool.submit(start, port) for port in ports[1:]]
        rest = []
        for future in futures:
            try:
                rest.append(future.result())
            except ServerFailedToStart:
                stop_processes(first, *rest)
                raise
    return [first, *rest]


@dataclass(frozen=True)
class ScaleOutResult:
    """One run's figures."""

    variant: str
    replicas: int
    verdict: Verdict
    seconds: float
    messages_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    retried: int


def measure(
    urls: Sequence[str],
    tracker_store_url: str,
    conversations: int,
    messages: int,
    kill: Callable[[], None] | None = None,
) -> ScaleOutResult:
    """Drive the replicas at ``urls`` (killing one a third of the way when ``kill``), check."""
    kill_after = conversations * messages // 3 if kill else None
    sent, seconds = drive(urls, conversations, messages, kill_after=kill_after, kill=kill)
    senders = sorted({m.sender for m in sent})
    verdict = check(sent, stored_conversations(tracker_store_url, senders))
    latencies = [1000 * m.seconds for m in sent]
    return ScaleOutResult(
        "one replica killed (SIGKILL) a third of the way" if kill else "all replicas up",
        len(urls),
        verdict,
        seconds,
        len(sent) / seconds,
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile(latencies, 99),
        sum(1 for m in sent if m.attempts > 1),
    )


def rasa_lock_store_endpoints(settings: Settings) -> Path:
    """An endpoints file like shopdesk's, but with Rasa 3.6's own ``RedisLockStore``."""
    path = write_endpoints(settings, settings.data_dir / "endpoints-rasa-lock-store.yml")
    endpoints = yaml.safe_load(path.read_text())
    endpoints["lock_store"]["type"] = "redis"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def markdown(results: Sequence[ScaleOutResult], conversations: int, messages: int) -> str:
    """The section of docs/benchmarks.md."""
    rows = "\n".join(
        f"| {r.variant} | {r.verdict.messages} | {r.verdict.stored} | {r.verdict.lost} | "
        f"{r.verdict.duplicated} | {r.verdict.out_of_order} | {r.verdict.overlapping} | "
        f"{r.verdict.unanswered} / {r.verdict.answered_twice} | {r.verdict.apologies} | "
        f"{r.retried} | {r.messages_per_second:.1f} | {r.p50_ms / 1000:.1f} / "
        f"{r.p95_ms / 1000:.1f} / {r.p99_ms / 1000:.1f} |"
        for r in results
    )
    replicas = results[0].replicas if results else 0
    return (
        "## Scale-out: Rasa replicas sharing PostgreSQL and Redis (`shopdesk bench scale-out`)\n\n"
        f"{stamp()} {replicas} Rasa server processes (one Sanic worker each) on separate "
        "ports, one action server, conversations in a throwaway PostgreSQL database, locks in "
        f"Redis (`bot/lock_store.py`); {conversations} conversations at once, {messages} "
        f"messages each, sent {BURST} at a time, each message to a random replica; a message "
        "without an answer is sent again (same `message_id`) to another replica. All "
        "processes on the same machine as the client.\n\n"
        "| run | sent | stored | lost | duplicated | out of order | overlapping turns | "
        "unanswered / answered twice | apologies | retried | messages/s | "
        "latency p50 / p95 / p99 (s) |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n" + rows + "\n"
    )


def run(args: argparse.Namespace) -> int:
    """Start the replicas, measure both variants, record."""
    base = get_settings()
    model = latest_model(base.rasa_model_dir)
    if model is None:
        raise ServerFailedToStart("No trained shop model: run 'shopdesk demo --no-serve' first.")
    ports = [args.base_port + i for i in range(args.replicas)]
    results = []
    with temporary_database(args.postgres, "shopdesk_scale_out") as conversations_url:
        settings = dataclasses.replace(
            base,
            tracker_store_url=conversations_url,
            lock_store_url=args.lock_store,
            rasa_workers=1,
            rasa_port=ports[0],
            action_port=args.base_port + 50,
            rate_limit_ip=0,
            rate_limit_sender=0,
        )
        log_dir = base.data_dir / "logs" / "scale-out"
        bot = start_bot(settings, model, log_dir=log_dir)
        replicas = [bot.rasa_server]
        try:
            replicas += start_replicas(settings, model, ports[1:], log_dir)
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            results.append(measure(urls, conversations_url, args.conversations, args.messages))
            print(json.dumps(asdict(results[-1])), flush=True)
            if args.compare_rasa_lock_store:
                # Three more replicas, the same in all but the lock store: Rasa's own.
                stock_ports = [args.base_port + args.replicas + i for i in range(args.replicas)]
                stock = start_replicas(
                    settings, model, stock_ports, log_dir, rasa_lock_store_endpoints(settings)
                )
                replicas += stock
                result = measure(
                    [f"http://127.0.0.1:{port}" for port in stock_ports],
                    conversations_url,
                    args.conversations,
                    args.messages,
                )
                results.append(dataclasses.replace(result, variant=RASA_LOCK_STORE))
                print(json.dumps(asdict(results[-1])), flush=True)
                stop_processes(*stock)
            if not args.skip_kill:
                # New conversations on the same servers; the first replica dies a third of
                # the way.
                kill = partial(os.kill, replicas[0].pid, signal.SIGKILL)
                results.append(
                    measure(urls, conversations_url, args.conversations, args.messages, kill)
                )
                print(json.dumps(asdict(results[-1])), flush=True)
        finally:
            stop_processes(*replicas, bot.action_server)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=2))
    update_section("scale-out", markdown(results, args.conversations, args.messages))
    # Rasa's own lock store is expected to fail the check: only shopdesk's runs decide.
    return 0 if all(r.verdict.ok for r in results if r.variant != RASA_LOCK_STORE) else 1


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench scale-out``."""
    parser = subparsers.add_parser(
        "scale-out", help="Rasa replicas sharing PostgreSQL and Redis: nothing lost, with SIGKILL"
    )
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server (a database of it) where a throwaway database is created",
    )
    parser.add_argument("--lock-store", default="redis://127.0.0.1:6379/1")
    parser.add_argument(
        "--base-port", type=int, default=5205, help="replicas listen from here up; actions +50"
    )
    parser.add_argument("--skip-kill", action="store_true", help="only the run without a kill")
    parser.add_argument(
        "--compare-rasa-lock-store",
        action="store_true",
        help="also run the replicas with Rasa 3.6's own RedisLockStore (RasaHQ/rasa#9213)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.set_defaults(handler=run)
