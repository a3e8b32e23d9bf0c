"""History and search (bot/history.py, webapp/history.py) and the cases list (webapp/cases.py) on a
temporary database: references in any spelling, order numbers in case fields and queue details, a
day in the service's time zone, a returning customer's earlier conversations, the filters, the login
and everything shown escaped."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cases import CaseStore, parse_reference
from bot.handoff import OFFLINE, HandoffQueue
from bot.history import History, SearchError, day_bounds, parse_queue_reference
from bot.notes import NoteStore
from tests.console_client import ANNA, add_agents, cheap_bcrypt, logged_in, widget_bundle
from tests.unit.test_agent_console import BRAM, World, run

TZ = ZoneInfo("Europe/Amsterdam")
DEC_2 = datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)
LATE_DEC_2_UTC = datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc)  # 3 December in Amsterdam
RETURNING = "c0ffee0000aa"
OTHER = "beef00000bb"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    cheap_bcrypt(monkeypatch)
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    agents = add_agents(db_url, (ANNA, {"display_name": "Anna de Vries"}), (BRAM, {"display_name": "Bram"}))
    return World(db_url, HandoffQueue(db_url), agents, widget_bundle(tmp_path))


def file_conversations(db_url: str) -> tuple:
    """A returning customer: a closed live chat on 2 December with a return case, and a question
    queued late that evening (3 December in Amsterdam); another customer's complaint."""
    queue, cases = HandoffQueue(db_url), CaseStore(db_url)
    first = queue.enqueue(RETURNING, "socketio", "retour", {"webshop": "Zalando"}, now=DEC_2)
    queue.claim(first.id, "anna", now=DEC_2)
    queue.close(first.id, "anna", now=DEC_2)
    case = cases.create(
        "retour",
        RETURNING,
        {"webshop": "Zalando", "bestelnummer": "55667788", "trackingnummer": "3SXYZ"},
        now=DEC_2,
    )
    second = queue.enqueue(
        RETURNING,
        "socketio",
        "factuur_vraag",
        {"vraag": f"Bestelling ZA-99123 {SCRIPT}"},
        OFFLINE,
        LATE_DEC_2_UTC,
    )
    other = queue.enqueue(OTHER, "rest", "klacht", {"vraag": "Te laat"}, OFFLINE, DEC_2)
    complaint = cases.create(
        "klacht", OTHER, {"klacht_betreft": "bezorging", "klacht_omschrijving": "x"}, now=DEC_2
    )
    return first, case, second, other, complaint


@pytest.fixture
def filed(world):
    return file_conversations(world.db_url)


def refs(found):
    return [entry.reference for entry in found.entries], [case.reference for case in found.cases]


@pytest.mark.parametrize(
    "spelling", ["{ref}", "{lower}", "{lower_space}", "  {upper_space} ", "{nodash}", "{dot}"]
)
def test_a_case_reference_in_any_spelling_finds_the_case_and_its_conversations(world, filed, spelling):
    first, case, second, other, complaint = filed
    code = case.reference.split("-")[1]
    typed = spelling.format(
        ref=case.reference,
        lower=case.reference.lower(),
        lower_space=f"ret {code.lower()}",
        upper_space=f"RET {code}",
        nodash=f"ret{code}",
        dot=f"RET.{code.lower()}",
    )
    assert parse_reference(typed) == case.reference
    found = History(world.db_url).search(typed, None, TZ)
    assert refs(found) == ([second.reference, first.reference], [case.reference])


def test_a_queue_reference_in_any_spelling_finds_the_entry_and_its_cases(world, filed):
    first, case, second, other, complaint = filed
    typed = "mw " + first.reference[3:].lower()
    assert parse_queue_reference(typed) == first.reference
    assert refs(History(world.db_url).search(typed, None, TZ)) == ([first.reference], [case.reference])
    assert parse_queue_reference("MW-12") is None and parse_queue_reference("RET-ABCDEF") is None


def test_an_order_number_is_found_in_case_fields_and_in_queue_details(world, filed):
    first, case, second, other, complaint = filed
    history = History(world.db_url)
    assert refs(history.search("55667788", None, TZ)) == (
        [second.reference, first.reference],
        [case.reference],
    )
    assert refs(history.search("za-99123", None, TZ)) == ([second.reference], [])
    assert refs(history.search("  3sxyz ", None, TZ)) == (
        [second.reference, first.reference],
        [case.reference],
    )
    assert refs(history.search(OTHER, None, TZ)) == ([other.reference], [complaint.reference])
    assert refs(history.search("99999999", None, TZ)) == ([], [])


def test_wildcards_and_quotes_are_taken_literally(world, filed):
    history = History(world.db_url)
    assert refs(history.search("%%%", None, TZ)) == ([], [])
    assert refs(history.search("___", None, TZ)) == ([], [])
    assert refs(history.search('", "', None, TZ)) == ([], [])  # not the JSON's own quotes
    with pytest.raises(SearchError, match="minstens 3 tekens"):
        history.search("ab", None, TZ)


def test_a_day_is_a_day_in_amsterdam_and_narrows_a_search(world, filed):
    first, case, second, other, complaint = filed
    history = History(world.db_url)
    assert refs(history.search("", date(2026, 12, 2), TZ)) == (
        [other.reference, first.reference],
        [complaint.reference, case.reference],
    )
    assert refs(history.search("", date(2026, 12, 3), TZ)) == ([second.reference], [])
    assert refs(history.search("55667788", date(2026, 12, 3), TZ)) == ([second.reference], [])
    start, end = day_bounds(date(2026, 3, 29), TZ)  # summer time starts: a 23-hour day
    assert (end - start).total_seconds() == 23 * 3600


