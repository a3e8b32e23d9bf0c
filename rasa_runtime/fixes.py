"""Speed fixes for Rasa 3.6.21 inside the Rasa server, applied once by `apply()`."""

from __future__ import annotations

from typing import Any

_applied = False


def apply() -> None:
    """Applies every fix once; later calls do nothing."""
    global _applied
    if _applied:
        return
    _validate_action_results_with_a_compiled_validator()
    _applied = True


def _validate_action_results_with_a_compiled_validator() -> None:
    """`RemoteAction._validate_action_result`, with the schema checked once instead of every call.

    Rasa's version calls `jsonschema.validate(result, schema)`, which checks `schema` itself against
    the meta-schema before it checks `result`; with Rasa's event schema and jsonschema 4.17 that
    takes about 20 ms of CPU per call. The answer and the error are the same.
    """
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result
