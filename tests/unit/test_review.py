"""The review inbox (bot/review.py) and the review file (bot/nlu_examples.py), on a tracker store
filled by Rasa's own SQLTrackerStore with realistic conversations; once more on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.loading import load_data
from rasa.validator import Validator

from bot import nlu_examples
from bot.masking import IBAN, ORDER, PHONE
from bot.review import (
    NOISE,
    OUT_OF_SCOPE,
    THRESHOLD_VARIABLE,
    InboxMessage,
    Refused,
    ReviewDecision,
    ReviewInbox,
    ReviewSettings,
    fallback_threshold,
)
from tests.conftest import ROOT
from tests.unit.review_data import (
    BELLEN,
    FALLBACK_THRESHOLD,
    POEN,
    T0,
    Turn,
    answer,
    conversations,
    copy_training_data,
    fallback,
    fill,
    make_inbox,
    user,
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return copy_training_data(tmp_path / "data")


@pytest.fixture
def inbox(tmp_path: Path, data_dir: Path) -> Iterable[ReviewInbox]:
    inbox = make_inbox(tmp_path, data_dir, fill(tmp_path / "tracker.db", conversations()))
    yield inbox
    inbox.close()


def by_text(inbox: ReviewInbox, text: str) -> InboxMessage:
    return next(m for m in inbox.page(limit=100).messages if m.text == text)


def event_id(inbox: ReviewInbox, text: str) -> int:
    with inbox.tracker.connect() as connection:
        return connection.execute(
            sa.text("SELECT id FROM events WHERE type_name = 'user' AND data LIKE :t"),
            {"t": f'%"text": "{text}"%'},
        ).scalar_one()


# --- the inbox --------------------------------------------------------------------------------------


def test_the_inbox_lists_fallbacks_out_of_scope_and_low_confidence_newest_first(inbox):
    page = inbox.page()
    assert [(m.conversation_id, m.text, m.reason) for m in page.messages] == [
        ("eva", BELLEN, "fallback"),
        ("dirk", "kan ik de factuur in delen betalen", "low_confidence"),
        ("bram", "wie wint het wk voetbal", "out_of_scope"),
        ("anna", POEN, "fallback"),
    ]
    assert page.next_before is None
    eva, dirk, bram, anna = page.messages
    # Under a fallback the inbox shows the intent the classifier doubted, with its confidence.
    assert (anna.intent, anna.confidence) == ("terugbetaling", 0.41)
    assert (dirk.intent, dirk.confidence) == ("factuur_vraag", 0.62)  # understood, but doubtful
    assert (bram.intent, bram.confidence) == ("out_of_scope", 0.93)
    assert anna.answered_by == "action_niet_begrepen" and bram.answered_by == "utter_out_of_scope"
    assert anna.time.isoformat() == "2026-11-24T08:00:10+00:00"
    assert anna.masked_text == f"wnr krijg ik mn poen terug, rekening {IBAN}"
    assert eva.masked_text == f"bel me op {PHONE} over bestelling {ORDER}"


def test_the_threshold_decides_which_confident_intents_are_doubtful(tmp_path, data_dir):
    url = fill(tmp_path / "tracker.db", conversations())
    strict = make_inbox(tmp_path, data_dir, url, threshold=0.99)
    texts = [m.text for m in strict.page().messages]
    assert "hallo" in texts and "ik wil iets retourneren" in texts  # 0.98 and 0.96 < 0.99
    assert "/openingstijden" not in texts and "zalando" not in texts  # 1.0; a form's answer
    lenient = make_inbox(tmp_path, data_dir, url, threshold=0.6)
    assert "kan ik de factuur in delen betalen" not in [m.text for m in lenient.page().messages]  # 0.62


def test_the_default_threshold_lies_above_the_fallback_classifiers_and_can_be_set():
    assert fallback_threshold(ROOT / "config.yml") == FALLBACK_THRESHOLD
    assert ReviewSettings.from_env({}).threshold == 0.75
    assert ReviewSettings.from_env({THRESHOLD_VARIABLE: "0.7"}).threshold == 0.7
    for wrong in ("zeventig", "0", "1.5"):
        with pytest.raises(ValueError, match=THRESHOLD_VARIABLE):
            ReviewSettings.from_env({THRESHOLD_VARIABLE: wrong})
    for useless in ("0.5", "0.55"):  # Rasa answers nlu_fallback below 0.55: nothing would be doubted
        with pytest.raises(ValueError, match="not above the FallbackClassifier's threshold 0.55"):
            ReviewSettings.from_env({THRESHOLD_VARIABLE: useless})


def test_without_its_own_default_above_the_fallback_classifiers_the_threshold_lies_between(tmp_path):
    (tmp_path / "config.yml").write_text("pipeline:\n  - name: FallbackClassifier\n    threshold: 0.8\n")
    assert ReviewSettings.from_env({}, root=tmp_path).threshold == pytest.approx(0.9)
    defaults = ReviewSettings.from_env({})
    assert defaults.review_file == ROOT / "data" / "nlu_reviewed.yml"
    assert defaults.tracker_url == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    assert ReviewSettings.from_env({"KLANTENSERVICE_REVIEW_FILE": "/tmp/x.yml"}).review_file == Path(
        "/tmp/x.yml"
    )


def test_pages_do_not_overlap_and_skip_decided_messages(tmp_path, data_dir):
    turns: list[Turn] = []
    for n in range(30):
        at = T0 + 100 * n
        turns.append(
            (f"klant-{n % 7}", [user("dank je", "bedanken", 0.97, at)] + answer("utter_bedanken", at))
        )
        turns.append(
            (
                f"klant-{n % 7}",
                [fallback(f"vraag nummer {n} over iets vaags", at + 50, "klacht", 0.3)]
                + answer("action_niet_begrepen", at + 50),
            )
        )
    inbox = make_inbox(tmp_path, data_dir, fill(tmp_path / "tracker.db", turns))
    first = inbox.page(limit=10)
    assert [m.text for m in first.messages] == [
        f"vraag nummer {n} over iets vaags" for n in range(29, 19, -1)
    ]
    second = inbox.page(before=first.next_before, limit=10)
    third = inbox.page(before=second.next_before, limit=10)
    seen = [m.text for page in (first, second, third) for m in page.messages]
    assert len(seen) == len(set(seen)) == 30
    assert first.next_before is not None and second.next_before is not None
    assert third.next_before is None  # the 30th message was the last
    for message in first.messages[:4]:
        inbox.label(message, NOISE, "lea")
    again = inbox.page(limit=10)
    assert [m.text for m in again.messages] == [
        f"vraag nummer {n} over iets vaags" for n in range(25, 15, -1)
    ]


def test_an_empty_or_missing_tracker_store_gives_an_empty_inbox(tmp_path, data_dir):
    missing = make_inbox(tmp_path, data_dir, f"sqlite:///{tmp_path / 'nog-niet.db'}")
    assert missing.page().messages == [] and missing.message(1) is None
    assert not (tmp_path / "nog-niet.db").exists()  # the inbox does not create Rasa's database


# --- labelling ----------------------------------------------------------------------------------------


def test_a_label_writes_the_masked_text_in_rasa_format(inbox, data_dir):
    review_file = data_dir / "nlu_reviewed.yml"
    outcome = inbox.label(by_text(inbox, POEN), "terugbetaling", "lea")
    assert outcome.written and outcome.example == f"wnr krijg ik mn poen terug, rekening {IBAN}"
    assert "nlu_reviewed.yml" in outcome.note and "terugbetaling" in outcome.note
    inbox.label(by_text(inbox, BELLEN), "medewerker_spreken", "lea")
    text = review_file.read_text()
    assert "NL91ABNA0417164300" not in text and "06-12345678" not in text and "123456789" not in text
    assert text.startswith("# ") and 'version: "3.1"' in text
    assert yaml.safe_load(text)["nlu"] == [
        {"intent": "medewerker_spreken", "examples": f"- bel me op {PHONE} over bestelling {ORDER}\n"},
        {"intent": "terugbetaling", "examples": f"- wnr krijg ik mn poen terug, rekening {IBAN}\n"},
    ]
    examples = {(e.get("text"), e.get("intent")) for e in load_data(str(review_file)).intent_examples}
    assert examples == {
        (f"wnr krijg ik mn poen terug, rekening {IBAN}", "terugbetaling"),
        (f"bel me op {PHONE} over bestelling {ORDER}", "medewerker_spreken"),
    }
    assert [m.text for m in inbox.page().messages] == [
        "kan ik de factuur in delen betalen",
        "wie wint het wk voetbal",
    ]
    # The decision keeps the masked text only.
    with sa.orm.Session(inbox.engine) as session:
        stored = session.scalars(sa.select(ReviewDecision).order_by(ReviewDecision.id)).all()
    assert [(d.decision, d.written, d.reviewer, d.conversation_id) for d in stored] == [
        ("terugbetaling", True, "lea", "anna"),
        ("medewerker_spreken", True, "lea", "eva"),
    ]
    assert all("NL91" not in d.masked_text and "06-1234" not in d.masked_text for d in stored)
    assert stored[0].predicted_intent == "terugbetaling" and stored[0].confidence == 0.41


def test_out_of_scope_is_written_under_out_of_scope_and_noise_nowhere(inbox, data_dir):
    review_file = data_dir / "nlu_reviewed.yml"
    noise = inbox.label(by_text(inbox, "kan ik de factuur in delen betalen"), NOISE, "lea")
    assert not noise.written and noise.example is None and "ruis" in noise.note
    assert not review_file.exists()
    inbox.label(by_text(inbox, "wie wint het wk voetbal"), OUT_OF_SCOPE, "lea")
    assert nlu_examples.read_examples(review_file) == {"out_of_scope": ["wie wint het wk voetbal"]}
    assert [m.text for m in inbox.page().messages] == [BELLEN, POEN]


def test_the_review_file_passes_rasas_validation_with_the_rest_of_the_data(inbox, data_dir):
    inbox.label(by_text(inbox, POEN), "terugbetaling", "lea")
    inbox.label(by_text(inbox, "wie wint het wk voetbal"), OUT_OF_SCOPE, "lea")
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(data_dir)]
    )
    validator = Validator.from_importer(importer)
    assert validator.verify_nlu(ignore_warnings=False)
    assert validator.verify_domain_validity()
    examples = importer.get_nlu_data().intent_examples
    assert (f"wnr krijg ik mn poen terug, rekening {IBAN}", "terugbetaling") in {
        (e.get("text"), e.get("intent")) for e in examples
    }


def test_a_sentence_already_under_the_same_intent_is_a_duplicate(inbox, data_dir):
    hello = inbox.message(event_id(inbox, "hallo"))  # "hallo" is in data/nlu/smalltalk.yml under begroeten
    with pytest.raises(Refused) as refused:
        inbox.label(hello, "begroeten", "lea")
    assert refused.value.recorded and refused.value.status == 409
    assert "staat al bij ‘begroeten’ in" in refused.value.message and "smalltalk.yml" in refused.value.message
    assert not (data_dir / "nlu_reviewed.yml").exists()
    assert inbox.decision_for(hello).written is False
    # The same sentence from another customer, after it was labelled once.
    inbox.label(by_text(inbox, "wie wint het wk voetbal"), OUT_OF_SCOPE, "lea")
    twin = replace(
        by_text(inbox, POEN), text="Wie wint het WK-voetbal?", masked_text="Wie wint het WK-voetbal?"
    )
    with pytest.raises(Refused, match="nlu_reviewed.yml") as again:
        inbox.label(twin, OUT_OF_SCOPE, "lea")
    assert again.value.recorded
    assert nlu_examples.read_examples(data_dir / "nlu_reviewed.yml") == {
        "out_of_scope": ["wie wint het wk voetbal"]
    }


def test_a_sentence_under_another_intent_is_a_conflict_and_stays_in_the_inbox(inbox, data_dir):
    hello = inbox.message(event_id(inbox, "hallo"))
    with pytest.raises(Refused) as refused:
        inbox.label(hello, "afscheid", "lea")
    message = refused.value.message
    assert not refused.value.recorded and refused.value.status == 409
    assert (
        "andere intent, ‘begroeten’" in message
        and "smalltalk.yml" in message
        and message.startswith("Niet toegevoegd")
    )
    assert inbox.decision_for(hello) is None and not (data_dir / "nlu_reviewed.yml").exists()
    # A conflict with the review file itself.
    inbox.label(by_text(inbox, "wie wint het wk voetbal"), OUT_OF_SCOPE, "lea")
    twin = replace(
        by_text(inbox, POEN), text="wie wint het wk voetbal!!", masked_text="wie wint het wk voetbal!!"
    )
    with pytest.raises(Refused, match="‘out_of_scope’"):
        inbox.label(twin, "klacht", "lea")
    assert by_text(inbox, POEN)  # still there


def test_unknown_decisions_repeated_decisions_and_nothing_left_are_refused(inbox, data_dir):
    poen = by_text(inbox, POEN)
    for wrong in ("geld_terug", "nlu_fallback", "", "Terugbetaling"):
        with pytest.raises(Refused, match="geen intent") as refused:
            inbox.label(poen, wrong, "lea")
        assert refused.value.status == 400
    inbox.label(poen, "terugbetaling", "lea")
    with pytest.raises(Refused, match="al beoordeeld door lea") as twice:
        inbox.label(poen, "klacht", "bram")
    assert twice.value.recorded
    only_data = replace(
        by_text(inbox, BELLEN), text="06-12345678 NL91ABNA0417164300", masked_text=f"{PHONE} {IBAN}"
    )
    with pytest.raises(Refused, match="geen tekst over") as empty:
        inbox.label(only_data, "medewerker_spreken", "lea")
    assert empty.value.status == 422
    assert inbox.label(only_data, NOISE, "lea").written is False
    assert nlu_examples.read_examples(data_dir / "nlu_reviewed.yml") == {
        "terugbetaling": [f"wnr krijg ik mn poen terug, rekening {IBAN}"]
    }


# --- the review file ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'hij zei "betaal nu" # echt?',
        "- begint met een streepje: en een dubbele punt",
        '[link](http://voorbeeld.nl) en [x]{"entity": "y"} en [a][b]',
        "tab\tnieuwe\nregel \u2028 en \x07 belletje",
        "emoji 😀 en ‘quotes’ en é ü ß",
        "'enkel' | pijp > groter & en % procent @ at",
        "   spaties rondom   ",
        "yes: no",
        "!vraag? *ster* {accolade}",
    ],
)
def test_awkward_texts_are_written_so_that_rasa_reads_them_back(tmp_path, text):
    review_file = tmp_path / "nlu_reviewed.yml"
    line = nlu_examples.add_example(review_file, "klacht", text)
    assert "\n" not in line and line == line.strip()
    assert nlu_examples.read_examples(review_file) == {"klacht": [line]}
    examples = load_data(str(review_file)).intent_examples
    assert [(e.get("text"), e.get("intent"), e.get("entities")) for e in examples] == [(line, "klacht", None)]
    assert re.findall(r"\w+", line) == re.findall(r"\w+", text)  # only spacing and control characters go


def test_the_review_file_keeps_a_stable_order_and_hand_made_items(tmp_path):
    review_file = tmp_path / "nlu_reviewed.yml"
    review_file.write_text(
        'version: "3.1"\nnlu:\n- synonym: bol.com\n  examples: |\n    - bolletje\n'
        "- intent: retour\n  examples: |\n    - met de hand toegevoegd\n"
    )
    for intent, text in (
        ("terugbetaling", "waar blijft mn geld"),
        ("begroeten", "goeiesmorgens"),
        ("terugbetaling", "geld is nog niet terug"),
    ):
        nlu_examples.add_example(review_file, intent, text)
    written = yaml.safe_load(review_file.read_text())
    assert [item.get("intent") or item.get("synonym") for item in written["nlu"]] == [
        "begroeten",
        "retour",
        "terugbetaling",
        "bol.com",
    ]
    assert nlu_examples.read_examples(review_file)["terugbetaling"] == [
        "waar blijft mn geld",
        "geld is nog niet terug",
    ]
    data = load_data(str(review_file))
    assert data.entity_synonyms == {"bolletje": "bol.com"}
    assert len(data.intent_examples) == 4
    before = review_file.read_text()
    with pytest.raises(nlu_examples.NluFileError):
        nlu_examples.add_example(review_file, "klacht: x", "iets")
    assert review_file.read_text() == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_normalise_ignores_annotations_case_and_punctuation():
    assert (
        nlu_examples.normalise("Factuur van [Zalando](webshop) klopt niet!")
        == "factuur van zalando klopt niet"
    )
    assert nlu_examples.normalise("  HALLO ,, daar ") == nlu_examples.normalise("hallo daar")
    assert nlu_examples.normalise("[IBAN]") == "iban"


# --- PostgreSQL -------------------------------------------------------------------------------------
