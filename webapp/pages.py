"""The console's HTML pages share their frame (the agent, the CSRF token for the logout form and the
links back to the console); one function fills it, so a new page cannot forget a part."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from webapp.auth import LOGOUT_PATH, PREFIX
from webapp.keys import AGENT, SESSION, TEMPLATES_KEY


def render_console_page(
    request: web.Request, template: str, status: int = 200, **values: Any
) -> web.Response:
    html = (
        request.app[TEMPLATES_KEY]
        .get_template(template)
        .render(
            agent=request[AGENT],
            csrf=request[SESSION].csrf_token,
            logout_action=LOGOUT_PATH,
            console_path=PREFIX,
            **values,
        )
    )
    return web.Response(text=html, content_type="text/html", status=status)
