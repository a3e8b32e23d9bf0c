"""Case lookup in the agent console: `GET /agent/zaken?referentie=RET-7QX4KD` shows a case by the
reference a customer quotes (behind webapp.auth's guard)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.cases import parse_reference
from bot.settings import load_settings
from webapp.auth import LOGOUT_PATH, PREFIX
from webapp.console import blocking
from webapp.keys import AGENT, CONSOLE_KEY, SESSION, TEMPLATES_KEY
from webapp.labels import CASE_STATUS_LABELS
from webapp.queue_api import case_json

CASES_PATH = "/agent/zaken"
NOT_A_REFERENCE = (
    "Dat is geen zaaknummer. Een zaaknummer ziet eruit als RET-7QX4KD (retour) of KL-7QX4KD (klacht)."
)


def _local(moment: datetime | None) -> str:
    return moment.astimezone(load_settings().tz).strftime("%d-%m-%Y %H:%M") if moment else "–"


async def cases_page(request: web.Request) -> web.Response:
    """A GET that changes nothing, so it needs the session but no CSRF token."""
    typed = request.query.get("referentie", "")[:40]
    case, error, status = None, None, 200
    if typed.strip():
        reference = parse_reference(typed)
        if reference is None:
            error, status = NOT_A_REFERENCE, 400
        else:
            stores = await request.app[CONSOLE_KEY].stores()
            case = await blocking(stores.cases.get, reference)
            if case is None:
                error, status = f"Er is geen zaak met nummer {reference}. Controleer het nummer.", 404
    view = case and {
        **case_json(case),
        "status_label": CASE_STATUS_LABELS.get(case.status, case.status),
        "conversation_id": case.conversation_id,
        "created": _local(case.created_at),
        "closed": _local(case.closed_at),
    }
    html = (
        request.app[TEMPLATES_KEY]
        .get_template("agent_cases.html")
        .render(
            agent=request[AGENT],
            csrf=request[SESSION].csrf_token,
            logout_action=LOGOUT_PATH,
            console_path=PREFIX,
            page_path=CASES_PATH,
            typed=typed.strip(),
            case=view,
            error=error,
        )
    )
    return web.Response(text=html, content_type="text/html", status=status)


def setup_cases(app: web.Application) -> None:
    app.router.add_get(CASES_PATH, cases_page)
