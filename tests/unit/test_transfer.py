"""Transfer and release (bot/transfer.py, webapp/transfer.py) on a temporary database: who may hand
what to whom, the note kept with the entry, the customer told once in the colleague's name, and the
refusals (colleague offline, entry no longer the agent's, Rasa down)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.agents import Agent
from bot.handoff import OFFLINE, HandoffQueue, QueueError
from bot.notes import NoteStore
from bot.transfer import TransferError, Transfers
from tests.console_client import (
    ANNA,
    add_agents,
    cheap_bcrypt,
    logged_in,
    post_json,
    second_browser,
    widget_bundle,
)
from tests.unit.test_agent_console import BRAM, CID, World, live_entry, run
from webapp.auth import DATABASE_DOWN
from webapp.keys import CONSOLE_KEY

CARLA = ("carla", "carla-wachtwoord-1")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
MINUTE = timedelta(seconds=60)
ANNA_AGENT = Agent("anna", "Anna de Vries", "agent")
TAKES_OVER = "Bram van de klantenservice helpt je nu verder."


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """Anna and Bram, agents, on a temporary database (as in test_agent_console)."""
    cheap_bcrypt(monkeypatch)
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    agents = add_agents(db_url, (ANNA, {"display_name": "Anna de Vries"}), (BRAM, {"display_name": "Bram"}))
    return World(db_url, HandoffQueue(db_url), agents, widget_bundle(tmp_path))


def test_a_transfer_moves_the_entry_to_an_online_colleague_with_a_note(world):
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna", now=NOW)
    world.agents.seen("bram", NOW - timedelta(seconds=30))
    transfers = Transfers(world.db_url)
    handover = transfers.transfer(entry.id, ANNA_AGENT, " Bram ", MINUTE, "Retourlabel al gestuurd.", NOW)
    moved = world.queue.get(entry.id)
    assert (moved.agent, moved.status, moved.claimed_at) == ("bram", "with_agent", NOW)
    assert handover.colleague.display_name == "Bram"
    [note] = NoteStore(world.db_url).for_entry(entry.id)
    assert (note.author, note.text) == ("anna", "Overgedragen aan Bram: Retourlabel al gestuurd.")
    with pytest.raises(QueueError, match="opgepakt door bram"):  # no longer anna's
        transfers.transfer(entry.id, ANNA_AGENT, "bram", MINUTE, now=NOW)


@pytest.mark.parametrize(
    "colleague, seen_ago, message",
    [
        ("bram", timedelta(seconds=61), "Bram is nu niet online"),
        ("bram", None, "Bram is nu niet online"),
        ("anna", timedelta(0), "Je hebt dit gesprek al"),
        ("nobody", timedelta(0), "Er is geen collega 'nobody'"),
    ],
)
def test_a_transfer_to_someone_offline_or_unknown_is_refused_and_changes_nothing(
    world, colleague, seen_ago, message
):
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna", now=NOW)
    if seen_ago is not None:
        world.agents.seen("bram", NOW - seen_ago)
        world.agents.seen("anna", NOW - seen_ago)
    with pytest.raises(TransferError, match=message):
        Transfers(world.db_url).transfer(entry.id, ANNA_AGENT, colleague, MINUTE, "notitie", NOW)
    assert world.queue.get(entry.id).agent == "anna"
    assert NoteStore(world.db_url).for_entry(entry.id) == []


def test_a_disabled_colleague_is_neither_offered_nor_accepted(world):
    world.agents.add(*CARLA, display_name="Carla")
    for name in ("bram", "carla"):
        world.agents.seen(name, NOW)
    world.agents.disable("carla")
    transfers = Transfers(world.db_url)
    assert [a.username for a in transfers.online_colleagues("anna", MINUTE, NOW)] == ["bram"]
    assert transfers.online_colleagues("anna", MINUTE, NOW + 2 * MINUTE) == []
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna", now=NOW)
    with pytest.raises(TransferError, match="geen collega"):
        transfers.transfer(entry.id, ANNA_AGENT, "carla", MINUTE, now=NOW)


def test_a_release_puts_the_entry_back_in_the_queue_for_anyone(world):
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna", now=NOW)
    transfers = Transfers(world.db_url)
    with pytest.raises(QueueError, match="opgepakt door anna"):
        transfers.release(entry.id, Agent("bram", "Bram", "agent"), now=NOW)
    transfers.release(entry.id, ANNA_AGENT, "  ", NOW)
    back = world.queue.get(entry.id)
    assert (back.status, back.agent, back.claimed_at) == ("waiting", None, None)
    assert [n.text for n in NoteStore(world.db_url).for_entry(entry.id)] == ["Teruggezet in de wachtrij."]
    assert world.queue.claim(entry.id, "bram").agent == "bram"
    with pytest.raises(QueueError, match="opgepakt door bram"):
        transfers.release(entry.id, ANNA_AGENT, now=NOW)


def test_a_closed_entry_and_a_too_long_note_are_refused(world):
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna", now=NOW)
    world.agents.seen("bram", NOW)
    transfers = Transfers(world.db_url)
    with pytest.raises(TransferError, match="hoogstens 2000 tekens"):
        transfers.transfer(entry.id, ANNA_AGENT, "bram", MINUTE, "x" * 2001, NOW)
    world.queue.close(entry.id, "anna")
    with pytest.raises(QueueError, match="al afgesloten"):
        transfers.release(entry.id, ANNA_AGENT, now=NOW)
    assert world.queue.get(entry.id).status == "closed"


# --- the console's routes ---------------------------------------------------------------------------


def test_the_console_hands_a_live_chat_to_a_colleague_and_the_customer_hears_it_once(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        async with second_browser(client) as bram:
            await logged_in(bram, BRAM)
            await bram.get("/agent/api/queue")  # bram's console is open: he is online
            colleagues = await (await client.get("/agent/api/colleagues")).json()
            assert colleagues == {"colleagues": [{"username": "bram", "display_name": "Bram"}]}
            fake.said = [TAKES_OVER]
            status, data = await post_json(
                client,
                f"/agent/api/entries/{entry.id}/overdragen",
                csrf,
                {"to": "bram", "note": "Klant wacht op <b>label</b>"},
            )
            assert status == 200, data
            assert data["entry"]["agent"] == "bram" and data["entry"]["mine"] is False
            assert [m["text"] for m in data["told"]] == [TAKES_OVER]
            assert "De klant hoort dat Bram het overneemt" in data["note"]
            seen_by_bram = await (await bram.get(f"/agent/api/entries/{entry.id}")).json()
            assert seen_by_bram["entry"]["mine"] is True
            assert [n["text"] for n in seen_by_bram["notes"]] == [
                "Overgedragen aan Bram: Klant wacht op <b>label</b>"
            ]
            status, data = await post_json(
                client, f"/agent/api/entries/{entry.id}/overdragen", csrf, {"to": "bram"}
            )
            assert status == 409 and data["error"] == "Dit gesprek is opgepakt door bram."

    fake = run(world, scenario)
    executed = [call.body for call in fake.posts() if call.path.endswith("/execute")]
    assert executed == [{"name": "action_handoff_overgenomen"}] * 2  # the claim's, then the transfer's
    joined = [m for m in world.deliveries.messages(CID) if m.text == TAKES_OVER]
    assert [(m.kind, m.author_name) for m in joined] == [("overgenomen", "Bram")]


def test_a_transfer_to_an_offline_colleague_is_refused_and_nobody_is_told(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        fake.said = [TAKES_OVER]
        status, data = await post_json(
            client, f"/agent/api/entries/{entry.id}/overdragen", csrf, {"to": "bram"}
        )
        assert status == 409 and data["error"] == "Bram is nu niet online. Kies een collega die online is."
        for body in (None, {"note": "x"}, {"to": 3}, {"to": "bram", "note": ["x"]}):
            status, data = await post_json(client, f"/agent/api/entries/{entry.id}/overdragen", csrf, body)
            assert status == 400 and "Kies een collega" in data["error"]

    fake = run(world, scenario)
    assert len([call for call in fake.posts() if call.path.endswith("/execute")]) == 1  # the claim's only
    assert world.queue.get(entry.id).agent == "anna"


def test_without_rasa_the_transfer_stands_and_the_agent_is_told_the_customer_was_not(world):
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna")
    world.agents.seen("bram")

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        status, data = await post_json(
            client, f"/agent/api/entries/{entry.id}/overdragen", csrf, {"to": "bram"}
        )
        assert status == 200 and "niet bereikbaar" in data["note"] and data["told"] == []

    run(world, scenario, rasa_down=True)
    assert world.queue.get(entry.id).agent == "bram"
    assert world.deliveries.messages(CID) == []


def test_an_offline_question_is_handed_on_without_a_word_to_the_customer(world):
    entry = world.queue.enqueue(CID, "socketio", "retour", {"vraag": "Waar blijft mijn geld?"}, mode=OFFLINE)
    world.queue.claim(entry.id, "anna")
    world.agents.seen("bram")

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        status, data = await post_json(
            client, f"/agent/api/entries/{entry.id}/overdragen", csrf, {"to": "bram"}
        )
        assert status == 200 and data["note"] == "Overgedragen aan Bram."

    fake = run(world, scenario)
    assert fake.posts() == []


def test_the_console_releases_an_entry_and_needs_the_csrf_token(world):
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna")

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        path = f"/agent/api/entries/{entry.id}/vrijgeven"
        refused = await client.post(path, json={"note": "x"})
        assert refused.status == 403
        assert world.queue.get(entry.id).agent == "anna"
        status, data = await post_json(client, path, csrf, {"note": "Klant spreekt Duits"})
        assert status == 200 and data["entry"]["status"] == "waiting"
        assert data["internal_note"]["text"] == "Teruggezet in de wachtrij: Klant spreekt Duits"
        status, data = await post_json(client, path, csrf)
        assert status == 409 and data["error"] == "Pak het gesprek eerst op."
        for action in ("vrijgeven", "overdragen"):
            status, data = await post_json(client, f"/agent/api/entries/999/{action}", csrf, {"to": "bram"})
            assert status == 404 and data["error"] == "Dit gesprek bestaat niet (meer)."

    fake = run(world, scenario)
    [forget] = fake.posts()  # the customer hears the next agent's name when they claim it
    assert (forget.path, forget.body) == (
        f"/conversations/{CID}/tracker/events",
        {"event": "slot", "name": "handoff_medewerker", "value": None},
    )
    assert world.queue.get(entry.id).status == "waiting"


def test_a_release_without_rasa_still_puts_the_entry_back(world):
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna")

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        status, data = await post_json(client, f"/agent/api/entries/{entry.id}/vrijgeven", csrf)
        assert status == 200 and data["entry"]["status"] == "waiting"

    run(world, scenario, rasa_down=True)
    assert world.queue.get(entry.id).agent is None


def test_the_transfer_routes_need_a_login(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        for method, path in (
            ("GET", "/agent/api/colleagues"),
            ("POST", f"/agent/api/entries/{entry.id}/overdragen"),
            ("POST", f"/agent/api/entries/{entry.id}/vrijgeven"),
        ):
            response = await client.request(method, path, headers={"X-CSRF-Token": "x"})
            assert response.status == 401, path

    run(world, scenario)


def test_a_transfer_the_database_refuses_halfway_changes_nothing_and_tells_nobody(world):
    """The entry's new agent and the note are one transaction: a failed note undoes the move."""
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna")
    world.agents.seen("bram")

    def refuse_notes(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ENTRY_NOTES"):
            raise sa.exc.OperationalError("INSERT", {}, RuntimeError("database gone"))

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        fake.said = [TAKES_OVER]
        engine = (await client.app[CONSOLE_KEY].stores()).transfers.engine
        path = f"/agent/api/entries/{entry.id}/overdragen"
        sa.event.listen(engine, "before_cursor_execute", refuse_notes)
        try:
            status, data = await post_json(client, path, csrf, {"to": "bram", "note": "Graag jij"})
        finally:
            sa.event.remove(engine, "before_cursor_execute", refuse_notes)
        assert status == 503 and data["error"] == DATABASE_DOWN
        assert world.queue.get(entry.id).agent == "anna"
        status, data = await post_json(client, path, csrf, {"to": "bram", "note": "Graag jij"})
        assert status == 200 and data["internal_note"]["text"] == "Overgedragen aan Bram: Graag jij"

    fake = run(world, scenario)
    assert len([call for call in fake.posts() if call.path.endswith("/execute")]) == 1  # after the retry only
    [told] = world.deliveries.pending([CID])  # held until the customer's window acknowledges it
    assert (told.text, told.author_name) == (TAKES_OVER, "Bram")
