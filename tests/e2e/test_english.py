"""English-speaking customers over REST with the real servers: the language is detected and kept,
answers and forms are in English, the handoff outside hours gives the date in English and the agent
console shows the conversation's language. The action server's clock is pinned."""

from __future__ import annotations

import re
import uuid

import pytest

from bot.cases import CaseStore
from tests.e2e.test_handoff import agents  # noqa: F401  (the agents' consoles, a fixture)

pytestmark = pytest.mark.e2e

TUESDAY_MORNING = "2026-11-24T10:00:00"
SATURDAY_AFTERNOON = "2026-11-28T15:00:00"
PHONE = "020 - 808 28 52"


class Chat:
    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.sender = f"english-{uuid.uuid4().hex[:10]}"

    def say(self, message: str) -> str:
        return " ".join(self.assistant.say(self.sender, message))

    def language(self) -> str:
        return self.assistant.tracker(self.sender)["slots"]["taal"]


@pytest.fixture
def tuesday(clock):
    if clock.services.env.get("KLANTENSERVICE_NOW") != TUESDAY_MORNING:
        clock.clock_at(TUESDAY_MORNING)
    return clock


def test_an_english_return_is_filed_in_english(tuesday, services):
    chat = Chat(tuesday)
    assert "Which online shop did you order from?" in chat.say("I sent my order back to the shop yesterday")
    assert chat.language() == "en"
    assert "What is the order number?" in chat.say("zalando")
    assert "What is the tracking number of your return parcel?" in chat.say("12345678")
    answer = chat.say("3SABCD1234567")
    reference = re.search(r"\bRET-[2-9A-Z]{6}\b", answer).group(0)
    assert "Your return has been reported under reference" in answer and "Zalando" in answer
    case = CaseStore(services.env["KLANTENSERVICE_DB_URL"]).get(reference)
    assert case.fields["trackingnummer"] == "3SABCD1234567"
    assert chat.language() == "en"  # the short answers did not switch back


def test_an_english_handoff_outside_hours_gives_the_date_in_english_and_the_agent_sees_the_language(
    clock,
    agents,  # noqa: F811
):
    clock.clock_at(SATURDAY_AFTERNOON)
    chat = Chat(clock)
    away = chat.say("I would like to talk to a real person please")
    assert "They will be back on Monday 30 November at 9:00 am." in away
    assert "What is your question for the agent?" in away
    queued = chat.say("My invoice of 49.95 is wrong: I sent half of the order back.")
    reference = re.search(r"MW-[2-9A-Z]{6}", queued).group(0)
    assert f"Your question is in the queue under number {reference}" in queued
    assert "pick it up on Monday 30 November at 9:00 am" in queued

    anna = agents["anna"]
    entry = anna.entry_for(chat.sender)
    assert (entry["reference"], entry["mode"], entry["language"], entry["language_label"]) == (
        reference,
        "offline",
        "en",
        "Engels",
    )
    details = {field["name"]: field["value"] for field in anna.details(entry["id"])["entry"]["details"]}
    assert details["taal"] == "Engels"


def test_the_customer_switches_language_both_ways(tuesday):
    chat = Chat(tuesday)
    assert "Je kunt de klantenservice bellen" in chat.say("wat is jullie telefoonnummer")
    assert chat.say("English please") == "Of course, I'll continue in English. How can I help you?"
    phone = chat.say("how can I call you?")
    assert phone.startswith(f"You can call customer service on {PHONE}.")
    assert "Our agents are available right now, today until 6:00 pm." in phone
    assert chat.say("kun je Nederlands praten?").startswith("Natuurlijk, ik praat verder in het Nederlands.")
    assert "Je kunt de klantenservice bellen" in chat.say("op welk nummer kan ik jullie bellen?")
    assert chat.language() == "nl"


def test_english_opening_hours_for_a_named_day(tuesday):
    answer = Chat(tuesday).say("are you open on Saturday?")
    assert answer == "On Saturday 28 November we are available from 9:00 am to 1:00 pm."


def test_another_language_gets_an_answer_in_english_and_dutch(tuesday):
    chat = Chat(tuesday)
    answer = chat.say("Guten Tag, ich habe eine Frage zu meiner Rechnung")
    assert "I only speak English and Dutch" in answer and "ik spreek alleen Nederlands en Engels" in answer
    assert PHONE in answer
    assert chat.language() == "nl"


@pytest.fixture
def action_server(assistant):
    """The session's action server, started again after the test."""
    services = assistant.services
    yield services
    if not services.ready("actions"):
        services.stop("actions")
        services.start("actions")
        services.wait_ready("actions")


def test_without_the_action_server_english_is_kept_and_the_apology_is_english(assistant, action_server):
    """The language is set by the Rasa server itself: a stopped action server changes nothing to it."""
    chat = Chat(assistant)
    action_server.stop("actions")
    phone = chat.say("what is your phone number please")
    assert phone.startswith(f"You can call customer service on {PHONE}.")
    hours = chat.say("are you open on Saturday?")  # needs the action server
    assert hours.startswith("Sorry, something is going wrong on our side") and PHONE in hours
    assert chat.language() == "en"
