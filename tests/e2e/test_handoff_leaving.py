"""A live chat belongs to the customer and the agent: against the real Rasa server and action server,
no message ends it by accident; the customer leaves only by saying so and confirming. Also the agent's
name when they take over, a reaction to an answer from outside staffed hours, and the topic."""

from __future__ import annotations

import uuid

import pytest
import requests

from bot.handoff import CLOSED, LIVE, OFFLINE, REOPENED, WAITING, WITH_AGENT, HandoffQueue
from tests.e2e.test_handoff import SATURDAY_AFTERNOON, agents  # noqa: F401  (agents is a fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture
def queue(assistant):
    store = HandoffQueue(assistant.services.env["KLANTENSERVICE_DB_URL"])
    yield store
    store.engine.dispose()


def new_sender() -> str:
    return f"rest-{uuid.uuid4().hex[:8]}"


def execute(assistant, sender: str, action: str) -> list[str]:
    """What the agent console does through Rasa's HTTP API (with its token)."""
    response = requests.post(
        f"{assistant.url}/conversations/{sender}/execute",
        params={"token": assistant.token, "include_events": "NONE"},
        json={"name": action},
        timeout=30,
    )
    response.raise_for_status()
    return [message["text"] for message in response.json().get("messages") or [] if message.get("text")]


def loop_of(assistant, sender: str) -> str | None:
    return (assistant.tracker(sender).get("active_loop") or {}).get("name")


def with_agent(assistant, queue, agents, sender: str) -> int:  # noqa: F811
    """The customer asks for a person and Anna takes the chat; returns the entry's id."""
    assert "wachtrij" in assistant.say(sender, "ik wil een medewerker spreken")[0]
    entry = queue.live_entry(sender)
    queue.claim(entry.id, "anna")
    return entry.id


def test_a_claimed_chat_survives_every_message_but_a_confirmed_goodbye(assistant, agents, queue):  # noqa: F811
    sender = new_sender()
    entry_id = with_agent(assistant, queue, agents, sender)
    [joined] = execute(assistant, sender, "action_handoff_overgenomen")
    assert joined.startswith("Anna van de klantenservice helpt je nu verder.")
    assert execute(assistant, sender, "action_handoff_overgenomen") == []  # said once

    for text in (
        "laat maar",
        "toch wel een medewerker graag",
        "stop",
        "nee",
        "ik wil een medewerker spreken",
    ):
        assert assistant.say(sender, text) == [], text
        assert loop_of(assistant, sender) == "handoff_form", text
        assert queue.get(entry_id).status == WITH_AGENT, text

    [question] = assistant.say(sender, "/gesprek_beeindigen")
    assert question == "Wil je het gesprek met Anna beëindigen?"
    assert assistant.say(sender, "/ontkennen") == ["Prima, je blijft in gesprek met Anna. Typ gerust verder."]
    assert queue.get(entry_id).status == WITH_AGENT
    assert assistant.say(sender, "ik wil het gesprek met de medewerker beëindigen") == [question]
    assert assistant.say(sender, "hoe lang duurt het nog?") == []  # anything else: for Anna
    assert queue.get(entry_id).status == WITH_AGENT
    transcript = [e.get("text") for e in assistant.tracker(sender)["events"] if e.get("event") == "user"]
    assert "hoe lang duurt het nog?" in transcript

    assistant.say(sender, "/gesprek_beeindigen")
    [back] = assistant.say(sender, "/bevestigen")
    assert "Anna" in back and "digitale assistent" in back
    closed = queue.get(entry_id)
    assert (closed.status, closed.closed_by) == (CLOSED, "klant")
    assert loop_of(assistant, sender) is None
    assert "020 - 808 28 52" in assistant.say(sender, "wat is jullie telefoonnummer")[0]
    assert execute(assistant, sender, "action_handoff_overgenomen") == []  # a stale call says nothing


def test_leaving_the_queue_is_asked_and_no_keeps_the_place(assistant, agents, queue):  # noqa: F811
    sender = new_sender()
    assert "wachtrij" in assistant.say(sender, "kan ik een mens spreken")[0]
    assert assistant.say(sender, "laat maar") == ["Wil je uit de wachtrij? Je raakt je plek kwijt."]
    [kept] = assistant.say(sender, "nee")
    assert "wachtrij" in kept
    entry = queue.live_entry(sender)
    assert (entry.status, entry.mode) == (WAITING, LIVE)
    assert assistant.say(sender, "toch wel een medewerker graag") == []  # not leaving
    assert queue.live_entry(sender).id == entry.id
    assistant.say(sender, "stop")
    [left] = assistant.say(sender, "ja")
    assert "uit de wachtrij" in left
    assert (queue.get(entry.id).status, queue.get(entry.id).closed_by) == (CLOSED, "klant")
    assert "09:00" in assistant.say(sender, "wanneer zijn jullie open")[0]


def test_a_reaction_to_an_answer_from_outside_hours_goes_back_to_the_agent(clock, agents, queue):  # noqa: F811
    clock.clock_at(SATURDAY_AFTERNOON)
    sender = new_sender()
    assert "09:00" in clock.say(sender, "ik wil een medewerker spreken")[0]
    assert "MW-" in clock.say(sender, "mijn factuur van zalando klopt niet, het bedrag is te hoog")[0]
    [entry] = queue.for_conversation(sender)
    assert entry.mode == OFFLINE
    anna = agents["anna"]
    anna.claim(entry.id).raise_for_status()
    anna.send(entry.id, "Ik heb het bedrag aangepast.")
    assert queue.get(entry.id).status == "answered"
    assert clock.say(sender, "hallo")[0] == "Ik heb het bedrag aangepast."  # delivered with the next answer

    answer = clock.say(sender, "het bedrag klopt nog steeds niet")
    assert len(answer) == 1 and "doorgestuurd" in answer[0] and "maandag 30 november om 09:00" in answer[0]
    reopened = queue.get(entry.id)
    assert (reopened.status, reopened.agent) == (REOPENED, "anna")
    assert "het bedrag klopt nog steeds niet" in reopened.details["reacties"]
    assert "09:00" in clock.say(sender, "wanneer zijn jullie open")[0]  # a new topic: the bot answers
    assert queue.get(entry.id).details["reacties"] == "het bedrag klopt nog steeds niet"


def test_the_topic_of_a_handoff_after_a_return_is_the_return(assistant, queue):
    sender = new_sender()
    assistant.say(sender, "ik wil iets retourneren")
    assistant.say(sender, "zalando")
    assistant.say(sender, "ik wil een medewerker spreken")
    assert queue.live_entry(sender).reason == "retour"
