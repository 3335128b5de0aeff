"""``shopdesk customer export|forget EMAIL`` and ``shopdesk retention run``: data-subject
requests and transcript retention (docs/privacy.md).

Every request is recorded in ``<data dir>/privacy-requests.jsonl`` under a keyed hash of the
email (the key is ``<data dir>/privacy-key``), never the email itself, so the shop can show
when it answered a request without keeping what it erased.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shopdesk.secrets import stored_secret
from shopdesk.settings import Settings
from storage.orders import utcnow
from storage.privacy import (
    RequestJournal,
    UnknownSubject,
    delete_old_transcripts,
    export_subject,
    finish_forget,
    plan_forget,
    subject_key,
)

out = Console()
logger = logging.getLogger(__name__)
JOURNAL = "privacy-requests.jsonl"
KEY = "privacy-key"


def journal(settings: Settings) -> RequestJournal:
    """The request journal of this shop."""
    return RequestJournal(settings.data_dir / JOURNAL)


def journal_key(settings: Settings) -> str:
    """The key of the email hashes in the journal (generated once in the data directory)."""
    return stored_secret("", settings.data_dir / KEY)


@contextmanager
def databases(settings: Settings) -> Iterator[tuple[Session, Engine]]:
    """A session on the shop database and an engine on the conversation store."""
    from storage.db import create_engine_for, session_factory
    from storage.migrations import upgrade

    upgrade(settings.database_url)
    shop = create_engine_for(settings.database_url)
    conversations = create_engine_for(settings.tracker_store_url)
    try:
        with session_factory(shop)() as session:
            yield session, conversations
    finally:
        shop.dispose()
        conversations.dispose()


def export_customer(settings: Settings, email: str) -> dict:
    """Everything held about ``email`` (journalled). Raises UnknownSubject."""
    with databases(settings) as (session, conversations):
        data = export_subject(session, conversations, email)
    journal(settings).append(
        "export",
        {
            "subject": subject_key(email, journal_key(settings)),
            "conversations": len(data["conversations"]),
        },
    )
    return data


def forget_customer(settings: Settings, email: str) -> tuple[int, int]:
    """Erase ``email``'s data (see storage.privacy); returns (conversations, events) erased.

    Raises UnknownSubject when nothing is held and no earlier forget is unfinished.
    """
    requests = journal(settings)
    with databases(settings) as (session, conversations):
        plan = plan_forget(session, conversations, email, journal_key(settings), requests)
        events = finish_forget(
            plan, session, conversations, requests, log_dir=settings.data_dir / "logs"
        )
    return len(plan.conversations), events


def run_retention(settings: Settings) -> int:
    """Delete the transcripts idle longer than SHOPDESK_TRANSCRIPT_RETENTION_DAYS; how many."""
    days = settings.transcript_retention_days
    if days <= 0:
        return 0
    with databases(settings) as (session, conversations):
        count = delete_old_transcripts(session, conversations, utcnow() - timedelta(days=days))
    if count:
        journal(settings).append("retention", {"conversations": count, "days": days})
    return count


@dataclass
class RetentionSchedule:
    """Runs :func:`run_retention` at start and then every ``every_seconds`` (``shopdesk run``)."""

    settings: Settings
    every_seconds: float = 3600.0
    _next: float = 0.0

    def tick(self) -> None:
        """Run retention when it is due; a failure is logged and retried next time."""
        if self.settings.transcript_retention_days <= 0 or time.monotonic() < self._next:
            return
        self._next = time.monotonic() + self.every_seconds
        try:
            count = run_retention(self.settings)
        except Exception:
            logger.exception("Transcript retention failed; it runs again in an hour.")
            return
        if count:
            logger.info("Transcript retention deleted %d conversations.", count)


def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = export_customer(settings, args.email)
    except UnknownSubject:
        out.print(f"Nothing is held about {args.email}: no customer, no conversation.")
        return 1
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        out.print(f"Wrote everything held about {args.email} to {args.output}.")
    else:
        print(text)
    return 0


def _cmd_forget(args: argparse.Namespace, settings: Settings) -> int:
    try:
        conversations, events = forget_customer(settings, args.email)
    except UnknownSubject:
        out.print(f"Nothing is held about {args.email}: nothing was changed.")
        return 1
    out.print(
        f"Forgot {args.email}: {conversations} conversation(s) ({events} events) erased with "
        "their console copies and behaviour; profile and order addresses anonymised. "
        f"Recorded in {settings.data_dir / JOURNAL}."
    )
    return 0


def _cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    if settings.transcript_retention_days <= 0:
        out.print("SHOPDESK_TRANSCRIPT_RETENTION_DAYS is 0: transcripts are kept; nothing done.")
        return 0
    count = run_retention(settings)
    out.print(
        f"Deleted {count} conversation(s) idle for more than "
        f"{settings.transcript_retention_days} days."
    )
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register ``shopdesk customer ...`` and ``shopdesk retention run``."""
    customer = commands.add_parser(
        "customer", help="a customer's data on request (export, forget)"
    ).add_subparsers(dest="customer_command", required=True)
    export = customer.add_parser("export", help="everything held about a customer, as JSON")
    export.add_argument("email")
    export.add_argument("--output", "-o", help="file to write (default: the screen)")
    export.set_defaults(handler=_cmd_export)
    forget = customer.add_parser(
        "forget", help="erase a customer's conversations, profile and behaviour"
    )
    forget.add_argument("email")
    forget.set_defaults(handler=_cmd_forget)
    retention = commands.add_parser("retention", help="transcript retention").add_subparsers(
        dest="retention_command", required=True
    )
    retention.add_parser(
        "run", help="delete transcripts older than SHOPDESK_TRANSCRIPT_RETENTION_DAYS"
    ).set_defaults(handler=_cmd_retention)
