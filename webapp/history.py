"""History in the agent console: earlier conversations, open or closed, for as long as the retention
purge keeps them (bot/history.py searches them).

Routes (GETs that change nothing, behind webapp.auth's guard; agents and team leads):
- `GET /agent/geschiedenis?q=...&datum=YYYY-MM-DD`: conversations and cases found by a queue or
  case reference in any spelling, an order number or other words, a conversation id, and a day.
- `GET /agent/geschiedenis/{id}`: one conversation as it went: details, cases, the agents' notes,
  the conversation (from Rasa while it keeps it) and the same customer's other conversations.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.handoff import Entry
from bot.history import SearchError
from bot.rasa_api import RasaUnavailable
from bot.settings import load_settings
from webapp.auth import LOGOUT_PATH, PREFIX
from webapp.console import blocking
from webapp.keys import AGENT, CONSOLE_KEY, SESSION, TEMPLATES_KEY
from webapp.labels import CASE_STATUS_LABELS, MODE_LABELS, intent_label
from webapp.notes import note_json
from webapp.queue_api import (
    HISTORY_PATH,
    TRANSCRIPT_UNAVAILABLE,
    _now,
    case_json,
    entry_json,
    fields_json,
    transcript,
)

BAD_DAY = "Dat is geen datum. Kies een dag in de kalender (of typ jjjj-mm-dd)."


def local(moment: datetime | None) -> str:
    return moment.astimezone(load_settings().tz).strftime("%d-%m-%Y %H:%M") if moment else "–"


def entry_view(entry: Entry, username: str) -> dict[str, Any]:
    return {
        **entry_json(entry, username, _now()),
        "link": f"{HISTORY_PATH}/{entry.id}",
        "queued": local(entry.queued_at),
        "closed": local(entry.closed_at),
        "mode_label": MODE_LABELS.get(entry.mode, entry.mode),
        "reason_label": intent_label(entry.reason),
    }


def case_view(case: Any) -> dict[str, Any]:
    return {
        **case_json(case),
        "status_label": CASE_STATUS_LABELS.get(case.status, case.status),
        "conversation_id": case.conversation_id,
        "created": local(case.created_at),
        "closed": local(case.closed_at),
    }


def _render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    html = (
        request.app[TEMPLATES_KEY]
        .get_template(template)
        .render(
            agent=request[AGENT],
            csrf=request[SESSION].csrf_token,
            logout_action=LOGOUT_PATH,
            console_path=PREFIX,
            page_path=HISTORY_PATH,
            **values,
        )
    )
    return web.Response(text=html, content_type="text/html", status=status)


def parse_day(text: str) -> date | None:
    """A day as a date field sends it (2026-12-03) or as agents write it (3-12-2026); None if empty.
    ValueError when it is no day."""
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


async def history_page(request: web.Request) -> web.Response:
    agent = request[AGENT]
    typed = request.query.get("q", "")[:100].strip()
    day_text = request.query.get("datum", "")[:20].strip()
    error, status, entries, cases = None, 200, [], []
    try:
        day = parse_day(day_text)
    except ValueError:
        day, error, status = None, BAD_DAY, 400
    if error is None:
        stores = await request.app[CONSOLE_KEY].stores()
        try:
            found = await blocking(stores.history.search, typed, day, load_settings().tz)
            entries = [entry_view(entry, agent.username) for entry in found.entries]
            cases = [case_view(case) for case in found.cases]
        except SearchError as problem:
            error, status = str(problem), 400
    searched = bool(typed or day_text)
    return _render(
        request,
        "agent_history.html",
        status,
        typed=typed,
        day=day_text,
        searched=searched,
        entries=entries,
        cases=cases,
        error=error,
        queue_days=load_settings().retention.queue_days,
        case_days=load_settings().cases.retention_days,
    )


async def history_entry(request: web.Request) -> web.Response:
    agent = request[AGENT]
    console = request.app[CONSOLE_KEY]
    stores = await console.stores()
    entry = await blocking(stores.queue.get, int(request.match_info["entry_id"]))
    if entry is None:
        return _render(request, "agent_history_entry.html", 404, entry=None, missing=True)
    cases = await blocking(stores.cases.for_conversation, entry.conversation_id)
    notes = await blocking(stores.notes.for_entry, entry.id)
    others = await blocking(stores.queue.for_conversation, entry.conversation_id)
    try:
        lines, transcript_error = transcript(await console.rasa.tracker(entry.conversation_id)), None
    except RasaUnavailable:
        lines, transcript_error = [], TRANSCRIPT_UNAVAILABLE
    return _render(
        request,
        "agent_history_entry.html",
        missing=False,
        entry={**entry_view(entry, agent.username), "details": fields_json(entry.details)},
        cases=[case_view(case) for case in cases],
        notes=[{**note_json(note), "when": local(note.created_at)} for note in notes],
        lines=[{**line, "when": _line_time(line.get("time"))} for line in lines],
        transcript_error=transcript_error,
        others=[entry_view(other, agent.username) for other in others if other.id != entry.id],
    )


def _line_time(iso: str | None) -> str:
    return local(datetime.fromisoformat(iso)) if iso else ""


def setup_history(app: web.Application) -> None:
    app.router.add_get(HISTORY_PATH, history_page)
    app.router.add_get(HISTORY_PATH + r"/{entry_id:\d{1,9}}", history_entry)
