"""Scale-out on Rasa's own parts: two Rasa servers and one action server on PostgreSQL (tracker
store, queue, cases) and Redis (Rasa's lock store), all on loopback. One conversation's turns go
alternately to both servers; one server is killed with SIGKILL in the middle; the survivor and a
restarted server must see the whole conversation, its slots, its queue entry and its case."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.cases import CaseStore
from bot.handoff import HandoffQueue
from scripts.db_servers import free_port, fresh_database
from scripts.services import Services
from tests.e2e.test_handoff import ChatWindow

pytestmark = pytest.mark.e2e

STAFFED = "2026-11-24T10:00:00"


class Cluster:
    """An action server and Rasa servers `a` and `b`, sharing PostgreSQL and Redis."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.servers: dict[str, Services] = {}

    def start(self, name: str) -> Services:
        env = {**self.env, "RASA_PORT": str(free_port())}
        server = Services(env=env, log_dir=self.workdir / f"log-{name}")
        server.start_all(("rasa",))
        self.servers[name] = server
        return server

    def say(self, name: str, sender: str, text: str) -> list[str]:
        answer = requests.post(f"{self.servers[name].rasa_url}/webhooks/rest/webhook",
                               json={"sender": sender, "message": text}, timeout=60)
        answer.raise_for_status()
        return [item.get("text", "") for item in answer.json()]

    def tracker(self, name: str, sender: str) -> dict:
        server = self.servers[name]
        answer = requests.get(f"{server.rasa_url}/conversations/{sender}/tracker",
                              params={"token": server.env["RASA_TOKEN"]}, timeout=30)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def cluster(postgres_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("scale")
    database = fresh_database(postgres_url, "scale_out")
    env = dict(os.environ)
    env.update(TRACKER_STORE_URL=database, KLANTENSERVICE_DB_URL=database, LOCK_STORE_URL=redis_url,
               KLANTENSERVICE_NOW=STAFFED, ACTION_PORT=str(free_port()))
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


def test_a_conversation_survives_a_killed_server_and_a_restart(cluster, show_figure):
    sender = f"schaal-{uuid.uuid4().hex[:8]}"
    turns = [("a", "ik heb iets teruggestuurd naar zalando"), ("b", "12345678"),
             ("a", "3SABCD1234567"), ("b", "ik wil een medewerker spreken")]
    answers = [cluster.say(server, sender, text) for server, text in turns[:2]]
    assert all(answers), answers

    cluster.servers["b"].stop("rasa", sig=signal.SIGKILL)  # no chance to clean up
    answers.append(cluster.say("a", sender, turns[2][1]))
    reference = re.search(r"RET-[2-9A-Z]{6}", " ".join(answers[-1])).group(0)
    answers.append(cluster.say("a", sender, turns[3][1]))
    assert "wachtrij" in answers[-1][0]

    survivor = cluster.tracker("a", sender)
    assert user_texts(survivor) == [text for _, text in turns]
    assert survivor["slots"]["case_referentie"] == reference
    assert survivor["active_loop"]["name"] == "handoff_form"
    database = cluster.env["KLANTENSERVICE_DB_URL"]
    case = CaseStore(database).get(reference)
    assert case.fields == {"webshop": "Zalando", "bestelnummer": "12345678", "trackingnummer": "3SABCD1234567"}
    assert HandoffQueue(database).live_entry(sender).status == "waiting"

    cluster.servers["a"].stop_all()  # the survivor goes too; a restarted server takes over
    cluster.start("b")
    restarted = cluster.tracker("b", sender)
    assert user_texts(restarted) == user_texts(survivor)
    assert restarted["slots"]["case_referentie"] == reference
    assert cluster.say("b", sender, "laat maar") == [
        "Prima, ik haal je uit de wachtrij. Je chat weer met mij, de digitale assistent. Waar kan ik je mee helpen?"]
    assert HandoffQueue(database).live_entry(sender) is None

    engine = sa.create_engine(database)
    with engine.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": sender}).scalar()
    engine.dispose()
    sent = len(turns) + 1
    show_figure(f"scale-out: {sent} messages over 2 Rasa servers (one killed, one restarted), "
          f"{sent} answered, {stored} stored, {sent - stored} lost")
    assert stored == sent


def test_a_database_outage_is_refused_clearly_and_loses_nothing_acknowledged(cluster, postgres_server,
                                                                             show_figure):
    [name] = [name for name, server in cluster.servers.items() if server.processes]
    sender = f"db-weg-{uuid.uuid4().hex[:8]}"
    assert "09:00" in cluster.say(name, sender, "wanneer zijn jullie open")[0]
    postgres_server.stop("immediate")
    try:
        url = f"{cluster.servers[name].rasa_url}/webhooks/rest/webhook"
        refused = requests.post(url, json={"sender": sender, "message": "wat is jullie telefoonnummer"}, timeout=60)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "temporarily_unavailable"
        assert "opnieuw" in refused.json()["error"]["nl"]
        assert "niet verwerkt" in asyncio.run(_socket_message(cluster.servers[name].rasa_url, "hallo"))
    finally:
        postgres_server.start()
    assert "020 - 808 28 52" in cluster.say(name, sender, "wat is jullie telefoonnummer")[0]
    said = user_texts(cluster.tracker(name, sender))
    assert said[0] == "wanneer zijn jullie open" and said[-1] == "wat is jullie telefoonnummer"
    show_figure(f"database outage: 1 REST message refused with 503, 1 socket.io message with a Dutch "
                f"notice, {len(said)} acknowledged messages stored, 0 lost")
