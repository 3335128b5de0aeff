"""``shopdesk bench throughput``: messages per second and CPU per message of the whole bot.

Starts the shop bot (Rasa server + action server, full pipeline) and, for comparison, a
stock ``rasa init`` bot on the same machine, sends both the same shopper messages over the
REST channel from the same number of parallel conversations (each sends its next message when
the previous one is answered), and reports messages per second, reply latency (p50, p95) and
server CPU milliseconds per message (read from /proc, so other load on the machine does not count
against the bot). The stock bot can run with several Sanic workers too, which Rasa allows only
with a shared lock store and tracker store: it then gets Rasa's Redis tracker store and the same
Redis lock store as the shop bot.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from shopdesk.bench.report import stamp, update_section
from shopdesk.serve import (
    ServerFailedToStart,
    lock_store_config,
    process_tree,
    start_bot,
    wait_until_up,
)
from shopdesk.settings import get_settings
from shopdesk.training import latest_model

#: What shoppers send, in the proportions a shop sees: searches, questions, support, chit-chat.
MESSAGES = (
    "do you have running shoes under $100?",
    "something for my kitchen",
    "show me blue hoodies in XL",
    "what sizes does the first one come in?",
    "where is my order?",
    "what is your return policy?",
    "do you ship to canada?",
    "hello",
    "thanks!",
    "Voltra headphones",
)


@dataclass(frozen=True)
class ThroughputResult:
    """One bot's figures."""

    bot: str
    messages: int
    seconds: float
    messages_per_second: float
    cpu_ms_per_message: float
    #: Reply latency as a shopper sees it (request sent to reply read), milliseconds.
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    #: Messages per second the bot was driven at (:func:`drive_at_rate`); 0: as fast as it
    #: answered (:func:`drive`).
    asked_rate: float = 0.0


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of the processes, their living descendants and their reaped
    children, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in process_tree(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15]) / ticks
    return total


