"""Only the Rasa server may call the action server: /webhook and /actions need the shared secret.

Without the check anyone who reaches the action server could list the actions and run any of them
for any conversation. The Rasa server sends the secret in the X-Action-Server-Secret header
(rasa_runtime.fixes); a request without it, or with a wrong one, gets 401. /health stays open for
the probes.

rasa_sdk 3.6.2 builds its Sanic app in `create_app` and imports this package right after; the check
is registered then, on the app Sanic keeps in its registry under rasa_sdk's name. That ties the check
to the actions themselves: whatever starts the action server (`rasa run actions`, `python -m
rasa_sdk` in the image), it cannot serve these actions without the check. rasa_sdk's plugin hook
(a `rasa_sdk_plugins` package) would also work, but a missing plugin is skipped silently, leaving the
server open; a patch of `create_app` would need a fence around another library's release.
"""

from __future__ import annotations

import logging
from typing import Any

from bot import action_server_secret

logger = logging.getLogger(__name__)

APP_NAME = "rasa_sdk"  # the name rasa_sdk.endpoint.create_app gives its Sanic app
OPEN_PATHS = frozenset({"/health"})


def install() -> bool:
    """Adds the check to rasa_sdk's app when this process is an action server; True when it did."""
    from sanic import Sanic

    app = Sanic._app_registry.get(APP_NAME)
    if app is None:
        return False  # actions imported elsewhere (tests, tools): no server to guard
    if getattr(app.ctx, "caller_check", False):
        return True  # rasa_sdk's auto-reload imports this package again
    expected = action_server_secret.secret()
    app.register_middleware(_checker(expected), "request")
    app.ctx.caller_check = True
    logger.info(
        "Action server: only callers with the shared secret (%s) are served", action_server_secret.HEADER
    )
    return True


def _checker(expected: str) -> Any:
    from sanic import response

    async def check_caller(request: Any) -> Any:
        if request.path in OPEN_PATHS:
            return None
        if action_server_secret.matches(request.headers.get(action_server_secret.HEADER), expected):
            return None
        logger.warning(
            "Action server: refused %s %s from %s (%s)",
            request.method,
            request.path,
            request.ip,
            "wrong secret" if action_server_secret.HEADER in request.headers else "no secret",
        )
        return response.json({"error": "Unauthorized"}, status=401)

    return check_caller
