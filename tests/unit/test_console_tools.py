"""Quick replies and internal notes in the agent console (webapp/quick_replies.py, webapp/notes.py)
in process, on a temporary database: who may change the list, the CSRF token, the placeholder
filled for a conversation, notes kept with the entry, and everything typed shown escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cases import CaseStore
from bot.handoff import HandoffQueue
from bot.notes import NoteStore
from bot.quick_replies import QuickReplyStore
from tests.console_client import (
    ANNA,
    add_agents,
    cheap_bcrypt,
    console_config,
    hidden_csrf,
    logged_in,
    post_json,
    run_console,
    second_browser,
    widget_bundle,
)
from webapp.auth import DATABASE_DOWN
from webapp.csrf import CSRF_REFUSED
from webapp.keys import CONSOLE_KEY
from webapp.quick_replies import PAGE_PATH, TEAM_LEADS_ONLY

TESS = ("tess", "tess-wachtwoord-1")
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    cheap_bcrypt(monkeypatch)
    url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    add_agents(
        url, (ANNA, {"display_name": "Anna de Vries"}), (TESS, {"display_name": "Tess", "role": "teamlead"})
    )
    return url


@pytest.fixture
def config(db_url: str, tmp_path: Path):
    return console_config(db_url, widget_bundle(tmp_path))


def test_a_team_lead_adds_changes_and_deletes_quick_replies(config, db_url):
    store = QuickReplyStore(db_url)

    async def scenario(client):
        await logged_in(client, TESS)
        page = await client.get(PAGE_PATH)
        assert page.status == 200 and "Retourprocedure" in await page.text()
        csrf = hidden_csrf(await page.text())
        added = await client.post(
            PAGE_PATH,
            data={"csrf": csrf, "title": "Wachttijd", "text": f"Even geduld {SCRIPT}"},
            allow_redirects=False,
        )
        assert added.status == 303
        [new] = [reply for reply in store.all() if reply.title == "Wachttijd"]
        assert new.updated_by == "tess"
        html = await (await client.get(PAGE_PATH + "?klaar=nieuw")).text()
        assert "Het snelle antwoord is toegevoegd." in html
        assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

        changed = await client.post(
            f"{PAGE_PATH}/{new.id}",
            data={"csrf": csrf, "title": "Wachttijd", "text": "Nog vijf minuten."},
            allow_redirects=False,
        )
        assert changed.status == 303
        assert [reply.text for reply in store.all() if reply.id == new.id] == ["Nog vijf minuten."]

        refused = await client.post(
            f"{PAGE_PATH}/{new.id}", data={"csrf": csrf, "title": "Wachttijd", "text": "Hoi {naam} " + SCRIPT}
        )
        assert refused.status == 400
        html = await refused.text()
        assert "Onbekende invulplek {naam}" in html and "&lt;script&gt;" in html and SCRIPT not in html
        assert [reply.text for reply in store.all() if reply.id == new.id] == ["Nog vijf minuten."]

        deleted = await client.post(
            f"{PAGE_PATH}/{new.id}/verwijderen", data={"csrf": csrf}, allow_redirects=False
        )
        assert deleted.status == 303
        assert new.id not in {reply.id for reply in store.all()}

    run_console(config, scenario)


def test_a_plain_agent_and_a_post_without_csrf_cannot_change_quick_replies(config, db_url):
    store = QuickReplyStore(db_url)
    before = store.all()
    target = before[0]

    async def scenario(client):
        csrf = await logged_in(client, ANNA)
        page = await client.get(PAGE_PATH)
        assert page.status == 403 and TEAM_LEADS_ONLY in await page.text()
        console = await (await client.get("/agent")).text()
        assert PAGE_PATH not in console  # no link for an agent
        for path, data in (
            (PAGE_PATH, {"title": "Nieuw", "text": "Tekst"}),
            (f"{PAGE_PATH}/{target.id}", {"title": "Anders", "text": "Tekst"}),
            (f"{PAGE_PATH}/{target.id}/verwijderen", {}),
        ):
            response = await client.post(path, data={"csrf": csrf, **data}, allow_redirects=False)
            assert response.status == 403 and TEAM_LEADS_ONLY in await response.text()

        lead = second_browser(client)
        try:
            lead_csrf = await logged_in(lead, TESS)
            assert PAGE_PATH in await (await lead.get("/agent")).text()
            for data in ({}, {"csrf": "wrong"}, {"csrf": csrf}):  # anna's token is not tess's
                response = await lead.post(
                    f"{PAGE_PATH}/{target.id}/verwijderen", data=data, allow_redirects=False
                )
                assert response.status == 403 and CSRF_REFUSED in await response.text()
            response = await lead.post(
                PAGE_PATH,
                json={"title": "x", "text": "y"},
                headers={"X-CSRF-Token": "nope"},
                allow_redirects=False,
            )
            assert response.status == 403
            assert lead_csrf  # with it, the same delete works (the test above)
        finally:
            await lead.close()

    run_console(config, scenario)
    assert store.all() == before


def test_an_agent_gets_the_replies_with_the_conversations_case_reference(config, db_url):
    queue = HandoffQueue(db_url)
    with_case = queue.enqueue("klant-met-zaak", "socketio", "retour", {})
    without = queue.enqueue("klant-zonder-zaak", "socketio", "factuur_vraag", {})
    case = CaseStore(db_url).create("retour", "klant-met-zaak", {"webshop": "Zalando"})

    async def scenario(client):
        await logged_in(client, ANNA)
        found = await (await client.get(f"/agent/api/entries/{with_case.id}/quick-replies")).json()
        assert found["reference"] == case.reference
        texts = {reply["title"]: reply["text"] for reply in found["replies"]}
        assert f"zaaknummer {case.reference}." in texts["Retourprocedure"]
        plain = await (await client.get(f"/agent/api/entries/{without.id}/quick-replies")).json()
        assert plain["reference"] is None
        assert all("{" not in reply["text"] and "[" not in reply["text"] for reply in plain["replies"])
        assert (await client.get("/agent/api/entries/99999/quick-replies")).status == 404

    run_console(config, scenario)


def test_a_note_is_kept_with_the_entry_and_shown_to_another_agent(config, db_url):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue("klant-1", "socketio", "retour", {})
    path = f"/agent/api/entries/{entry.id}/notes"

    async def scenario(client):
        csrf = await logged_in(client, ANNA)
        assert (await client.post(path, json={"text": "zonder token"})).status == 403
        status, body = await post_json(client, path, csrf, {"text": "  "})
        assert status == 400 and "lege" in body["error"]
        status, body = await post_json(client, path, csrf, {"note": "geen tekst"})
        assert status == 400
        status, body = await post_json(client, "/agent/api/entries/99999/notes", csrf, {"text": "Hallo"})
        assert status == 404
        status, body = await post_json(client, path, csrf, {"text": f"Klant is boos {SCRIPT}"})
        assert status == 200 and body["note"]["author_name"] == "Anna de Vries"

        lead = second_browser(client)
        try:
            await logged_in(lead, TESS)
            shown = await (await lead.get(f"/agent/api/entries/{entry.id}")).json()
        finally:
            await lead.close()
        [note] = shown["notes"]
        assert (note["author"], note["author_name"], note["text"]) == (
            "anna",
            "Anna de Vries",
            f"Klant is boos {SCRIPT}",
        )
        assert note["time"]
        assert all(note["text"] not in line.get("text", "") for line in shown["transcript"] or [])
        assert shown["messages"] == []  # nothing was held for delivery to the customer

    run_console(config, scenario)
    assert [note.text for note in NoteStore(db_url).for_entry(entry.id)] == [f"Klant is boos {SCRIPT}"]


def test_the_queue_says_when_the_customer_last_wrote_to_their_agent(config, db_url):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue("klant-1", "socketio", "retour", {})
    queue.claim(entry.id, "anna")
    queue.customer_wrote(entry.id)

    async def scenario(client):
        await logged_in(client, ANNA)
        [shown] = (await (await client.get("/agent/api/queue")).json())["entries"]
        assert (
            shown["mine"] and shown["customer_wrote_at"] == queue.get(entry.id).customer_wrote_at.isoformat()
        )

    run_console(config, scenario)


def test_a_note_the_database_refuses_gets_a_dutch_503_and_is_stored_once_it_works_again(config, db_url):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue("klant-1", "socketio", "retour", {})
    path = f"/agent/api/entries/{entry.id}/notes"

    def refuse_notes(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ENTRY_NOTES"):
            raise sa.exc.OperationalError("INSERT", {}, RuntimeError("database gone"))

    async def scenario(client):
        csrf = await logged_in(client, ANNA)
        engine = (await client.app[CONSOLE_KEY].stores()).notes.engine
        sa.event.listen(engine, "before_cursor_execute", refuse_notes)
        try:
            status, body = await post_json(client, path, csrf, {"text": "Belt morgen terug"})
        finally:
            sa.event.remove(engine, "before_cursor_execute", refuse_notes)
        assert status == 503 and body["error"] == DATABASE_DOWN
        assert NoteStore(db_url).for_entry(entry.id) == []
        status, _ = await post_json(
            client, path, csrf, {"text": "Belt morgen terug"}
        )  # agent.js kept the text
        assert status == 200

    run_console(config, scenario)
    assert [note.text for note in NoteStore(db_url).for_entry(entry.id)] == ["Belt morgen terug"]
