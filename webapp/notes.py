"""Internal notes on a conversation in the agent console (bot/notes.py keeps them).

Route (behind webapp.auth's guard: a session and the CSRF token):
- `POST /agent/api/entries/{id}/notes` with {"text": ...}: a note on the queue entry, by the
  logged-in agent. The notes come with the entry (`GET /agent/api/entries/{id}`, queue_api.py).

Nothing here talks to Rasa: a note never reaches the customer.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.agents import Agent
from bot.notes import Note, NoteError, UnknownEntry
from webapp.console import blocking
from webapp.json_body import string_field
from webapp.keys import AGENT, CONSOLE_KEY

logger = logging.getLogger(__name__)

NOTES_PATH = r"/agent/api/entries/{entry_id:\d{1,9}}/notes"


def note_json(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "author": note.author,
        "author_name": note.author_name,
        "text": note.text,
        "time": note.created_at.isoformat(),
    }


async def api_add_note(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    text = await string_field(request, "text")
    if text is None:
        return web.json_response({"error": "Stuur een notitie met een tekst."}, status=400)
    stores = await request.app[CONSOLE_KEY].stores()
    try:
        note = await blocking(
            stores.notes.add, int(request.match_info["entry_id"]), agent.username, agent.display_name, text
        )
    except NoteError as error:
        return web.json_response(
            {"error": str(error)}, status=404 if isinstance(error, UnknownEntry) else 400
        )
    logger.info("Agent console: %s added a note to entry %s", agent.username, note.entry_id)
    return web.json_response({"note": note_json(note)})


def setup_notes(app: web.Application) -> None:
    app.router.add_post(NOTES_PATH, api_add_note)
