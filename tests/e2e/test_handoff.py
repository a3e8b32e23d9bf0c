"""Human handoff end to end: customer chat windows (socket.io, REST) against the real Rasa server and
action server, agents in the real agent console of the web app, one shared queue database."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
import requests
import socketio

from bot.agents import AgentStore
from bot.handoff import OFFLINE, HandoffQueue

pytestmark = pytest.mark.e2e

PASSWORD = "wachtwoord-voor-tests"
SATURDAY_AFTERNOON = "2026-11-28T15:00:00"
QUIET_SECONDS = 4


class ChatWindow:
    """A customer's chat window as rasa-webchat opens it: socket.io with a persistent session."""

    shown_ids: dict[str, set[int]] = {}

    def __init__(self, url: str, session_id: str | None = None) -> None:
        self.url = url
        self.session_id = session_id or uuid.uuid4().hex
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue[str] = asyncio.Queue()
        self.delivered: list[dict] = []  # agents' messages as channels/socketio.py offered them
        # The ids shown, kept per session across windows as the widget keeps them in localStorage.
        self.shown: set[int] = ChatWindow.shown_ids.setdefault(self.session_id, set())
        self.client.on("bot_uttered", self._on_bot)
        self.client.on("delivery", self._on_delivery)

    async def _on_bot(self, message: dict) -> None:
        await self.received.put(message.get("text", ""))

    async def _on_delivery(self, message: dict) -> None:
        """As static/widget.js does: shows each message id once, acknowledges every offer."""
        self.delivered.append(message)
        if message["id"] not in self.shown:
            self.shown.add(message["id"])
            await self.received.put(message.get("text", ""))
        await self.client.emit("delivery_ack", {"ids": [message["id"]]})

    async def open(self) -> None:
        confirmed = asyncio.Event()
        self.client.on("session_confirm", lambda *_: confirmed.set())
        await self.client.connect(
            self.url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=30
        )  # a busy server acknowledges late
        await self.client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(confirmed.wait(), 30)

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def next(self, timeout: float = 30) -> str:
        return await asyncio.wait_for(self.received.get(), timeout)

    async def silence(self, seconds: float = QUIET_SECONDS) -> list[str]:
        """Whatever arrives within `seconds` (an empty list when the bot stays silent)."""
        await asyncio.sleep(seconds)
        items = []
        while not self.received.empty():
            items.append(self.received.get_nowait())
        return items

    async def close(self) -> None:
        await self.client.disconnect()


