"""History search and the cases list on PostgreSQL: the JSON columns read as text, the literal
wildcards, the day in Amsterdam time and the filters behave as on SQLite."""

from __future__ import annotations

from datetime import date

from bot.cases import CaseStore
from bot.history import History, day_bounds
from tests.unit.test_history import OTHER, RETURNING, TZ, file_conversations, refs


def test_the_search_and_the_cases_list_work_on_postgresql(postgres_url):
    from scripts.db_servers import fresh_database

    url = fresh_database(postgres_url, "history_test")
    first, case, second, other, complaint = file_conversations(url)
    history = History(url)
    try:
        code = case.reference.split("-")[1].lower()
        assert refs(history.search(f"ret {code}", None, TZ)) == (
            [second.reference, first.reference],
            [case.reference],
        )
        assert refs(history.search("55667788", None, TZ)) == (
            [second.reference, first.reference],
            [case.reference],
        )
        assert refs(history.search("za-99123", None, TZ)) == ([second.reference], [])
        assert refs(history.search("mw " + first.reference[3:].lower(), None, TZ)) == (
            [first.reference],
            [case.reference],
        )
        assert refs(history.search(OTHER, None, TZ)) == ([other.reference], [complaint.reference])
        for literal in ("%%%", "___", '", "'):
            assert refs(history.search(literal, None, TZ)) == ([], []), literal
        assert refs(history.search("", date(2026, 12, 3), TZ)) == ([second.reference], [])
        assert [e.reference for e in history.earlier(RETURNING, second.id)] == [first.reference]
        cases = CaseStore(url)
        assert [c.reference for c in cases.listing(case_type="klacht", status="open")] == [
            complaint.reference
        ]
        start, end = day_bounds(date(2026, 12, 2), TZ)
        assert len(cases.listing(created_from=start, created_before=end)) == 2
        cases.engine.dispose()
    finally:
        history.engine.dispose()
