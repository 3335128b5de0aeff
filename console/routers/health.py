"""Health probes of the console process (docs/operations.md): liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from console.app import DB
from storage.db import StorageError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The console process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(db: DB) -> dict[str, str] | JSONResponse:
    """The console can serve staff: the shop database answers (503 with the problem if not)."""
    try:
        db.execute(text("SELECT 1"))
    except (SQLAlchemyError, StorageError) as error:
        problem = f"shop database: {type(error).__name__}: {error}"
        return JSONResponse({"status": "not ready", "problems": [problem]}, status_code=503)
    return {"status": "ready"}
