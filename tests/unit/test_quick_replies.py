"""Quick replies (bot/quick_replies.py): the placeholder filled or left out cleanly, the checks on
what a team lead types, the store, and the defaults that migration 0006 adds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.cases import Case
from bot.quick_replies import (
    MAX_TITLE_LENGTH,
    QuickReplyError,
    QuickReplyStore,
    case_reference,
    checked,
    fill,
)

MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path) -> QuickReplyStore:
    return QuickReplyStore(f"sqlite:///{tmp_path / 'klantenservice.db'}")


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("Je zaaknummer is {referentie}.", "RET-7QX4KD", "Je zaaknummer is RET-7QX4KD."),
        (
            "Ik kijk je retour[ met zaaknummer {referentie}] na.",
            "RET-7QX4KD",
            "Ik kijk je retour met zaaknummer RET-7QX4KD na.",
        ),
        ("Ik kijk je retour[ met zaaknummer {referentie}] na.", None, "Ik kijk je retour na."),
        ("Dank je.[ Je zaak: {referentie}.] Fijne dag!", None, "Dank je. Fijne dag!"),
        ("Je zaaknummer is {referentie}.", None, "Je zaaknummer is."),
        ("Over {referentie} : ik kijk het na", None, "Over: ik kijk het na"),
        ("Prijs [excl. btw] blijft staan.", None, "Prijs [excl. btw] blijft staan."),
        ("Regel een\nRegel twee {referentie}", None, "Regel een\nRegel twee"),
    ],
)
def test_the_placeholder_is_filled_or_left_out_cleanly(text, reference, expected):
    assert fill(text, reference) == expected


def test_a_reply_without_the_placeholder_stays_as_it_is():
    assert fill("Ik kijk het even na.", "KL-7QX4KD") == "Ik kijk het even na."


def _case(reference: str, status: str, minutes: int) -> Case:
    created = MOMENT + timedelta(minutes=minutes)
    return Case(reference, "retour", "klant-1", {}, status, created, created if status == "closed" else None)


def test_the_reference_is_the_newest_open_case_else_the_newest_case():
    assert case_reference([]) is None
    older_open, newer_open = _case("RET-AAAAAA", "open", 1), _case("KL-BBBBBB", "open", 5)
    newest_closed = _case("RET-CCCCCC", "closed", 9)
    assert case_reference([older_open, newest_closed, newer_open]) == "KL-BBBBBB"
    assert case_reference([_case("RET-AAAAAA", "closed", 1), newest_closed]) == "RET-CCCCCC"


@pytest.mark.parametrize(
    ("title", "text", "message"),
    [
        ("", "tekst", "titel"),
        ("x" * (MAX_TITLE_LENGTH + 1), "tekst", "titel"),
        ("Titel", "   ", "zonder tekst"),
        ("Titel", "x" * 4001, "hoogstens 4000"),
        ("Titel", "Hoi {naam}, je zaak is {referentie}", "{naam}"),
    ],
)
def test_what_cannot_be_kept_gets_a_dutch_reason(title, text, message):
    with pytest.raises(QuickReplyError, match=message):
        checked(title, text)


def test_title_and_text_are_kept_trimmed():
    assert checked("  Groet ", " Hoi!\n") == ("Groet", "Hoi!")


def test_the_defaults_are_dutch_and_fill_cleanly_with_and_without_a_case(store):
    replies = store.all()
    assert [reply.title for reply in replies] == [
        "Begroeting",
        "Even nakijken",
        "Retourprocedure",
        "Afsluiting",
    ]
    for reply in replies:
        for reference in (None, "RET-7QX4KD"):
            filled = fill(reply.text, reference)
            assert "{" not in filled and "[" not in filled and "  " not in filled
            assert " u " not in f" {filled.lower()} "  # the customer is "je", never "u"
    procedure = fill(replies[2].text, "RET-7QX4KD")
    assert "pauzestand" in procedure and "trackingnummer" in procedure and "RET-7QX4KD" in procedure
    assert "RET-" not in fill(replies[2].text, None)


def test_the_store_adds_changes_orders_and_deletes(store):
    added = store.add("Wachttijd", "Het duurt nog even.", "tess", now=MOMENT)
    assert added.position == 5 and added.updated_by == "tess" and added.updated_at == MOMENT
    first = store.add("Eerst", "Bovenaan", "tess", position=0)
    assert store.all()[0] == first

    changed = store.update(added.id, "Wachttijd ", " Het duurt nog een paar minuten. ", "lotte")
    assert (changed.title, changed.text, changed.updated_by) == (
        "Wachttijd",
        "Het duurt nog een paar minuten.",
        "lotte",
    )
    assert changed.position == 5  # unchanged without a new one

    store.delete(added.id)
    assert added.id not in {reply.id for reply in store.all()}
    with pytest.raises(QuickReplyError, match="bestaat niet"):
        store.delete(added.id)
    with pytest.raises(QuickReplyError, match="bestaat niet"):
        store.update(added.id, "a", "b", "tess")


def test_a_refused_change_leaves_the_reply_as_it_was(store):
    reply = store.all()[0]
    with pytest.raises(QuickReplyError):
        store.update(reply.id, "", "leeg", "tess")
    assert store.all()[0] == reply
