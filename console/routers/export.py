"""Exports of one conversation or of an inbox filter, and test stories."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from console.app import DB, NotFound, allowed, console_of
from console.conversation_store import iter_conversation_events
from console.export import (
    events_jsonl,
    filtered_senders,
    messages_csv,
    messages_jsonl,
    messages_of,
    regression_story,
)
from console.inbox import parse_filters
from console.routers.conversations import summary_of
from console.staff import Staff, audit
from console.takeover import TakeoverRefused

router = APIRouter(prefix="/export", tags=["export"])
Exporter = Annotated[Staff, Depends(allowed("export"))]
_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


def _download(body: Iterator[str], name: str, kind: str) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type=_TYPES.get(kind, "text/yaml"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/conversations/{sender_id}.{kind}")
def conversation(
    request: Request, session: DB, staff: Exporter, sender_id: str, kind: str
) -> Response:
    """Every event of the conversation (JSON Lines) or its messages (CSV)."""
    if kind not in _TYPES:
        raise NotFound("Export as .jsonl or .csv.")
    summary_of(session, sender_id)
    audit(session, staff, "export", sender_id, kind)
    if kind == "jsonl":
        events = iter_conversation_events(console_of(request).conversations, sender_id)
        return _download(events_jsonl(events), f"{sender_id}.jsonl", kind)
    return _download(messages_csv(messages_of(session, [sender_id])), f"{sender_id}.csv", kind)


@router.get("/conversations/{sender_id}/stories.yml")
def stories(request: Request, session: DB, staff: Exporter, sender_id: str) -> Response:
    """A Rasa test story of a reviewed conversation, to keep a fixed failure fixed."""
    summary = summary_of(session, sender_id)
    if summary.reviewed_at is None:
        raise TakeoverRefused(
            "Mark the conversation reviewed first: a test story states what the bot should do."
        )
    story = regression_story(
        sender_id, iter_conversation_events(console_of(request).conversations, sender_id)
    )
    audit(session, staff, "export", sender_id, "test story")
    return _download(iter([story]), f"test_{sender_id}.yml", "yml")


@router.get("/inbox.{kind}")
def filtered(request: Request, session: DB, staff: Exporter, kind: str) -> Response:
    """The messages of every conversation the inbox filters match."""
    if kind not in _TYPES:
        raise NotFound("Export as .jsonl or .csv.")
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    filters = parse_filters(params)
    senders = filtered_senders(
        session, filters, console_of(request).settings.console_low_confidence
    )
    if not senders:
        raise NotFound("No conversation matches these filters, so there is nothing to export.")
    audit(session, staff, "export", f"{len(senders)} conversations", filters.query_string())
    messages = messages_of(session, senders)
    body = messages_jsonl(messages) if kind == "jsonl" else messages_csv(messages)
    return _download(body, f"shopdesk-conversations.{kind}", kind)
