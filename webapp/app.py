"""The web app: the customer's chat page and the agent console in one aiohttp application.

Routes:
- `/`, `/vendor/rasa-webchat.js`: the chat page with the widget (webapp/chat_page.py).
- `/static/...`: the pages' own stylesheets, scripts and icon.
- `/health`: readiness for scripts/services.py.
- `/agent...`: the agent console: login and guard (auth.py), the queue (queue_api.py), cases
  (cases.py), earlier conversations (history.py), transfer and release (transfer.py), internal
  notes (notes.py), quick replies (quick_replies.py), the team lead's
  dashboard (dashboard.py), review inbox (review.py) and customers' data (data_rights.py).

The retention purge runs in the background (retention.py).

Every response carries the chat page's security headers; the console tightens the policy of its own.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import jinja2
from aiohttp import web

from bot import clock, log_privacy
from bot.rasa_api import RasaClient
from bot.settings import load_settings
from webapp.auth import setup_auth
from webapp.cases import setup_cases
from webapp.chat_page import content_security_policy, setup_chat_page
from webapp.config import WebConfig
from webapp.console import Console
from webapp.dashboard import setup_dashboard
from webapp.data_rights import setup_data_rights
from webapp.history import setup_history
from webapp.keys import CLOCK_KEY, CONFIG_KEY, CONSOLE_KEY, TEMPLATES_KEY
from webapp.notes import setup_notes
from webapp.queue_api import setup_queue
from webapp.quick_replies import setup_quick_replies
from webapp.retention import setup_purge
from webapp.review import setup_review
from webapp.transfer import setup_transfer
from webapp.typing_indicator import setup_typing

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@web.middleware
async def dutch_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Plain Dutch text instead of aiohttp's English error bodies."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return web.Response(status=404, text="Deze pagina bestaat niet.\n")
    except web.HTTPMethodNotAllowed as error:
        return web.Response(
            status=405,
            text="Dat kan op deze pagina niet.\n",
            headers={"Allow": ", ".join(sorted(error.allowed_methods))},
        )


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(request.app[CONFIG_KEY])
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"


def _setup_console(app: web.Application, config: WebConfig) -> None:
    """The console's stores and Rasa client, closed with the app."""
    console = Console(config.db_url, RasaClient(config.rasa_url, config.rasa_token))
    app[CONSOLE_KEY] = console

    async def close_console(app: web.Application) -> None:
        await console.close()

    app.on_cleanup.append(close_console)  # type: ignore[arg-type]  # aiohttp 3.9 types its signals for aiosignal < 1.4


def create_app(config: WebConfig, now: Callable[[], datetime] = clock.now) -> web.Application:
    """The web app; `now` is the clock the availability sentence uses (pinned in tests)."""
    # Request bodies are read as sent, never decompressed: no browser compresses what it posts, and
    # aiohttp 3.9 (the last release Rasa 3.6 allows) decompresses a body in one piece, so a small
    # compressed request could fill the memory (README, "Dependencies and their advisories").
    app = web.Application(middlewares=[dutch_errors], handler_args={"auto_decompress": False})
    app[CONFIG_KEY] = config
    app[CLOCK_KEY] = now
    app[TEMPLATES_KEY] = _templates()
    setup_chat_page(app)
    app.router.add_get("/health", health)
    app.router.add_static("/static/", STATIC_DIR)
    app.on_response_prepare.append(_security_headers)  # type: ignore[arg-type]  # aiohttp 3.9 types its signals for aiosignal < 1.4
    _setup_console(app, config)
    setup_auth(app)  # after _security_headers: the console tightens the policy of its own responses
    setup_queue(app)  # /agent and /agent/api/...
    setup_cases(app)  # /agent/zaken
    setup_history(app)  # /agent/geschiedenis
    setup_transfer(app)  # /agent/api/colleagues, /agent/api/entries/{id}/overdragen and .../vrijgeven
    setup_notes(app)  # /agent/api/entries/{id}/notes
    setup_typing(app)  # /agent/api/entries/{id}/typing
    setup_quick_replies(app)  # /agent/snelle-antwoorden, for team leads; .../quick-replies for agents
    setup_dashboard(app)  # /agent/dashboard, for team leads
    setup_review(app)  # /agent/review, for team leads
    setup_data_rights(app)  # /agent/gegevens, for team leads
    setup_purge(app, config.purge_minutes, config.db_url)
    return app


def main() -> None:
    log_privacy.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    try:
        config = WebConfig.from_env(os.environ)
    except ValueError as error:
        sys.exit(str(error))
    if not config.bundle_path.is_file():
        sys.exit(f"The chat widget is missing ({config.bundle_path}): run `make setup` (npm ci).")
    load_settings()  # a broken klantenservice.yml fails here, not on the first visitor
    if not config.rasa_token:
        logger.warning("RASA_TOKEN is not set: the agent console calls Rasa's HTTP API without a token")
    logger.info("Chat page on http://localhost:%s, Rasa server at %s", config.port, config.rasa_public_url)
    web.run_app(create_app(config), host=config.host, port=config.port, print=None)


if __name__ == "__main__":
    main()
