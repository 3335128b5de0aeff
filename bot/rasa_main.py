"""``python -m bot.rasa_main``: Rasa's own command line, with shopdesk's fix for its hot path.

Rasa 3.6 checks every action server response with ``jsonschema.validate``, which first
validates the (constant) response schema against the JSON Schema meta-schema and builds a new
validator, on every call. Profiling the shop bot (py-spy, 200 messages) put about a third of
the Rasa server's CPU there: forms call the action server twice per message. The same check
with one validator built once gives the same verdicts and errors at a fraction of the cost.
Everything else is ``rasa``'s ``main`` unchanged; ``shopdesk run``/``demo`` start the server
through this module.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    """The validator of Rasa's action response schema, checked and built once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a cached validator (same errors as Rasa's)."""
    error = exceptions.best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> None:
    """Install the cached validation into Rasa's RemoteAction (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]


def main() -> None:
    """Run Rasa's command line with :func:`apply` in effect."""
    from rasa.__main__ import main as rasa_main

    apply()
    rasa_main()


if __name__ == "__main__":
    main()
