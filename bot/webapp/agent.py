"""The agent console under /agent: agents log in, see the queue, take a conversation and answer.

Routes (all but the login need a session; pages then redirect to the login, the JSON API says 401):
- `GET /agent/login`, `POST /agent/login`: the login form; `POST /agent/logout`.
- `GET /agent`: the console page (agent.js polls the API below).
- `GET /agent/api/queue`: the open entries; each poll also marks the agent as online.
- `GET /agent/api/entries/{id}`: one entry with its details, cases and the conversation (read
  from Rasa's HTTP API; without Rasa the entry still shows, with a note).
- `POST /agent/api/entries/{id}/claim`, `.../messages` ({"text": ...}), `.../close` (closes the
  entry and the cases handed over with it; a live entry also goes back to the bot).
- `GET /agent/zaken?referentie=RET-7QX4KD`: a case looked up by its reference.

Sessions live in the database (bot/agent_sessions.py); the cookie holds a random token and is
HttpOnly, SameSite=Strict and limited to /agent. Every POST carries the session's CSRF token (the
header X-CSRF-Token from agent.js, the form field `csrf` from the logout form); the login form,
which has no session yet, uses a double-submit token: a cookie and a form field that must match.

An agent's message is stored in the queue first and then added to the conversation through Rasa's
HTTP API, pushed straight to the customer's chat window when it is connected (socket.io). When
Rasa cannot be reached the message stays in the queue, undelivered, and the Rasa-side channels
hand it to the customer later (channels/delivery.py).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import jinja2
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.agent_sessions import SESSION_LIFETIME, AgentSession, SessionStore
from bot.agents import TEAM_LEAD, Agent, AgentStore
from bot.cases import Case, CaseError, CaseStore, parse_reference
from bot.database import create_engine
from bot.handoff import (
    ANSWERED,
    CLOSED,
    CLOSED_BY_CUSTOMER,
    LIVE,
    MAX_MESSAGE_LENGTH,
    OFFLINE,
    REOPENED,
    WAITING,
    WITH_AGENT,
    Entry,
    HandoffQueue,
    Message,
    QueueError,
)
from bot.payloads import is_intent_payload
from bot.rasa_api import RasaClient, RasaUnavailable
from bot.settings import load_settings

if TYPE_CHECKING:
    from bot.webapp.app import WebConfig

logger = logging.getLogger(__name__)

PREFIX = "/agent"
LOGIN_PATH = "/agent/login"
LOGOUT_PATH = "/agent/logout"
CASES_PATH = "/agent/zaken"
API_PREFIX = "/agent/api/"
SESSION_COOKIE = "agent_session"
LOGIN_CSRF_COOKIE = "agent_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
END_ACTION = "action_handoff_beeindigen"
FOLLOW_UP_SLOT = "handoff_vervolg"
PUSH_CHANNEL = "socketio"
MAX_TRANSCRIPT = 300  # the latest lines of a long conversation are enough

MODE_LABELS = {LIVE: "live", OFFLINE: "buiten openingstijden"}
STATUS_LABELS = {
    WAITING: "wacht",
    WITH_AGENT: "in behandeling",
    ANSWERED: "beantwoord",
    REOPENED: "nieuwe reactie",
    CLOSED: "afgesloten",
}
LEFT_LABEL = "klant is weggegaan"  # closed by the customer
REASON_LABELS = {
    "factuur_vraag": "Factuur",
    "betaling_status": "Betaling",
    "terugbetaling": "Terugbetaling",
    "retour": "Retour",
    "klacht": "Klacht",
    "klacht_escaleren": "Klacht (escalatie)",
    "openingstijden": "Openingstijden",
    "telefoonnummer": "Telefoonnummer",
    "email_contact": "E-mail",
    "medewerker_spreken": "Medewerker gevraagd",
    "social_media": "Social media",
    "vacatures": "Vacatures",
    "wat_is_klarna": "Over Klarna",
    "out_of_scope": "Overige vraag",
}
FIELD_LABELS = {
    "vraag": "Vraag van de klant",
    "webshop": "Webshop",
    "bestelnummer": "Bestelnummer",
    "trackingnummer": "Trackingnummer",
    "klacht_betreft": "Klacht betreft",
    "klacht_omschrijving": "Omschrijving",
    "case_referentie": "Zaaknummer",
}
CASE_TYPE_LABELS = {"retour": "Retour", "klacht": "Klacht"}

# Stricter than the chat page's policy: no inline styles (there is no widget here) and no Rasa.
CONSOLE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

NOT_LOGGED_IN = "Je bent niet (meer) ingelogd. Log opnieuw in."
CSRF_REFUSED = "Deze actie is geweigerd: de beveiligingscode ontbreekt of klopt niet. Herlaad de pagina."
WRONG_LOGIN = "De gebruikersnaam of het wachtwoord klopt niet."
LOCKED_OUT = "Te veel mislukte pogingen met deze gebruikersnaam. Probeer het over een minuut opnieuw."
DATABASE_DOWN = "De database is nu niet bereikbaar. Probeer het zo nog eens."
TRANSCRIPT_UNAVAILABLE = "Het gesprek kan nu niet worden geladen: de assistent is niet bereikbaar."


# --- the stores -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stores:
    queue: HandoffQueue
    agents: AgentStore
    sessions: SessionStore
    cases: CaseStore


class Console:
    """The console's database stores and Rasa client. The stores open on first use, so the chat
    page starts (and stays up) even when the database cannot be reached."""

    def __init__(self, db_url: str | None, rasa: RasaClient) -> None:
        self.db_url = db_url
        self.rasa = rasa
        self._stores: Stores | None = None
        self._lock = threading.Lock()

    def _open(self) -> Stores:
        with self._lock:
            if self._stores is None:
                engine = create_engine(self.db_url)
                self._stores = Stores(
                    HandoffQueue(engine=engine),
                    AgentStore(engine=engine),
                    SessionStore(engine=engine),
                    CaseStore(self.db_url),
                )
            return self._stores

    async def stores(self) -> Stores:
        return self._stores or await asyncio.to_thread(self._open)

    async def close(self) -> None:
        await self.rasa.close()
        if self._stores is not None:
            self._stores.queue.engine.dispose()
            self._stores.cases.engine.dispose()


CONSOLE_KEY = web.AppKey("agent_console", Console)
CONSOLE_TEMPLATES_KEY = web.AppKey("agent_templates", jinja2.Environment)
SESSION = "agent_session"  # request keys
AGENT = "agent"


async def blocking(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Database work (and bcrypt) off the event loop, so one slow query does not stall the app."""
    return await asyncio.to_thread(call, *args, **kwargs)


