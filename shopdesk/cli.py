"""The ``shopdesk`` command: operator tasks for a shop's assistant."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from shopdesk.bench import benchmark_modules
from shopdesk.processes import PROCESSES
from shopdesk.secrets import api_token_file
from shopdesk.settings import Settings, get_settings
from storage.errors import ShopdeskError
from storage.pii import install_log_redaction

console = Console()


#: Where the command's own warnings and library log messages go instead of the screen.
LOG_FILE = "shopdesk.log"


def log_to_file(log_dir: Path) -> Path:
    """Send Python warnings (third-party deprecations) and log records to a file in ``log_dir``.

    The screen keeps what the operator acts on: progress, results and errors.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    root = logging.getLogger()
    if not any(
        isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path.resolve()
        for h in root.handlers
    ):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    if get_settings().redact_pii:
        install_log_redaction()
    return path


def check_start_settings(settings: Settings) -> None:
    """Refuse to start the servers with settings they cannot use (staff hours, time zone)."""
    from actions.staff_hours import StaffHours

    StaffHours.from_settings(settings)
    settings.shop_today()


def _cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.operations import prepare_database

    prepare_database(settings)
    console.print(f"Database is at the latest schema: {settings.database_url}")
    return 0


def _cmd_demo_seed(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.operations import seed_demo

    if seed_demo(settings, products=args.products):
        console.print(
            f"Seeded the demo store ({args.products} products). Its facts: docs/demo-data.md"
        )
    else:
        console.print("The database already holds products; the demo store was not seeded again.")
    return 0


def _cmd_catalog_import(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.operations import import_catalog_file

    report = import_catalog_file(settings, Path(args.file), args.format)
    console.print(report.summary())
    for error in report.errors:
        console.print(f"  line {error.line}: {error.reason}", style="yellow")
    return 1 if report.errors and not (report.created_ids or report.updated_ids) else 0


def _cmd_index_build(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.operations import refresh_index

    index = refresh_index(settings, rebuild=args.rebuild)
    console.print(f"Product index ready at {settings.index_dir}: {len(index)} products.")
    return 0


def _cmd_kb_reindex(args: argparse.Namespace, settings: Settings) -> int:
    from actions.services import load_knowledge_index
    from retrieval.embeddings import TextEncoder

    index = load_knowledge_index(
        settings, TextEncoder(settings.embedding_model), rebuild=args.rebuild
    )
    console.print(
        f"Knowledge base indexed: {len(index)} entries from {settings.knowledge_base_path}. "
        "The running bot picks it up when the action server restarts; no NLU retraining needed."
    )
    return 0


def _cmd_recommender_train(args: argparse.Namespace, settings: Settings) -> int:
    from actions.services import load_recommender
    from retrieval.embeddings import TextEncoder
    from storage.db import create_engine_for, session_factory

    engine = create_engine_for(settings.database_url)
    try:
        recommender = load_recommender(
            settings,
            session_factory(engine),
            TextEncoder(settings.embedding_model),
            retrain=True,
            progress=True,
        )
    finally:
        engine.dispose()
    if recommender is None:
        console.print(
            "The shop has no products yet, so there is nothing to recommend.", style="yellow"
        )
        return 1
    console.print(
        f"Recommender trained on {len(recommender)} products and saved to "
        f"{settings.data_dir / 'recommender'}. "
        "The running bot picks it up when the action server restarts."
    )
    return 0


def _cmd_handoff_list(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.handoffs import list_open_handoffs

    rows = list_open_handoffs(settings)
    if not rows:
        console.print("No conversation is waiting for a person.")
    for handoff in rows:
        console.print(
            f"{handoff.created_at:%Y-%m-%d %H:%M}  {handoff.sender_id}  "
            f"({handoff.reason})  {handoff.note or ''}"
        )
    return 0


def _cmd_handoff_resume(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.handoffs import resume_conversation

    resume_conversation(settings, args.sender)
    console.print(f"Conversation {args.sender} is resolved and the bot answers it again.")
    return 0


def _cmd_channels_enable(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.channels import channel_named, enable_channel

    path, webhook = enable_channel(settings, args.name)
    console.print(
        f"{channel_named(args.name).title} is on: {path} lists it (no secrets are written there). "
        "Restart the bot (`shopdesk run`) to serve it."
    )
    console.print(webhook)
    return 0


def _cmd_channels_status(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.channels import channel_status

    for row in channel_status(settings):
        state = "on" if row.on else f"off (set {', '.join(row.missing)})"
        console.print(f"{row.channel.title}: {state}", highlight=False)
        if row.on:
            console.print(f"  webhook {row.channel.webhook_path}: {row.webhook}", highlight=False)
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.processes import serve

    if args.process != "migrate":
        check_start_settings(settings)
    return serve(args.process, settings, host=args.host, demo=args.demo)


def _cmd_events_tail(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.events import tail

    def write(line: str) -> None:
        print(line, flush=True)

    tail(settings, write, count=args.count, idle_seconds=args.idle)
    return 0


def _cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.training import train_bot

    model = train_bot(settings, force=args.force)
    console.print(f"Model: {model}")
    return 0


def _serve(settings: Settings, model: Path) -> int:
    from shopdesk.privacy import RetentionSchedule
    from shopdesk.serve import ServerFailedToStart, start_bot, start_storefront

    console.print("Starting the action server and the Rasa server (this takes about a minute)…")
    # The generated token is shown once, on the start that creates it; later only its file.
    token_file = api_token_file(settings)
    first_start = not settings.api_token and not token_file.exists()
    bot = start_bot(settings, model, log_dir=settings.data_dir / "logs")
    try:
        storefront = start_storefront(settings, log_dir=settings.data_dir / "logs")
    except (ServerFailedToStart, OSError):
        bot.stop()
        raise
    url = f"http://localhost:{settings.rasa_port}"
    secret = "$SHOPDESK_API_TOKEN" if settings.api_token else f"$(cat {token_file})"
    if first_start:
        token = f"{bot.token} (shown this once; kept in {token_file})"
    elif settings.api_token:
        token = "the value of SHOPDESK_API_TOKEN"
    else:
        token = f"in {token_file}"
    console.print(
        f"\n[bold green]shopdesk is running.[/]\n"
        f"  Demo shop with the chat widget: http://localhost:{settings.storefront_port}\n"
        f"  Chat (REST):  curl -s -XPOST {url}/webhooks/rest/webhook "
        "-H 'Content-Type: application/json' "
        f'-d \'{{"sender": "me", "message": "do you have running shoes under $100?"}}\'\n'
        f"  HTTP API token: {token}\n"
        f'    e.g. curl -s "{url}/status?token={secret}"\n'
        f"  Logs: {settings.data_dir / 'logs'}\n"
        f"Press Ctrl-C to stop."
    )
    stopping = False

    def _stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    retention = RetentionSchedule(settings)
    while not stopping and bot.rasa_server.poll() is None and bot.action_server.poll() is None:
        retention.tick()
        time.sleep(0.5)
    storefront.terminate()
    bot.stop()
    storefront.wait(10)
    return 0


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.training import latest_model

    check_start_settings(settings)
    model = Path(args.model) if args.model else latest_model(settings.rasa_model_dir)
    if model is None:
        console.print(
            "No trained model yet: run 'shopdesk train' (or 'make demo') first.", style="red"
        )
        return 2
    return _serve(settings, model)


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from shopdesk.operations import prepare_database, refresh_index, seed_demo
    from shopdesk.training import train_bot, train_log

    check_start_settings(settings)
    console.rule("1/4 shop database")
    prepare_database(settings)
    if seed_demo(settings, products=args.products):
        console.print(f"Seeded the demo store into {settings.database_url}")
    else:
        console.print("Using the products already in the database.")
    console.rule("2/4 product index")
    index = refresh_index(settings)
    console.print(f"{len(index)} products indexed.")
    console.rule("3/4 training (skipped when nothing changed)")
    console.print(f"Rasa's output goes to {train_log(settings)}.")
    model = train_bot(settings)
    console.rule("4/4 servers")
    if args.no_serve:
        return 0
    from console.server import console_url, demo_admin, start_console

    admin = demo_admin(settings)
    staff_console = start_console(settings, log_dir=settings.data_dir / "logs")
    login = f"   first admin login: {admin[0]} / {admin[1]}" if admin else ""
    console.print(f"Support console: {console_url(settings)}{login}")
    try:
        return _serve(settings, model)
    finally:
        staff_console.terminate()
        staff_console.wait(timeout=20)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``shopdesk`` command."""
    parser = argparse.ArgumentParser(prog="shopdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="shop database").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="create or upgrade the schema").set_defaults(
        handler=_cmd_db_upgrade
    )

    demo = commands.add_parser("demo", help="seed, index, train and start the demo")
    demo.add_argument(
        "--products", type=int, default=2400, help="products in the demo store (default 2400)"
    )
    demo.add_argument(
        "--no-serve", action="store_true", help="prepare everything but do not start the servers"
    )
    demo.set_defaults(handler=_cmd_demo)
    demo_commands = demo.add_subparsers(dest="demo_command")
    seed = demo_commands.add_parser("seed", help="seed the demo store into an empty database")
    seed.add_argument("--products", type=int, default=2400)
    seed.set_defaults(handler=_cmd_demo_seed)

    catalog = commands.add_parser("catalog", help="product catalog").add_subparsers(
        dest="catalog_command", required=True
    )
    importer = catalog.add_parser(
        "import", help="import a Shopify CSV, generic CSV or JSON Lines file"
    )
    importer.add_argument("file")
    importer.add_argument("--format", default="auto", choices=["auto", "shopify", "csv", "jsonl"])
    importer.set_defaults(handler=_cmd_catalog_import)

    index = commands.add_parser("index", help="product search index").add_subparsers(
        dest="index_command", required=True
    )
    build = index.add_parser(
        "build", help="build the index, or refresh it when the catalog changed"
    )
    build.add_argument("--rebuild", action="store_true", help="rebuild from scratch")
    build.set_defaults(handler=_cmd_index_build)

    kb = commands.add_parser("kb", help="knowledge base of policy answers").add_subparsers(
        dest="kb_command", required=True
    )
    reindex = kb.add_parser("reindex", help="index the knowledge base file after editing it")
    reindex.add_argument(
        "--rebuild", action="store_true", help="rebuild even when the file did not change"
    )
    reindex.set_defaults(handler=_cmd_kb_reindex)

    recommender = commands.add_parser("recommender", help="product recommendations").add_subparsers(
        dest="recommender_command", required=True
    )
    recommender.add_parser(
        "train", help="retrain on the shop's current orders and behaviour"
    ).set_defaults(handler=_cmd_recommender_train)

    handoff = commands.add_parser(
        "handoff", help="conversations handed to a person"
    ).add_subparsers(dest="handoff_command", required=True)
    handoff.add_parser("list", help="conversations waiting for a person").set_defaults(
        handler=_cmd_handoff_list
    )
    resume = handoff.add_parser(
        "resume", help="mark a conversation resolved and let the bot answer it again"
    )
    resume.add_argument("sender", help="the conversation (sender) id")
    resume.set_defaults(handler=_cmd_handoff_resume)

    channels = commands.add_parser(
        "channels", help="messaging channels (Telegram, WhatsApp/SMS, Messenger, Slack)"
    ).add_subparsers(dest="channels_command", required=True)
    enable = channels.add_parser(
        "enable", help="check a channel's settings, list it for the server, register its webhook"
    )
    enable.add_argument("name", help="telegram, twilio (whatsapp, sms), messenger or slack")
    enable.set_defaults(handler=_cmd_channels_enable)
    channels.add_parser(
        "status", help="which channels are on and whether their webhooks are registered"
    ).set_defaults(handler=_cmd_channels_status)

    serve = commands.add_parser(
        "serve",
        help="run one server process in the foreground, as a container does (docs/deploy.md)",
    )
    serve.add_argument("process", choices=PROCESSES)
    serve.add_argument(
        "--host", default="0.0.0.0", help="interface of the storefront (default: all)"
    )
    serve.add_argument(
        "--demo", action="store_true", help="migrate: seed the demo store into an empty database"
    )
    serve.set_defaults(handler=_cmd_serve)
    events = commands.add_parser(
        "events", help="conversation events on the event broker (SHOPDESK_EVENT_BROKER_URL)"
    ).add_subparsers(dest="events_command", required=True)
    events_tail = events.add_parser(
        "tail", help="print the queue's conversation events as JSON lines (acknowledging them)"
    )
    events_tail.add_argument("--count", type=int, help="stop after this many events")
    events_tail.add_argument(
        "--idle", type=float, help="stop when no event came for this many seconds"
    )
    events_tail.set_defaults(handler=_cmd_events_tail)
    train = commands.add_parser("train", help="train the Rasa model (skipped when nothing changed)")
    train.add_argument("--force", action="store_true")
    train.set_defaults(handler=_cmd_train)

    bench = commands.add_parser("bench", help="benchmarks (results in docs/benchmarks.md)")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True)
    for module in benchmark_modules():
        module.add_parser(bench_commands)

    run = commands.add_parser("run", help="start the action server and the Rasa server")
    run.add_argument("--model", help="model archive (default: the newest trained one)")
    run.set_defaults(handler=_cmd_run)

    from console.cli import add_commands as add_console_commands
    from shopdesk.identity import add_commands as add_identity_commands
    from shopdesk.privacy import add_commands as add_privacy_commands

    add_console_commands(commands)
    add_identity_commands(commands)
    add_privacy_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``shopdesk`` command."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = build_parser().parse_args(argv)
    try:
        if args.command == "bench":
            return args.handler(args)
        settings = get_settings()
        log_to_file(settings.data_dir / "logs")
        return args.handler(args, settings)
    except ShopdeskError as error:
        # The project's own errors say what to do; anything else is a bug: its traceback shows.
        console.print(f"[red]Error:[/] {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
