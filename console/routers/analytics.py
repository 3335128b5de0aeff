"""Analytics: charts with their numbers as tables, each exportable as CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from console.analytics import build_report, parse_period
from console.app import DB, NotFound, allowed, console_of, page
from console.inbox import channels
from console.staff import Staff
from storage.orders import utcnow

router = APIRouter(prefix="/analytics", tags=["analytics"])
Reader = Annotated[Staff, Depends(allowed("read"))]


def _report(request: Request, session):
    period = parse_period(dict(request.query_params), utcnow().date())
    return build_report(session, period, console_of(request).settings.console_low_confidence)


@router.get("")
def analytics(request: Request, session: DB, staff: Reader) -> Response:
    """The analytics page for the chosen period (default: the last 30 days)."""
    report = _report(request, session)
    return page(
        request,
        "analytics.html",
        report=report,
        channels=channels(session),
        query=request.url.query,
    )


@router.get("/{name}.csv")
def table_csv(request: Request, session: DB, staff: Reader, name: str) -> Response:
    """One table of the page as CSV."""
    report = _report(request, session)
    table = report.tables.get(name)
    if table is None:
        raise NotFound(f"No analytics table {name!r}; choose one of {', '.join(report.tables)}.")
    period = report.period
    filename = f"shopdesk-{name}-{period.first}-{period.last}.csv"
    return Response(
        table.csv(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
