"""Bad input and attacks over both channels of the running assistant, REST and socket.io.

Every input of the matrix gets a clear 4xx (REST) or a polite Dutch answer, never a 500 or a
crash, and the conversation goes on afterwards: the same customer's next question is answered.
What a customer typed (HTML, a script, a markdown link to `javascript:`) is stored as plain text,
never answered back as markup, and the agent console hands it on as text.

socket.io, defined here: an unusable message (empty, over 5,000 characters, not text, without a
usable session id) gets a Dutch answer from channels/socketio.py and never reaches the model; a
packet over 64 kB (the REST body limit) makes engine.io close that connection, and the chat
window's next connection with the same session goes on. Garbage frames (invalid UTF-8, invalid
JSON) are ignored and the connection keeps working.

Each group prints its figure: messages sent, errors (connection errors, missing answers) and 5xx
(for socket.io: the server's "er gaat iets mis" apology). The same inputs without the server:
tests/unit/test_fuzz.py; generated ones against the server: tests/e2e/test_fuzz_webhook.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import requests
import socketio

from channels.rest import MAX_IN_PROCESS_PER_SENDER, MAX_MESSAGE_CHARS, MAX_SENDER_CHARS
from channels.socketio import BAD_SESSION_TEXT
from webapp.queue_api import transcript

pytestmark = pytest.mark.e2e

WEBHOOK = "/webhooks/rest/webhook"
QUESTION, PHONE = "wat is jullie telefoonnummer", "020 - 808 28 52"
SERVER_FAULT = "Er gaat aan onze kant even iets mis"  # channels' answer when processing failed
MARKUP = re.compile(r"<\s*(script|img|b)\b|javascript:|onerror", re.IGNORECASE)
ONE_MB = ("woord " * 180_000)[: 1024 * 1024]


@dataclass
class Tally:
    """One group's figure."""

    name: str
    sent: int = 0
    errors: int = 0
    server_errors: int = 0

    def line(self) -> str:
        return f"{self.name}: {self.sent} messages sent, {self.errors} errors, {self.server_errors} 5xx"


REST, SOCKET, API = (
    Tally("bad input over REST"),
    Tally("bad input over socket.io"),
    Tally("HTTP API without token"),
)


def show(config: pytest.Config, line: str) -> None:
    """A figure on the terminal, also when pytest captures the output (as in `make test`)."""
    with config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        print(f"\n{line}", flush=True)


@pytest.fixture(scope="module", autouse=True)
def figures(request):
    yield
    for tally in (REST, SOCKET, API):
        if tally.sent:
            show(request.config, tally.line())


def new_sender() -> str:
    return f"bad-{uuid.uuid4().hex[:12]}"


# --- REST -------------------------------------------------------------------------------------------


def post(assistant, body: dict | bytes | str) -> requests.Response:
    data = json.dumps(body) if isinstance(body, dict) else body
    REST.sent += 1
    try:
        response = requests.post(
            f"{assistant.url}{WEBHOOK}", data=data, timeout=60, headers={"Content-Type": "application/json"}
        )
    except requests.RequestException:
        REST.errors += 1
        raise
    REST.server_errors += response.status_code >= 500
    return response


def texts(response: requests.Response) -> list[str]:
    return [item.get("text", "") for item in response.json()]


def assert_polite(answers: list[str]) -> None:
    """Answered in words: no silence, no apology for a server fault, no markup sent back."""
    assert answers and all(text.strip() for text in answers), answers
    assert not any(SERVER_FAULT in text for text in answers), answers
    assert not any(MARKUP.search(text) for text in answers), answers


def assert_still_answers(assistant, sender: str) -> None:
    response = post(assistant, {"sender": sender, "message": QUESTION})
    assert response.status_code == 200, response.text
    assert PHONE in " ".join(texts(response))


@dataclass(frozen=True)
class Case:
    """One input of the matrix and what each channel does with it."""

    id: str
    message: Any
    rest: tuple[int, str] | None  # (status, error code), or None: answered
    socket: str | None  # what the socket.io answer contains; None: answered; CLOSED: disconnected


