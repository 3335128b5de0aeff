"""One router per screen of the console."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every router of the console, in the order they are mounted."""
    from console.routers import (
        analytics,
        auth,
        conversations,
        export,
        health,
        inbox,
        review,
        staff,
    )

    return [
        auth.router,
        inbox.router,
        conversations.router,
        staff.router,
        analytics.router,
        review.router,
        export.router,
        health.router,
    ]
