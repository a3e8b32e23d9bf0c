"""Internal notes on a queue entry (bot/notes.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.handoff import HandoffQueue
from bot.notes import MAX_NOTE_LENGTH, NoteError, NoteStore, UnknownEntry

MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def queue(tmp_path) -> HandoffQueue:
    return HandoffQueue(f"sqlite:///{tmp_path / 'klantenservice.db'}")


def test_notes_are_kept_per_entry_oldest_first_with_author_and_time(queue):
    notes = NoteStore(engine=queue.engine)
    first = queue.enqueue("klant-1", "socketio", "retour", {})
    other = queue.enqueue("klant-2", "rest", "klacht", {})
    later = notes.add(
        first.id, "anna", "Anna de Vries", "Klant belt morgen terug.", now=MOMENT + timedelta(minutes=5)
    )
    earlier = notes.add(first.id, "bram", "Bram", "  Let op: tweede retour.  ", now=MOMENT)
    notes.add(other.id, "anna", "Anna de Vries", "Iets anders", now=MOMENT)

    assert notes.for_entry(first.id) == [earlier, later]
    assert (earlier.author, earlier.author_name, earlier.text, earlier.created_at) == (
        "bram",
        "Bram",
        "Let op: tweede retour.",
        MOMENT,
    )
    assert [note.text for note in notes.for_entry(other.id)] == ["Iets anders"]


def test_an_empty_or_too_long_note_or_one_on_no_entry_is_refused(queue):
    notes = NoteStore(engine=queue.engine)
    entry = queue.enqueue("klant-1", "socketio", "retour", {})
    with pytest.raises(NoteError, match="lege"):
        notes.add(entry.id, "anna", "Anna", " \n ")
    with pytest.raises(NoteError, match=f"hoogstens {MAX_NOTE_LENGTH}"):
        notes.add(entry.id, "anna", "Anna", "x" * (MAX_NOTE_LENGTH + 1))
    with pytest.raises(UnknownEntry):
        notes.add(entry.id + 100, "anna", "Anna", "Hallo")
    assert notes.for_entry(entry.id) == []


def test_a_customer_writing_to_their_agent_is_stamped_on_the_entry(queue):
    entry = queue.enqueue("klant-1", "socketio", "retour", {}, now=MOMENT)
    assert entry.customer_wrote_at is None
    queue.customer_wrote(entry.id, now=MOMENT + timedelta(minutes=2))
    assert queue.get(entry.id).customer_wrote_at == MOMENT + timedelta(minutes=2)


def test_the_retention_purge_deletes_the_notes_with_their_entry(queue):
    from bot.retention import purge_queue

    notes = NoteStore(engine=queue.engine)
    old = queue.enqueue("klant-oud", "rest", "retour", {}, now=MOMENT - timedelta(days=100))
    recent = queue.enqueue("klant-nieuw", "rest", "retour", {}, now=MOMENT)
    notes.add(old.id, "anna", "Anna", "Oud", now=MOMENT - timedelta(days=100))
    notes.add(recent.id, "anna", "Anna", "Nieuw", now=MOMENT)

    assert purge_queue(queue.engine, MOMENT - timedelta(days=30)) == (1, 0, 1)
    assert notes.for_entry(old.id) == [] and queue.get(old.id) is None
    assert [note.text for note in notes.for_entry(recent.id)] == ["Nieuw"]