# --- guard: sessions and CSRF -----------------------------------------------------------------------


def is_console_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _is_api(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX)


def _error(request: web.Request, status: int, message: str) -> web.Response:
    if _is_api(request):
        return web.json_response({"error": message}, status=status)
    return web.Response(status=status, text=message + "\n")


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = str((await request.post()).get(CSRF_FIELD, ""))
    return bool(sent) and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


@web.middleware
async def console_guard(request: web.Request, handler: Callable) -> web.StreamResponse:
    """Everything under /agent except the login needs a session, and every change its CSRF token."""
    if not is_console_path(request.path):
        return await handler(request)
    try:
        if request.path != LOGIN_PATH:
            stores = await request.app[CONSOLE_KEY].stores()
            session = await blocking(stores.sessions.get, request.cookies.get(SESSION_COOKIE))
            agent = await blocking(stores.agents.get, session.username) if session else None
            if agent is None:
                if _is_api(request):
                    return web.json_response({"error": NOT_LOGGED_IN, "login": LOGIN_PATH}, status=401)
                return _redirect(LOGIN_PATH)
            if request.method not in SAFE_METHODS and not await _csrf_ok(request, session.csrf_token):
                return _error(request, 403, CSRF_REFUSED)
            request[SESSION], request[AGENT] = session, agent
        return await handler(request)
    except SQLAlchemyError:
        logger.exception("Agent console: database error on %s %s", request.method, request.path)
        return _error(request, 503, DATABASE_DOWN)


