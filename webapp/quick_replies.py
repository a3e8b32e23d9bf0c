"""Quick replies in the agent console (bot/quick_replies.py does the work).

Routes (behind webapp.auth's guard: a session, and the CSRF token for every POST):
- `GET /agent/api/entries/{id}/quick-replies`: the replies for that conversation, `{referentie}`
  filled with its case reference (or left out), for any agent; agent.js inserts them into the reply.
- `GET /agent/snelle-antwoorden`: the team lead's page to keep the list (plain forms).
- `POST /agent/snelle-antwoorden` (new), `POST /agent/snelle-antwoorden/{id}` (changed),
  `POST /agent/snelle-antwoorden/{id}/verwijderen`: team leads only; each answers with the page
  again (303 after a change, 400 with the reason when the input cannot be kept).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.agents import Agent
from bot.handoff import MAX_MESSAGE_LENGTH
from bot.quick_replies import MAX_TITLE_LENGTH, PLACEHOLDER, QuickReplyError, case_reference, fill
from webapp.auth import redirect, team_leads_only
from webapp.console import blocking
from webapp.keys import AGENT, CONSOLE_KEY
from webapp.pages import render_console_page

logger = logging.getLogger(__name__)

PAGE_PATH = "/agent/snelle-antwoorden"
REPLY_PATH = PAGE_PATH + r"/{reply_id:\d{1,9}}"
ENTRY_REPLIES_PATH = r"/agent/api/entries/{entry_id:\d{1,9}}/quick-replies"
TEAM_LEADS_ONLY = "Alleen teamleiders kunnen de snelle antwoorden aanpassen."
SAVED = {"nieuw": "Het snelle antwoord is toegevoegd.", "bewaard": "Bewaard.", "weg": "Verwijderd."}


async def api_entry_replies(request: web.Request) -> web.Response:
    stores = await request.app[CONSOLE_KEY].stores()
    entry = await blocking(stores.queue.get, int(request.match_info["entry_id"]))
    if entry is None:
        return web.json_response({"error": "Dit gesprek bestaat niet (meer)."}, status=404)
    cases = await blocking(stores.cases.for_conversation, entry.conversation_id)
    reference = case_reference(cases)
    replies = await blocking(stores.quick_replies.all)
    return web.json_response(
        {
            "reference": reference,
            "replies": [
                {"id": reply.id, "title": reply.title, "text": fill(reply.text, reference)}
                for reply in replies
            ],
        }
    )


def _page(
    request: web.Request, replies: list[Any], status: int = 200, error: str | None = None, typed: Any = None
) -> web.Response:
    return render_console_page(
        request,
        "agent_quick_replies.html",
        status=status,
        page_path=PAGE_PATH,
        replies=replies,
        error=error,
        typed=typed or {},
        notice=SAVED.get(request.query.get("klaar", "")),
        placeholder=PLACEHOLDER,
        max_title=MAX_TITLE_LENGTH,
        max_length=MAX_MESSAGE_LENGTH,
    )


@team_leads_only(TEAM_LEADS_ONLY)
async def replies_page(request: web.Request) -> web.StreamResponse:
    stores = await request.app[CONSOLE_KEY].stores()
    return _page(request, await blocking(stores.quick_replies.all))


async def _form(request: web.Request) -> tuple[str, str, int | None]:
    form = await request.post()
    position = str(form.get("position", "")).strip()
    return (
        str(form.get("title", ""))[: MAX_TITLE_LENGTH * 2],
        str(form.get("text", ""))[: MAX_MESSAGE_LENGTH * 2],
        int(position) if position.isdigit() and len(position) < 6 else None,
    )


async def _refused(request: web.Request, error: QuickReplyError, typed: dict[str, Any]) -> web.Response:
    stores = await request.app[CONSOLE_KEY].stores()
    return _page(request, await blocking(stores.quick_replies.all), 400, str(error), typed)


@team_leads_only(TEAM_LEADS_ONLY)
async def add_reply(request: web.Request) -> web.StreamResponse:
    agent: Agent = request[AGENT]
    title, text, position = await _form(request)
    stores = await request.app[CONSOLE_KEY].stores()
    try:
        await blocking(stores.quick_replies.add, title, text, agent.username, position)
    except QuickReplyError as error:
        return await _refused(request, error, {"id": None, "title": title, "text": text})
    logger.info("Agent console: %s added a quick reply", agent.username)
    return redirect(PAGE_PATH + "?klaar=nieuw")


@team_leads_only(TEAM_LEADS_ONLY)
async def update_reply(request: web.Request) -> web.StreamResponse:
    agent: Agent = request[AGENT]
    reply_id = int(request.match_info["reply_id"])
    title, text, position = await _form(request)
    stores = await request.app[CONSOLE_KEY].stores()
    try:
        await blocking(stores.quick_replies.update, reply_id, title, text, agent.username, position)
    except QuickReplyError as error:
        return await _refused(request, error, {"id": reply_id, "title": title, "text": text})
    logger.info("Agent console: %s changed quick reply %s", agent.username, reply_id)
    return redirect(PAGE_PATH + "?klaar=bewaard")


@team_leads_only(TEAM_LEADS_ONLY)
async def delete_reply(request: web.Request) -> web.StreamResponse:
    agent: Agent = request[AGENT]
    reply_id = int(request.match_info["reply_id"])
    stores = await request.app[CONSOLE_KEY].stores()
    try:
        await blocking(stores.quick_replies.delete, reply_id)
    except QuickReplyError as error:
        return await _refused(request, error, {})
    logger.info("Agent console: %s deleted quick reply %s", agent.username, reply_id)
    return redirect(PAGE_PATH + "?klaar=weg")


def setup_quick_replies(app: web.Application) -> None:
    app.router.add_get(ENTRY_REPLIES_PATH, api_entry_replies)
    app.router.add_get(PAGE_PATH, replies_page)
    app.router.add_post(PAGE_PATH, add_reply)
    app.router.add_post(REPLY_PATH, update_reply)
    app.router.add_post(REPLY_PATH + "/verwijderen", delete_reply)
