"""A customer's data in the agent console, for team leads: everything stored about one conversation
(found by its id or a reference the customer quotes), exported as JSON or erased (bot/data_rights.py
does the work).

Routes (behind the console's guard: a session, and the CSRF token on every POST; an agent without
the team-lead role gets 403). Every request that names a conversation is a POST, so that no
conversation id or reference ends up in an access log or the browser's history.
- `GET /agent/gegevens`: the search form.
- `POST /agent/gegevens` with `zoek`: what is stored about it, with the export and erase forms.
- `POST /agent/gegevens/export` with `gesprek`: the JSON, as a download.
- `POST /agent/gegevens/wissen` with `gesprek` and `bevestiging` = "wissen": erases everything;
  without that confirmation nothing is erased (400).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from aiohttp import web

from bot.data_rights import DataRights, NotFound, open_data_rights
from webapp.auth import team_leads_only
from webapp.console import blocking
from webapp.keys import AGENT, CONSOLE_KEY
from webapp.pages import render_console_page

logger = logging.getLogger(__name__)

PAGE_PATH = "/agent/gegevens"
EXPORT_PATH = PAGE_PATH + "/export"
ERASE_PATH = PAGE_PATH + "/wissen"
CONFIRMATION = "wissen"
TEAM_LEADS_ONLY = "Inzage en wissen van klantgegevens is alleen voor teamleiders."
NOT_CONFIRMED = f"Er is niets gewist: typ ‘{CONFIRMATION}’ om te bevestigen dat alles weg mag."
KINDS = {
    "tracker_events": "gebeurtenissen in het gesprek",
    "queue_entries": "vragen in de wachtrij",
    "agent_messages": "antwoorden van medewerkers",
    "agent_notes": "interne notities van medewerkers",
    "chat_windows": "chatvensters",
    "cases": "zaken (retouren, klachten)",
    "review_decisions": "beslissingen in de review-inbox",
}


class DataRightsHolder:
    """The databases open on first use, so the console starts while they cannot be reached."""

    def __init__(self, db_url: str | None, tracker_url: str | None = None) -> None:
        self.db_url, self.tracker_url = db_url, tracker_url
        self._rights: DataRights | None = None
        self._lock = threading.Lock()

    def get(self) -> DataRights:
        with self._lock:
            if self._rights is None:
                self._rights = open_data_rights(self.db_url, self.tracker_url)
            return self._rights

    def close(self) -> None:
        if self._rights is not None:
            self._rights.engine.dispose()
            self._rights.tracker.dispose()


DATA_RIGHTS_KEY = web.AppKey("data_rights", DataRightsHolder)


def _render(request: web.Request, status: int = 200, **view: Any) -> web.Response:
    values = {"typed": "", "error": None, "conversation_id": None, "counts": None, "erased": None, **view}
    return render_console_page(
        request,
        "agent_data_rights.html",
        status=status,
        page_path=PAGE_PATH,
        export_path=EXPORT_PATH,
        erase_path=ERASE_PATH,
        confirmation=CONFIRMATION,
        kinds=KINDS,
        **values,
    )


async def _field(request: web.Request, name: str) -> str:
    return str((await request.post()).get(name, ""))[:300]


@team_leads_only(TEAM_LEADS_ONLY)
async def search_form(request: web.Request) -> web.Response:
    return _render(request)


@team_leads_only(TEAM_LEADS_ONLY)
async def search(request: web.Request) -> web.Response:
    typed = (await _field(request, "zoek")).strip()
    rights = await blocking(request.app[DATA_RIGHTS_KEY].get)
    try:
        conversation_id = await blocking(rights.conversation_id, typed)
    except NotFound as error:
        return _render(request, 404 if typed else 400, typed=typed, error=str(error))
    counts = await blocking(rights.stored, conversation_id)
    if not any(counts.values()):
        return _render(
            request, 404, typed=typed, error=f"Er is niets opgeslagen over gesprek {conversation_id}."
        )
    return _render(request, typed=typed, conversation_id=conversation_id, counts=counts)


@team_leads_only(TEAM_LEADS_ONLY)
async def export(request: web.Request) -> web.Response:
    conversation_id = (await _field(request, "gesprek")).strip()
    if not conversation_id:
        return _render(request, 400, error="Zoek eerst het gesprek op.")
    rights = await blocking(request.app[DATA_RIGHTS_KEY].get)
    exported = await blocking(rights.export, conversation_id)
    logger.info("Data export by %s", request[AGENT].username)
    return web.Response(
        text=json.dumps(exported, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="klantgegevens.json"'},
    )


@team_leads_only(TEAM_LEADS_ONLY)
async def erase(request: web.Request) -> web.Response:
    conversation_id = (await _field(request, "gesprek")).strip()
    confirmed = (await _field(request, "bevestiging")).strip().lower() == CONFIRMATION
    if not conversation_id:
        return _render(request, 400, error="Zoek eerst het gesprek op.")
    if not confirmed:
        return _render(request, 400, typed=conversation_id, error=NOT_CONFIRMED)
    rights = await blocking(request.app[DATA_RIGHTS_KEY].get)
    erased = await blocking(rights.erase, conversation_id)
    logger.info("Data erasure by %s: %s", request[AGENT].username, erased)
    return _render(request, erased={kind: getattr(erased, kind) for kind in KINDS})


def setup_data_rights(app: web.Application, tracker_url: str | None = None) -> None:
    """Adds the page to the console (after setup_auth, whose guard protects it), on the console's
    database and the tracker store (TRACKER_STORE_URL unless given)."""
    holder = DataRightsHolder(app[CONSOLE_KEY].db_url, tracker_url)
    app[DATA_RIGHTS_KEY] = holder

    async def close(app: web.Application) -> None:
        holder.close()

    app.on_cleanup.append(close)  # type: ignore[arg-type]  # aiohttp 3.9 types its signals for aiosignal < 1.4
    app.router.add_get(PAGE_PATH, search_form)
    app.router.add_post(PAGE_PATH, search)
    app.router.add_post(EXPORT_PATH, export)
    app.router.add_post(ERASE_PATH, erase)
