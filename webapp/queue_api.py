"""The queue in the agent console: the console page and the JSON API its script (agent.js) polls.

Routes (behind webapp.auth's guard):
- `GET /agent`: the console page.
- `GET /agent/api/queue`: the open entries; each poll also marks the agent as online.
- `GET /agent/api/entries/{id}`: one entry with its details, cases, the agents' internal notes
  (notes.py), whether the customer is typing (typing_indicator.py) and the conversation (read
  from Rasa's HTTP API; without Rasa the entry still shows, with a note).
- `POST /agent/api/entries/{id}/claim`, `.../messages` ({"text": ...}), `.../close` (closes the
  entry and the cases the agent ticked, {"cases": [...]}; a live entry also goes back to the bot),
  `.../weg` (a live entry whose customer went away, closed without a message).

An agent's message is stored first (bot/delivery.py), then added to the conversation through Rasa's
HTTP API, and a Rasa server is asked to offer it to the customer's chat window; it counts as
delivered when the window acknowledges it (socket.io) or the REST response carrying it has been
written. The join message after a claim and the goodbye after a close go the same way. A customer
who went away ("weg") can be taken off the queue without a message (`POST .../weg`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web

from bot.agent_sessions import AgentSession
from bot.agents import TEAM_LEAD, Agent
from bot.cases import Case, CaseError
from bot.delivery import ENDED, JOINED, Message
from bot.handoff import (
    CLOSED,
    CLOSED_BY_CUSTOMER,
    LIVE,
    MAX_MESSAGE_LENGTH,
    REOPENED,
    Entry,
    QueueError,
    customer_is_typing,
    is_gone,
)
from bot.payloads import is_intent_payload
from bot.rasa_api import RasaUnavailable
from bot.settings import load_settings
from webapp.auth import LOGOUT_PATH, PREFIX, redirect
from webapp.console import Console, Stores, blocking
from webapp.json_body import json_object, string_field
from webapp.keys import AGENT, CONSOLE_KEY, SESSION, TEMPLATES_KEY
from webapp.labels import (
    CASE_TYPE_LABELS,
    DELIVERED_LABEL,
    GONE_LABEL,
    LEFT_LABEL,
    MODE_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    WAITING_FOR_CUSTOMER_LABEL,
    field_label,
    intent_label,
    language_label,
)
from webapp.notes import note_json
from webapp.typing_indicator import CUSTOMER_TYPING_FRESH

logger = logging.getLogger(__name__)

QUEUE_PATH = "/agent/api/queue"
ENTRY_PATH = r"/agent/api/entries/{entry_id:\d{1,9}}"
END_ACTION = "action_handoff_beeindigen"
JOIN_ACTION = "action_handoff_overgenomen"
FOLLOW_UP_SLOT = "handoff_vervolg"
SENT_NOTE = "Verstuurd. Het bericht staat op afgeleverd zodra de chat van de klant het heeft getoond."
PUSH_CHANNEL = "socketio"
MAX_TRANSCRIPT = 300  # the latest lines of a long conversation are enough
HISTORY_PATH = "/agent/geschiedenis"
TRANSCRIPT_UNAVAILABLE = "Het gesprek kan nu niet worden geladen: de assistent is niet bereikbaar."


# --- the page ---------------------------------------------------------------------------------------


async def console_page(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    session: AgentSession = request[SESSION]
    html = (
        request.app[TEMPLATES_KEY]
        .get_template("agent_console.html")
        .render(
            agent=agent,
            role_label=ROLE_LABELS.get(agent.role, "medewerker"),
            csrf=session.csrf_token,
            max_length=MAX_MESSAGE_LENGTH,
            logout_action=LOGOUT_PATH,
        )
    )
    return web.Response(text=html, content_type="text/html")


async def console_slash(request: web.Request) -> web.Response:
    return redirect(PREFIX)


# --- JSON shapes ------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def fields_json(values: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "name": name,
            "label": field_label(name),
            "value": language_label(value) if name == "taal" else _text(value),
        }
        for name, value in values.items()
        if value not in (None, "")
    ]


def _gone_after() -> timedelta:
    return timedelta(seconds=load_settings().handoff.customer_gone_seconds)


def _status_label(entry: Entry, gone: bool) -> str:
    if gone:
        return GONE_LABEL
    if entry.status == CLOSED and entry.closed_by == CLOSED_BY_CUSTOMER:
        return LEFT_LABEL
    return STATUS_LABELS.get(entry.status, entry.status)


def entry_json(entry: Entry, username: str, now: datetime) -> dict[str, Any]:
    gone = is_gone(entry, _gone_after(), now)
    return {
        "id": entry.id,
        "reference": entry.reference,
        "conversation_id": entry.conversation_id,
        "channel": entry.channel,
        "mode": entry.mode,
        "mode_label": MODE_LABELS.get(entry.mode, entry.mode),
        "status": entry.status,
        "status_label": _status_label(entry, gone),
        "gone": gone,
        "closed_by": entry.closed_by,
        "alert": entry.status == REOPENED,
        "reason": entry.reason,
        "reason_label": intent_label(entry.reason),
        "language": entry.details.get("taal") or "nl",
        "language_label": language_label(entry.details.get("taal")),
        "agent": entry.agent,
        "mine": entry.agent == username,
        "queued_at": iso(entry.queued_at),
        "waiting_seconds": max(0, int((now - entry.queued_at).total_seconds())),
        "claimed_at": iso(entry.claimed_at),
        "closed_at": iso(entry.closed_at),
        "customer_wrote_at": iso(entry.customer_wrote_at),
        "customer_typing": customer_is_typing(entry, CUSTOMER_TYPING_FRESH, now),
    }


def case_json(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "type": case.case_type,
        "type_label": CASE_TYPE_LABELS.get(case.case_type, case.case_type),
        "status": case.status,
        "created_at": iso(case.created_at),
        "fields": fields_json(case.fields),
    }


def message_json(message: Message) -> dict[str, Any]:
    delivered = message.delivered_at is not None
    return {
        "id": message.id,
        "author": message.author,
        "text": message.text,
        "time": iso(message.created_at),
        "delivered": delivered,
        "delivered_at": iso(message.delivered_at),
        "delivery_label": DELIVERED_LABEL if delivered else WAITING_FOR_CUSTOMER_LABEL,
        "buttons": [button.title for button in message.buttons],
    }


def transcript(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """The customer's, the assistant's and the agents' messages of a Rasa tracker, oldest first;
    an agent's message is a bot event whose metadata names the agent (`medewerker`)."""
    lines: list[dict[str, Any]] = []
    for event in tracker.get("events") or []:
        if not isinstance(event, dict) or event.get("event") not in ("user", "bot"):
            continue
        text = event.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        if event["event"] == "user" and is_intent_payload(text):  # the widget's start message, a button
            continue
        stamp = event.get("timestamp")
        time = (
            datetime.fromtimestamp(stamp, timezone.utc).isoformat()
            if isinstance(stamp, (int, float))
            else None
        )
        line: dict[str, Any] = {"who": "klant", "text": text, "time": time}
        if event["event"] == "bot":
            metadata = event.get("metadata")
            if isinstance(metadata, dict) and "medewerker" in metadata:
                line.update(who="medewerker", name=_text(metadata["medewerker"]))
                if isinstance(metadata.get("bericht_id"), int):
                    line["message_id"] = metadata["bericht_id"]  # its delivery: `messages`
            else:
                line["who"] = "assistent"
        lines.append(line)
    return lines[-MAX_TRANSCRIPT:]


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- the API ----------------------------------------------------------------------------------------


