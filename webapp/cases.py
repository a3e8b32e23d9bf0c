"""Cases in the agent console (behind webapp.auth's guard; agents and team leads):
`GET /agent/zaken?referentie=ret jnn2nc` shows a case by the reference a customer quotes, in any
spelling; `GET /agent/zaken?soort=retour&status=open&van=2026-12-01&tot=2026-12-03` lists the
cases that pass the filters, newest first (without filters: the latest)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.cases import CASE_FIELDS, parse_reference
from bot.history import day_bounds
from bot.settings import load_settings
from webapp.auth import LOGOUT_PATH, PREFIX
from webapp.console import blocking
from webapp.history import BAD_DAY, case_view, parse_day
from webapp.keys import AGENT, CONSOLE_KEY, SESSION, TEMPLATES_KEY
from webapp.labels import CASE_STATUS_LABELS, CASE_TYPE_LABELS

CASES_PATH = "/agent/zaken"
LIST_LIMIT = 200
NOT_A_REFERENCE = (
    "Dat is geen zaaknummer. Een zaaknummer ziet eruit als RET-7QX4KD (retour) of KL-7QX4KD (klacht)."
)


def _choice(value: str, allowed: Any) -> str | None:
    """A filter's value when it is one of `allowed`; None (no filter) otherwise."""
    return value if value in allowed else None


async def _lookup(request: web.Request, typed: str) -> tuple[dict[str, Any] | None, str | None, int]:
    reference = parse_reference(typed)
    if reference is None:
        return None, NOT_A_REFERENCE, 400
    stores = await request.app[CONSOLE_KEY].stores()
    case = await blocking(stores.cases.get, reference)
    if case is None:
        return None, f"Er is geen zaak met nummer {reference}. Controleer het nummer.", 404
    return case_view(case), None, 200


def _period(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """From the start of `since` to the end of `until` (both included), in the service's time zone."""
    tz = load_settings().tz
    start = day_bounds(since, tz)[0] if since else None
    end = day_bounds(until, tz)[1] if until else None
    return start, end


async def cases_page(request: web.Request) -> web.Response:
    """GETs that change nothing, so they need the session but no CSRF token."""
    typed = request.query.get("referentie", "")[:40].strip()
    case_type = _choice(request.query.get("soort", ""), CASE_FIELDS)
    status_filter = _choice(request.query.get("status", ""), CASE_STATUS_LABELS)
    since_text, until_text = request.query.get("van", "")[:20], request.query.get("tot", "")[:20]
    case, error, status, listed = None, None, 200, None
    if typed:
        case, error, status = await _lookup(request, typed)
    else:
        try:
            since, until = parse_day(since_text), parse_day(until_text)
        except ValueError:
            error, status = BAD_DAY, 400
        else:
            stores = await request.app[CONSOLE_KEY].stores()
            start, end = _period(since, until)
            found = await blocking(stores.cases.listing, case_type, status_filter, start, end, LIST_LIMIT)
            listed = [case_view(item) for item in found]
    html = (
        request.app[TEMPLATES_KEY]
        .get_template("agent_cases.html")
        .render(
            agent=request[AGENT],
            csrf=request[SESSION].csrf_token,
            logout_action=LOGOUT_PATH,
            console_path=PREFIX,
            page_path=CASES_PATH,
            typed=typed,
            case=case,
            error=error,
            listed=listed,
            limit=LIST_LIMIT,
            types=CASE_TYPE_LABELS,
            statuses=CASE_STATUS_LABELS,
            chosen={
                "soort": case_type or "",
                "status": status_filter or "",
                "van": since_text,
                "tot": until_text,
            },
            filtered=bool(case_type or status_filter or since_text or until_text),
        )
    )
    return web.Response(text=html, content_type="text/html", status=status)


def setup_cases(app: web.Application) -> None:
    app.router.add_get(CASES_PATH, cases_page)
