"""The case store on SQLite: create, read back after a restart, unique references, retention."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from bot.cases import CaseStore


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cases.db'}"


def test_a_case_is_read_back_by_a_new_store(url):
    case = CaseStore(url).create("retour", "klant-1", {"webshop": "Zalando", "bestelnummer": "12345678",
                                                       "trackingnummer": "3SABCD1234567", "iban": "NL00BANK"})
    again = CaseStore(url).get(case.reference)
    assert again == case
    assert again.fields == {"webshop": "Zalando", "bestelnummer": "12345678", "trackingnummer": "3SABCD1234567"}
    assert case.reference.startswith("RET-")
    assert CaseStore(url).for_conversation("klant-1") == [case]


def test_unknown_type_is_refused(url):
    with pytest.raises(ValueError):
        CaseStore(url).create("bestelling", "klant-1", {})


def test_references_are_unique_under_concurrency(url):
    store = CaseStore(url)
    with ThreadPoolExecutor(max_workers=8) as pool:
        cases = list(pool.map(lambda i: store.create("klacht", f"klant-{i}", {"klacht_omschrijving": "x"}), range(80)))
    assert len({case.reference for case in cases}) == 80
    assert all(store.get(case.reference) for case in cases)


def test_retention_deletes_only_old_closed_cases(url):
    store = CaseStore(url)
    now = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    old_closed = store.create("retour", "a", {}, now - timedelta(days=200))
    store.close(old_closed.reference, now - timedelta(days=100))
    recent_closed = store.create("retour", "b", {}, now - timedelta(days=20))
    store.close(recent_closed.reference, now - timedelta(days=10))
    old_open = store.create("klacht", "c", {}, now - timedelta(days=300))
    assert store.purge_closed(90, now) == 1
    assert store.get(old_closed.reference) is None
    assert store.get(recent_closed.reference).status == "closed"
    assert store.get(old_open.reference).status == "open"