def _send(url: str, sender: str, message: str) -> float:
    """Send one message; the seconds until its reply was read."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as reply:
        reply.read()
    return time.perf_counter() - started


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _work(
    run: str, messages: int, concurrency: int, first: int = 0, step: int = 1
) -> list[tuple[str, str]]:
    """(sender, message) of the benchmark's messages ``first``, ``first + step``, ... below
    ``messages``: the same mix in every mode, over 4 × ``concurrency`` conversations.

    Conversation ids are new on every run: a persistent tracker store would otherwise hand
    each run the longer conversations of the runs before it.
    """
    return [
        (f"bench-{run}-{i % (concurrency * 4)}", MESSAGES[i % len(MESSAGES)])
        for i in range(first, messages, step)
    ]


def _timed(
    url: str, pids: Sequence[int], send_all: Callable[[str], list[float]]
) -> tuple[float, float, list[float]]:
    """Warm the bot up, then run ``send_all(run id)``: its seconds, server CPU seconds and the
    reply latencies it returns."""
    run = uuid.uuid4().hex[:8]
    for warm in MESSAGES:
        _send(url, f"warm-up-{run}", warm)
    cpu_before, started = _cpu_seconds(pids), time.perf_counter()
    latencies = send_all(run)
    return time.perf_counter() - started, _cpu_seconds(pids) - cpu_before, latencies


def _result(
    name: str, seconds: float, cpu: float, latencies: list[float], rate: float = 0.0
) -> ThroughputResult:
    return ThroughputResult(
        name,
        len(latencies),
        seconds,
        len(latencies) / seconds,
        1000 * cpu / len(latencies),
        1000 * statistics.median(latencies),
        1000 * _percentile(latencies, 0.95),
        rate,
    )


def drive(
    name: str, url: str, pids: Sequence[int], messages: int, concurrency: int
) -> ThroughputResult:
    """Send ``messages`` messages from ``concurrency`` parallel conversations, each sending its
    next message when the previous one is answered, and time them."""

    def send_all(run: str) -> list[float]:
        with ThreadPoolExecutor(concurrency) as pool:
            work = _work(run, messages, concurrency)
            return list(pool.map(lambda item: _send(url, *item), work))

    return _result(name, *_timed(url, pids, send_all))


def drive_at_rate(
    name: str, url: str, pids: Sequence[int], messages: int, concurrency: int, rate: float
) -> ThroughputResult:
    """Send ``messages`` messages at ``rate`` per second in all, from ``concurrency`` parallel
    conversations, and time the replies.

    Each conversation sends a message every ``concurrency / rate`` seconds (the conversations
    staggered evenly); a message whose predecessor is still unanswered goes as soon as it is.
    Latency counts from when the message was due, not from when it could be sent, so a bot
    that falls behind shows it in full (no coordinated omission).
    """
    interval = concurrency / rate

    def send_all(run: str) -> list[float]:
        started = time.perf_counter()

        def conversation(index: int) -> list[float]:
            latencies = []
            for turn, (sender, text) in enumerate(
                _work(run, messages, concurrency, index, concurrency)
            ):
                due = started + (index / concurrency + turn) * interval
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                _send(url, sender, text)
                latencies.append(time.perf_counter() - due)
            return latencies

        with ThreadPoolExecutor(concurrency) as pool:
            return [part for parts in pool.map(conversation, range(concurrency)) for part in parts]

    return _result(name, *_timed(url, pids, send_all), rate=rate)


def measure_shop_bot(
    messages: int,
    concurrency: int,
    workers: int = 1,
    lock_store_url: str = "",
    held_rates: Sequence[float] = (),
) -> list[ThroughputResult]:
    """Throughput of the shop bot with its newest trained model (``shopdesk demo`` trains one).

    ``workers`` Rasa server processes; more than one share the Redis lock store at
    ``lock_store_url``. The same bot is then also driven at each of ``held_rates`` messages
    per second (:func:`drive_at_rate`), one more result each.
    """
    settings = dataclasses.replace(
        get_settings(),
        rasa_workers=workers,
        lock_store_url=lock_store_url if workers > 1 else "",
        # Every benchmark conversation comes from this machine's address, faster than a person.
        rate_limit_ip=0,
        rate_limit_sender=0,
    )
    model = latest_model(settings.rasa_model_dir)
    if model is None:
        raise ServerFailedToStart("No trained shop model: run 'shopdesk demo --no-serve' first.")
    bot = start_bot(settings, model, log_dir=settings.data_dir / "logs")
    name = "shopdesk" if workers == 1 else f"shopdesk, {workers} Rasa workers + Redis lock store"
    try:
        url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook"
        pids = [bot.rasa_server.pid, bot.action_server.pid]
        results = [drive(name, url, pids, messages, concurrency)]
        for rate in held_rates:
            results.append(drive_at_rate(name, url, pids, messages, concurrency, rate))
        return results
    finally:
        bot.stop()


def measure_rasa_init_bot(
    messages: int,
    concurrency: int,
    port: int = 5105,
    workers: int = 1,
    lock_store_url: str = "",
) -> ThroughputResult:
    """Throughput of a stock ``rasa init`` bot (its default pipeline and policies).

    With more than one worker it gets Rasa's Redis tracker store and lock store at
    ``lock_store_url`` (Rasa runs one worker with its in-memory stores).
    """
    with tempfile.TemporaryDirectory(prefix="rasa-init-") as home:
        subprocess.run(
            [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", home],
            check=True,
            cwd=home,
        )
        model = latest_model(Path(home) / "models")
        command = [sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port)]
        if workers > 1:
            # Rasa's own Redis lock store (shopdesk's lock_store_config names shopdesk's).
            lock_store = {**lock_store_config(lock_store_url), "type": "redis"}
            # Rasa's Redis tracker store on the lock store's Redis: the stock choice that
            # lets several workers share conversations fastest (its SQL store on SQLite
            # waits for the disk on every commit).
            tracker_store = {
                **lock_store,
                "key_prefix": f"rasainitbench{uuid.uuid4().hex[:8]}",
                "record_exp": 3600,
            }
            endpoints = {"tracker_store": tracker_store, "lock_store": lock_store}
            Path(home, "endpoints.yml").write_text(json.dumps(endpoints))
            command += ["--endpoints", str(Path(home, "endpoints.yml"))]
        server = subprocess.Popen(
            command,
            cwd=home,
            env={**os.environ, "SANIC_WORKERS": str(workers)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        name = "rasa init (stock)" if workers == 1 else f"rasa init (stock), {workers} workers"
        try:
            wait_until_up(f"http://127.0.0.1:{port}/", server, "rasa init server", 300)
            return drive(
                name,
                f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                [server.pid],
                messages,
                concurrency,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


def time_full_training() -> float:
    """Seconds of a full ``rasa train --force`` of the shop bot (lookups, NLU and policies)."""
    from shopdesk.training import train_bot

    started = time.perf_counter()
    train_bot(get_settings(), force=True)
    return time.perf_counter() - started


def markdown(
    results: Sequence[ThroughputResult], concurrency: int, train_seconds: float | None = None
) -> str:
    """The section of docs/benchmarks.md."""
    held = [r for r in results if r.asked_rate]
    results = [r for r in results if not r.asked_rate]
    rows = "\n".join(
        f"| {r.bot} | {r.messages} | {r.messages_per_second:.1f} | {r.p50_ms:.0f} | "
        f"{r.p95_ms:.0f} | {r.cpu_ms_per_message:.1f} |"
        for r in results
    )
    ratio = ""
    stocks = [r for r in results if r.bot.startswith("rasa init")]
    if stocks and all(stock.messages_per_second for stock in stocks):
        ratio = (
            "\n"
            + "\n".join(
                f"{r.bot} / {stock.bot}: "
                f"{r.messages_per_second / stock.messages_per_second:.2f}× the throughput, "
                f"{r.cpu_ms_per_message / max(stock.cpu_ms_per_message, 1e-9):.2f}× the CPU per "
                "message."
                for r in results
                if r not in stocks
                for stock in stocks
            )
            + "\n\nTarget: 3× the throughput of the stock bot, p95 reply ≤ 300 ms."
        )
    if held:
        ratio += (
            "\n\nHeld load: the shop bot driven at a fixed rate (each conversation sends on "
            "a schedule; latency counts from when a message was due, so falling behind shows):"
            "\n\n| bot | messages/s asked | messages/s answered | p50 ms | p95 ms | "
            "server CPU ms/message |\n|---|---|---|---|---|---|\n"
            + "\n".join(
                f"| {r.bot} | {r.asked_rate:.1f} | "
                f"{r.messages_per_second:.1f} | {r.p50_ms:.0f} | {r.p95_ms:.0f} | "
                f"{r.cpu_ms_per_message:.1f} |"
                for r in held
            )
        )
    if train_seconds is not None:
        ratio += (
            "\n\nA full `shopdesk train --force` of the shop bot (lookup tables, BERT intent "
            f"classifier, entity extractors, policies) took {train_seconds:.0f} s (target ≤ 300 s)."
        )
    return (
        "## Whole-bot throughput (REST channel, full pipeline)\n\n"
        f"{stamp()} Same shopper messages to both bots, {concurrency} parallel conversations "
        "(each sends its next message when the previous one is answered); latency is the "
        "reply's as the client sees it; CPU is the servers' own (Rasa server, and for shopdesk "
        "the action server too), read from /proc.\n\n"
        "| bot | messages | messages/s | p50 ms | p95 ms | server CPU ms/message |\n"
        "|---|---|---|---|---|---|\n" + rows + "\n" + ratio
    )


def run(args: argparse.Namespace) -> int:
    """Measure, print, record.

    The stock bot goes first: the shop bot is then also held at each of ``--held-times``
    times its (one-worker) messages per second, or at ``--held-rate``.
    """
    train_seconds = time_full_training() if args.measure_training else None
    stock = (
        []
        if args.skip_baseline
        else [
            measure_rasa_init_bot(
                args.messages, args.concurrency, workers=workers, lock_store_url=args.lock_store
            )
            for workers in args.stock_workers
        ]
    )
    held_rates = (
        [args.held_rate]
        if args.held_rate
        else [times * stock[0].messages_per_second for times in args.held_times if stock]
    )
    results = [
        result
        for workers in args.rasa_workers
        for result in measure_shop_bot(
            args.messages, args.concurrency, workers, args.lock_store, held_rates
        )
    ]
    results.extend(stock)
    for result in results:
        print(json.dumps(asdict(result)))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=2))
    update_section("throughput", markdown(results, args.concurrency, train_seconds))
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench throughput``."""
    parser = subparsers.add_parser(
        "throughput", help="whole-bot messages per second vs a stock `rasa init` bot"
    )
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20, help="parallel conversations")
    parser.add_argument("--skip-baseline", action="store_true", help="measure only the shop bot")
    parser.add_argument(
        "--rasa-workers",
        type=int,
        nargs="+",
        default=[1],
        help="measure the shop bot with each of these numbers of Rasa workers",
    )
    parser.add_argument(
        "--stock-workers",
        type=int,
        nargs="+",
        default=[1],
        help="measure the stock bot with each of these numbers of Sanic workers",
    )
    parser.add_argument(
        "--lock-store",
        default="redis://127.0.0.1:6379/1",
        help="Redis lock store shared by several Rasa workers",
    )
    parser.add_argument(
        "--measure-training",
        action="store_true",
        help="first time a full `rasa train --force` of the shop bot",
    )
    parser.add_argument(
        "--held-times",
        type=float,
        nargs="*",
        default=[3.0],
        help="also drive the shop bot at these multiples of the stock bot's messages/s "
        "(none: not at all)",
    )
    parser.add_argument(
        "--held-rate",
        type=float,
        help="also drive the shop bot at this many messages/s (instead of --held-times)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.set_defaults(handler=run)
