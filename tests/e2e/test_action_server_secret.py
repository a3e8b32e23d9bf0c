"""Only the Rasa server may call the action server: the real servers, with and without the secret."""

from __future__ import annotations

import pytest
import requests

from bot.action_server_secret import HEADER

pytestmark = pytest.mark.e2e

HOURS = "maandag t/m vrijdag van 09:00 tot 18:00"

ACTION_CALL = {
    "next_action": "action_openingstijden",
    "sender_id": "an-outsider",
    "tracker": {"sender_id": "an-outsider", "slots": {}, "latest_message": {}, "events": []},
    "domain": {},
    "version": "3.6.2",
}


def test_the_rasa_server_runs_custom_actions_with_the_secret(assistant):
    answers = assistant.say("secret-caller", "hoe laat zijn jullie open?")
    assert any(HOURS in answer for answer in answers), answers  # action_openingstijden answered


@pytest.mark.parametrize("headers", [{}, {HEADER: "not-the-secret"}, {HEADER: ""}])
def test_the_action_server_refuses_callers_without_the_secret(services, headers):
    webhook = requests.post(f"{services.action_url}/webhook", json=ACTION_CALL, headers=headers, timeout=10)
    listing = requests.get(f"{services.action_url}/actions", headers=headers, timeout=10)
    assert webhook.status_code == 401 and listing.status_code == 401
    assert "openingstijden" not in webhook.text + listing.text


def test_the_action_server_answers_the_right_secret_and_probes(services):
    secret = {HEADER: services.env["ACTION_SERVER_SECRET"]}
    listing = requests.get(f"{services.action_url}/actions", headers=secret, timeout=10)
    assert listing.status_code == 200 and listing.json()
    assert requests.get(f"{services.action_url}/health", timeout=10).status_code == 200
