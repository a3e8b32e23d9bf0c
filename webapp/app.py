"""The demo customer-service page with the chat widget, as an aiohttp application.

Routes:
- `/`: the page (Dutch): title, whether people are available now (from the calendar), quick
  questions and the embedded rasa-webchat widget, which talks to the Rasa server's socket.io
  channel at RASA_PUBLIC_URL.
- `/static/...`: the page's own stylesheet, scripts and icon.
- `/vendor/rasa-webchat.js`: the widget bundle from node_modules (installed by `make setup` with
  `npm ci`), so the page needs no CDN.
- `/health`: readiness for scripts/services.py.
- `/agent...`: the agent console (login, the queue, answering customers), see webapp/agent.py.

Every response carries a Content-Security-Policy that allows only this origin and the Rasa server
(http and ws): no inline or third-party scripts, and no request to a third party, such as the Google
web font that rasa-webchat's stylesheet imports (the page uses system fonts instead).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

from bot import clock, log_privacy
from bot.database import URL_VARIABLE
from bot.hours import default_calendar
from bot.hours_text import availability_line
from bot.settings import load_settings
from webapp.agent import setup_agent_console
from webapp.dashboard import setup_dashboard
from webapp.review import setup_review

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
DEFAULT_BUNDLE = PROJECT_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"
BUNDLE_ROUTE = "/vendor/rasa-webchat.js"


@dataclass(frozen=True)
class QuickQuestion:
    """A button on the page that asks the assistant a common question."""

    label: str
    payload: str


# The common questions, as intents of the domain (the same as the greeting's buttons).
QUICK_QUESTIONS: tuple[QuickQuestion, ...] = (
    QuickQuestion("Openingstijden", "/openingstijden"),
    QuickQuestion("Vraag over mijn factuur", "/factuur_vraag"),
    QuickQuestion("Iets retourneren", "/retour"),
    QuickQuestion("Klacht indienen", "/klacht"),
    QuickQuestion("Een medewerker spreken", "/medewerker_spreken"),
)


@dataclass(frozen=True)
class WebConfig:
    """Where the page listens and where the visitor's browser finds the Rasa server."""

    host: str
    port: int
    rasa_public_url: str
    bundle_path: Path
    # The agent console's side: Rasa's HTTP API as this server reaches it, its token, the database.
    rasa_url: str = "http://localhost:5005"
    rasa_token: str = ""
    db_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebConfig:
        rasa_port = env.get("RASA_PORT", "5005")
        public_url = env.get("RASA_PUBLIC_URL") or f"http://localhost:{rasa_port}"
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"RASA_PUBLIC_URL={public_url!r} is not an http(s) URL such as http://localhost:5005"
            )
        rasa_url = env.get("RASA_URL") or f"http://localhost:{rasa_port}"
        if urlsplit(rasa_url).scheme not in ("http", "https") or not urlsplit(rasa_url).netloc:
            raise ValueError(f"RASA_URL={rasa_url!r} is not an http(s) URL such as http://localhost:5005")
        return cls(
            host=env.get("WEB_HOST", "127.0.0.1"),
            port=int(env.get("WEB_PORT", "8080")),
            rasa_public_url=public_url.rstrip("/"),
            bundle_path=Path(env.get("WEBCHAT_BUNDLE", str(DEFAULT_BUNDLE))),
            rasa_url=rasa_url.rstrip("/"),
            rasa_token=env.get("RASA_TOKEN", ""),
            db_url=env.get(URL_VARIABLE) or None,
        )

    @property
    def rasa_origin(self) -> str:
        parts = urlsplit(self.rasa_public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def rasa_websocket_origin(self) -> str:
        parts = urlsplit(self.rasa_public_url)
        return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"

    @property
    def socket_url(self) -> str:
        """socket.io's server URL: the origin only (a path there would be read as a namespace)."""
        return self.rasa_origin

    @property
    def socket_path(self) -> str:
        """socket.io's path, below the path of RASA_PUBLIC_URL (for a server behind a proxy)."""
        return f"{urlsplit(self.rasa_public_url).path.rstrip('/')}/socket.io/"


def content_security_policy(config: WebConfig) -> str:
    """Only this origin and the Rasa server. Inline styles stay allowed because the widget injects
    its stylesheet as <style> elements; scripts must come from files of this origin."""
    rasa = f"{config.rasa_origin} {config.rasa_websocket_origin}"
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": f"'self' {rasa}",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def availability_sentence(now: datetime) -> str:
    """One sentence on whether people are available, and when they are back."""
    return availability_line(default_calendar(), now)


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


CONFIG_KEY = web.AppKey("config", WebConfig)
CLOCK_KEY = web.AppKey("clock", Callable[[], datetime])
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)


async def index(request: web.Request) -> web.Response:
    config = request.app[CONFIG_KEY]
    now = request.app[CLOCK_KEY]()
    calendar = default_calendar()
    html = (
        request.app[TEMPLATES_KEY]
        .get_template("index.html")
        .render(
            availability=availability_sentence(now),
            staffed=calendar.is_staffed(now),
            quick_questions=QUICK_QUESTIONS,
            socket_url=config.socket_url,
            socket_path=config.socket_path,
            bundle_url=BUNDLE_ROUTE,
            contact=load_settings().contact,
        )
    )
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def bundle(request: web.Request) -> web.FileResponse:
    return web.FileResponse(request.app[CONFIG_KEY].bundle_path, headers={"Cache-Control": "no-cache"})


@web.middleware
async def dutch_errors(request: web.Request, handler: Callable) -> web.StreamResponse:
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


def create_app(config: WebConfig, now: Callable[[], datetime] = clock.now) -> web.Application:
    """The web app; `now` is the clock the availability sentence uses (pinned in tests)."""
    app = web.Application(middlewares=[dutch_errors])
    app[CONFIG_KEY] = config
    app[CLOCK_KEY] = now
    app[TEMPLATES_KEY] = _templates()
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_get(BUNDLE_ROUTE, bundle)
    app.router.add_static("/static/", STATIC_DIR)
    app.on_response_prepare.append(_security_headers)
    # After _security_headers: the console tightens the policy of its own responses.
    setup_agent_console(app, config, app[TEMPLATES_KEY])
    setup_dashboard(app)  # /agent/dashboard, for team leads
    setup_review(app)  # /agent/review, for team leads
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
