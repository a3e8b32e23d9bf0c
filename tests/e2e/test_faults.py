"""Faults with the real servers: the action server stopped or hanging, the Rasa server restarted in
the middle of a conversation. The customer always gets a clear answer and loses nothing."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest

pytestmark = pytest.mark.e2e

SOMETHING_WRONG = "er gaat aan onze kant even iets mis"
HOURS = "maandag t/m vrijdag van 09:00 tot 18:00"


def timed_say(assistant, sender: str, text: str) -> tuple[list[str], float]:
    started = time.monotonic()
    answers = assistant.say(sender, text)
    return answers, time.monotonic() - started


@pytest.fixture
def action_server(assistant):
    """The session's action server, started again after the test whatever it did to it."""
    services = assistant.services
    yield services
    process = services.processes.get("actions")
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGCONT)
    if not services.ready("actions"):
        services.stop("actions")
        services.start("actions")
        services.wait_ready("actions")


def test_a_stopped_action_server_gets_a_clear_answer_and_the_conversation_goes_on(assistant, action_server,
                                                                                 show_figure):
    sender = f"storing-{uuid.uuid4().hex[:8]}"
    action_server.stop("actions")
    answers, seconds = timed_say(assistant, sender, "hoe laat zijn jullie open?")
    assert len(answers) == 1 and SOMETHING_WRONG in answers[0].lower()
    assert seconds < 5
    action_server.start("actions")
    action_server.wait_ready("actions")
    time.sleep(3)  # the Rasa server tries the action server again for this conversation after 3 s
    assert HOURS in assistant.say(sender, "hoe laat zijn jullie open?")[0]
    show_figure(f"action server stopped: answered in {seconds:.2f} s, then normal service again")


def test_a_hanging_action_server_gets_a_clear_answer_within_five_seconds(assistant, action_server,
                                                                         show_figure):
    sender = f"hangt-{uuid.uuid4().hex[:8]}"
    process = action_server.processes["actions"]
    os.killpg(process.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        answers, seconds = timed_say(assistant, sender, "wat is jullie telefoonnummer")
    finally:
        os.killpg(process.pid, signal.SIGCONT)
    assert SOMETHING_WRONG in answers[0].lower()
    assert seconds < 5
    time.sleep(3)
    assert "020 - 808 28 52" in assistant.say(sender, "wat is jullie telefoonnummer")[0]
    show_figure(f"action server hanging: answered in {seconds:.2f} s")


def test_a_rasa_restart_in_the_middle_of_a_form_loses_nothing(assistant):
    sender = f"herstart-{uuid.uuid4().hex[:8]}"
    assert "bestelnummer" in " ".join(assistant.say(sender, "ik heb een pakket teruggestuurd naar bol.com")).lower()
    assert "trackingnummer" in " ".join(assistant.say(sender, "12345678")).lower()
    services = assistant.services
    services.stop("rasa")
    services.start("rasa")
    services.wait_ready("rasa")
    filed = " ".join(assistant.say(sender, "3SABCD1234567"))
    assert "RET-" in filed
    slots = assistant.tracker(sender)["slots"]
    assert slots["case_referentie"] in filed
