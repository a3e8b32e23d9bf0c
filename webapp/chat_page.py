"""The customer's page: `/` in Dutch with whether people are available now (from the calendar),
quick questions and the embedded rasa-webchat widget, which talks to the Rasa server's socket.io
channel at RASA_PUBLIC_URL; `/vendor/rasa-webchat.js` serves the widget's bundle from node_modules
(installed by `make setup` with `npm ci`), so the page needs no CDN.

The page's Content-Security-Policy allows only this origin and the Rasa server (http and ws): no
inline or third-party scripts, and no request to a third party, such as the Google web font that
rasa-webchat's stylesheet imports (the page uses system fonts instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.hours import default_calendar
from bot.hours_text import availability_line
from bot.settings import load_settings
from webapp.config import WebConfig
from webapp.keys import CLOCK_KEY, CONFIG_KEY, TEMPLATES_KEY

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


async def bundle(request: web.Request) -> web.FileResponse:
    return web.FileResponse(request.app[CONFIG_KEY].bundle_path, headers={"Cache-Control": "no-cache"})


def setup_chat_page(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get(BUNDLE_ROUTE, bundle)