CLOSED = "<connection closed>"

CASES = [
    Case("empty", "", (400, "message_empty"), "Je bericht is leeg"),
    Case("whitespace", " \n\t  ", (400, "message_empty"), "Je bericht is leeg"),
    Case("one-megabyte", ONE_MB, (413, "body_too_large"), CLOSED),
    Case("100-kB", "woord " * 17_000, (413, "body_too_large"), CLOSED),
    Case(
        "over-5000-characters",
        ("ik wil " * 5000)[:20_000],
        (413, "message_too_long"),
        f"maximaal {MAX_MESSAGE_CHARS} tekens",
    ),
    Case("lone-surrogate", "hoi \ud800", (400, "invalid_unicode"), "tekens die we niet kunnen lezen"),
    Case("not-text", ["hoi"], (400, "message_not_text"), "moet tekst zijn"),
    Case("nul", f"\x00{QUESTION}", None, None),
    Case("ansi-escape", f"\x1b[31m{QUESTION}\x1b[0m", None, None),
    Case("rtl-override", f"\u202e{QUESTION}\u202c", None, None),
    Case("emoji-only", "😀🙏👍🏽🇳🇱", None, None),
    Case("html", '<b>hallo</b><img src=x onerror="alert(1)">', None, None),
    Case("script", "<script>alert('hoi')</script>", None, None),
    Case("markdown-javascript-link", "[klik hier](javascript:alert(document.cookie))", None, None),
    Case("sql", "'; DROP TABLE events; --", None, None),
    Case("intent-with-script-entity", '/retour{"webshop": "<script>alert(1)</script>"}', None, None),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_rest_bad_message(assistant, case):
    sender = new_sender()
    response = post(assistant, {"sender": sender, "message": case.message})
    if case.rest is None:
        assert response.status_code == 200, response.text
        assert_polite(texts(response))
        typed = [event["text"] for event in assistant.tracker(sender)["events"] if event["event"] == "user"]
        assert typed == [case.message]  # stored as the plain text it is
    else:
        status, code = case.rest
        assert response.status_code == status, response.text[:300]
        error = response.json()["error"]
        assert error["code"] == code and error["nl"] and error["en"]
        assert "user" not in assistant.stored_event_types(sender)
    assert_still_answers(assistant, sender)


RAW_BODIES = [
    ("invalid-utf8-in-message", b'{"sender": "SENDER", "message": "hoi \xff\xfe\xc3"}', 400, "invalid_json"),
    ("invalid-json", b'{"sender": "SENDER", "message": "hoi"', 400, "invalid_json"),
    ("nested-50000-deep", b"[" * 50_000, 400, "invalid_json"),  # was a 500 (RecursionError)
    (
        "metadata-500-deep",
        b'{"sender": "SENDER", "message": "hoi", "metadata": ' + b'{"a": ' * 500 + b"1" + b"}" * 501,
        400,
        "too_deeply_nested",
    ),  # was a 503 (Rasa's deepcopy hit the recursion limit)
    (
        "lone-surrogate-in-metadata",
        b'{"sender": "SENDER", "message": "hoi", "metadata": {"a": "\\udfff"}}',
        400,
        "invalid_unicode",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "code"), [case[1:] for case in RAW_BODIES], ids=[case[0] for case in RAW_BODIES]
)
def test_rest_bad_body(assistant, body, status, code):
    sender = new_sender()
    response = post(assistant, body.replace(b"SENDER", sender.encode()))
    assert response.status_code == status, response.text[:300]
    assert response.json()["error"]["code"] == code
    assert_still_answers(assistant, sender)


SENDERS = [
    ("10-kB", "s" * 10_240, 400, "sender_too_long"),
    ("256-characters", "s" * (MAX_SENDER_CHARS + 1), 400, "sender_too_long"),  # PostgreSQL: VARCHAR(255)
    ("nul", "klant\x00-1", 400, "sender_invalid"),  # PostgreSQL refuses NUL; Rasa then exits
    ("lone-surrogate", "klant-\ud800", 400, "invalid_unicode"),  # the SQL tracker store made Rasa exit
    ("newline", "klant\n-1", 400, "sender_invalid"),
]


@pytest.mark.parametrize(
    ("sender", "status", "code"), [case[1:] for case in SENDERS], ids=[case[0] for case in SENDERS]
)
def test_rest_bad_sender(assistant, sender, status, code):
    response = post(assistant, {"sender": sender, "message": QUESTION})
    assert response.status_code == status, response.text[:300]
    assert response.json()["error"]["code"] == code
    assert_still_answers(assistant, new_sender())


def test_rest_a_sender_of_255_characters_is_fine(assistant):
    sender = (uuid.uuid4().hex * 8)[:MAX_SENDER_CHARS]
    assert_still_answers(assistant, sender)
    assert assistant.tracker(sender)["sender_id"] == sender


def test_sql_as_form_answers_is_asked_again_and_the_stores_still_work(assistant, services):
    from bot.cases import CaseStore

    sender, sql = new_sender(), "'; DROP TABLE events; --"
    say = lambda text: " ".join(texts(post(assistant, {"sender": sender, "message": text})))  # noqa: E731
    assert "Bij welke webshop" in say("ik wil iets retourneren")
    answer = say(sql)
    assert "Die webshop herken ik niet" in answer and "Bij welke webshop" in answer
    assert "Wat is het bestelnummer?" in say("zalando")
    answer = say(sql)
    assert "Dat lijkt geen bestelnummer" in answer and "Wat is het bestelnummer?" in answer
    assert "verdergaan zonder" in say("1; DELETE FROM cases WHERE 1=1 --")  # the second miss: a way out
    assert "Wat is het trackingnummer" in say("/overslaan")
    reference = re.search(r"\bRET-[2-9A-Z]{6}\b", say("JVGL0612345678901234")).group(0)
    case = CaseStore(services.env["KLANTENSERVICE_DB_URL"]).get(reference)
    assert case.conversation_id == sender
    assert case.fields == {
        "webshop": "Zalando",
        "bestelnummer": "onbekend",
        "trackingnummer": "JVGL0612345678901234",
    }
    typed = user_texts(assistant, sender, 7)
    assert typed.count(sql) == 2  # kept as the text it is, in the tracker store that is still there
    assert assistant.stored_event_types(sender).count("user") == 7
    assert_still_answers(assistant, sender)


def test_a_script_reaches_the_agent_console_as_plain_text(assistant):
    sender, script = new_sender(), "<script>alert('hoi')</script>"
    assert post(assistant, {"sender": sender, "message": script}).status_code == 200
    lines = transcript(assistant.tracker(sender))
    assert lines[0] == {"who": "klant", "text": script, "time": lines[0]["time"]}
    assert not any(MARKUP.search(line["text"]) for line in lines[1:])


def test_the_agent_login_page_escapes_a_script_as_user_name(services):
    web = services.web_url
    with requests.Session() as browser:
        form = browser.get(f"{web}/agent/login", timeout=10)
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        name = '"><script>alert(1)</script>'
        response = browser.post(
            f"{web}/agent/login", timeout=10, data={"csrf": csrf, "username": name, "password": "fout"}
        )
    assert response.status_code == 401
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


# --- the burst --------------------------------------------------------------------------------------

BURST, POOL = 1000, 50


async def _burst(url: str, sender: str) -> tuple[Counter, float]:
    statuses: Counter = Counter()
    pool = asyncio.Semaphore(POOL)
    questions = ["hoi", QUESTION, "wat zijn de openingstijden", "bedankt"]
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=POOL), timeout=timeout) as session:

        async def one(number: int) -> None:
            async with pool:
                try:
                    async with session.post(
                        f"{url}{WEBHOOK}", json={"sender": sender, "message": questions[number % 4]}
                    ) as response:
                        await response.read()
                        statuses[response.status] += 1
                except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                    statuses[type(error).__name__] += 1

        start = time.monotonic()
        await asyncio.gather(*(one(number) for number in range(BURST)))
        return statuses, time.monotonic() - start


