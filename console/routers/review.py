"""Fix the bot: label misunderstood messages into the training data."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from console.app import DB, NotFound, allowed, console_of, page
from console.model_update import ModelUpdates
from console.review import (
    LabelRequest,
    dismiss,
    group_similar,
    label_message,
    load_training_data,
    review_queue,
)
from console.staff import Staff, audit
from shopdesk.training import BOT_DIR, NLU_TRAIN_DIR

router = APIRouter(prefix="/review", tags=["fix the bot"])
Annotator = Annotated[Staff, Depends(allowed("label"))]


def _updates(request: Request) -> ModelUpdates:
    """The console's retrain-and-compare runner (``create_app`` always sets it)."""
    updates = console_of(request).updates
    if updates is None:
        raise RuntimeError("The console app was built without create_app(): no model updates.")
    return updates


@router.get("")
def queue(request: Request, session: DB, staff: Annotator) -> Response:
    """Misunderstood messages grouped by similar text, with the label form."""
    console = console_of(request)
    messages = review_queue(session, console.settings.console_low_confidence)
    groups = group_similar(messages, console.encode)
    training = load_training_data(
        NLU_TRAIN_DIR, BOT_DIR / "domain", console.settings.reviewed_examples
    )
    intents = sorted(training.intents)
    return page(
        request,
        "review.html",
        groups=groups,
        intents=intents,
        labelled=request.query_params.get("labelled", ""),
    )


@router.post("/label")
def label(
    request: Request,
    session: DB,
    staff: Annotator,
    event_id: Annotated[int, Form()],
    intent: Annotated[str, Form(max_length=100)] = "",
    new_intent: Annotated[str, Form(max_length=100)] = "",
    entities: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Write the example to the reviewed-examples file (refused with a reason when it would
    duplicate or contradict the training data)."""
    chosen = new_intent.strip() or intent
    try:
        example = label_message(
            session,
            staff,
            LabelRequest(event_id, chosen, bool(new_intent.strip()), entities),
            console_of(request).settings.reviewed_examples,
            NLU_TRAIN_DIR,
            BOT_DIR / "domain",
        )
    except LookupError as error:
        raise NotFound(str(error)) from error
    return RedirectResponse(f"/review?labelled={quote(f'{chosen}: {example}')}", status_code=303)


@router.post("/dismiss")
def dismiss_message(session: DB, staff: Annotator, event_id: Annotated[int, Form()]) -> Response:
    """The message was understood after all: take it off the queue."""
    try:
        dismiss(session, staff, event_id)
    except LookupError as error:
        raise NotFound(str(error)) from error
    return RedirectResponse("/review", status_code=303)


@router.get("/model")
def model(request: Request, staff: Annotator) -> Response:
    """The state of the retrain-and-compare run (polled by the page while it runs)."""
    return page(request, "review_model.html", update=_updates(request).current())


@router.post("/model/retrain")
def retrain(request: Request, session: DB, staff: Annotator) -> Response:
    """Retrain with the reviewed examples and compare old and new model on nlu_data/test."""
    _updates(request).start()
    audit(session, staff, "retrain")
    return RedirectResponse("/review/model", status_code=303)


@router.post("/model/load")
def load(request: Request, session: DB, staff: Annotator) -> Response:
    """Load the compared model into the running Rasa server."""
    update = _updates(request).load()
    audit(session, staff, "model_load", update.trained.name if update.trained else None)
    return RedirectResponse("/review/model", status_code=303)
