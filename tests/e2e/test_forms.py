"""The return and complaint forms over REST, with the real servers and the case store."""

from __future__ import annotations

import re
import uuid

import pytest

from bot.cases import CaseStore

pytestmark = pytest.mark.e2e

ASK_WEBSHOP = "Bij welke webshop heb je het besteld?"
ASK_ORDER = "Wat is het bestelnummer?"
ASK_TRACKING = "Wat is het trackingnummer van je retourzending?"


class Chat:
    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.sender = f"form-{uuid.uuid4().hex[:10]}"

    def say(self, message: str) -> str:
        return " ".join(self.assistant.say(self.sender, message))


@pytest.fixture
def chat(assistant) -> Chat:
    return Chat(assistant)


@pytest.fixture
def cases(services) -> CaseStore:
    return CaseStore(services.env["KLANTENSERVICE_DB_URL"])


def reference_in(answer: str, prefix: str) -> str:
    match = re.search(rf"\b{prefix}-[2-9A-Z]{{6}}\b", answer)
    assert match, answer
    return match.group(0)


def test_a_return_is_filed_in_four_turns(chat, cases):
    assert ASK_WEBSHOP in chat.say("ik heb mijn jurk teruggestuurd naar de webshop")
    assert ASK_ORDER in chat.say("zalando")
    assert ASK_TRACKING in chat.say("12345678")
    answer = chat.say("3SABCD1234567")
    reference = reference_in(answer, "RET")
    assert "pauze" in answer and "Zalando" in answer
    case = cases.get(reference)
    assert case.conversation_id == chat.sender
    assert case.fields == {
        "webshop": "Zalando",
        "bestelnummer": "12345678",
        "trackingnummer": "3SABCD1234567",
    }


def test_what_the_first_message_says_is_not_asked_again(chat, cases):
    answer = chat.say("ik heb mijn bestelling van zalando teruggestuurd, trackingnummer 3SABCD1234567")
    assert ASK_ORDER in answer
    assert ASK_WEBSHOP not in answer
    reference = reference_in(chat.say("NL-123456789"), "RET")
    assert cases.get(reference).fields["trackingnummer"] == "3SABCD1234567"


def test_a_wrong_answer_gets_a_helpful_reask_and_two_misses_an_offer(chat, cases):
    chat.say("ik wil een retour melden")
    assert ASK_ORDER in chat.say("wehkamp")
    first = chat.say("1234")
    assert "Dat lijkt geen bestelnummer" in first and ASK_ORDER in first
    second = chat.say("AB-12")
    assert "verdergaan zonder" in second
    assert ASK_TRACKING in chat.say("/overslaan")
    reference = reference_in(chat.say("JVGL0612345678901234"), "RET")
    assert cases.get(reference).fields["bestelnummer"] == "onbekend"


def test_a_wrong_tracking_number_is_asked_again(chat):
    chat.say("ik heb iets teruggestuurd naar bol.com, bestelnummer 87654321")
    answer = chat.say("3SAB12")
    assert "Dat lijkt geen trackingnummer" in answer
    assert ASK_TRACKING in answer


def test_a_form_can_be_left(chat, cases):
    chat.say("ik wil een retour melden")
    answer = chat.say("laat maar")
    assert "Prima, dan laten we dat rusten" in answer
    assert "Waarmee kan ik je helpen" in chat.say("hallo")
    assert cases.for_conversation(chat.sender) == []


def test_a_side_question_is_answered_and_the_form_resumes(chat):
    chat.say("ik heb mijn schoenen teruggestuurd naar zalando")
    answer = chat.say("wat is jullie telefoonnummer")
    assert "020 - 808 28 52" in answer
    assert ASK_ORDER in answer
    assert ASK_TRACKING in chat.say("12345678")


def test_a_complaint_is_filed_with_the_ombudsman_date(chat, cases):
    assert "Wat is er misgegaan?" in chat.say("ik wil een klacht indienen")
    assert "Over welke bestelling of factuur" in chat.say(
        "mijn betaling is twee keer afgeschreven en niemand helpt me"
    )
    answer = chat.say("geen")
    reference = reference_in(answer, "KL")
    # Pinned at Tuesday 24 November 2026: ten working days later is Tuesday 8 December.
    assert "dinsdag 8 december" in answer
    assert "Kifid" in answer
    assert "Wil je meteen iemand spreken" in answer
    assert (
        cases.get(reference)
        .fields["klacht_omschrijving"]
        .startswith("mijn betaling is twee keer afgeschreven")
    )


def test_a_complaint_told_in_the_first_message_is_not_asked_again(chat):
    answer = chat.say(
        "ik wil een klacht indienen want mijn pakket is nooit aangekomen en ik moet wel betalen"
    )
    assert "Wat is er misgegaan?" not in answer
    assert "Over welke bestelling of factuur" in answer


def test_the_first_message_counts_what_is_still_needed(chat):
    assert "Ik heb drie dingen van je nodig" in chat.say("ik wil een retour melden")
    other = Chat(chat.assistant)
    answer = other.say("ik heb mijn bestelling van zalando teruggestuurd, trackingnummer 3SABCD1234567")
    assert "nog één ding" in answer and "drie dingen" not in answer


def test_a_phone_number_is_no_tracking_number(chat):
    chat.say("ik heb iets teruggestuurd naar bol.com, bestelnummer 87654321")
    answer = chat.say("0612345678")
    assert "Dat lijkt geen trackingnummer" in answer and "telefoonnummer" in answer


def test_a_greeting_is_no_webshop(chat):
    chat.say("ik wil een retour melden")
    answer = chat.say("hoi")
    assert "Die webshop herken ik niet" in answer
    assert ASK_ORDER in chat.say("temu")


def test_a_cancelled_return_is_forgotten(chat, cases):
    assert ASK_ORDER in chat.say("ik heb mijn bestelling van zalando teruggestuurd")
    assert ASK_TRACKING in chat.say("12345678")
    assert "Prima, dan laten we dat rusten" in chat.say("laat maar")
    answer = chat.say("ik wil een retour melden")
    assert ASK_WEBSHOP in answer and "drie dingen" in answer
    assert ASK_ORDER in chat.say("wehkamp")
    slots = chat.assistant.tracker(chat.sender)["slots"]
    assert slots["webshop"] == "Wehkamp" and slots["bestelnummer"] is None
    assert cases.for_conversation(chat.sender) == []


def test_a_complaint_can_go_on_without_a_description(chat, cases):
    assert "Wat is er misgegaan?" in chat.say("ik wil een klacht indienen")
    assert "Kun je in een paar zinnen vertellen" in chat.say("slecht")
    assert "verdergaan zonder" in chat.say("gewoon slecht")
    assert "Over welke bestelling of factuur" in chat.say("/overslaan")
    reference = reference_in(chat.say("geen"), "KL")
    assert cases.get(reference).fields == {"klacht_omschrijving": "onbekend", "klacht_betreft": "onbekend"}


def test_an_order_number_in_the_complaint_is_not_asked_again(chat, cases):
    answer = chat.say("ik wil een klacht indienen over bestelling 12345678, het pakket kwam kapot aan")
    assert "Over welke bestelling of factuur" not in answer
    reference = reference_in(answer, "KL")
    fields = cases.get(reference).fields
    assert fields["klacht_betreft"] == "12345678"
    assert "het pakket kwam kapot aan" in fields["klacht_omschrijving"]