class Console:
    """An agent logged in to the agent console (its JSON API, as agent.js calls it)."""

    def __init__(self, web_url: str, username: str) -> None:
        self.url = f"{web_url}/agent"
        self.http = requests.Session()
        login_page = self.http.get(f"{self.url}/login", timeout=10).text
        login_csrf = re.search(r'name="csrf" value="([^"]+)"', login_page).group(1)
        answer = self.http.post(
            f"{self.url}/login",
            timeout=30,
            data={"username": username, "password": PASSWORD, "csrf": login_csrf},
        )
        answer.raise_for_status()
        page = self.http.get(self.url, timeout=10)
        assert page.url.rstrip("/").endswith("/agent"), "login failed"
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        self.http.headers["X-CSRF-Token"] = csrf

    def entries(self) -> list[dict]:
        return self.http.get(f"{self.url}/api/queue", timeout=10).json()["entries"]

    def entry_for(self, conversation_id: str, mode: str | None = None) -> dict:
        [entry] = [
            e for e in self.entries() if e["conversation_id"] == conversation_id and mode in (None, e["mode"])
        ]
        return entry

    def details(self, entry_id: int) -> dict:
        return self.http.get(f"{self.url}/api/entries/{entry_id}", timeout=30).json()

    def claim(self, entry_id: int) -> requests.Response:
        return self.http.post(f"{self.url}/api/entries/{entry_id}/claim", timeout=10)

    def send(self, entry_id: int, text: str) -> dict:
        answer = self.http.post(
            f"{self.url}/api/entries/{entry_id}/messages", json={"text": text}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()

    def close(self, entry_id: int) -> dict:
        answer = self.http.post(f"{self.url}/api/entries/{entry_id}/close", timeout=30)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def agents(services) -> dict[str, Console]:
    store = AgentStore(services.env["KLANTENSERVICE_DB_URL"])
    for name in ("anna", "bram"):
        if store.get(name) is None:
            store.add(name, PASSWORD, name.capitalize())
    return {name: Console(services.web_url, name) for name in ("anna", "bram")}


def test_staffed_customer_chats_with_an_agent_who_hands_back_to_the_bot(assistant, agents):
    anna, bram = agents["anna"], agents["bram"]

    async def conversation() -> None:
        window = ChatWindow(assistant.url)
        await window.open()
        try:
            await window.say("ik wil een medewerker spreken")
            queued = await window.next()
            assert re.search(r"nummer \d+ in de wachtrij", queued), queued
            assert "wachttijd" in queued

            await window.say("mijn factuur klopt niet <script>alert(1)</script>")
            assert await window.silence() == []  # the bot leaves it to the agent

            entry = anna.entry_for(window.session_id)
            assert (entry["status"], entry["mode"], entry["channel"]) == ("waiting", "live", "socketio")
            assert anna.claim(entry["id"]).status_code == 200
            taken = bram.claim(entry["id"])
            assert taken.status_code == 409 and "anna" in taken.json()["error"]

            said = [line["text"] for line in anna.details(entry["id"])["transcript"]]
            assert "mijn factuur klopt niet <script>alert(1)</script>" in said

            assert "Anna van de klantenservice helpt je nu verder" in await window.next(10)  # joined
            sent = anna.send(entry["id"], "Hoi, ik ben Anna. Ik kijk even met je mee.")
            assert sent["message"]["delivery_label"] == "wacht op de klant"  # sent, not yet shown
            assert await window.next(10) == "Hoi, ik ben Anna. Ik kijk even met je mee."
            for _ in range(50):  # the window's acknowledgement reaches the database
                labels = [m["delivery_label"] for m in anna.details(entry["id"])["messages"]]
                if labels == ["afgeleverd"] * 2:
                    break
                await asyncio.sleep(0.1)
            assert labels == ["afgeleverd"] * 2

            await window.say("dank je, het is de factuur van zalando")
            assert await window.silence() == []
            transcript = anna.details(entry["id"])["transcript"]
            assert transcript[-1]["text"] == "dank je, het is de factuur van zalando"
            assert any(line["who"] == "medewerker" for line in transcript)

            closed = anna.close(entry["id"])
            assert closed["entry"]["status"] == "closed"
            assert "digitale assistent" in await window.next(10)
            assert "Hoe tevreden ben je over het gesprek met Anna" in await window.next(10)

            await window.say("wat is jullie telefoonnummer")  # the rating question traps nobody
            assert "020 - 808 28 52" in await window.next()
        finally:
            await window.close()

    asyncio.run(conversation())
    assert all(e["conversation_id"] for e in anna.entries())


def test_customer_can_leave_the_queue_and_gets_the_bot_back(assistant, agents):
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    assert "wachtrij" in assistant.say(sender, "kan ik een mens spreken")[0]
    assert agents["anna"].entry_for(sender)["status"] == "waiting"
    assert assistant.say(sender, "laat maar") == ["Wil je uit de wachtrij? Je raakt je plek kwijt."]
    [answer] = assistant.say(sender, "ja")
    assert "uit de wachtrij" in answer
    assert sender not in [e["conversation_id"] for e in agents["anna"].entries()]
    assert "09:00" in assistant.say(sender, "wanneer zijn jullie open")[0]


def test_rest_customer_gets_the_agents_answer_with_the_next_reply(assistant, agents):
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "ik wil een medewerker spreken")
    entry = agents["bram"].entry_for(sender)
    agents["bram"].claim(entry["id"]).raise_for_status()
    assert agents["bram"].send(entry["id"], "Hallo, met Bram.")["delivered"] is False  # REST cannot push
    joined, answer = assistant.say(sender, "hallo?")
    assert "Bram van de klantenservice helpt je nu verder" in joined and answer == "Hallo, met Bram."
    assert assistant.say(sender, "nog iemand daar?") == []  # handed out once