def test_without_text_or_day_the_latest_conversations_come_first(world, filed):
    first, case, second, other, complaint = filed
    assert refs(History(world.db_url).search("", None, TZ)) == (
        [second.reference, other.reference, first.reference],
        [],
    )


def test_earlier_conversations_are_the_same_customers_before_this_one(world, filed):
    first, case, second, other, complaint = filed
    history = History(world.db_url)
    assert [e.reference for e in history.earlier(RETURNING, second.id)] == [first.reference]
    assert history.earlier(RETURNING, first.id) == []
    assert history.earlier(OTHER, other.id) == []


def test_the_cases_listing_filters_by_type_status_and_period(world, filed):
    first, case, second, other, complaint = filed
    store = CaseStore(world.db_url)
    store.close(complaint.reference, now=DEC_2)
    assert [c.reference for c in store.listing()] == [complaint.reference, case.reference]
    assert [c.reference for c in store.listing(case_type="retour")] == [case.reference]
    assert [c.reference for c in store.listing(status="closed")] == [complaint.reference]
    start, end = day_bounds(date(2026, 12, 3), TZ)
    assert store.listing(created_from=start) == [] and len(store.listing(created_before=end)) == 2


# --- the console's pages ----------------------------------------------------------------------------


def test_the_history_page_finds_a_closed_conversation_and_escapes_what_customers_typed(world, filed):
    first, case, second, other, complaint = filed

    async def scenario(client, fake):
        await logged_in(client, ANNA)
        assert 'href="/agent/geschiedenis"' in await (await client.get("/agent")).text()
        code = case.reference.split("-")[1].lower()
        page = await client.get("/agent/geschiedenis", params={"q": f"ret {code}"})
        html = await page.text()
        assert page.status == 200
        assert f'href="/agent/geschiedenis/{first.id}">{first.reference}</a>' in html
        assert "afgesloten" in html and "55667788" in html
        by_day = await (
            await client.get("/agent/geschiedenis", params={"q": "za-99123", "datum": "03-12-2026"})
        ).text()
        assert second.reference in by_day and first.reference not in by_day
        wrong = await client.get("/agent/geschiedenis", params={"datum": "morgen"})
        assert wrong.status == 400 and "Dat is geen datum" in await wrong.text()
        short = await client.get("/agent/geschiedenis", params={"q": "<b"})
        assert short.status == 400 and "minstens 3 tekens" in await short.text()

        detail = await client.get(f"/agent/geschiedenis/{second.id}")
        html = await detail.text()
        assert detail.status == 200 and SCRIPT not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert f'href="/agent/geschiedenis/{first.id}">{first.reference}</a>' in html  # the earlier one
        assert case.reference in html and "Het gesprek kan nu niet worden geladen" not in html
        assert (await client.get("/agent/geschiedenis/99999")).status == 404

    run(world, scenario)


def test_the_console_shows_a_returning_customers_earlier_conversations(world, filed):
    first, case, second, other, complaint = filed
    NoteStore(world.db_url).add(first.id, "anna", "Anna de Vries", "Klant belde ook al")

    async def scenario(client, fake):
        await logged_in(client, ANNA)
        data = await (await client.get(f"/agent/api/entries/{second.id}")).json()
        assert [(e["reference"], e["link"], e["status"]) for e in data["earlier"]] == [
            (first.reference, f"/agent/geschiedenis/{first.id}", "closed")
        ]
        assert [c["reference"] for c in data["cases"]] == [case.reference]
        detail = await (await client.get(f"/agent/geschiedenis/{first.id}")).text()
        assert "Klant belde ook al" in detail

    run(world, scenario)


def test_the_cases_page_lists_and_filters_for_agents_and_team_leads(world, filed):
    first, case, second, other, complaint = filed
    CaseStore(world.db_url).close(complaint.reference, now=DEC_2)

    async def scenario(client, fake):
        await logged_in(client, BRAM)
        html = await (await client.get("/agent/zaken")).text()
        assert 'id="case-list"' in html and case.reference in html and complaint.reference in html
        assert 'id="case"' not in html
        html = await (await client.get("/agent/zaken", params={"soort": "klacht", "status": "closed"})).text()
        assert complaint.reference in html and case.reference not in html
        html = await (await client.get("/agent/zaken", params={"van": "2026-12-03"})).text()
        assert "Geen zaken met deze filters." in html
        html = await (
            await client.get("/agent/zaken", params={"soort": "<script>", "van": "2026-12-02"})
        ).text()
        assert case.reference in html and "<script>" not in html  # an unknown type is no filter
        bad = await client.get("/agent/zaken", params={"tot": "gisteren"})
        assert bad.status == 400 and "Dat is geen datum" in await bad.text()
        code = case.reference.split("-")[1].lower()
        found = await client.get("/agent/zaken", params={"referentie": f"ret {code}"})
        assert found.status == 200 and 'id="case"' in await found.text()

    run(world, scenario)


def test_history_and_cases_need_a_login(world, filed):
    first, case, second, other, complaint = filed

    async def scenario(client, fake):
        for path in ("/agent/geschiedenis?q=55667788", f"/agent/geschiedenis/{first.id}", "/agent/zaken"):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 303 and response.headers["Location"] == "/agent/login", path
            assert "55667788" not in await response.text()

    run(world, scenario)
