"""The inbox and the live waiting-for-a-person queue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from console.app import DB, allowed, console_of, page, templates
from console.inbox import channels, parse_filters, search_inbox, waiting_queue
from console.staff import Staff
from storage.orders import utcnow

router = APIRouter(tags=["inbox"])
Reader = Annotated[Staff, Depends(allowed("read"))]
QUEUE_REFRESH_SECONDS = 2.0


@router.get("/")
def home() -> Response:
    """The inbox is the home page."""
    return RedirectResponse("/inbox", status_code=303)


@router.get("/inbox")
def inbox(request: Request, session: DB, staff: Reader) -> Response:
    """Conversations newest activity first; an htmx request gets only the rows."""
    filters = parse_filters(request.query_params)
    console = console_of(request)
    results = search_inbox(session, filters, console.settings.console_low_confidence)
    context: dict[str, Any] = {"filters": filters, "results": results}
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "rows":
        return page(request, "inbox/_rows.html", **context)
    return page(
        request,
        "inbox/index.html",
        channels=channels(session),
        queue=waiting_queue(session, utcnow()),
        **context,
    )


@router.get("/inbox/queue")
def queue(request: Request, session: DB, staff: Reader) -> Response:
    """The waiting-for-a-person queue as a fragment."""
    return page(request, "inbox/_queue.html", queue=waiting_queue(session, utcnow()))


@router.get("/inbox/queue/stream")
async def queue_stream(request: Request, staff: Reader) -> StreamingResponse:
    """Server-sent events: the queue fragment every few seconds (wait times keep counting)."""
    console = console_of(request)
    template = templates.get_template("inbox/_queue.html")

    def render() -> str:
        with console.sessions() as session:
            return template.render(queue=waiting_queue(session, utcnow()))

    async def events() -> AsyncIterator[str]:
        while not await request.is_disconnected():
            html = await asyncio.to_thread(render)
            data = "\n".join(f"data: {line}" for line in html.splitlines() or [""])
            yield f"event: queue\n{data}\n\n"
            await asyncio.sleep(QUEUE_REFRESH_SECONDS)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
