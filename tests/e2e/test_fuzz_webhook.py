"""Fuzzing the running REST webhook: generated requests (arbitrary senders, messages, metadata and
damaged bodies) each get a 200 or a 4xx, never a 5xx, and the server keeps answering.

A fixed number of examples, derandomized so that every run sends the same requests; no example
database. The same strategies without the server: tests/unit/test_fuzz.py.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_fuzz import WORDS, any_character, json_values

pytestmark = pytest.mark.e2e

WEBHOOK = "/webhooks/rest/webhook"
EXAMPLES = 150
statuses: Counter = Counter()
refusals: Counter = Counter()  # the 4xx by error code
PREFIX = f"fuzz-{uuid.uuid4().hex[:6]}-"

# Mostly requests that reach the model and the action server (a known conversation, words of the
# domain, Rasa's "/intent{entities}" syntax), the rest anything at all.
intent_texts = st.builds(
    lambda intent, entity, value: f"/{intent}" + json.dumps({entity: value}),
    st.sampled_from(
        ["retour", "klacht", "greet", "factuur_vraag", "overslaan", "medewerker_spreken", "nlu_fallback"]
    ),
    st.sampled_from(["webshop", "bestelnummer", "trackingnummer", "dag"]),
    st.one_of(st.sampled_from(WORDS), st.text(any_character, max_size=30)),
)


def mostly(*weighted: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, picked in proportion to its weight."""
    return st.sampled_from([strategy for weight, strategy in weighted for _ in range(weight)]).flatmap(
        lambda strategy: strategy
    )


known = st.sampled_from(["a", "b", "c"]).map(lambda name: PREFIX + name)  # conversations that grow
senders = mostly(
    (6, known),
    (1, st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=40).map(PREFIX.__add__)),
    (1, st.text(any_character, max_size=300)),
    (1, json_values),
)
messages = mostly(
    (4, st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join)),
    (2, intent_texts),
    (1, st.text(any_character, min_size=1, max_size=200)),
    (1, st.text(any_character, min_size=4990, max_size=5010)),
    (1, json_values),
)
requests_ = st.fixed_dictionaries(
    {"sender": senders, "message": messages},
    optional={
        "metadata": mostly(
            (3, st.dictionaries(st.text(max_size=10), json_values, max_size=3)), (1, json_values)
        ),
        "input_channel": st.sampled_from(["rest", "socketio", ""]),
    },
).map(lambda payload: json.dumps(payload).encode())
bodies = mostly((4, requests_), (1, st.binary(max_size=300)))


@pytest.fixture(scope="module", autouse=True)
def figure(request):
    yield
    sent = sum(statuses.values())
    errors = sum(count for key, count in statuses.items() if not isinstance(key, int))
    server_errors = sum(count for key, count in statuses.items() if isinstance(key, int) and key >= 500)
    detail = ", ".join(f"{key}: {count}" for key, count in sorted((statuses + refusals).items(), key=str))
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        print(
            f"\nfuzzing the REST webhook: {sent} messages sent, {errors} errors, {server_errors} 5xx "
            f"({detail})",
            flush=True,
        )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(body=bodies)
def test_generated_requests_get_a_200_or_a_4xx(assistant, body):
    try:
        response = requests.post(
            f"{assistant.url}{WEBHOOK}", data=body, timeout=60, headers={"Content-Type": "application/json"}
        )
    except requests.RequestException as error:
        statuses[type(error).__name__] += 1
        raise
    statuses[response.status_code] += 1
    assert response.status_code == 200 or 400 <= response.status_code < 500, (body[:300], response.text[:300])
    if response.status_code == 200:
        assert isinstance(response.json(), list)
    else:
        error = response.json()["error"]
        assert error["nl"] and error["en"]
        refusals[error["code"]] += 1


def test_the_server_still_answers_after_the_fuzzing(assistant):
    answer = " ".join(assistant.say(f"{PREFIX}after", "wat is jullie telefoonnummer"))
    assert "020 - 808 28 52" in answer
