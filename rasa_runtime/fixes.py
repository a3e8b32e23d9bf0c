"""Speed fixes for Rasa 3.6.21 inside the Rasa server, applied once by `apply()`."""

from __future__ import annotations

import os
from typing import Any

# At most this many messages in Rasa's processing at once (KLANTENSERVICE_MESSAGES_IN_PROCESS; 0: no
# limit). make bench, 50 customers: p99 2.5-2.9 s without a limit, 1.2 s with 16 (1.05 s with 4, at
# 11% less throughput), throughput within 1%.
MESSAGES_IN_PROCESS = 16

_applied = False


def apply() -> None:
    """Applies every fix once; later calls do nothing."""
    global _applied
    if _applied:
        return
    _validate_action_results_with_a_compiled_validator()
    limit = int(os.environ.get("KLANTENSERVICE_MESSAGES_IN_PROCESS", "") or MESSAGES_IN_PROCESS)
    if limit > 0:
        _limit_messages_in_process(limit)
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


def _limit_messages_in_process(limit: int) -> None:
    """At most `limit` messages in Rasa's processing at once; the others wait in arrival order.

    Processing a message is mostly CPU work on the server's one event loop, with waits for the
    action server in between. Without a limit every waiting message queues again behind all the
    others each time it resumes, so with 50 customers at once a turn with two custom actions waits
    for three rounds of the whole queue: the slowest turns take seconds. A few messages at a time
    keep the CPU busy during those waits and serve the rest first come, first served.
    """
    import asyncio

    from rasa.core.processor import MessageProcessor

    handle_message = MessageProcessor.handle_message
    semaphores: dict[Any, asyncio.Semaphore] = {}

    async def limited_handle_message(self: MessageProcessor, message: Any) -> Any:
        loop = asyncio.get_running_loop()
        semaphore = semaphores.get(loop)
        if semaphore is None:
            semaphore = semaphores[loop] = asyncio.Semaphore(limit)
        async with semaphore:
            return await handle_message(self, message)

    MessageProcessor.handle_message = limited_handle_message
