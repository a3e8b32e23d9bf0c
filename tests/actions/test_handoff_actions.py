"""The handoff actions on trackers as Rasa sends them, with a real queue in a temporary database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff as handoff_actions
from actions.fallback import ActionNietBegrepen
from actions.handoff import (
    LEFT_AT_CLOSING,
    ActionAskHandoffBericht,
    ActionHandoffBeeindigen,
    ActionHandoffOvergenomen,
    ActionHandoffVastleggen,
    ActionHandoffVervolg,
    ActionMedewerker,
    ValidateHandoffForm,
)
from actions.session import ActionSessionStart
from bot.delivery import DeliveryStore
from bot.handoff import CLOSED, LIVE, OFFLINE, WAITING, WITH_AGENT
from bot.satisfaction import SatisfactionStore

STAFFED = "2026-11-24T10:00:00"  # Tuesday
SATURDAY_AFTERNOON = "2026-11-28T15:00:00"
SATURDAY_BEFORE_CLOSING = "2026-11-28T12:50:00"  # Saturdays close at 13:00
SATURDAY_AFTER_CLOSING = "2026-11-28T13:30:00"


def user(intent: str, text: str = "...") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def tracker(
    sender: str = "klant-1",
    slots: dict | None = None,
    events: list | None = None,
    intent: str = "medewerker_spreken",
    text: str = "ik wil een mens",
    loop: str | None = None,
    channel: str = "socketio",
) -> Tracker:
    events = events if events is not None else [user(intent, text)]
    events = [{**event, "input_channel": channel} if event["event"] == "user" else event for event in events]
    return Tracker(
        sender,
        slots or {},
        {"text": text, "intent": {"name": intent}, "entities": []},
        events,
        False,
        None,
        {"name": loop} if loop else {},
        "action_listen",
    )


def names(events: list) -> list:
    return [(event["event"], event.get("name")) for event in events]


@pytest.fixture(autouse=True)
def queue(tmp_path, monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setenv("KLANTENSERVICE_NOW", STAFFED)
    handoff_actions.queue.cache_clear()
    handoff_actions.agent_store.cache_clear()
    handoff_actions.satisfaction_store.cache_clear()
    yield handoff_actions.queue()
    handoff_actions.queue.cache_clear()
    handoff_actions.agent_store.cache_clear()
    handoff_actions.satisfaction_store.cache_clear()


def test_while_staffed_the_customer_joins_the_live_queue_with_place_and_wait(queue):
    queue.enqueue("iemand-anders", "rest", "klacht", {}, LIVE)
    dispatcher = CollectingDispatcher()
    events = ActionMedewerker().run(
        dispatcher, tracker(events=[user("factuur_vraag"), user("bevestigen")]), {}
    )
    [message] = dispatcher.messages
    assert message["response"] == "utter_medewerker_wachtrij"
    assert message["positie"] == 2
    # two customers, nobody online (counts as one agent), no history: 2 x the default 6 minutes
    assert message["wachttijd"] == "ongeveer 12 minuten"
    entry = queue.live_entry("klant-1")
    assert (entry.status, entry.channel, entry.reason) == (WAITING, "socketio", "factuur_vraag")
    assert {"event": "slot", "name": "handoff_modus", "value": LIVE} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    assert ("followup", "handoff_form") in names(events)


def test_asking_twice_keeps_the_place(queue):
    ActionMedewerker().run(CollectingDispatcher(), tracker(), {})
    ActionMedewerker().run(CollectingDispatcher(), tracker(), {})
    assert len(queue.open_entries()) == 1


def test_outside_hours_the_bot_says_when_people_are_back_and_asks_nothing_yet(queue, monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_AFTERNOON)
    dispatcher = CollectingDispatcher()
    events = ActionMedewerker().run(dispatcher, tracker(), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_medewerker_gesloten"
    assert message["terug"] == "maandag 30 november om 09:00"
    assert queue.open_entries() == []
    assert ("followup", "handoff_form") in names(events)


def test_live_messages_are_for_the_agent_while_the_entry_is_open(queue):
    queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    live = tracker(slots={"handoff_modus": LIVE}, intent="factuur_vraag", text="waar blijft mijn factuur")
    dispatcher = CollectingDispatcher()
    assert ValidateHandoffForm().validate_handoff_bericht(
        "waar blijft mijn factuur", dispatcher, live, {}
    ) == {"handoff_bericht": None}
    ActionAskHandoffBericht().run(dispatcher, live, {})
    assert dispatcher.messages == []  # the bot stays silent


def test_live_form_completes_once_the_agent_has_closed_the_entry(queue):
    entry = queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    queue.claim(entry.id, "anna")
    queue.close(entry.id, "anna")
    live = tracker(slots={"handoff_modus": LIVE}, intent="begroeten", text="hallo?")
    result = ValidateHandoffForm().validate_handoff_bericht("hallo?", CollectingDispatcher(), live, {})
    assert result == {"handoff_bericht": "hallo?"}
    dispatcher = CollectingDispatcher()
    ActionHandoffVastleggen().run(dispatcher, live, {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_voorbij"


def test_offline_the_question_is_queued_with_a_reference_and_the_return_moment(queue, monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_AFTERNOON)
    offline = {"handoff_modus": OFFLINE, "webshop": "Zalando"}
    dispatcher = CollectingDispatcher()
    ActionAskHandoffBericht().run(dispatcher, tracker(slots=offline), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_handoff_bericht"
    question = "mijn factuur van zalando klopt niet, ik heb maar 2 van de 3 items gehouden"
    assert ValidateHandoffForm().validate_handoff_bericht(
        question, dispatcher, tracker(slots=offline), {}
    ) == {"handoff_bericht": question}
    done = tracker(
        slots={**offline, "handoff_bericht": question},
        events=[user("factuur_vraag"), user("medewerker_spreken"), user("nlu_fallback", question)],
    )
    dispatcher = CollectingDispatcher()
    events = ActionHandoffVastleggen().run(dispatcher, done, {})
    [entry] = queue.open_entries()
    assert (entry.mode, entry.status, entry.reason) == (OFFLINE, WAITING, "factuur_vraag")
    assert entry.details == {"webshop": "Zalando", "vraag": question}
    [message] = dispatcher.messages
    assert (message["referentie"], message["terug"]) == (entry.reference, "maandag 30 november om 09:00")
    assert ("active_loop", None) in names(events)


def test_a_retried_offline_question_is_queued_once_and_a_new_one_again(queue, monkeypatch):
    """Rasa retries an action that answered too late: the retry gets the entry the first run queued;
    a second question later in the conversation (the form started again) is a new entry."""
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_AFTERNOON)
    slots = {"handoff_modus": OFFLINE, "handoff_bericht": "waar blijft mijn geld"}

    def asked(at: float) -> list:
        return [{"event": "active_loop", "name": "handoff_form", "timestamp": at}, user("nlu_fallback")]

    runs = [asked(1.0), asked(1.0), asked(1.0) + asked(7.0)]
    said = []
    for events in runs:
        dispatcher = CollectingDispatcher()
        ActionHandoffVastleggen().run(dispatcher, tracker(slots=slots, events=events), {})
        said.append(dispatcher.messages[0]["referentie"])
    entries = queue.open_entries()
    assert len(entries) == 2 and said[0] == said[1] != said[2]
    assert {entry.reference for entry in entries} == set(said)


@pytest.mark.parametrize(
    ("intent", "text"), [("annuleren", "laat maar"), ("gesprek_beeindigen", "/gesprek_beeindigen")]
)
def test_offline_leaving_queues_nothing(queue, intent, text):
    offline = tracker(slots={"handoff_modus": OFFLINE}, intent=intent, text=text)
    result, said = validate(offline, text)
    assert result == {"handoff_bericht": "-", "handoff_modus": "niets_vastgelegd"} and said == []
    dispatcher = CollectingDispatcher()
    ActionHandoffVastleggen().run(dispatcher, tracker(slots={"handoff_modus": OFFLINE, **result}), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_niets_vastgelegd"
    assert queue.open_entries() == []


def test_offline_a_button_payload_is_no_question(queue):
    offline = tracker(slots={"handoff_modus": OFFLINE}, intent="begroeten", text="/begroeten")
    assert validate(offline, "/begroeten") == ({"handoff_bericht": None}, [])


def test_offline_a_bare_yes_is_no_question(queue):
    offline = tracker(slots={"handoff_modus": OFFLINE}, intent="bevestigen", text="ja graag")
    assert ValidateHandoffForm().validate_handoff_bericht(
        "ja graag", CollectingDispatcher(), offline, {}
    ) == {"handoff_bericht": None}


def validate(live: Tracker, text: str) -> tuple[dict, list]:
    dispatcher = CollectingDispatcher()
    result = ValidateHandoffForm().validate_handoff_bericht(text, dispatcher, live, {})
    return result, [message.get("response") for message in dispatcher.messages]


def test_leaving_the_queue_is_asked_first_and_only_yes_closes_the_entry(queue):
    queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    result, said = validate(
        tracker(slots={"handoff_modus": LIVE}, intent="annuleren", text="laat maar"), "laat maar"
    )
    assert said == ["utter_handoff_wachtrij_verlaten_vraag"]
    assert result == {"handoff_bericht": None, "handoff_verlaten_vraag": "wachtrij"}
    asked = {"handoff_modus": LIVE, "handoff_verlaten_vraag": "wachtrij"}
    result, said = validate(tracker(slots=asked, intent="ontkennen", text="nee"), "nee")
    assert (result, said) == (
        {"handoff_bericht": None, "handoff_verlaten_vraag": None},
        ["utter_handoff_blijft_in_wachtrij"],
    )
    assert queue.live_entry("klant-1").status == WAITING
    result, said = validate(tracker(slots=asked, intent="bevestigen", text="ja"), "ja")
    assert said == [] and result["handoff_modus"] == "wachtrij_verlaten" and result["handoff_bericht"]
    [entry] = queue.for_conversation("klant-1")
    assert (entry.status, entry.closed_by) == (CLOSED, "klant")
    dispatcher = CollectingDispatcher()
    events = ActionHandoffVastleggen().run(dispatcher, tracker(slots={**asked, **result}), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_verlaten"
    assert ("active_loop", None) in names(events)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("annuleren", "laat maar"),
        ("annuleren", "toch wel een medewerker graag"),
        ("annuleren", "stop"),
        ("ontkennen", "nee"),
        ("medewerker_spreken", "ik wil een medewerker"),
        ("bevestigen", "ja"),
    ],
)
def test_with_an_agent_no_message_ends_the_chat(queue, intent, text):
    entry = queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    queue.claim(entry.id, "anna")
    assert validate(tracker(slots={"handoff_modus": LIVE}, intent=intent, text=text), text) == (
        {"handoff_bericht": None},
        [],
    )
    assert queue.live_entry("klant-1").status == WITH_AGENT


def test_with_an_agent_the_customer_leaves_after_confirming_and_the_agent_is_named(queue):
    handoff_actions.agent_store().add("anna", "een-lang-wachtwoord", display_name="Anna")
    entry = queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    queue.claim(entry.id, "anna")
    dispatcher = CollectingDispatcher()
    live = tracker(slots={"handoff_modus": LIVE}, intent="gesprek_beeindigen", text="/gesprek_beeindigen")
    result = ValidateHandoffForm().validate_handoff_bericht("/gesprek_beeindigen", dispatcher, live, {})
    [question] = dispatcher.messages
    assert (question["response"], question["medewerker"]) == (
        "utter_handoff_gesprek_beeindigen_vraag",
        "Anna",
    )
    assert result == {
        "handoff_bericht": None,
        "handoff_verlaten_vraag": "gesprek",
        "handoff_medewerker": "Anna",
    }
    asked = {"handoff_modus": LIVE, "handoff_verlaten_vraag": "gesprek", "handoff_medewerker": "Anna"}
    result, said = validate(tracker(slots=asked, intent="ontkennen", text="nee toch niet"), "nee toch niet")
    assert (result, said) == (
        {"handoff_bericht": None, "handoff_verlaten_vraag": None},
        ["utter_handoff_blijft_in_gesprek"],
    )
    assert queue.live_entry("klant-1").status == WITH_AGENT
    result, said = validate(tracker(slots=asked, intent="bevestigen", text="/bevestigen"), "/bevestigen")
    assert result["handoff_modus"] == "klant_beeindigd"
    [closed] = queue.for_conversation("klant-1")
    assert (closed.status, closed.closed_by, closed.agent) == (CLOSED, "klant", "anna")
    dispatcher = CollectingDispatcher()
    events = ActionHandoffVastleggen().run(dispatcher, tracker(slots={**asked, **result}), {})
    assert (dispatcher.messages[0]["response"], dispatcher.messages[0]["medewerker"]) == (
        "utter_handoff_klant_beeindigd",
        "Anna",
    )
    assert ("active_loop", None) in names(events)


def test_the_join_action_names_the_agent_once_and_only_while_they_have_the_chat(queue):
    handoff_actions.agent_store().add("anna", "een-lang-wachtwoord", display_name="Anna de Vries")
    entry = queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    dispatcher = CollectingDispatcher()
    live = tracker(slots={"handoff_modus": LIVE}, loop="handoff_form")
    assert names(ActionHandoffOvergenomen().run(dispatcher, live, {})) == [("action", "action_listen")]
    assert dispatcher.messages == []  # nobody has it yet
    queue.claim(entry.id, "anna")
    dispatcher = CollectingDispatcher()
    events = ActionHandoffOvergenomen().run(dispatcher, live, {})
    [message] = dispatcher.messages
    assert (message["response"], message["medewerker"]) == ("utter_handoff_overgenomen", "Anna de Vries")
    assert ("slot", "handoff_medewerker") in names(events)
    dispatcher = CollectingDispatcher()
    again = tracker(slots={"handoff_modus": LIVE, "handoff_medewerker": "Anna de Vries"}, loop="handoff_form")
    ActionHandoffOvergenomen().run(dispatcher, again, {})
    assert dispatcher.messages == []  # a repeated call says nothing
    queue.close(entry.id, "anna")
    dispatcher = CollectingDispatcher()
    ActionHandoffOvergenomen().run(dispatcher, live, {})
    assert dispatcher.messages == []  # a stale call after closing says nothing


def test_the_topic_comes_from_the_return_form_not_the_last_intent(queue):
    events = [
        user("retour", "ik heb iets teruggestuurd"),
        {"event": "active_loop", "name": "retour_form"},
        user("klacht", "3SABC1234567"),  # a tracking number read as a complaint
        {"event": "active_loop", "name": None},
        user("medewerker_spreken", "ik wil een medewerker"),
    ]
    ActionMedewerker().run(CollectingDispatcher(), tracker(events=events), {})
    assert queue.live_entry("klant-1").reason == "retour"


def test_without_a_form_the_topic_comes_from_the_request_itself(queue):
    events = [
        user("klacht", "ik ben heel ontevreden"),
        user("openingstijden", "wanneer zijn jullie open"),
        user("bedanken", "dank je"),
        user("factuur_vraag", "mijn factuur klopt niet"),
        user("bevestigen", "ja graag"),
    ]
    ActionMedewerker().run(CollectingDispatcher(), tracker(events=events), {})
    assert queue.live_entry("klant-1").reason == "factuur_vraag"
    queue.leave("klant-1")
    events = [user("klacht", "ik ben heel ontevreden"), user("begroeten", "hoi"), user("bedanken", "top")]
    events += [user("medewerker_spreken", "een mens graag")]
    ActionMedewerker().run(CollectingDispatcher(), tracker(events=events), {})
    assert queue.live_entry("klant-1").reason == "medewerker_spreken"  # the complaint was long before


def offline_answered(queue) -> object:
    entry = queue.enqueue("klant-1", "socketio", "factuur_vraag", {"vraag": "klopt niet"}, OFFLINE)
    queue.claim(entry.id, "anna")
    DeliveryStore(engine=queue.engine).add_agent_message(entry.id, "anna", "Aangepast!")
    return entry


def test_a_reaction_after_an_offline_answer_goes_back_to_the_agent_and_says_when(queue, monkeypatch):
    handoff_actions.agent_store().add("anna", "een-lang-wachtwoord")
    entry = offline_answered(queue)
    slots = {"handoff_referentie": entry.reference, "handoff_vervolg": True}
    dispatcher = CollectingDispatcher()
    events = ActionHandoffVervolg().run(
        dispatcher, tracker(slots=slots, intent="factuur_vraag", text="het klopt nog steeds niet"), {}
    )
    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_handoff_reactie_nu"
    reopened = queue.get(entry.id)
    assert (reopened.status, reopened.agent, reopened.details["reacties"]) == (
        "reopened",
        "anna",
        "het klopt nog steeds niet",
    )
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_AFTERNOON)
    dispatcher = CollectingDispatcher()
    ActionHandoffVervolg().run(dispatcher, tracker(slots=slots, intent="nlu_fallback", text="hallo??"), {})
    [message] = dispatcher.messages
    assert (message["response"], message["terug"]) == (
        "utter_handoff_reactie_later",
        "maandag 30 november om 09:00",
    )


def test_a_reaction_after_the_question_was_closed_is_the_bots_again(queue):
    entry = offline_answered(queue)
    queue.close(entry.id, "anna")
    dispatcher = CollectingDispatcher()
    slots = {"handoff_referentie": entry.reference, "handoff_vervolg": True}
    events = ActionHandoffVervolg().run(dispatcher, tracker(slots=slots, intent="factuur_vraag"), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_reactie_verlopen"
    assert events == [{"event": "slot", "name": "handoff_vervolg", "value": False, "timestamp": None}]


def test_the_end_action_hands_a_closed_live_handoff_back_to_the_bot_and_says_so(queue):
    entry = queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    queue.claim(entry.id, "anna")
    queue.close(entry.id, "anna")
    dispatcher = CollectingDispatcher()
    events = ActionHandoffBeeindigen().run(
        dispatcher, tracker(slots={"handoff_modus": LIVE}, loop="handoff_form"), {}
    )
    assert [message["response"] for message in dispatcher.messages] == [
        "utter_handoff_voorbij",
        "utter_csat_vraag_medewerker",
    ]
    assert dispatcher.messages[1]["medewerker"] == "anna"
    assert names(events)[0] == ("active_loop", None)
    assert names(events)[-1] == ("action", "action_listen")
    [asked] = SatisfactionStore(engine=queue.engine).for_conversation("klant-1")
    assert (asked.entry_id, asked.agent, asked.topic, asked.score) == (
        entry.id,
        "anna",
        "medewerker_spreken",
        None,
    )

    again = CollectingDispatcher()  # a repeated run (a retried request) does not ask twice
    ActionHandoffBeeindigen().run(again, tracker(slots={"handoff_modus": LIVE}, loop="handoff_form"), {})
    assert [message["response"] for message in again.messages] == ["utter_handoff_voorbij"]


def test_the_end_action_leaves_a_live_handoff_whose_entry_is_still_open(queue):
    """An agent closing an older (offline) entry of the conversation must not end the live one."""
    older = queue.enqueue("klant-1", "socketio", "factuur_vraag", {"vraag": "?"}, OFFLINE)
    queue.claim(older.id, "anna")
    queue.close(older.id, "anna")
    queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    dispatcher = CollectingDispatcher()
    events = ActionHandoffBeeindigen().run(
        dispatcher, tracker(slots={"handoff_modus": LIVE}, loop="handoff_form"), {}
    )
    assert dispatcher.messages == []
    assert names(events) == [("action", "action_listen")]


def test_the_end_action_leaves_an_offline_question_being_asked_alone(queue):
    dispatcher = CollectingDispatcher()
    asking = tracker(slots={"handoff_modus": OFFLINE}, loop="handoff_form")
    assert names(ActionHandoffBeeindigen().run(dispatcher, asking, {})) == [("action", "action_listen")]
    assert dispatcher.messages == []


def test_ending_leaves_another_form_running(queue):
    dispatcher = CollectingDispatcher()
    events = ActionHandoffBeeindigen().run(dispatcher, tracker(loop="retour_form"), {})
    assert names(events) == [("action", "action_listen")]
    assert dispatcher.messages == []


def test_a_new_session_keeps_an_open_live_handoff(queue):
    queue.enqueue("klant-1", "socketio", "medewerker_spreken", {}, LIVE)
    events = ActionSessionStart().run(CollectingDispatcher(), tracker(slots={"webshop": "bol.com"}), {})
    assert names(events)[0] == ("session_started", None)
    assert ("active_loop", "handoff_form") in names(events)
    assert {"event": "slot", "name": "webshop", "value": "bol.com"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    assert names(events)[-1] == ("action", "action_listen")


def test_a_new_session_forgets_the_topic_of_the_last_question(queue):
    slots = {"webshop": "bol.com", "onderwerp": "openingstijden"}
    events = ActionSessionStart().run(CollectingDispatcher(), tracker(slots=slots), {})
    kept = {e["name"] for e in events if e["event"] == "slot"}
    assert "webshop" in kept
    assert "onderwerp" not in kept


def test_a_new_session_without_a_handoff_starts_plainly(queue):
    events = ActionSessionStart().run(CollectingDispatcher(), tracker(), {})
    assert ("active_loop", "handoff_form") not in names(events)


def test_the_second_misunderstanding_in_a_row_offers_a_person():
    once = tracker(events=[user("begroeten"), user("nlu_fallback")], intent="nlu_fallback")
    dispatcher = CollectingDispatcher()
    assert ActionNietBegrepen().run(dispatcher, once, {}) == []
    assert dispatcher.messages[0]["response"] == "utter_niet_begrepen"
    twice = tracker(
        events=[user("nlu_fallback"), {"event": "bot", "text": "Sorry"}, user("nlu_fallback")],
        intent="nlu_fallback",
    )
    dispatcher = CollectingDispatcher()
    events = ActionNietBegrepen().run(dispatcher, twice, {})
    assert dispatcher.messages[0]["response"] == "utter_nog_steeds_niet_begrepen"
    assert names(events) == [("followup", "utter_medewerker_aanbieden")]


def test_the_wait_uses_recent_handling_times_and_agents_online(queue):
    now = datetime.now(timezone.utc)
    for n, minutes in enumerate((2, 3, 4, 4, 4, 4, 4, 5, 6, 30)):
        entry = queue.enqueue(f"klant-oud-{n}", "rest", "klacht", {}, LIVE, now=now - timedelta(hours=1))
        queue.claim(entry.id, "anna", now=now - timedelta(minutes=50))
        queue.close(entry.id, "anna", now=now - timedelta(minutes=50 - minutes))
    store = handoff_actions.agent_store()
    store.add("anna", "een-lang-wachtwoord")
    store.add("bram", "een-lang-wachtwoord")
    store.seen("anna")
    store.seen("bram")
    dispatcher = CollectingDispatcher()
    ActionMedewerker().run(dispatcher, tracker(), {})
    # first in line, two agents online, a median of 4 minutes: 1 x 4 / 2
    assert dispatcher.messages[0]["wachttijd"] == "ongeveer 2 minuten"


def waiting_since_before_closing(queue, monkeypatch, events_after: list) -> tuple:
    """A customer who joined the live queue on Saturday before 13:00 and writes again after it."""
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_BEFORE_CLOSING)
    events = [user("factuur_vraag", "vraag over mijn factuur"), user("medewerker_spreken", "een mens graag")]
    started = ActionMedewerker().run(CollectingDispatcher(), tracker(events=events), {})
    reference = next(e["value"] for e in started if e.get("name") == "handoff_referentie")
    events += [
        {"event": "action", "name": "action_medewerker"},
        {"event": "bot", "text": "nummer 1"},
        *events_after,
    ]
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_AFTER_CLOSING)
    last = events_after[-1]
    waiting = tracker(
        slots={"handoff_modus": LIVE, "handoff_referentie": reference},
        events=events,
        intent=last["parse_data"]["intent"]["name"],
        text=last["text"],
        loop="handoff_form",
    )
    return reference, waiting


def test_a_customer_still_waiting_at_closing_time_gets_a_question_in_the_queue_and_the_return_moment(
    queue, monkeypatch
):
    reference, waiting = waiting_since_before_closing(
        queue,
        monkeypatch,
        [
            user("factuur_vraag", "Mijn factuur van Zalando klopt niet"),
            user("begroeten", "hallo, is daar iemand?"),
        ],
    )
    result = ValidateHandoffForm().validate_handoff_bericht(
        "hallo, is daar iemand?", CollectingDispatcher(), waiting, {}
    )
    question = "Mijn factuur van Zalando klopt niet\nhallo, is daar iemand?"
    assert result == {
        "handoff_bericht": question,
        "handoff_modus": LEFT_AT_CLOSING,
        "handoff_referentie": reference,
    }
    [entry] = queue.open_entries()
    assert (entry.reference, entry.mode, entry.status, entry.reason) == (
        reference,
        OFFLINE,
        WAITING,
        "factuur_vraag",
    )
    assert entry.details["vraag"] == question
    assert queue.live_entry("klant-1") is None

    done = tracker(
        slots={
            "handoff_modus": LEFT_AT_CLOSING,
            "handoff_referentie": reference,
            "handoff_bericht": question,
        },
        events=waiting.events,
    )
    dispatcher = CollectingDispatcher()
    events = ActionHandoffVastleggen().run(dispatcher, done, {})
    [message] = dispatcher.messages
    assert (message["response"], message["referentie"], message["terug"]) == (
        "utter_handoff_na_sluiting",
        reference,
        "maandag 30 november om 09:00",
    )
    assert ("active_loop", None) in names(events)
    assert len(queue.for_conversation("klant-1")) == 1  # the same entry, not a second one


def test_the_question_after_closing_is_what_the_customer_typed_since_asking_for_a_person(queue, monkeypatch):
    _, waiting = waiting_since_before_closing(queue, monkeypatch, [user("nlu_fallback", "  nog iemand?  ")])
    result = ValidateHandoffForm().validate_handoff_bericht(
        "nog iemand?", CollectingDispatcher(), waiting, {}
    )
    assert result["handoff_bericht"] == "nog iemand?"  # not the messages before the request


def test_after_closing_a_customer_with_an_agent_stays_with_the_agent(queue, monkeypatch):
    _, waiting = waiting_since_before_closing(queue, monkeypatch, [user("bedanken", "dank je")])
    entry = queue.live_entry("klant-1")
    queue.claim(entry.id, "anna")
    result = ValidateHandoffForm().validate_handoff_bericht("dank je", CollectingDispatcher(), waiting, {})
    assert result == {"handoff_bericht": None}
    assert queue.live_entry("klant-1").mode == LIVE


def test_while_still_staffed_a_waiting_customer_keeps_waiting(queue, monkeypatch):
    _, waiting = waiting_since_before_closing(queue, monkeypatch, [user("begroeten", "hallo?")])
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_BEFORE_CLOSING)
    assert ValidateHandoffForm().validate_handoff_bericht("hallo?", CollectingDispatcher(), waiting, {}) == {
        "handoff_bericht": None
    }
    assert queue.live_entry("klant-1").status == WAITING


def test_leaving_after_closing_time_is_asked_instead_of_queueing_a_question(queue, monkeypatch):
    _, waiting = waiting_since_before_closing(queue, monkeypatch, [user("annuleren", "laat maar")])
    result, said = validate(waiting, "laat maar")
    assert said == ["utter_handoff_wachtrij_verlaten_vraag"]  # asked, not turned into a question
    assert queue.live_entry("klant-1").mode == LIVE


def test_a_new_session_after_closing_time_keeps_the_wait_so_the_next_message_queues_the_question(
    queue, monkeypatch
):
    reference, waiting = waiting_since_before_closing(queue, monkeypatch, [user("begroeten", "hallo?")])
    events = ActionSessionStart().run(CollectingDispatcher(), waiting, {})
    assert ("active_loop", "handoff_form") in names(events)
    result = ValidateHandoffForm().validate_handoff_bericht("hallo?", CollectingDispatcher(), waiting, {})
    assert result["handoff_referentie"] == reference


def test_in_english_the_wait_and_the_return_moment_are_in_english(queue, monkeypatch):
    dispatcher = CollectingDispatcher()
    ActionMedewerker().run(dispatcher, tracker(slots={"taal": "en"}, text="I want a person"), {})
    [message] = dispatcher.messages
    assert message["wachttijd"] == "about 6 minutes"
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_AFTERNOON)
    dispatcher = CollectingDispatcher()
    ActionMedewerker().run(dispatcher, tracker(sender="klant-2", slots={"taal": "en"}), {})
    [message] = dispatcher.messages
    assert message["terug"] == "on Monday 30 November at 9:00 am"


def test_an_english_question_is_queued_with_its_language_for_the_agent(queue, monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_NOW", SATURDAY_AFTERNOON)
    question = "my invoice from zalando is wrong, I only kept two of the three items"
    done = tracker(
        slots={"handoff_modus": OFFLINE, "handoff_bericht": question, "taal": "en"},
        events=[user("factuur_vraag"), user("medewerker_spreken"), user("nlu_fallback", question)],
    )
    dispatcher = CollectingDispatcher()
    ActionHandoffVastleggen().run(dispatcher, done, {})
    [entry] = queue.open_entries()
    assert entry.details == {"taal": "en", "vraag": question}
    [message] = dispatcher.messages
    assert message["terug"] == "on Monday 30 November at 9:00 am"