async def _console_headers(request: web.Request, response: web.StreamResponse) -> None:
    if is_console_path(request.path):
        response.headers["Content-Security-Policy"] = CONSOLE_POLICY
        response.headers["Cache-Control"] = "no-store"


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name, value, path=PREFIX, max_age=max_age, httponly=True, samesite="Strict", secure=request.secure
    )


# --- login and logout -------------------------------------------------------------------------------


def _login_page(
    request: web.Request, error: str | None = None, username: str = "", status: int = 200
) -> web.Response:
    """The form with a fresh double-submit token: the same value in a cookie and a hidden field."""
    token = secrets.token_urlsafe(32)
    html = (
        request.app[CONSOLE_TEMPLATES_KEY]
        .get_template("agent_login.html")
        .render(csrf=token, error=error, username=username, action=LOGIN_PATH)
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


async def login_form(request: web.Request) -> web.Response:
    stores = await request.app[CONSOLE_KEY].stores()
    if await blocking(stores.sessions.get, request.cookies.get(SESSION_COOKIE)):
        return _redirect(PREFIX)
    return _login_page(request)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    form_token = str(form.get(CSRF_FIELD, ""))
    if not cookie_token or not hmac.compare_digest(cookie_token.encode(), form_token.encode()):
        return _login_page(request, "Het inlogformulier is verlopen. Probeer het nog eens.", status=403)
    username = str(form.get("username", "")).strip()[:80]
    password = str(form.get("password", ""))[:200]
    if not username or not password:
        return _login_page(request, "Vul je gebruikersnaam en je wachtwoord in.", username, status=400)
    stores = await request.app[CONSOLE_KEY].stores()
    if await blocking(stores.sessions.refused_until, username):
        return _login_page(request, LOCKED_OUT, username, status=429)
    agent = await blocking(stores.agents.authenticate, username, password)
    if agent is None:
        locked = await blocking(stores.sessions.login_failed, username)
        logger.info("Agent console: failed login for %r", username)
        return _login_page(
            request, LOCKED_OUT if locked else WRONG_LOGIN, username, status=429 if locked else 401
        )
    await blocking(stores.sessions.login_succeeded, username)
    await blocking(stores.sessions.delete, request.cookies.get(SESSION_COOKIE))
    session = await blocking(stores.sessions.create, agent.username)
    logger.info("Agent console: %s logged in", agent.username)
    response = _redirect(PREFIX)
    _set_cookie(request, response, SESSION_COOKIE, session.token, int(SESSION_LIFETIME.total_seconds()))
    response.del_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


async def logout(request: web.Request) -> web.Response:
    stores = await request.app[CONSOLE_KEY].stores()
    await blocking(stores.sessions.delete, request.cookies.get(SESSION_COOKIE))
    response = _redirect(LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return response


# --- the page ---------------------------------------------------------------------------------------


async def console_page(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    session: AgentSession = request[SESSION]
    html = (
        request.app[CONSOLE_TEMPLATES_KEY]
        .get_template("agent_console.html")
        .render(
            agent=agent,
            role_label="teamleider" if agent.role == TEAM_LEAD else "medewerker",
            csrf=session.csrf_token,
            max_length=MAX_MESSAGE_LENGTH,
            logout_action=LOGOUT_PATH,
        )
    )
    return web.Response(text=html, content_type="text/html")


async def console_slash(request: web.Request) -> web.Response:
    return _redirect(PREFIX)


# --- JSON shapes ------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _fields(values: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "name": name,
            "label": FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
            "value": _text(value),
        }
        for name, value in values.items()
        if value not in (None, "")
    ]


def entry_json(entry: Entry, username: str, now: datetime) -> dict[str, Any]:
    return {
        "id": entry.id,
        "reference": entry.reference,
        "conversation_id": entry.conversation_id,
        "channel": entry.channel,
        "mode": entry.mode,
        "mode_label": MODE_LABELS.get(entry.mode, entry.mode),
        "status": entry.status,
        "status_label": LEFT_LABEL
        if entry.status == CLOSED and entry.closed_by == CLOSED_BY_CUSTOMER
        else STATUS_LABELS.get(entry.status, entry.status),
        "closed_by": entry.closed_by,
        "alert": entry.status == REOPENED,
        "reason": entry.reason,
        "reason_label": REASON_LABELS.get(entry.reason, entry.reason.replace("_", " ").capitalize()),
        "agent": entry.agent,
        "mine": entry.agent == username,
        "queued_at": _iso(entry.queued_at),
        "waiting_seconds": max(0, int((now - entry.queued_at).total_seconds())),
        "claimed_at": _iso(entry.claimed_at),
        "closed_at": _iso(entry.closed_at),
    }


def case_json(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "type": case.case_type,
        "type_label": CASE_TYPE_LABELS.get(case.case_type, case.case_type),
        "status": case.status,
        "created_at": _iso(case.created_at),
        "fields": _fields(case.fields),
    }


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "author": message.author,
        "text": message.text,
        "time": _iso(message.created_at),
        "delivered": message.delivered_at is not None,
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
            "now": _iso(now),
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
    messages = await blocking(stores.queue.messages, entry.conversation_id)
    try:
        lines, note = transcript(await console.rasa.tracker(entry.conversation_id)), None
    except RasaUnavailable:
        lines, note = None, TRANSCRIPT_UNAVAILABLE
    return web.json_response(
        {
            "entry": {**entry_json(entry, agent.username, _now()), "details": _fields(entry.details)},
            "cases": [case_json(case) for case in cases],
            "transcript": lines,
            "transcript_error": note,
            "messages": [message_json(message) for message in messages],
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
    return web.json_response({"entry": entry_json(entry, agent.username, _now())})


async def _deliver(console: Console, stores: Stores, entry: Entry, message: Message, agent: Agent) -> bool:
    """Adds the message to the conversation; pushes it when the customer's chat window is
    connected (then it is delivered). Returns whether it was pushed."""
    online = entry.channel == PUSH_CHANNEL and await blocking(stores.queue.is_online, entry.conversation_id)
    await console.rasa.add_bot_message(
        entry.conversation_id,
        message.text,
        {"medewerker": agent.display_name},
        push_to=PUSH_CHANNEL if online else None,
    )
    if online:
        await blocking(stores.queue.mark_delivered, [message.id])
    return online


def _delivery_note(pushed: bool) -> str:
    return (
        "Afgeleverd in de chat van de klant."
        if pushed
        else "Bewaard: de klant krijgt het bericht zodra die weer in de chat is."
    )


async def api_message(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    try:
        body = await request.json()
    except ValueError:
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return web.json_response({"error": "Stuur een bericht met een tekst."}, status=400)
    text = text.strip()
    if not text:
        return web.json_response({"error": "Een leeg bericht wordt niet verstuurd."}, status=400)
    if len(text) > MAX_MESSAGE_LENGTH:
        return web.json_response(
            {
                "error": f"Een bericht mag hoogstens {MAX_MESSAGE_LENGTH} tekens hebben; dit heeft er {len(text)}."
            },
            status=400,
        )
    console, stores, entry = await _chosen_entry(request)
    if entry is None:
        return _missing()
    try:
        message = await blocking(stores.queue.add_agent_message, entry.id, agent.username, text)
    except QueueError as error:
        return web.json_response({"error": str(error)}, status=409)
    try:
        pushed = await _deliver(console, stores, entry, message, agent)
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
    return web.json_response(
        {
            "message": {**message_json(message), "delivered": pushed},
            "stored": True,
            "recorded": True,
            "delivered": pushed,
            "note": _delivery_note(pushed),
        }
    )


async def _handled_cases(request: web.Request) -> list[str] | None:
    """The case references the agent marked as handled in the close dialog ({"cases": [...]});
    none without a body. None when the body is not such a list."""
    if not request.can_read_body:
        return []
    try:
        body = await request.json()
    except ValueError:
        return None
    cases = body.get("cases", []) if isinstance(body, dict) else None
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
    online = closed.channel == PUSH_CHANNEL and await blocking(stores.queue.is_online, closed.conversation_id)
    try:
        said = await console.rasa.execute_action(
            closed.conversation_id, END_ACTION, push_to=PUSH_CHANNEL if online else None
        )
    except RasaUnavailable:
        # The handoff form ends on the customer's next message, now that the entry is closed.
        return web.json_response(
            {
                **result,
                "note": "Afgesloten. De assistent is nu niet bereikbaar: de klant "
                "hoort bij het volgende bericht dat het gesprek voorbij is.",
            }
        )
    if not online and not said:  # the chat was already back with the bot (the customer wrote on)
        return web.json_response({**result, "note": "Afgesloten."})
    if said:
        await blocking(stores.queue.hold_for_delivery, closed.id, said)
    return web.json_response(
        {**result, "recorded": True, "delivered": online, "note": "Afgesloten. " + _delivery_note(online)}
    )


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


# --- case lookup -----------------------------------------------------------------------------------

CASE_STATUS_LABELS = {"open": "open", "closed": "gesloten"}


def _local(moment: datetime | None) -> str:
    return moment.astimezone(load_settings().tz).strftime("%d-%m-%Y %H:%M") if moment else "–"


async def cases_page(request: web.Request) -> web.Response:
    """Looks a case up by the reference a customer quotes (RET-7QX4KD, KL-7QX4KD): a GET that
    changes nothing, so it needs the session but no CSRF token."""
    typed = request.query.get("referentie", "")[:40]
    case, error, status = None, None, 200
    if typed.strip():
        reference = parse_reference(typed)
        if reference is None:
            error, status = (
                (
                    "Dat is geen zaaknummer. Een zaaknummer ziet eruit als RET-7QX4KD (retour) of "
                    "KL-7QX4KD (klacht)."
                ),
                400,
            )
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
        request.app[CONSOLE_TEMPLATES_KEY]
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


# --- wiring -----------------------------------------------------------------------------------------


def setup_agent_console(
    app: web.Application, config: WebConfig, templates: jinja2.Environment, rasa: RasaClient | None = None
) -> Console:
    """Adds the console's routes, guard and headers to the web app."""
    console = Console(config.db_url, rasa or RasaClient(config.rasa_url, config.rasa_token))
    app[CONSOLE_KEY] = console
    app[CONSOLE_TEMPLATES_KEY] = templates
    app.middlewares.append(console_guard)
    app.on_response_prepare.append(_console_headers)

    async def close_console(app: web.Application) -> None:
        await console.close()

    app.on_cleanup.append(close_console)
    entry = r"/agent/api/entries/{entry_id:\d{1,9}}"
    app.router.add_get(PREFIX, console_page)
    app.router.add_get(PREFIX + "/", console_slash)
    app.router.add_get(LOGIN_PATH, login_form)
    app.router.add_post(LOGIN_PATH, login)
    app.router.add_post(LOGOUT_PATH, logout)
    app.router.add_get(CASES_PATH, cases_page)
    app.router.add_get("/agent/api/queue", api_queue)
    app.router.add_get(entry, api_entry)
    app.router.add_post(entry + "/claim", api_claim)
    app.router.add_post(entry + "/messages", api_message)
    app.router.add_post(entry + "/close", api_close)
    return console
