"""Short follow-up questions answered in the context of the previous question, over REST with the
action server's clock pinned (Tuesday 24 November 2026, 10:00)."""

from __future__ import annotations

import time
import uuid

import pytest

from rasa_runtime import fixes

pytestmark = pytest.mark.e2e

TUESDAY_MORNING = "2026-11-24T10:00:00"
PHONE = "020 - 808 28 52"
OUT_OF_SCOPE = "Daar kan ik je helaas niet mee helpen"
SOMETHING_WRONG = "er gaat aan onze kant even iets mis"


@pytest.fixture
def tuesday(clock):
    """The assistant with the action server's clock at TUESDAY_MORNING (restarted only if it is not)."""
    if clock.services.env.get("KLANTENSERVICE_NOW") != TUESDAY_MORNING:
        clock.clock_at(TUESDAY_MORNING)
    return clock


class Conversation:
    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.sender = f"followup-{uuid.uuid4().hex[:10]}"

    def say(self, message: str) -> str:
        return " ".join(self.assistant.say(self.sender, message))


def test_a_day_after_an_hours_question_gets_that_days_hours(tuesday):
    chat = Conversation(tuesday)
    assert "van maandag t/m vrijdag van 09:00 tot 18:00" in chat.say("wanneer kan ik iemand bereiken?")

    saturday = chat.say("en op zaterdag?")
    assert "zaterdag 28 november" in saturday
    assert "09:00 tot 13:00" in saturday
    assert "maandag t/m vrijdag" not in saturday

    christmas = chat.say("en met kerst?")
    assert "25 december" in christmas
    assert "gesloten" in christmas

    tomorrow = chat.say("en morgen?")
    assert "woensdag 25 november" in tomorrow
    assert "09:00 tot 18:00" in tomorrow


def test_the_number_after_an_hours_question(tuesday):
    chat = Conversation(tuesday)
    chat.say("zijn jullie zaterdag open?")
    assert PHONE in chat.say("en het nummer?")


def test_a_day_after_a_phone_question_gets_that_days_phone_hours(tuesday):
    chat = Conversation(tuesday)
    assert PHONE in chat.say("op welk nummer kan ik jullie bellen?")
    sunday = chat.say("en zondag dan?")
    assert "zondag 29 november" in sunday
    assert "gesloten" in sunday
    assert PHONE in sunday


def test_when_to_call_is_answered_with_the_phone_hours(tuesday):
    answer = Conversation(tuesday).say("tot hoe laat kan ik bellen?")
    assert "van maandag t/m vrijdag van 09:00 tot 18:00" in answer
    assert "vandaag nog tot 18:00" in answer
    assert PHONE in answer


def test_calling_on_a_named_day_gets_that_days_hours_and_the_number(tuesday):
    answer = Conversation(tuesday).say("kan ik zaterdag bellen?")
    assert "zaterdag 28 november" in answer and "09:00 tot 13:00" in answer
    assert PHONE in answer


def test_how_long_after_a_refund_question_is_the_refund_duration(tuesday):
    chat = Conversation(tuesday)
    assert "webshop" in chat.say("wanneer krijg ik mijn geld terug?")
    duration = chat.say("hoe lang duurt dat dan?")
    assert duration.startswith("Hoe lang het duurt, hangt vooral af van de webshop")
    assert PHONE in chat.say("en het nummer?")


def test_a_follow_up_without_context_is_asked_about(tuesday):
    answer = Conversation(tuesday).say("en op zaterdag?")
    assert answer.startswith("Waar gaat je vraag over?")
    assert OUT_OF_SCOPE not in answer


def test_a_new_topic_replaces_the_context(tuesday):
    chat = Conversation(tuesday)
    chat.say("wanneer zijn jullie open?")
    chat.say("ik snap mijn factuur niet")
    assert chat.say("en op zaterdag?").startswith("Waar gaat je vraag over?")


def test_with_the_action_server_down_a_refund_follow_up_is_answered_and_an_hours_one_keeps_its_context(
    tuesday,
):
    """The topic lives in the Rasa server's tracker: a stopped action server loses no context."""
    services = tuesday.services
    chat = Conversation(tuesday)
    chat.say("zijn jullie morgen open?")
    services.stop("actions")
    try:
        apology = chat.say("en op zaterdag?")
        assert SOMETHING_WRONG in apology.lower() and PHONE in apology
        chat.say("hoe lang duurt een terugbetaling?")
        assert chat.say("hoe lang duurt dat dan?").startswith("Hoe lang het duurt")
        chat.say("wanneer zijn jullie open?")
    finally:
        services.start("actions")
        services.wait_ready("actions")
    time.sleep(fixes.RETRY_AFTER)  # the Rasa server tries the action server again for this conversation
    saturday = chat.say("en op zaterdag?")
    assert "zaterdag 28 november" in saturday and "09:00 tot 13:00" in saturday
