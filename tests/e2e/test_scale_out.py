"""Scale-out on Rasa's own parts: two Rasa servers and one action server on PostgreSQL (tracker
store, queue, cases) and Redis (Rasa's lock store), all on loopback. One conversation's turns go
alternately to both servers; one server is killed with SIGKILL while it handles a turn; the survivor
and a restarted server must see the whole conversation, its slots, its queue entry and its case.
Turns of one conversation sent to both servers at once are handled one at a time, through Redis. A
message for a chat window posted on the server without its socket.io connection reaches it, through
socket.io's Redis client manager."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa

from bot.cases import CaseStore
from bot.delivery import DeliveryStore
from bot.handoff import HandoffQueue
from channels import delivery
from scripts.db_servers import free_port, fresh_database
from scripts.services import Services
from tests.e2e.test_handoff import ChatWindow

pytestmark = pytest.mark.e2e

STAFFED = "2026-11-24T10:00:00"
LOCK_LIFETIME = (
    60  # Rasa's default ticket lifetime: a killed server's ticket blocks its conversation this long
)
# Questions with an answer and no form, for one conversation's concurrent turns.
QUESTIONS = (
    "wat is jullie telefoonnummer",
    "wanneer zijn jullie open",
    "wat is klarna",
    "hoe kan ik jullie mailen",
    "praat ik met een robot",
    "op welk nummer kan ik jullie bellen",
    "zijn jullie op zaterdag open",
    "zitten jullie op facebook",
    "hebben jullie vacatures",
    "hoe werkt achteraf betalen",
)


class Cluster:
    """An action server and Rasa servers `a` and `b`, sharing PostgreSQL and Redis."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.servers: dict[str, Services] = {}

    def start(self, name: str) -> Services:
        # A restarted server keeps its id (channels/delivery.py), whatever port it gets.
        env = {**self.env, "RASA_PORT": str(free_port()), "KLANTENSERVICE_SERVER_ID": f"rasa-{name}"}
        server = Services(env=env, log_dir=self.workdir / f"log-{name}")
        server.start_all(("rasa",))
        self.servers[name] = server
        return server

    def say(self, name: str, sender: str, text: str, timeout: float = 60) -> list[str]:
        answer = requests.post(
            f"{self.servers[name].rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=timeout,
        )
        answer.raise_for_status()
        return [item.get("text", "") for item in answer.json()]

    def tracker(self, name: str, sender: str) -> dict:
        server = self.servers[name]
        answer = requests.get(
            f"{server.rasa_url}/conversations/{sender}/tracker",
            params={"token": server.env["RASA_TOKEN"]},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def cluster(postgres_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("scale")
    database = fresh_database(postgres_url, "scale_out")
    env = dict(os.environ)
    env.update(
        TRACKER_STORE_URL=database,
        KLANTENSERVICE_DB_URL=database,
        LOCK_STORE_URL=redis_url,
        SOCKETIO_MESSAGE_QUEUE=redis_url,
        KLANTENSERVICE_NOW=STAFFED,
        ACTION_PORT=str(free_port()),
    )
    env["ACTION_ENDPOINT_URL"] = f"http://localhost:{env['ACTION_PORT']}/webhook"
    actions = Services(env=env, log_dir=workdir / "log-actions")
    actions.start_all(("actions",))
    running = Cluster(env, workdir)
    try:
        running.start("a")
        running.start("b")
        yield running
    finally:
        for server in [*running.servers.values(), actions]:
            server.stop_all()


async def _socket_message(url: str, text: str) -> str:
    window = ChatWindow(url)
    await window.open()
    try:
        await window.say(text)
        return await window.next(30)
    finally:
        await window.close()


def user_texts(tracker: dict) -> list[str]:
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def turns_of(tracker: dict) -> list[tuple[str, list[str]]]:
    """Each user message with the bot texts stored after it, up to the next user message."""
    turns: list[tuple[str, list[str]]] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            turns.append((event["text"], []))
        elif event["event"] == "bot" and turns:
            turns[-1][1].append(event.get("text") or "")
    return turns


def lock_commands(store: redis.Redis) -> dict[str, int]:
    """How often Redis has run each command since it started."""
    return {
        name.removeprefix("cmdstat_"): stats["calls"] for name, stats in store.info("commandstats").items()
    }


def wait_until_locked(store: redis.Redis, sender: str, request: Future) -> None:
    """Returns once a server holds a ticket in Redis for `sender`'s conversation, i.e. handles its turn."""
    deadline = time.monotonic() + 60
    while not store.keys(f"*lock:{sender}"):
        assert not request.done(), "the turn was answered before the server could be killed"
        assert time.monotonic() < deadline, "no server took the turn within a minute"
        time.sleep(0.005)


def test_concurrent_turns_of_one_conversation_are_handled_one_at_a_time(cluster, redis_url, show_figure):
    sender = f"tegelijk-{uuid.uuid4().hex[:8]}"
    store = redis.Redis.from_url(redis_url)
    before = lock_commands(store)
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        sent = {
            text: pool.submit(cluster.say, "ab"[number % 2], sender, text, 3 * LOCK_LIFETIME)
            for number, text in enumerate(QUESTIONS)
        }
        answers = {text: request.result() for text, request in sent.items()}
    used = {command: calls - before.get(command, 0) for command, calls in lock_commands(store).items()}

    stored = turns_of(cluster.tracker("b", sender))
    assert sorted(text for text, _ in stored) == sorted(QUESTIONS)  # each message exactly once
    for text, said in stored:
        assert said and said == answers[text], text  # its own answer, right after it
    # Every turn took a ticket from Redis and gave it back (Rasa's RedisLockStore: GET, SET, DEL)
    assert used.get("set", 0) >= 2 * len(QUESTIONS) and used.get("del", 0) >= 1, used
    assert not store.keys(f"*lock:{sender}")  # no ticket left behind
    show_figure(
        f"concurrent turns: {len(QUESTIONS)} messages of one conversation to 2 Rasa servers at once, "
        f"{sum(map(bool, answers.values()))} answered, {len(stored)} stored once each in order, "
        f"{used.get('set', 0)} lock writes in Redis"
    )


def test_a_message_posted_on_one_server_reaches_the_chat_window_on_the_other(cluster, show_figure):
    """The agent console's path (webapp/queue_api.py `_deliver`): the web app posts an agent's answer
    to whichever Rasa server its Service picks, while the customer's window is connected to another."""
    for name in "ab":
        if name not in cluster.servers or not cluster.servers[name].processes:
            cluster.start(name)
    a, b = cluster.servers["a"], cluster.servers["b"]
    session = f"overkant-{uuid.uuid4().hex[:8]}"
    from_agent = "Hoi, je spreekt met Anna van de klantenservice. Ik kijk even met je mee."

    async def conversation() -> tuple[str, list[str]]:
        window = ChatWindow(a.rasa_url, session)
        await window.open()
        try:
            posted = await asyncio.to_thread(
                requests.post,
                f"{b.rasa_url}/conversations/{session}/tracker/events",
                params={
                    "output_channel": "socketio",
                    "execute_side_effects": "true",
                    "token": b.env["RASA_TOKEN"],
                },
                json={"event": "bot", "text": from_agent},
                timeout=60,
            )
            posted.raise_for_status()
            received = await window.next(30)
            # The window's own server still answers it, now also through Redis.
            await window.say("wat is jullie telefoonnummer")
            return received, [await window.next(60)]
        finally:
            await window.close()

    received, answered = asyncio.run(conversation())
    assert received == from_agent
    assert "020 - 808 28 52" in answered[0]
    stored = [
        event.get("text") for event in cluster.tracker("a", session)["events"] if event["event"] == "bot"
    ]
    assert from_agent in stored
    show_figure(
        "socket.io across servers: 1 message posted on server b, received by the chat window "
        "connected to server a; its next question answered by a"
    )


def test_a_conversation_survives_a_killed_server_and_a_restart(cluster, redis_url, show_figure):
    sender = f"schaal-{uuid.uuid4().hex[:8]}"
    turns = [("a", "ik heb iets teruggestuurd naar zalando"), ("b", "12345678"), ("a", "3SABCD1234567")]
    answers = [cluster.say(server, sender, text) for server, text in turns]
    assert all(answers), answers
    reference = re.search(r"RET-[2-9A-Z]{6}", " ".join(answers[-1])).group(0)

    in_flight = "ik wil een medewerker spreken"
    store = redis.Redis.from_url(redis_url)
    with ThreadPoolExecutor(1) as pool:
        request = pool.submit(cluster.say, "b", sender, in_flight)
        wait_until_locked(store, sender, request)
        cluster.servers["b"].stop("rasa", sig=signal.SIGKILL)  # mid-turn, no chance to clean up
        with pytest.raises(requests.ConnectionError):
            request.result()
    turns.append(("b", in_flight))

    # The unanswered turn is stored whole or not at all; unanswered, the customer sends it again
    before = turns_of(cluster.tracker("a", sender))
    assert [text for text, _ in before][:3] == [text for _, text in turns[:3]]
    if len(before) == 3:
        # a waits until b's orphaned ticket in Redis has expired
        cluster.say("a", sender, in_flight, timeout=LOCK_LIFETIME + 120)
        turns.append(("a", in_flight))
    survivor = cluster.tracker("a", sender)
    [*_, (last_text, last_answer)] = turns_of(survivor)
    assert last_text == in_flight and "wachtrij" in last_answer[0]

    assert user_texts(survivor) == [text for _, text in turns[:3]] + [in_flight]
    assert survivor["slots"]["case_referentie"] == reference
    assert survivor["active_loop"]["name"] == "handoff_form"
    database = cluster.env["KLANTENSERVICE_DB_URL"]
    case = CaseStore(database).get(reference)
    assert case.fields == {
        "webshop": "Zalando",
        "bestelnummer": "12345678",
        "trackingnummer": "3SABCD1234567",
    }
    assert HandoffQueue(database).live_entry(sender).status == "waiting"

    cluster.servers["a"].stop_all()  # the survivor goes too; a restarted server takes over
    cluster.start("b")
    restarted = cluster.tracker("b", sender)
    assert user_texts(restarted) == user_texts(survivor)
    assert restarted["slots"]["case_referentie"] == reference
    assert cluster.say("b", sender, "laat maar") == ["Wil je uit de wachtrij? Je raakt je plek kwijt."]
    assert cluster.say("b", sender, "ja") == [
        "Prima, ik haal je uit de wachtrij. Je chat weer met mij, de digitale assistent. Waar kan ik je "
        "mee helpen?"
    ]
    assert HandoffQueue(database).live_entry(sender) is None

    engine = sa.create_engine(database)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": sender}
        ).scalar()
    engine.dispose()
    answered = len(answers) + 3  # the turn b was killed in, answered once, "laat maar" and "ja"
    show_figure(
        f"scale-out: {len(turns) + 1} messages sent alternately to 2 Rasa servers (b killed with one "
        f"in flight, then restarted), {answered} answered, {stored} stored, {answered - stored} lost"
    )
    assert stored == answered


def test_a_database_outage_is_refused_clearly_and_loses_nothing_acknowledged(
    cluster, postgres_server, show_figure
):
    [name] = [name for name, server in cluster.servers.items() if server.processes]
    sender = f"db-weg-{uuid.uuid4().hex[:8]}"
    assert "09:00" in cluster.say(name, sender, "wanneer zijn jullie open")[0]
    postgres_server.stop("immediate")
    try:
        url = f"{cluster.servers[name].rasa_url}/webhooks/rest/webhook"
        refused = requests.post(
            url, json={"sender": sender, "message": "wat is jullie telefoonnummer"}, timeout=60
        )
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "temporarily_unavailable"
        assert "opnieuw" in refused.json()["error"]["nl"]
        assert "niet verwerkt" in asyncio.run(_socket_message(cluster.servers[name].rasa_url, "hallo"))
    finally:
        postgres_server.start()
    assert "020 - 808 28 52" in cluster.say(name, sender, "wat is jullie telefoonnummer")[0]
    said = user_texts(cluster.tracker(name, sender))
    assert said[0] == "wanneer zijn jullie open" and said[-1] == "wat is jullie telefoonnummer"
    show_figure(
        f"database outage: 1 REST message refused with 503, 1 socket.io message with a Dutch "
        f"notice, {len(said)} acknowledged messages stored, 0 lost"
    )


def test_an_answer_sent_while_the_windows_server_is_killed_is_delivered_once_on_the_other(
    cluster, show_figure
):
    """The console's path (webapp/queue_api.py): the answer is stored, then a Rasa server is asked to
    offer it (`/webhooks/socketio/deliver`). Here the server holding the window is killed first, so
    that offer reaches nobody; the window reconnects to the other server and gets it there, once."""
    for name in "ab":
        if name not in cluster.servers or not cluster.servers[name].processes:
            cluster.start(name)
    a, b = cluster.servers["a"], cluster.servers["b"]
    database = cluster.env["KLANTENSERVICE_DB_URL"]
    queue, store = HandoffQueue(database), DeliveryStore(database)
    session = f"afleveren-{uuid.uuid4().hex[:8]}"
    entry = queue.claim(queue.enqueue(session, "socketio", "medewerker_spreken", {}).id, "anna")
    answers = ["Hoi, met Anna. Ik kijk even mee.", "Je terugbetaling staat klaar."]

    def offer(server: Services) -> int:
        answer = requests.post(
            f"{server.rasa_url}/webhooks/socketio/deliver",
            params={"token": server.env["RASA_TOKEN"]},
            json={"conversation_id": session},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["offered"]

    async def conversation() -> tuple[list[dict], list[str]]:
        shown: set[int] = set()
        window = ChatWindow(a.rasa_url, session)
        window.shown = shown
        await window.open()
        store.add_agent_message(entry.id, "anna", answers[0], "Anna")
        await asyncio.to_thread(offer, b)  # posted on b, the window is on a: through Redis
        texts = [await window.next(30)]
        for _ in range(50):
            if not store.pending([session]):
                break
            await asyncio.sleep(0.1)
        a.stop("rasa", sig=signal.SIGKILL)  # no chance to say goodbye to its sockets
        store.add_agent_message(entry.id, "anna", answers[1], "Anna")
        await asyncio.to_thread(offer, b)  # reaches nobody: the window's server is gone
        offered = list(window.delivered)
        await window.client.disconnect()
        again = ChatWindow(b.rasa_url, session)  # the widget reconnects, here to the other server
        again.shown = shown
        await again.open()
        texts.append(await again.next(30))
        await again.silence(delivery.RENEW_EVERY.total_seconds() + 6)  # a repeated offer would show
        while not again.received.empty():
            texts.append(again.received.get_nowait())
        for _ in range(50):
            if not store.pending([session]):
                break
            await asyncio.sleep(0.1)
        await again.close()
        return offered + again.delivered, texts

    offers, shown_texts = asyncio.run(conversation())
    cluster.start("a")  # a restarted server drops the leases of its previous run
    delivered = [m for m in store.messages(session) if m.delivered_at is not None]
    duplicates = len(shown_texts) - len(set(shown_texts))
    lost = len([text for text in answers if text not in shown_texts])
    show_figure(
        f"delivery, window's server killed: {len(answers)} answers sent, {len(delivered)} delivered, "
        f"{len(offers)} offers to the window, {duplicates} duplicates shown, {lost} lost"
    )
    assert shown_texts == answers and duplicates == 0 and lost == 0
    assert len(delivered) == len(answers)
    assert not store.connected(session)