def test_outside_hours_the_question_waits_and_the_answer_reaches_the_returning_customer(clock, agents):
    clock.clock_at(SATURDAY_AFTERNOON)
    session_id = uuid.uuid4().hex

    async def ask() -> str:
        window = ChatWindow(clock.url, session_id)
        await window.open()
        try:
            await window.say("ik wil een medewerker spreken")
            away = await window.next()
            assert "maandag 30 november om 09:00" in away
            assert "Wat is je vraag" in await window.next()
            await window.say("Mijn factuur van 49,95 klopt niet: ik heb de helft teruggestuurd.")
            queued = await window.next()
            assert "maandag 30 november om 09:00" in queued
            return re.search(r"MW-[2-9A-Z]{6}", queued).group(0)
        finally:
            await window.close()

    reference = asyncio.run(ask())
    anna = agents["anna"]
    entry = anna.entry_for(session_id)
    assert (entry["reference"], entry["mode"], entry["status"]) == (reference, "offline", "waiting")
    details = {field["name"]: field["value"] for field in anna.details(entry["id"])["entry"]["details"]}
    assert details["vraag"] == "Mijn factuur van 49,95 klopt niet: ik heb de helft teruggestuurd."

    anna.claim(entry["id"]).raise_for_status()
    answer = "Ik heb de factuur gepauzeerd tot de webshop de retour verwerkt heeft."
    assert anna.send(entry["id"], answer)["delivered"] is False  # the customer is not connected

    async def come_back() -> list[str]:
        window = ChatWindow(clock.url, session_id)
        await window.open()
        try:
            return [await window.next(10)]
        finally:
            await window.close()

    assert asyncio.run(come_back()) == [answer]
    assert anna.entry_for(session_id)["status"] == "answered"

    closed = anna.close(entry["id"])
    assert closed["entry"]["status"] == "closed" and closed["delivered"] is False

    async def ask_again() -> str:
        window = ChatWindow(clock.url, session_id)
        await window.open()
        try:
            await window.say("wat is jullie telefoonnummer")
            return await window.next()  # first: no goodbye was waiting for the customer
        finally:
            await window.close()

    assert "020 - 808 28 52" in asyncio.run(ask_again())
    assert session_id not in [e["conversation_id"] for e in anna.entries()]


def test_closing_an_answered_offline_question_leaves_a_newer_live_handoff_alone(assistant, agents):
    anna, bram = agents["anna"], agents["bram"]
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    # The question this customer left outside staffed hours (that path: the test above).
    queue = HandoffQueue(assistant.services.env["KLANTENSERVICE_DB_URL"])
    offline = queue.enqueue(sender, "rest", "factuur_vraag", {"vraag": "Klopt mijn factuur?"}, OFFLINE)
    queue.engine.dispose()
    anna.claim(offline.id).raise_for_status()
    anna.send(offline.id, "Ja, je factuur klopt.")

    answers = assistant.say(sender, "ik wil een medewerker spreken")
    assert answers[0] == "Ja, je factuur klopt." and "wachtrij" in answers[1]
    live = bram.entry_for(sender, mode="live")
    assert live["status"] == "waiting"

    closed = anna.close(offline.id)
    assert closed["entry"]["status"] == "closed" and closed["recorded"] is False
    assert assistant.say(sender, "hallo, is daar iemand?") == []  # still waiting for a person
    assert bram.entry_for(sender, mode="live")["status"] == "waiting"

    bram.claim(live["id"]).raise_for_status()
    assert bram.close(live["id"])["delivered"] is False  # REST: the goodbye comes with the next answer
    joined, goodbye, *rest = assistant.say(sender, "wat is jullie telefoonnummer")
    assert "Bram van de klantenservice" in joined and "digitale assistent" in goodbye
    assert any("020 - 808 28 52" in text for text in rest)