async def api_queue(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    stores = await request.app[CONSOLE_KEY].stores()
    await blocking(stores.agents.seen, agent.username)
    entries = await blocking(stores.queue.open_entries)
    now = _now()
    return web.json_response(
        {
            "agent": {"username": agent.username, "display_name": agent.display_name, "role": agent.role},
            "now": iso(now),
            "entries": [entry_json(entry, agent.username, now) for entry in entries],
        }
    )


def _entry_id(request: web.Request) -> int:
    return int(request.match_info["entry_id"])


async def _chosen_entry(request: web.Request) -> tuple[Console, Stores, Entry | None]:
    """The console, its stores and the queue entry named in the path (None when there is none)."""
    console = request.app[CONSOLE_KEY]
    stores = await console.stores()
    return console, stores, await blocking(stores.queue.get, _entry_id(request))


def _missing() -> web.Response:
    return web.json_response({"error": "Dit gesprek bestaat niet (meer)."}, status=404)


async def api_entry(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    console, stores, entry = await _chosen_entry(request)
    if entry is None:
        return _missing()
    cases = await blocking(stores.cases.for_conversation, entry.conversation_id)
    messages = await blocking(stores.deliveries.messages, entry.conversation_id)
    notes = await blocking(stores.notes.for_entry, entry.id)
    earlier = await blocking(stores.history.earlier, entry.conversation_id, entry.id)
    try:
        lines, note = transcript(await console.rasa.tracker(entry.conversation_id)), None
    except RasaUnavailable:
        lines, note = None, TRANSCRIPT_UNAVAILABLE
    return web.json_response(
        {
            "entry": {**entry_json(entry, agent.username, _now()), "details": fields_json(entry.details)},
            "cases": [case_json(case) for case in cases],
            "transcript": lines,
            "transcript_error": note,
            "messages": [message_json(message) for message in messages],
            "notes": [note_json(note) for note in notes],  # for agents only: never sent
            # A returning customer's earlier conversations with the team (webapp/history.py shows them)
            "earlier": [
                {**entry_json(item, agent.username, _now()), "link": f"{HISTORY_PATH}/{item.id}"}
                for item in earlier
            ],
        }
    )


async def api_claim(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    stores = await request.app[CONSOLE_KEY].stores()
    try:
        entry = await blocking(stores.queue.claim, _entry_id(request), agent.username)
    except QueueError as error:
        return web.json_response({"error": str(error)}, status=409)
    logger.info("Agent console: %s took %s", agent.username, entry.reference)
    joined = []
    if entry.mode == LIVE:  # the customer is in the chat: the assistant says who took over
        joined = (
            await _say_on_behalf(request.app[CONSOLE_KEY], stores, entry, JOIN_ACTION, JOINED, agent) or []
        )
    return web.json_response(
        {"entry": entry_json(entry, agent.username, _now()), "joined": [message_json(m) for m in joined]}
    )


async def _offer(console: Console, entry: Entry) -> None:
    """Asks the Rasa server to offer the waiting messages to the customer's chat window; it counts
    them delivered when the window acknowledges them. A REST customer gets them with their next
    answer, so there is nothing to ask; a Rasa server that cannot be reached leaves them waiting
    for the window's next connection."""
    if entry.channel != PUSH_CHANNEL:
        return
    try:
        await console.rasa.offer_waiting(entry.conversation_id)
    except RasaUnavailable:
        logger.warning(
            "Agent console: the waiting messages of %s wait for the customer's window", entry.reference
        )


async def _say_on_behalf(
    console: Console, stores: Stores, entry: Entry, action: str, kind: str, agent: Agent | None = None
) -> list[Message] | None:
    """Runs `action` in the conversation without an output channel and delivers what it says like
    an agent's answer (exactly once, acknowledged by the chat window): the join message in the
    agent's name, or the goodbye. None when Rasa cannot be reached."""
    try:
        said = await console.rasa.run_action(entry.conversation_id, action)
    except RasaUnavailable:
        logger.warning("Agent console: %s could not be run for %s", action, entry.reference)
        return None
    if not said:
        return []
    name = agent.display_name if agent else None
    held: list[Message] = await blocking(
        stores.deliveries.hold_for_delivery, entry.id, said, kind=kind, author_name=name
    )
    await _offer(console, entry)
    return held


async def api_message(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    text = await string_field(request, "text")
    if text is None:
        return web.json_response({"error": "Stuur een bericht met een tekst."}, status=400)
    text = text.strip()
    if not text:
        return web.json_response({"error": "Een leeg bericht wordt niet verstuurd."}, status=400)
    if len(text) > MAX_MESSAGE_LENGTH:
        too_long = f"Een bericht mag hoogstens {MAX_MESSAGE_LENGTH} tekens hebben; dit heeft er {len(text)}."
        return web.json_response({"error": too_long}, status=400)
    console, stores, entry = await _chosen_entry(request)
    if entry is None:
        return _missing()
    try:
        message = await blocking(
            stores.deliveries.add_agent_message, entry.id, agent.username, text, agent.display_name
        )
    except QueueError as error:
        return web.json_response({"error": str(error)}, status=409)
    try:
        await console.rasa.add_bot_message(
            entry.conversation_id, message.text, {"medewerker": agent.display_name, "bericht_id": message.id}
        )
    except RasaUnavailable:
        return web.json_response(
            {
                "error": "Je bericht is bewaard, maar de assistent is nu niet bereikbaar: de klant krijgt "
                "het zodra de chat weer verbonden is.",
                "stored": True,
                "message": message_json(message),
            },
            status=502,
        )
    await _offer(console, entry)
    return web.json_response(
        {
            "message": message_json(message),
            "stored": True,
            "recorded": True,
            "delivered": False,
            "note": SENT_NOTE,
        }
    )


async def _handled_cases(request: web.Request) -> list[str] | None:
    """The case references the agent marked as handled in the close dialog ({"cases": [...]});
    none without a body. None when the body is not such a list."""
    body = await json_object(request)
    cases = body.get("cases", []) if body is not None else None
    if not isinstance(cases, list) or not all(isinstance(item, str) for item in cases) or len(cases) > 100:
        return None
    return cases


async def api_close(request: web.Request) -> web.Response:
    """Closes the entry and the cases the agent marked as handled (the others stay open). Only a
    live entry hands the chat back to the bot: the end action, run after the close, takes it back
    and says so. An offline entry's answer has been given, so closing it tells the customer nothing
    and leaves the chat as it is (the customer may be waiting for a person again by now)."""
    agent: Agent = request[AGENT]
    handled = await _handled_cases(request)
    if handled is None:
        return web.json_response(
            {"error": 'Stuur de afgehandelde zaken als {"cases": ["RET-..."]}.'}, status=400
        )
    console, stores, entry = await _chosen_entry(request)
    if entry is None:
        return _missing()
    open_cases = {
        case.reference
        for case in await blocking(stores.cases.for_conversation, entry.conversation_id)
        if case.status == "open"
    }
    unknown = sorted({reference.strip().upper() for reference in handled} - open_cases)
    if unknown:
        return web.json_response(
            {"error": f"Geen open zaak van dit gesprek: {', '.join(unknown)}. Er is niets gesloten."},
            status=400,
        )
    try:
        closed = await blocking(stores.queue.close, entry.id, agent.username)
    except QueueError as error:
        return web.json_response({"error": str(error)}, status=409)
    logger.info("Agent console: %s closed %s", agent.username, entry.reference)
    try:
        cases_closed, cases_error = (
            await blocking(stores.cases.close_handled, entry.conversation_id, handled),
            None,
        )
    except CaseError as error:  # closed by someone else in the meantime
        cases_closed, cases_error = [], str(error)
    result: dict[str, Any] = {
        "entry": entry_json(closed, agent.username, _now()),
        "cases_closed": cases_closed,
        "cases_error": cases_error,
        "recorded": False,
        "delivered": False,
    }
    if closed.mode != LIVE:
        await _end_follow_up(console, stores, closed)
        return web.json_response({**result, "note": "Afgesloten. De klant krijgt hierover geen bericht."})
    said = await _say_on_behalf(console, stores, closed, END_ACTION, ENDED)
    if said is None:
        # The handoff form ends on the customer's next message, now that the entry is closed.
        return web.json_response(
            {
                **result,
                "note": "Afgesloten. De assistent is nu niet bereikbaar: de klant "
                "hoort bij het volgende bericht dat het gesprek voorbij is.",
            }
        )
    if not said:  # the chat was already back with the bot (the customer wrote on)
        return web.json_response({**result, "note": "Afgesloten."})
    return web.json_response({**result, "recorded": True, "note": "Afgesloten. " + SENT_NOTE})


async def _end_follow_up(console: Console, stores: Stores, closed: Entry) -> None:
    """A closed question from outside staffed hours takes no more reactions: the conversation's
    next message is the bot's again (unless a newer entry came after it). Best effort: without
    Rasa, action_handoff_vervolg finds the entry closed and hands the conversation back itself."""
    latest = (await blocking(stores.queue.for_conversation, closed.conversation_id))[-1:]
    if latest and latest[0].id == closed.id:
        try:
            await console.rasa.set_slot(closed.conversation_id, FOLLOW_UP_SLOT, False)
        except RasaUnavailable:
            logger.warning("Agent console: follow-up of %s not ended in Rasa", closed.reference)


async def api_gone(request: web.Request) -> web.Response:
    """Takes a live entry whose customer went away off the queue without a word to the customer
    (closed by "weg"; what they asked stays with the entry): a waiting one by any agent, one with
    an agent by that agent, any by a team lead."""
    agent: Agent = request[AGENT]
    _, stores, entry = await _chosen_entry(request)
    if entry is None:
        return _missing()
    try:
        closed = await blocking(
            stores.queue.close_gone, entry.id, agent.username, agent.role == TEAM_LEAD, _gone_after()
        )
    except QueueError as error:
        return web.json_response({"error": str(error)}, status=409)
    logger.info("Agent console: %s took %s off the queue (customer gone)", agent.username, entry.reference)
    return web.json_response(
        {
            "entry": entry_json(closed, agent.username, _now()),
            "note": "Van de wachtrij gehaald. De klant krijgt hierover geen bericht.",
        }
    )


def setup_queue(app: web.Application) -> None:
    app.router.add_get(PREFIX, console_page)
    app.router.add_get(PREFIX + "/", console_slash)
    app.router.add_get(QUEUE_PATH, api_queue)
    app.router.add_get(ENTRY_PATH, api_entry)
    app.router.add_post(ENTRY_PATH + "/claim", api_claim)
    app.router.add_post(ENTRY_PATH + "/messages", api_message)
    app.router.add_post(ENTRY_PATH + "/close", api_close)
    app.router.add_post(ENTRY_PATH + "/weg", api_gone)
