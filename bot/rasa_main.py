"""``python -m bot.rasa_main``: Rasa's own command line, with shopdesk's fixes for its hot path.

Profiling the shop bot's Rasa server (py-spy, 200 messages over REST) found two costs that
grow with nothing useful:

* Every action server response is checked with ``jsonschema.validate``, which validates the
  (constant) response schema against the JSON Schema meta-schema and builds a new validator
  on every call (forms call the action server twice per message). Here: one validator, built
  once; same verdicts and error messages. Each event is first checked against the one branch
  of the schema's ``oneOf`` its ``event`` name selects (the others demand another name), which
  is the same verdict without trying two dozen branches per event; a response that fails this
  check is validated in full, so errors read as Rasa's.
* Loading a conversation from the tracker store turns each stored event back into an object
  with ``Event.resolve_by_type``, which walks every ``Event`` subclass for every event (13% of
  the server's CPU on 20-message conversations). Here: the name → class lookup is remembered;
  a name not seen before still takes Rasa's own path (same classes, same errors).

Two more come from profiling under the throughput benchmark (20 parallel conversations): the
prediction graphs run without dask's scheduler (``bot/graph_runner.py``) and the RulePolicy
decodes each rule once (``bot/rule_lookup.py``); the policies' past states are replayed once per
event of a conversation instead of on every call (``bot/past_states.py``); action calls share
kept-alive connections and encode the tracker with ujson (``bot/action_calls.py``).

It also gives ``rasa run`` the HTTP API token from ``SHOPDESK_API_TOKEN`` inside the process,
so the token is never on a command line, refuses to start ``rasa run`` on a missing or damaged
model with one sentence saying what to do (``bot/model_check.py``), and answers failures of the
action server, conversation store and lock store with an apology (``bot/faults.py``). Once a
worker has loaded its model, the objects it holds are frozen out of the garbage collector's
full passes (``shopdesk/memory.py``).
Everything else is ``rasa``'s ``main`` unchanged; ``shopdesk run``/``demo`` start the server
through this module.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import Any

from jsonschema import exceptions, validators
from rasa.core import run
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse

from bot import action_calls, faults, graph_runner, past_states, retries, rule_lookup
from bot.model_check import model_argument, model_problem
from shopdesk.memory import freeze_after_start, refreeze

#: Environment variable holding the token of Rasa's HTTP API.
API_TOKEN_VARIABLE = "SHOPDESK_API_TOKEN"

_RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
_EVENT_TYPES: dict[str, Any] = {}


def _validator(schema: dict[str, Any]) -> Any:
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    """The validator of Rasa's action response schema, checked and built once."""
    return _validator(RemoteAction.action_response_format_spec())


@lru_cache(maxsize=1)
def _quick_validators() -> tuple[Any, dict[str, Any]]:
    """The response schema with its events unchecked, and one validator per event name.

    Each event name's schema is Rasa's event schema with ``oneOf`` narrowed to the branch whose
    ``const`` is that name: an event valid against it is valid against Rasa's schema, because
    every other branch requires another name.
    """
    schema = RemoteAction.action_response_format_spec()
    event_schema = schema["properties"]["events"]["items"]
    outer = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
    per_name = {}
    for branch in event_schema["oneOf"]:
        name = branch["properties"]["event"]["const"]
        narrowed = {key: value for key, value in event_schema.items() if key != "oneOf"}
        per_name[name] = _validator({**narrowed, "allOf": [branch]})
    return _validator(outer), per_name


def _quickly_valid(result: Any) -> bool:
    """True only if ``result`` is valid against Rasa's response schema (False: not sure)."""
    outer, per_name = _quick_validators()
    if not outer.is_valid(result):
        return False
    for event in result.get("events") or []:
        name = event.get("event") if isinstance(event, dict) else None
        validator = per_name.get(name) if isinstance(name, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with cached validators (same errors as Rasa's)."""
    if _quickly_valid(result):
        return True
    error = exceptions.best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def resolve_event_type(type_name: str, default: Any = None) -> Any:
    """``Event.resolve_by_type`` remembering each name's class (unknown names: Rasa's answer)."""
    cls = _EVENT_TYPES.get(type_name)
    if cls is None:
        cls = _RASA_RESOLVE_BY_TYPE(type_name, default)
        if cls is not None and cls is not default:
            _EVENT_TYPES[type_name] = cls
    return cls


#: Rasa's app factory as found before :func:`apply` wrapped it.
_RASAS: dict[str, Any] = {}

#: Requests after which the served model was replaced or dropped.
_MODEL_CHANGES = frozenset({("PUT", "/model"), ("DELETE", "/model")})


async def _refreeze_after_model_change(request: Request, reply: BaseHTTPResponse) -> None:
    if (request.method, request.path) in _MODEL_CHANGES and reply.status < 300:
        refreeze()


def configure_app(*args: Any, **kwargs: Any) -> Sanic:
    """Rasa's ``configure_app`` with shopdesk's additions to the server, the one place they
    are made: metrics, health routes and JSON logs (``bot/observability.py``), the action
    calls' connection pool closed at stop (``bot/action_calls.py``), and the start-up objects
    (the loaded model) kept out of the garbage collector's full passes
    (``shopdesk/memory.py``), again after a model change."""
    from bot import observability

    app: Sanic = _RASAS["configure_app"](*args, **kwargs)
    observability.prepare_app(app)
    action_calls.prepare_app(app)
    app.register_listener(freeze_after_start, "after_server_start")
    app.register_middleware(_refreeze_after_model_change, "response")
    return app


def apply() -> None:
    """Install both fixes and the failure answers into Rasa's classes (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
    Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[assignment]
    faults.install()
    # Action calls on kept-alive connections, encoded with ujson (bot/action_calls.py).
    action_calls.install()
    graph_runner.install()
    rule_lookup.install()
    past_states.install()
    # A message sent again with its message id is answered once (bot/retries.py).
    retries.install()
    # Metrics and health routes (docs/operations.md); imported here, where the server starts.
    from bot import observability

    observability.install()
    if not _RASAS:
        _RASAS["configure_app"] = run.configure_app
        run.configure_app = configure_app


def main() -> None:
    """Run Rasa's command line with :func:`apply` in effect."""
    from rasa.__main__ import main as rasa_main

    apply()
    running = len(sys.argv) > 1 and sys.argv[1] == "run" and sys.argv[2:3] != ["actions"]
    problem = model_problem(model_argument(sys.argv[2:])) if running else None
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(1)
    token = os.environ.get(API_TOKEN_VARIABLE)
    if token and running:
        # Added here, in the process, so the token never shows on a command line (ps, /proc).
        sys.argv.append(f"--auth-token={token}")
    rasa_main()


if __name__ == "__main__":
    main()
