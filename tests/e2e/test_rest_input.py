"""Bad requests to the REST webhook of the running Rasa server: each gets a clear 4xx with a Dutch
and English JSON error, never a 500, and the server keeps answering good requests."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
import pytest
import requests

from channels.rest import MAX_IN_PROCESS_PER_SENDER

pytestmark = pytest.mark.e2e

WEBHOOK = "/webhooks/rest/webhook"


def post(
    assistant, data: bytes | str, headers: dict[str, str] | None = None, params: dict | None = None
) -> requests.Response:
    return requests.post(
        f"{assistant.url}{WEBHOOK}",
        data=data,
        params=params,
        timeout=30,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def assert_refused(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["nl"] and error["en"]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ("dit is geen json", 400, "invalid_json"),
        ("", 400, "invalid_json"),
        (b"\xff\xfe\x00", 400, "invalid_json"),
        ('[{"sender": "s", "message": "hoi"}]', 400, "not_an_object"),
        ('{"message": "hoi"}', 400, "sender_missing"),
        ('{"sender": {"id": 1}, "message": "hoi"}', 400, "sender_not_text"),
        ('{"sender": "s"}', 400, "message_missing"),
        ('{"sender": "s", "message": 123}', 400, "message_not_text"),
        ('{"sender": "s", "message": ""}', 400, "message_empty"),
        ('{"sender": "s", "message": "   \\n  "}', 400, "message_empty"),
        (json.dumps({"sender": "s", "message": "a" * 5001}), 413, "message_too_long"),
        (json.dumps({"sender": "s", "message": "a" * 70_000}), 413, "body_too_large"),
        ('{"sender": "s", "message": "hoi", "metadata": "tekst"}', 400, "metadata_not_an_object"),
    ],
    ids=[
        "not-json",
        "empty-body",
        "not-utf8",
        "json-array",
        "no-sender",
        "sender-object",
        "no-message",
        "message-number",
        "message-empty",
        "message-whitespace",
        "message-too-long",
        "body-too-large",
        "metadata-text",
    ],
)
def test_a_bad_request_gets_a_clear_4xx(assistant, data, status, code):
    assert_refused(post(assistant, data), status, code)


def test_a_huge_body_is_refused_without_reading_it(assistant):
    assert_refused(post(assistant, b"x" * (2 * 1024 * 1024)), 413, "body_too_large")


def test_a_chunked_body_over_the_limit_is_refused(assistant):
    chunks = (b"x" * 16_384 for _ in range(8))  # a generator: sent with Transfer-Encoding: chunked
    assert_refused(post(assistant, chunks), 413, "body_too_large")


def test_a_get_is_told_to_post(assistant):
    response = requests.get(f"{assistant.url}{WEBHOOK}", timeout=10)
    assert_refused(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST"


def test_the_server_answers_good_requests_after_bad_ones(assistant):
    for data in ("{", "[]", '{"sender": "s", "message": " "}'):
        assert post(assistant, data).status_code == 400
    sender = f"test-{uuid.uuid4().hex[:12]}"
    response = post(assistant, json.dumps({"sender": sender, "message": "wat is jullie telefoonnummer"}))
    assert response.status_code == 200
    assert any("020 - 808 28 52" in item.get("text", "") for item in response.json())
    assert all(item["recipient_id"] == sender for item in response.json())


def test_a_message_without_content_type_header_works_as_with_curl_d(assistant):
    response = requests.post(
        f"{assistant.url}{WEBHOOK}",
        timeout=30,
        data=json.dumps({"sender": f"test-{uuid.uuid4().hex[:8]}", "message": "hallo"}),
    )
    assert response.status_code == 200
    assert "Waarmee kan ik je helpen?" in " ".join(item.get("text", "") for item in response.json())


def test_streaming_still_works(assistant):
    response = post(
        assistant,
        json.dumps({"sender": f"test-{uuid.uuid4().hex[:8]}", "message": "hallo"}),
        params={"stream": "true"},
    )
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    assert any("Waarmee kan ik je helpen?" in item.get("text", "") for item in lines)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ("dit is geen json", 400, "invalid_json"),
        ('{"sender": "s", "message": "  "}', 400, "message_empty"),
        (json.dumps({"sender": "s", "message": "a" * 5001}), 413, "message_too_long"),
    ],
    ids=["not-json", "message-empty", "message-too-long"],
)
def test_a_bad_streamed_request_gets_the_same_clear_4xx(assistant, data, status, code):
    assert_refused(post(assistant, data, params={"stream": "true"}), status, code)


def test_streamed_requests_are_limited_per_conversation(assistant):
    """A burst of streamed messages of one conversation: beyond MAX_IN_PROCESS_PER_SENDER at once
    the others get the 429, as without streaming; each streamed answer is in the tracker."""
    sender = f"test-{uuid.uuid4().hex[:12]}"
    burst = 4 * MAX_IN_PROCESS_PER_SENDER

    async def one(session: aiohttp.ClientSession) -> tuple[int, str, str]:
        async with session.post(
            f"{assistant.url}{WEBHOOK}",
            params={"stream": "true"},
            json={"sender": sender, "message": "hallo"},
        ) as response:
            return response.status, response.headers.get("Content-Type", ""), await response.text()

    async def all_at_once() -> list[tuple[int, str, str]]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
            return await asyncio.gather(*(one(session) for _ in range(burst)))

    results = asyncio.run(all_at_once())
    answered = [text for status, _, text in results if status == 200]
    refused = [(kind, text) for status, kind, text in results if status == 429]
    assert len(answered) + len(refused) == burst, [status for status, _, _ in results]
    assert len(answered) >= MAX_IN_PROCESS_PER_SENDER and refused
    for kind, text in refused:
        assert kind.startswith("application/json")
        assert json.loads(text)["error"]["code"] == "too_many_messages"
    for text in answered:
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        assert any("Waarmee kan ik je helpen?" in item.get("text", "") for item in lines), lines
    stored = [event for event in assistant.tracker(sender)["events"] if event["event"] == "user"]
    assert len(stored) == len(answered)
    # The admissions ended with the streams: the conversation is answered again.
    again = post(
        assistant,
        json.dumps({"sender": sender, "message": "wat is jullie telefoonnummer"}),
        params={"stream": "true"},
    )
    assert again.status_code == 200 and "020 - 808 28 52" in again.text
