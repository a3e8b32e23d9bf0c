"""The case store on SQLite: create, read back after a restart, unique references, retention."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from bot import cases
from bot.cases import CaseStore


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cases.db'}"


def test_a_case_is_read_back_by_a_new_store(url):
    case = CaseStore(url).create(
        "retour",
        "klant-1",
        {
            "webshop": "Zalando",
            "bestelnummer": "12345678",
            "trackingnummer": "3SABCD1234567",
            "iban": "NL00BANK",
        },
    )
    again = CaseStore(url).get(case.reference)
    assert again == case
    assert again.fields == {
        "webshop": "Zalando",
        "bestelnummer": "12345678",
        "trackingnummer": "3SABCD1234567",
    }
    assert case.reference.startswith("RET-")
    assert CaseStore(url).for_conversation("klant-1") == [case]


def test_unknown_type_is_refused(url):
    with pytest.raises(ValueError):
        CaseStore(url).create("bestelling", "klant-1", {})


class RepeatingReferences:
    """A reference generator that hands out every reference twice, so that creators collide."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0

    def __call__(self, case_type: str) -> str:
        with self.lock:
            self.calls += 1
            return f"KL-{self.calls // 2:06d}"


def test_references_are_unique_under_concurrency(url, monkeypatch):
    generator = RepeatingReferences()
    monkeypatch.setattr(cases, "new_reference", generator)
    store = CaseStore(url)
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(
            pool.map(lambda i: store.create("klacht", f"klant-{i}", {"klacht_omschrijving": "x"}), range(40))
        )
    assert len({case.reference for case in created}) == 40
    assert generator.calls > 40  # references were handed out twice: creators had to retry
    assert [store.get(case.reference).conversation_id for case in created] == [
        f"klant-{i}" for i in range(40)
    ]


def test_no_free_reference_after_the_maximum_tries(url, monkeypatch):
    tries = []
    monkeypatch.setattr(cases, "new_reference", lambda case_type: tries.append(case_type) or "RET-SAME22")
    store = CaseStore(url)
    store.create("retour", "klant-1", {})
    tries.clear()
    with pytest.raises(RuntimeError, match="no free case reference"):
        store.create("retour", "klant-2", {})
    assert len(tries) == cases.MAX_REFERENCE_TRIES
    assert store.for_conversation("klant-2") == []


def test_personal_data_in_a_complaint_is_masked(url):
    description = (
        "ik heb twee keer betaald van NL91ABNA0417164300, bel me op 06-12345678 "
        "of mail naar jan@voorbeeld.nl, het pakket kwam kapot aan"
    )
    case = CaseStore(url).create(
        "klacht", "klant-1", {"klacht_omschrijving": description, "klacht_betreft": "12345678"}
    )
    stored = CaseStore(url).get(case.reference).fields
    assert stored["klacht_omschrijving"] == (
        "ik heb twee keer betaald van [IBAN], bel me op [TELEFOON] "
        "of mail naar [EMAIL], het pakket kwam kapot aan"
    )
    assert stored["klacht_betreft"] == "12345678"


def test_retention_deletes_cases_open_or_closed_without_activity_in_the_period(url):
    store = CaseStore(url)
    now = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    old_closed = store.create("retour", "a", {}, now - timedelta(days=200))
    store.close(old_closed.reference, now - timedelta(days=91))
    closed_lately = store.create("retour", "b", {}, now - timedelta(days=200))
    store.close(closed_lately.reference, now - timedelta(days=89))
    old_open = store.create("klacht", "c", {}, now - timedelta(days=90, seconds=1))
    recent_open = store.create("klacht", "d", {}, now - timedelta(days=89, hours=23))
    assert store.purge(90, now) == 2
    assert store.get(old_closed.reference) is None and store.get(old_open.reference) is None
    assert store.get(closed_lately.reference).status == "closed"
    assert store.get(recent_open.reference).status == "open"


def test_retention_below_one_day_is_refused(url):
    with pytest.raises(ValueError):
        CaseStore(url).purge(0)


def test_the_purge_command_deletes_only_cases_without_recent_activity(url, monkeypatch, capsys):
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", url)
    store = CaseStore(url)
    now = datetime.now(timezone.utc)
    old = store.create("retour", "a", {}, now - timedelta(days=60))
    store.close(old.reference, now - timedelta(days=31))
    recent = store.create("retour", "b", {}, now - timedelta(days=60))
    store.close(recent.reference, now - timedelta(days=29))
    old_open = store.create("klacht", "c", {}, now - timedelta(days=31))
    new_open = store.create("klacht", "e", {}, now - timedelta(days=29))
    cases.main(["purge", "--days", "30"])
    assert "Deleted 2 cases without activity in the last 30 days" in capsys.readouterr().out
    assert store.get(old.reference) is None and store.get(old_open.reference) is None
    assert store.get(recent.reference) is not None and store.get(new_open.reference) is not None


def test_closing_a_chat_closes_only_the_cases_marked_as_handled(url):
    store = CaseStore(url)
    retour = store.create("retour", "klant-1", {"webshop": "Zalando"})
    klacht = store.create("klacht", "klant-1", {"klacht_omschrijving": "te laat"})
    other = store.create("retour", "klant-2", {"webshop": "Bol"})
    assert store.close_handled("klant-1", []) == []
    assert {c.status for c in store.for_conversation("klant-1")} == {"open"}
    assert store.close_handled("klant-1", [klacht.reference.lower()]) == [klacht.reference]
    assert (store.get(retour.reference).status, store.get(klacht.reference).status) == ("open", "closed")
    for wrong in ([other.reference], [klacht.reference], [retour.reference, "RET-ZZZZZZ"]):
        with pytest.raises(cases.CaseError, match="Geen open zaak van dit gesprek"):
            store.close_handled("klant-1", wrong)
    assert store.get(retour.reference).status == "open"  # nothing closed by a refused list
    assert store.get(other.reference).status == "open"


def test_a_repeated_request_gets_the_case_it_filed(url):
    store = CaseStore(url)
    first = store.create("retour", "klant-1", {"webshop": "Zalando"}, request_key="klant-1|retour_form|1.5")
    again = store.create("retour", "klant-1", {"webshop": "Zalando"}, request_key="klant-1|retour_form|1.5")
    other = store.create("retour", "klant-1", {"webshop": "Zalando"}, request_key="klant-1|retour_form|9.0")
    assert again == first and other.reference != first.reference
    assert len(store.for_conversation("klant-1")) == 2


def test_the_same_request_at_the_same_moment_files_one_case(url):
    CaseStore(url).create("klacht", "warm-up", {})  # the schema exists before the race
    stores = [CaseStore(url) for _ in range(8)]
    barrier = threading.Barrier(len(stores))

    def file(store: CaseStore) -> str:
        barrier.wait(timeout=30)
        return store.create("klacht", "klant-2", {}, request_key="klant-2|klacht_form|3.0").reference

    with ThreadPoolExecutor(len(stores)) as pool:
        references = set(pool.map(file, stores))
    assert len(references) == 1
    assert len(CaseStore(url).for_conversation("klant-2")) == 1
