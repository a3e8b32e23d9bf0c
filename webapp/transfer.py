"""Transfer and release in the agent console (bot/transfer.py does the moving).

Routes (behind webapp.auth's guard: a session, and the CSRF token on the POSTs):
- `GET /agent/api/colleagues`: the colleagues online now, to hand a conversation to.
- `POST /agent/api/entries/{id}/overdragen` with {"to": username, "note": ...}: the agent's
  conversation goes to that colleague, who must be online. In a live chat the assistant then tells
  the customer who helps them now (`action_handoff_overgenomen` names the new agent, delivered
  exactly once like the join message after a claim).
- `POST /agent/api/entries/{id}/vrijgeven` with {"note": ...}: back to the queue for whoever takes
  it next; the customer hears that agent's name when they do (also the same agent's, again).

Either keeps an internal note with the agent's words for the colleague.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.agents import Agent
from bot.delivery import JOINED
from bot.handoff import LIVE, WITH_AGENT, Entry, QueueError
from bot.rasa_api import RasaUnavailable
from bot.settings import load_settings
from webapp.console import Console, blocking
from webapp.keys import AGENT, CONSOLE_KEY
from webapp.notes import note_json
from webapp.queue_api import ENTRY_PATH, JOIN_ACTION, _now, _say_on_behalf, entry_json, message_json

logger = logging.getLogger(__name__)

COLLEAGUES_PATH = "/agent/api/colleagues"
AGENT_SLOT = "handoff_medewerker"  # the agent the join action last named (actions/handoff.py)
MAX_NOTE_FIELD = 10_000  # longer is refused by the note's own check; this only bounds the body


def _online_within() -> timedelta:
    return timedelta(seconds=load_settings().handoff.agent_online_seconds)


async def api_colleagues(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    stores = await request.app[CONSOLE_KEY].stores()
    colleagues = await blocking(stores.transfers.online_colleagues, agent.username, _online_within())
    return web.json_response(
        {"colleagues": [{"username": c.username, "display_name": c.display_name} for c in colleagues]}
    )


async def _body(request: web.Request) -> dict[str, Any] | None:
    """The JSON object sent, {} without a body; None when it is something else."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    note = body.get("note", "")
    return body if isinstance(note, str) and len(note) <= MAX_NOTE_FIELD else None


def _refused(error: QueueError, entry: Entry | None) -> web.Response:
    """404 when the entry is gone (purged or erased); else 409: it is no longer the agent's, or the
    colleague cannot take it (the message says which)."""
    return web.json_response({"error": str(error)}, status=409 if entry is not None else 404)


async def api_transfer(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    body = await _body(request)
    colleague = body.get("to") if body is not None else None
    if body is None or not isinstance(colleague, str) or not colleague.strip():
        return web.json_response(
            {"error": 'Kies een collega: stuur {"to": "gebruikersnaam", "note": "..."}.'}, status=400
        )
    console = request.app[CONSOLE_KEY]
    stores = await console.stores()
    entry_id = int(request.match_info["entry_id"])
    try:
        handover = await blocking(
            stores.transfers.transfer, entry_id, agent, colleague[:80], _online_within(), body.get("note", "")
        )
    except QueueError as error:
        return _refused(error, await blocking(stores.queue.get, entry_id))
    entry, other = handover.entry, handover.colleague
    assert other is not None
    logger.info("Agent console: %s handed %s to %s", agent.username, entry.reference, other.username)
    told: list[Any] | None = []
    if entry.mode == LIVE and entry.status == WITH_AGENT:  # the customer is in the chat: name the colleague
        told = await _say_on_behalf(console, stores, entry, JOIN_ACTION, JOINED, other)
    if told is None:
        note = (
            f"Overgedragen aan {other.display_name}. De assistent is nu niet bereikbaar: de klant ziet de "
            f"naam van {other.display_name} bij het eerste bericht."
        )
    elif told:
        note = (
            f"Overgedragen aan {other.display_name}. De klant hoort dat {other.display_name} het overneemt."
        )
    else:
        note = f"Overgedragen aan {other.display_name}."
    return web.json_response(
        {
            "entry": entry_json(entry, agent.username, _now()),
            "note": note,
            "internal_note": note_json(handover.note),
            "told": [message_json(message) for message in told or []],
        }
    )


async def api_release(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    body = await _body(request)
    if body is None:
        return web.json_response({"error": 'Stuur eventueel een notitie als {"note": "..."}.'}, status=400)
    stores = await request.app[CONSOLE_KEY].stores()
    entry_id = int(request.match_info["entry_id"])
    try:
        handover = await blocking(stores.transfers.release, entry_id, agent, body.get("note", ""))
    except QueueError as error:
        return _refused(error, await blocking(stores.queue.get, entry_id))
    logger.info("Agent console: %s put %s back in the queue", agent.username, handover.entry.reference)
    if handover.entry.mode == LIVE:
        await _forget_agent_name(request.app[CONSOLE_KEY], handover.entry)
    return web.json_response(
        {
            "entry": entry_json(handover.entry, agent.username, _now()),
            "note": "Teruggezet in de wachtrij. De klant hoort de naam van de collega die het oppakt.",
            "internal_note": note_json(handover.note),
        }
    )


async def _forget_agent_name(console: Console, entry: Entry) -> None:
    """The join action names each agent once (slot AGENT_SLOT): after a release it names whoever
    takes the chat next, also the same agent again. Without Rasa the next claim by another agent
    still names them; only the same agent's return goes unannounced."""
    try:
        await console.rasa.set_slot(entry.conversation_id, AGENT_SLOT, None)
    except RasaUnavailable:
        logger.warning("Agent console: the agent's name of %s not cleared in Rasa", entry.reference)


def setup_transfer(app: web.Application) -> None:
    app.router.add_get(COLLEAGUES_PATH, api_colleagues)
    app.router.add_post(ENTRY_PATH + "/overdragen", api_transfer)
    app.router.add_post(ENTRY_PATH + "/vrijgeven", api_release)