def test_a_burst_of_1000_messages_from_one_sender(assistant, request):
    """Rasa handles one conversation's messages one by one, each slower than the last; beyond
    MAX_IN_PROCESS_PER_SENDER at once the webhook says 429. Every 200 is in the tracker."""
    sender = new_sender()
    statuses, seconds = asyncio.run(_burst(assistant.url, sender))
    answered, refused = statuses[200], statuses[429]
    errors = sum(count for key, count in statuses.items() if not isinstance(key, int))
    server_errors = sum(count for key, count in statuses.items() if isinstance(key, int) and key >= 500)
    line = (
        f"burst: {BURST} messages from one sender, {POOL} at a time, in {seconds:.1f} s: "
        f"{answered} answered, {refused} refused with 429, {errors} errors, {server_errors} 5xx"
    )
    show(request.config, line)
    assert errors == 0 and server_errors == 0, statuses
    assert answered + refused == BURST, statuses
    assert answered >= MAX_IN_PROCESS_PER_SENDER
    assert_still_answers(assistant, sender)
    stored = [event for event in assistant.tracker(sender)["events"] if event["event"] == "user"]
    assert len(stored) == answered + 1  # every acknowledged message, and the one after the burst


# --- socket.io --------------------------------------------------------------------------------------


class ChatWindow:
    """A chat window as the widget opens it: socket.io over WebSocket with a persistent session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.answers: asyncio.Queue[str] = asyncio.Queue()
        self.confirmed: asyncio.Queue[Any] = asyncio.Queue()
        self.closed = asyncio.Event()
        self.client.on("session_confirm", self._confirmed)
        self.client.on("bot_uttered", self._answered)
        self.client.on("disconnect", self.closed.set)
        self.session_id = ""

    async def _confirmed(self, session_id: Any) -> None:
        await self.confirmed.put(session_id)

    async def _answered(self, message: dict) -> None:
        await self.answers.put(message.get("text", ""))

    async def open(self, session_id: str | None = None) -> str:
        try:
            await self.client.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
            await self.client.emit("session_request", {"session_id": session_id or uuid.uuid4().hex})
            self.session_id = await asyncio.wait_for(self.confirmed.get(), 10)
        except Exception:
            SOCKET.errors += 1
            raise
        return self.session_id

    async def say(self, data: Any, until: str | None = None, wait: float = 30) -> list[str]:
        """Sends one message; the answers up to one containing `until`, else until 1.5 s of quiet
        after the first (or the connection closing)."""
        SOCKET.sent += 1
        await self.client.emit("user_uttered", data)
        answers: list[str] = []
        deadline = time.monotonic() + wait
        while True:
            text = await self._next(deadline - time.monotonic() if not answers or until else 1.5)
            if text is None:
                break
            answers.append(text)
            SOCKET.server_errors += SERVER_FAULT in text
            if until and until in text:
                break
        return answers

    async def ask(self, text: str = QUESTION, expect: str = PHONE) -> list[str]:
        answers = await self.say({"message": text, "session_id": self.session_id}, until=expect)
        if not any(expect in answer for answer in answers):
            SOCKET.errors += 1
        return answers

    async def _next(self, seconds: float) -> str | None:
        answer = asyncio.ensure_future(self.answers.get())
        closed = asyncio.ensure_future(self.closed.wait())
        done, pending = await asyncio.wait(
            {answer, closed}, timeout=max(seconds, 0), return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
        return answer.result() if answer in done else None

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
        http = getattr(self.client.eio, "http", None)  # left open when the server closed the connection
        if http is not None and not http.closed:
            await http.close()


def run(scenario) -> Any:
    return asyncio.run(asyncio.wait_for(scenario, 120))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_socketio_bad_message(assistant, case):
    async def scenario() -> str:
        window = ChatWindow(assistant.url)
        session_id = await window.open()
        try:
            answers = await window.say(
                {"message": case.message, "session_id": session_id}, wait=10 if case.socket == CLOSED else 30
            )
            if case.socket == CLOSED:
                assert answers == [] and window.closed.is_set() and not window.client.connected
                await window.close()
                window = ChatWindow(assistant.url)  # the widget connects again, with its session
                assert await window.open(session_id) == session_id
            elif case.socket is None:
                assert_polite(answers)
            else:
                assert len(answers) == 1 and case.socket in answers[0], answers
                assert not window.closed.is_set()
            assert PHONE in " ".join(await window.ask())
            return session_id
        finally:
            await window.close()

    session_id = run(scenario())
    expected = [QUESTION] if case.socket else [case.message, QUESTION]  # as plain text, or not at all
    assert user_texts(assistant, session_id, len(expected)) == expected


def user_texts(assistant, sender: str, count: int) -> list[str]:
    """The customer's messages in the tracker. socket.io answers before Rasa saves the turn, so
    this waits a moment for `count` of them."""
    deadline = time.monotonic() + 10
    while True:
        texts = [event["text"] for event in assistant.tracker(sender)["events"] if event["event"] == "user"]
        if len(texts) >= count or time.monotonic() > deadline:
            return texts
        time.sleep(0.2)


@pytest.mark.parametrize(
    "session_id",
    ["s" * 10_240, "klant\x00-1", "klant-\ud800", " padded ", 12345],
    ids=["10-kB", "nul", "lone-surrogate", "padded", "number"],
)
def test_socketio_bad_session_id(assistant, session_id):
    """An unusable session id is replaced by a new one; a message that still carries it is told so."""

    async def scenario() -> None:
        window = ChatWindow(assistant.url)
        confirmed = await window.open(session_id)
        try:
            assert isinstance(confirmed, str) and re.fullmatch(r"[0-9a-f]{32}", confirmed)
            answers = await window.say({"message": QUESTION, "session_id": session_id})
            assert answers == [BAD_SESSION_TEXT]
            assert PHONE in " ".join(await window.ask())  # with the confirmed id, as the widget does
        finally:
            await window.close()

    run(scenario())


def test_socketio_a_message_without_session_or_data_is_told_so(assistant):
    async def scenario() -> None:
        window = ChatWindow(assistant.url)
        await window.open()
        try:
            assert await window.say({"message": QUESTION}) == [BAD_SESSION_TEXT]
            assert "JSON-object" in " ".join(await window.say("hallo"))
            assert "JSON-object" in " ".join(await window.say(None))
            assert "metadata" in " ".join(
                await window.say(
                    {"message": "hoi", "session_id": window.session_id, "metadata": "{geen json"}
                )
            )
            assert PHONE in " ".join(await window.ask())
        finally:
            await window.close()

    run(scenario())


async def _raw_frames(url: str, frames: list[str | bytes]) -> list[str]:
    """Engine.IO over a bare WebSocket: garbage frames, then a good message on the same connection."""
    session_id = uuid.uuid4().hex
    received: list[str] = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket") as ws,
    ):
        assert (await ws.receive_str()).startswith("0")
        await ws.send_str("40")
        assert (await ws.receive_str()).startswith("40")
        await ws.send_str(json.dumps(["session_request", {"session_id": session_id}]).join(["42", ""]))
        assert session_id in await ws.receive_str()
        for frame in frames:
            SOCKET.sent += 1
            await (ws.send_bytes(frame) if isinstance(frame, bytes) else ws.send_str(frame))
        SOCKET.sent += 1
        await ws.send_str(
            "42" + json.dumps(["user_uttered", {"message": QUESTION, "session_id": session_id}])
        )
        deadline = time.monotonic() + 30
        while not any(PHONE in text for text in received) and time.monotonic() < deadline:
            message = await ws.receive(timeout=max(deadline - time.monotonic(), 0.1))
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            if message.data == "2":  # engine.io ping
                await ws.send_str("3")
            received.append(message.data)
    return received


def test_socketio_garbage_frames_are_ignored_and_the_connection_goes_on(assistant):
    frames: list[str | bytes] = [
        b'42["user_uttered",{"message":"hoi \xff\xfe"}]',  # invalid UTF-8, as a binary frame
        b"\xff\xfe\x00",
        '42["user_uttered",{"message": "hoi"',  # invalid JSON
        '42{"not": "an event"}',
    ]
    received = run(_raw_frames(assistant.url, frames))
    if not any(PHONE in text for text in received):
        SOCKET.errors += 1
    assert any(PHONE in text for text in received), received
    assert not any(SERVER_FAULT in text for text in received)


def test_socketio_a_burst_on_one_session_is_limited(assistant):
    """1,000 messages of one session at once: beyond MAX_IN_PROCESS_PER_SENDER they are told to wait."""

    async def scenario() -> tuple[int, int]:
        window = ChatWindow(assistant.url)
        await window.open()
        try:
            for _ in range(BURST):
                SOCKET.sent += 1
                await window.client.emit("user_uttered", {"message": "hoi", "session_id": window.session_id})
            answers: list[str] = []
            while (text := await window._next(2)) is not None:
                answers.append(text)
            waits = sum("Je stuurt veel berichten tegelijk" in text for text in answers)
            SOCKET.server_errors += sum(SERVER_FAULT in text for text in answers)
            assert PHONE in " ".join(await window.ask())
            return waits, len(answers)
        finally:
            await window.close()

    waits, total = run(scenario())
    assert waits >= BURST - 2 * MAX_IN_PROCESS_PER_SENDER and total > waits


# --- the HTTP API's token ---------------------------------------------------------------------------

# GET /conversations/{id}/tracker without and with a wrong token: tests/e2e/test_rest.py.
API_CALLS = [
    ("POST", "/model/parse", {"text": "hoi"}),
    ("PUT", "/model", {"model_file": "/nonexistent/model.tar.gz"}),
    ("DELETE", "/model", None),
    ("POST", "/model/train", {}),
    ("POST", "/conversations/{sender}/tracker/events", {"event": "bot", "text": "<script>alert(1)</script>"}),
    ("PUT", "/conversations/{sender}/tracker/events", [{"event": "restart"}]),
    ("POST", "/conversations/{sender}/trigger_intent", {"name": "greet"}),
    ("POST", "/conversations/{sender}/execute", {"name": "utter_greet"}),
    ("POST", "/conversations/{sender}/messages", {"text": "hoi", "sender": "user"}),
    ("GET", "/conversations/{sender}/story", None),
    ("GET", "/domain", None),
    ("GET", "/status", None),
]


@pytest.mark.parametrize(("method", "path", "body"), API_CALLS, ids=[f"{m} {p}" for m, p, _ in API_CALLS])
def test_the_http_api_refuses_requests_without_the_right_token(assistant, method, path, body):
    sender = new_sender()
    assert_still_answers(assistant, sender)
    before = assistant.tracker(sender)["events"]
    url = f"{assistant.url}{path.format(sender=sender)}"
    for params, headers in (
        ({}, {}),
        ({"token": "wrong"}, {}),
        ({}, {"Authorization": "Bearer wrong"}),
        ({"token": assistant.token[:-1]}, {}),
    ):
        API.sent += 1
        response = requests.request(method, url, params=params, headers=headers, json=body, timeout=30)
        API.server_errors += response.status_code >= 500
        assert response.status_code in (401, 403), (
            params,
            headers,
            response.status_code,
            response.text[:200],
        )
    assert assistant.tracker(sender)["events"] == before  # nothing was changed
    assert_still_answers(assistant, sender)  # the model is still loaded
