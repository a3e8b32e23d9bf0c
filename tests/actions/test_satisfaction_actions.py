"""The satisfaction actions (actions/satisfaction.py) on a real SQLite database."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import satisfaction as actions
from actions.satisfaction import (
    NO_COMMENT,
    ActionCsatBeoordelen,
    ActionCsatOpmerking,
    ActionCsatOverslaan,
    ActionCsatVragen,
    ValidateCsatForm,
)
from bot.satisfaction import SatisfactionStore

SESSION = {"event": "session_started", "timestamp": 1_790_000_000.0}


def user(intent: str, text: str = "...") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def tracker(
    events: list, slots: dict | None = None, entities: list | None = None, sender: str = "klant-1"
) -> Tracker:
    latest = next((e for e in reversed(events) if e["event"] == "user"), {"text": "", "parse_data": {}})
    message = {
        "text": latest["text"],
        "intent": latest["parse_data"].get("intent", {}),
        "entities": entities or [],
    }
    return Tracker(sender, slots or {}, message, events, False, None, {}, "action_listen")


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch) -> SatisfactionStore:
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", f"sqlite:///{tmp_path / 'csat.db'}")
    actions.store.cache_clear()
    yield actions.store()
    actions.store.cache_clear()


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [message["response"] for message in dispatcher.messages]


def run(action, events: list, **kwargs) -> tuple[list[str], list]:
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker(events, **kwargs), {})
    return responses(dispatcher), result


def test_a_goodbye_after_an_answer_asks_once_per_session(store):
    talk = [SESSION, user("begroeten"), user("telefoonnummer"), user("afscheid")]
    assert run(ActionCsatVragen(), talk)[0] == ["utter_csat_vraag"]
    assert run(ActionCsatVragen(), [*talk, user("afscheid")])[0] == []
    [asked] = store.for_conversation("klant-1")
    assert (asked.topic, asked.entry_id) == ("telefoonnummer", None)


@pytest.mark.parametrize(
    "events",
    [
        [SESSION, user("begroeten"), user("afscheid")],  # nothing was asked, nothing answered
        [SESSION, user("factuur_vraag"), {"event": "action", "name": "action_medewerker"}, user("afscheid")],
    ],
)
def test_no_question_without_a_topic_or_after_asking_for_a_person(store, events):
    assert run(ActionCsatVragen(), events)[0] == []
    assert store.for_conversation("klant-1") == []


def test_a_rating_opens_the_comment_and_the_comment_is_kept(store):
    run(ActionCsatVragen(), [SESSION, user("retour"), user("afscheid")])
    said, events = run(ActionCsatBeoordelen(), [user("csat_beoordelen")], slots={"csat_score": "4"})
    assert said == []  # csat_form asks for the comment
    assert {"event": "slot", "name": "csat_opmerking_open", "value": True, "timestamp": None} in events
    said, _ = run(
        ActionCsatOpmerking(),
        [user("out_of_scope", "Fijn!")],
        slots={"csat_opmerking_open": True, "csat_opmerking": "Fijn!"},
    )
    assert said == ["utter_csat_bedankt"]
    [rating] = store.for_conversation("klant-1")
    assert (rating.score, rating.comment) == (4, "Fijn!")


def test_a_second_rating_or_a_skip_after_it_changes_nothing(store):
    run(ActionCsatVragen(), [SESSION, user("retour"), user("afscheid")])
    run(ActionCsatBeoordelen(), [user("csat_beoordelen")], entities=[{"entity": "csat_score", "value": "2"}])
    said, events = run(ActionCsatBeoordelen(), [user("csat_beoordelen")], slots={"csat_score": "5"})
    assert said == ["utter_csat_al_gegeven"]
    assert {"event": "slot", "name": "csat_opmerking", "value": NO_COMMENT, "timestamp": None} in events
    assert (
        run(ActionCsatOpmerking(), [user("csat_beoordelen")], slots={"csat_opmerking_open": False})[0] == []
    )
    assert run(ActionCsatOverslaan(), [user("overslaan")])[0] == ["utter_iets_anders"]
    assert [r.score for r in store.for_conversation("klant-1")] == [2]


def test_a_skipped_question_is_not_asked_again_in_the_session(store):
    talk = [SESSION, user("openingstijden"), user("afscheid")]
    run(ActionCsatVragen(), talk)
    assert run(ActionCsatOverslaan(), [*talk, user("overslaan")])[0] == ["utter_csat_klaar"]
    assert run(ActionCsatVragen(), [*talk, user("overslaan"), user("retour"), user("afscheid")])[0] == []
    [skipped] = store.for_conversation("klant-1")
    assert skipped.skipped


def test_a_clicked_button_is_no_comment():
    validate = ValidateCsatForm()
    dispatcher = CollectingDispatcher()
    assert validate.validate_csat_opmerking("/bevestigen", dispatcher, tracker([]), {}) == {
        "csat_opmerking": NO_COMMENT
    }
    assert validate.validate_csat_opmerking(" Top ", dispatcher, tracker([]), {}) == {
        "csat_opmerking": " Top "
    }


def test_a_database_that_is_down_costs_the_question_not_the_conversation(monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", "postgresql://nobody@127.0.0.1:1/none")
    actions.store.cache_clear()
    assert run(ActionCsatVragen(), [SESSION, user("retour"), user("afscheid")])[0] == []
    said, _ = run(ActionCsatBeoordelen(), [user("csat_beoordelen")], slots={"csat_score": "4"})
    assert said == ["utter_csat_klaar"]
    assert run(ActionCsatOverslaan(), [user("overslaan")])[0] == ["utter_iets_anders"]
