"""The assistant over Rasa's REST channel, with the real Rasa server and action server."""

from __future__ import annotations

import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def test_answers_the_phone_number(assistant):
    answer = " ".join(assistant.say(new_sender(), "wat is jullie telefoonnummer"))
    assert "020 - 808 28 52" in answer
    assert "belkosten" in answer


def test_answers_the_opening_hours(assistant):
    answer = " ".join(assistant.say(new_sender(), "wat zijn de openingstijden"))
    assert "maandag t/m vrijdag van 09:00 tot 18:00" in answer
    assert "zaterdag van 09:00 tot 13:00" in answer


def test_greeting_is_dutch_and_offers_the_main_topics(assistant):
    answer = " ".join(assistant.say(new_sender(), "hallo"))
    assert "Waarmee kan ik je helpen?" in answer


def test_a_question_about_the_own_invoice_offers_an_agent(assistant):
    answers = assistant.say(new_sender(), "ik snap mijn factuur niet, het bedrag klopt niet")
    assert any("factuur" in text for text in answers)
    assert answers[-1] == "Wil je dat ik je in contact breng met een medewerker?"


def test_out_of_scope_is_declined(assistant):
    answer = " ".join(assistant.say(new_sender(), "wat voor weer wordt het morgen in parijs"))
    assert "niet mee helpen" in answer or "niet helemaal" in answer


def test_conversation_is_stored_in_the_sqlite_tracker_store(assistant):
    sender = new_sender()
    assistant.say(sender, "hoi")
    assistant.say(sender, "wat is jullie telefoonnummer")
    stored = assistant.stored_event_types(sender)
    assert stored.count("user") == 2
    assert "bot" in stored


def test_conversation_survives_a_restart_of_the_rasa_server(assistant):
    sender = new_sender()
    assistant.say(sender, "ik wil een klacht indienen")
    services = assistant.services
    services.stop("rasa")
    services.start("rasa")
    services.wait_ready("rasa")
    texts = [event.get("text") for event in assistant.tracker(sender)["events"] if event["event"] == "user"]
    assert texts == ["ik wil een klacht indienen"]
    # The complaint form was asking what went wrong; after the restart it goes on from there.
    answer = " ".join(assistant.say(sender, "mijn betaling is twee keer afgeschreven en niemand helpt me"))
    assert "Over welke bestelling of factuur" in answer


def test_the_http_api_refuses_requests_without_the_token(assistant):
    sender = new_sender()
    assistant.say(sender, "hoi")
    refused = requests.get(f"{assistant.url}/conversations/{sender}/tracker", timeout=10)
    wrong = requests.get(
        f"{assistant.url}/conversations/{sender}/tracker", params={"token": "wrong"}, timeout=10
    )
    assert refused.status_code == 401
    assert wrong.status_code == 401
    assert assistant.tracker(sender)["sender_id"] == sender
