"""The review inbox in the agent console, for team leads: misunderstood customer messages become
training examples in one click (bot/review.py does the work).

Routes (behind the console's guard, so a session and, for the POST, the CSRF token are needed;
an agent without the team-lead role gets 403 with a Dutch message):
- `GET /agent/review`: the page; review.js loads the list and sends the decisions.
- `GET /agent/api/review?before=<id>&limit=<n>`: a page of the inbox, newest first, with the intents
  to choose from; `next_before` continues the list.
- `GET /agent/api/review/{id}/conversation`: what came before customer message {id} in its
  conversation (and the answers to it), each text masked: the context a decision needs.
- `POST /agent/api/review/{id}` with {"decision": an intent, "out_of_scope" or "noise"}: the
  decision on customer message {id} (its event id in Rasa's tracker store). A refusal (a duplicate or
  a conflict with the training data, a message decided before) is 409 with the reason in Dutch,
  and `reviewed` says whether the message left the inbox anyway.

The team lead sees the customer's text as written, since the console shows whole conversations
anyway, and beside it the masked text: that is what is stored and written to the review file.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from aiohttp import web

from bot.agents import Agent
from bot.nlu_examples import NluFileError
from bot.review import OUT_OF_SCOPE, InboxMessage, Refused, ReviewInbox, ReviewSettings, Turn
from webapp.auth import team_leads_only
from webapp.console import blocking
from webapp.json_body import string_field
from webapp.keys import AGENT, CONSOLE_KEY
from webapp.labels import REVIEW_REASON_LABELS, SPEAKER_LABELS, intent_label
from webapp.pages import render_console_page

logger = logging.getLogger(__name__)

PAGE_PATH = "/agent/review"
API_PATH = "/agent/api/review"
TEAM_LEADS_ONLY = (
    "De review-inbox is alleen voor teamleiders. Vraag je teamleider als je een bericht "
    "ziet dat de assistent beter moet leren begrijpen."
)
NOT_FOUND = "Dit klantbericht bestaat niet (meer)."
NO_DECISION = "Kies een intent, ‘buiten het onderwerp’ of ‘ruis’."
FILES_BROKEN = "De trainingsbestanden kunnen nu niet worden gelezen of geschreven: {}"

REVIEW_KEY = web.AppKey("review_inbox", ReviewInbox)


def message_json(message: InboxMessage) -> dict[str, Any]:
    return {
        "id": message.event_id,
        "conversation_id": message.conversation_id,
        "time": message.time.isoformat(),
        "text": message.text,
        "masked_text": message.masked_text,
        "masked": message.masked_text != message.text,
        "reason": message.reason,
        "reason_label": REVIEW_REASON_LABELS.get(message.reason, message.reason),
        "intent": message.intent,
        "intent_label": intent_label(message.intent),
        "confidence": round(message.confidence, 3) if message.confidence is not None else None,
        "answered_by": message.answered_by,
    }


def turn_json(turn: Turn, event_id: int) -> dict[str, Any]:
    return {
        "id": turn.event_id,
        "speaker": turn.speaker,
        "speaker_label": SPEAKER_LABELS.get(turn.speaker, turn.speaker),
        "time": turn.time.isoformat(),
        "text": turn.text,
        "current": turn.event_id == event_id,
    }


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 12 else None


@team_leads_only(TEAM_LEADS_ONLY)
async def review_page(request: web.Request) -> web.Response:
    inbox = request.app[REVIEW_KEY]
    return render_console_page(
        request,
        "agent_review.html",
        threshold=round(inbox.settings.threshold * 100),
        review_file=inbox.review_file_name,
    )


@team_leads_only(TEAM_LEADS_ONLY)
async def api_list(request: web.Request) -> web.Response:
    inbox = request.app[REVIEW_KEY]
    page = await blocking(
        inbox.page, _int(request.query.get("before")), _int(request.query.get("limit")) or 25
    )
    intents = await blocking(inbox.intents)
    return web.json_response(
        {
            "messages": [message_json(message) for message in page.messages],
            "next_before": page.next_before,
            "threshold": inbox.settings.threshold,
            "review_file": inbox.review_file_name,
            "intents": [
                {"name": name, "label": intent_label(name)} for name in intents if name != OUT_OF_SCOPE
            ],
        }
    )


@team_leads_only(TEAM_LEADS_ONLY)
async def api_conversation(request: web.Request) -> web.Response:
    event_id = int(request.match_info["event_id"])
    inbox = request.app[REVIEW_KEY]
    turns = await blocking(inbox.conversation, event_id)
    if turns is None:
        return web.json_response({"error": NOT_FOUND}, status=404)
    return web.json_response({"id": event_id, "turns": [turn_json(turn, event_id) for turn in turns]})


@team_leads_only(TEAM_LEADS_ONLY)
async def api_decide(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    decision = await string_field(request, "decision")
    if decision is None or not decision.strip():
        return web.json_response({"error": NO_DECISION}, status=400)
    inbox = request.app[REVIEW_KEY]
    message = await blocking(inbox.message, int(request.match_info["event_id"]))
    if message is None:
        return web.json_response({"error": NOT_FOUND}, status=404)
    try:
        outcome = await blocking(inbox.label, message, decision[:255], agent.username)
    except Refused as refusal:
        return web.json_response(
            {"error": refusal.message, "reviewed": refusal.recorded}, status=refusal.status
        )
    except NluFileError as error:
        logger.error("Review inbox: %s", error)
        return web.json_response({"error": FILES_BROKEN.format(error)}, status=500)
    logger.info(
        "Review inbox: %s decided %s on message %s (written: %s)",
        agent.username,
        outcome.decision,
        message.event_id,
        outcome.written,
    )
    return web.json_response(
        {
            "decision": outcome.decision,
            "written": outcome.written,
            "example": outcome.example,
            "note": outcome.note,
            "reviewed": True,
        }
    )


def setup_review(app: web.Application, settings: ReviewSettings | None = None) -> ReviewInbox:
    """Adds the inbox to the console (after setup_auth, whose guard protects it).
    Without settings: from the environment, with the console's database for the decisions."""
    settings = settings or replace(ReviewSettings.from_env(), db_url=app[CONSOLE_KEY].db_url)
    inbox = ReviewInbox(settings)
    app[REVIEW_KEY] = inbox

    async def close_inbox(app: web.Application) -> None:
        inbox.close()

    app.on_cleanup.append(close_inbox)  # type: ignore[arg-type]  # aiohttp 3.9 types its signals for aiosignal < 1.4
    app.router.add_get(PAGE_PATH, review_page)
    app.router.add_get(API_PATH, api_list)
    app.router.add_get(API_PATH + r"/{event_id:\d{1,12}}/conversation", api_conversation)
    app.router.add_post(API_PATH + r"/{event_id:\d{1,12}}", api_decide)
    return inbox
