"""`?stream=true` on the REST webhook without a server: faults give the same 503 as without
streaming, and a conversation's admission ends with its processing. Against the running server:
tests/e2e/test_rest_input.py."""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.channels.channel import UserMessage

from channels import delivery, rest
from channels.rest import NOT_PROCESSED, _streamed, in_process

SENDER = "stream-klant"


class Client:
    """Collects what the stream writes, as a client reading it would."""

    def __init__(self) -> None:
        self.lines: list[dict] = []

    async def write(self, data: str) -> None:
        self.lines.extend(json.loads(line) for line in data.splitlines() if line.strip())


@pytest.fixture(autouse=True)
def no_agent_messages(monkeypatch):
    async def nothing(_: str) -> tuple[str, list]:
        return "", []

    monkeypatch.setattr(delivery, "hand_out", nothing)


def run(handler) -> tuple[object, list[dict]]:
    """Admits a message as the webhook does, streams it through `handler`, reads the stream."""

    async def scenario():
        assert in_process.admit(SENDER)
        message = rest.parse_message(json.dumps({"sender": SENDER, "message": "hoi"}).encode())
        answer = await _streamed(handler, message, "rest")
        client = Client()
        if hasattr(answer, "streaming_fn"):
            await answer.streaming_fn(client)
        return answer, client.lines

    return asyncio.run(scenario())


def test_the_bot_messages_are_streamed_line_by_line_and_the_admission_ends():
    async def answers(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Hoi!")
        await message.output_channel.send_text_message(message.sender_id, "Waarmee kan ik je helpen?")

    answer, lines = run(answers)
    assert answer.status == 200
    assert [line["text"] for line in lines] == ["Hoi!", "Waarmee kan ik je helpen?"]
    assert SENDER not in in_process.counts


def test_a_fault_before_the_first_answer_is_a_503():
    async def store_down(_: UserMessage) -> None:
        raise ConnectionError("the tracker store is unreachable")

    answer, lines = run(store_down)
    assert answer.status == 503 and lines == []
    assert json.loads(answer.body) == NOT_PROCESSED.body()
    assert SENDER not in in_process.counts


def test_a_fault_after_the_first_answer_ends_the_stream_with_the_error():
    async def fails_halfway(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Even kijken…")
        raise ConnectionError("the action server went away")

    answer, lines = run(fails_halfway)
    assert answer.status == 200
    assert lines == [{"recipient_id": SENDER, "text": "Even kijken…"}, NOT_PROCESSED.body()]
    assert SENDER not in in_process.counts


def test_a_client_that_leaves_early_keeps_the_admission_until_processing_ends():
    async def scenario() -> tuple[int, bool]:
        release = asyncio.Event()

        async def slow(message: UserMessage) -> None:
            await message.output_channel.send_text_message(message.sender_id, "Eerste antwoord")
            await release.wait()

        assert in_process.admit(SENDER)
        message = rest.parse_message(json.dumps({"sender": SENDER, "message": "hoi"}).encode())
        await _streamed(slow, message, "rest")  # the stream is never read: the client left
        during = in_process.counts.get(SENDER, 0)
        release.set()
        for _ in range(100):
            if SENDER not in in_process.counts:
                break
            await asyncio.sleep(0)
        return during, SENDER not in in_process.counts

    during, released = asyncio.run(scenario())
    assert during == 1 and released
