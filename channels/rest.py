"""Rasa's REST channel (`POST /webhooks/rest/webhook`) with its input checked first.

Rasa 3.6's own `RestInput` answers a JSON array or an empty body with 500, a request without a
message with an empty 200, and passes empty, whitespace-only or arbitrarily long messages to the
model. This channel keeps Rasa's request and answer format
(`{"sender": ..., "message": ..., "metadata": {...}}` in, a list of bot messages out, `?stream=true`
for a stream; agents' answers that are still waiting for the customer come first, see
channels/delivery.py) and answers every malformed request with a 4xx and a JSON error in Dutch and English:

    {"error": {"code": "message_empty", "nl": "...", "en": "..."}}

| what | answer |
|---|---|
| body over MAX_BODY_BYTES (64 kB) | 413 `body_too_large` |
| body not UTF-8 JSON | 400 `invalid_json` |
| JSON that is not an object | 400 `not_an_object` |
| JSON nested deeper than MAX_JSON_DEPTH (20) levels | 400 `too_deeply_nested` |
| text that cannot be stored as UTF-8 (a lone surrogate such as `"\\ud800"`) | 400 `invalid_unicode` |
| no `sender`, or not a non-empty string / number of at most MAX_SENDER_CHARS | 400 `sender_*` |
| `sender` with control or other unprintable characters | 400 `sender_invalid` |
| no `message` | 400 `message_missing` |
| `message` not a string | 400 `message_not_text` |
| `message` empty or only whitespace | 400 `message_empty` |
| `message` over MAX_MESSAGE_CHARS (5,000) characters | 413 `message_too_long` |
| `metadata` present but not an object | 400 `metadata_not_an_object` |
| `input_channel` present but not a non-empty string | 400 `input_channel_not_text` |
| another method than POST | 405 `method_not_allowed` |
| over MAX_IN_PROCESS_PER_SENDER (5) messages of one conversation at once | 429 `too_many_messages` |
| the message could not be processed (e.g. the conversation store is down) | 503 `temporarily_unavailable` |

The checks, the limit per conversation and the 503 apply to `?stream=true` too; a fault after the
stream has begun ends it with the 503's error object as its last line.

The name stays "rest", so the path is /webhooks/rest/webhook as with Rasa's channel.
"""

from __future__ import annotations

import asyncio
import json
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

import rasa_runtime
from bot.delivery import Message
from channels import delivery

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 5000
# The conversation id columns (Rasa's tracker store, the agent queue, the cases) are VARCHAR(255):
# PostgreSQL refuses a longer id, and Rasa's SQL tracker store then stops the whole server.
MAX_SENDER_CHARS = 255
# Rasa deep-copies the metadata; a few hundred levels exceed Python's recursion limit.
MAX_JSON_DEPTH = 20
# A customer waits for the answer before typing on. Rasa handles one conversation's messages one
# at a time, each slower than the one before (every turn replays the whole conversation): 1,000 at
# once would keep the server busy for ten minutes. Beyond this many the others are refused.
MAX_IN_PROCESS_PER_SENDER = 5


class InvalidRequest(Exception):
    """A request the webhook refuses, with its HTTP status and a Dutch and English explanation."""

    def __init__(self, status: int, code: str, nl: str, en: str) -> None:
        super().__init__(en)
        self.status = status
        self.code = code
        self.nl = nl
        self.en = en

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "nl": self.nl, "en": self.en}}


NOT_PROCESSED = InvalidRequest(
    503,
    "temporarily_unavailable",
    "Er gaat aan onze kant even iets mis: je bericht is niet verwerkt. Stuur het over een minuut opnieuw.",
    "The message was not processed because of a temporary fault; send it again in a minute.",
)


TOO_MANY_MESSAGES = InvalidRequest(
    429,
    "too_many_messages",
    "Je stuurt veel berichten tegelijk. Wacht even op mijn antwoord en stuur je bericht dan opnieuw.",
    "Too many messages of this conversation at once: wait for the answers, then send it again.",
)


class InProcess:
    """How many messages of each conversation are being handled (REST and socket.io together)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counts: dict[str, int] = {}

    def admit(self, sender: str) -> bool:
        count = self.counts.get(sender, 0)
        if count >= self.limit:
            return False
        self.counts[sender] = count + 1
        return True

    def release(self, sender: str) -> None:
        count = self.counts.pop(sender, 1) - 1
        if count > 0:
            self.counts[sender] = count


in_process = InProcess(MAX_IN_PROCESS_PER_SENDER)


@dataclass(frozen=True)
class ParsedMessage:
    sender: str
    text: str
    metadata: dict[str, Any] | None
    input_channel: str | None


def _check_size(content_length: str | None, body_size: int) -> None:
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if max(declared, body_size) > MAX_BODY_BYTES:
        raise InvalidRequest(
            413,
            "body_too_large",
            f"Het verzoek is te groot: maximaal {MAX_BODY_BYTES // 1024} kB.",
            f"The request body is too large: at most {MAX_BODY_BYTES // 1024} kB.",
        )


def _sender(payload: dict[str, Any]) -> str:
    if "sender" not in payload or payload["sender"] is None:
        raise InvalidRequest(
            400,
            "sender_missing",
            'Het veld "sender" (de id van het gesprek) ontbreekt.',
            'The field "sender" (the conversation id) is missing.',
        )
    sender = payload["sender"]
    if isinstance(sender, bool) or not isinstance(sender, (str, int)):
        raise InvalidRequest(
            400,
            "sender_not_text",
            'Het veld "sender" moet tekst zijn.',
            'The field "sender" must be a string.',
        )
    sender = str(sender).strip()
    if not sender:
        raise InvalidRequest(
            400,
            "sender_empty",
            'Het veld "sender" is leeg.',
            'The field "sender" is empty.',
        )
    if len(sender) > MAX_SENDER_CHARS:
        raise InvalidRequest(
            400,
            "sender_too_long",
            f'Het veld "sender" is te lang: maximaal {MAX_SENDER_CHARS} tekens.',
            f'The field "sender" is too long: at most {MAX_SENDER_CHARS} characters.',
        )
    if not sender.isprintable():
        # A NUL makes PostgreSQL (and with it Rasa's SQL tracker store and the server) fail.
        raise InvalidRequest(
            400,
            "sender_invalid",
            'Het veld "sender" bevat ongeldige tekens, zoals stuurtekens.',
            'The field "sender" contains control or other unprintable characters.',
        )
    return sender


def _text(payload: dict[str, Any]) -> str:
    if "message" not in payload or payload["message"] is None:
        raise InvalidRequest(
            400,
            "message_missing",
            'Het veld "message" (je bericht) ontbreekt.',
            'The field "message" is missing.',
        )
    text = payload["message"]
    if not isinstance(text, str):
        raise InvalidRequest(
            400,
            "message_not_text",
            'Het veld "message" moet tekst zijn.',
            'The field "message" must be a string.',
        )
    if not text.strip():
        raise InvalidRequest(
            400,
            "message_empty",
            "Je bericht is leeg. Typ je vraag en stuur hem opnieuw.",
            "The message is empty.",
        )
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidRequest(
            413,
            "message_too_long",
            f"Je bericht is te lang: maximaal {MAX_MESSAGE_CHARS} tekens.",
            f"The message is too long: at most {MAX_MESSAGE_CHARS} characters.",
        )
    return text


def _depth(value: Any) -> int:
    """How deeply lists and objects are nested in a JSON value (a scalar is 0)."""
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            level.extend((child, depth + 1) for child in children)
    return deepest


def _check_structure(payload: dict[str, Any]) -> None:
    if _depth(payload) > MAX_JSON_DEPTH:
        raise InvalidRequest(
            400,
            "too_deeply_nested",
            f"Het verzoek is te diep genest: maximaal {MAX_JSON_DEPTH} niveaus.",
            f"The request is nested too deeply: at most {MAX_JSON_DEPTH} levels.",
        )
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800" in JSON): spaCy cannot read it, and in a sender id it makes
        # Rasa's SQL tracker store stop the whole server.
        raise InvalidRequest(
            400,
            "invalid_unicode",
            "Je bericht bevat tekens die we niet kunnen lezen. Pas het aan en stuur het opnieuw.",
            "The request contains text that is not valid Unicode (a lone surrogate).",
        ) from None


def parse_message(body: bytes, content_length: str | None = None) -> ParsedMessage:
    """The webhook's request body checked and taken apart; raises InvalidRequest."""
    _check_size(content_length, len(body))
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: "[[[[..."
        raise InvalidRequest(
            400,
            "invalid_json",
            'Het verzoek is geen geldige JSON. Stuur bijvoorbeeld {"sender": "klant-1", "message": "hoi"}.',
            'The request body is not valid JSON. Send e.g. {"sender": "klant-1", "message": "hoi"}.',
        ) from None
    return check_payload(payload)


def check_payload(payload: Any) -> ParsedMessage:
    """A decoded request (`{"sender", "message", "metadata", "input_channel"}`) checked and
    taken apart; raises InvalidRequest. The socket.io channel checks its messages with it too."""
    if not isinstance(payload, dict):
        raise InvalidRequest(
            400,
            "not_an_object",
            'Het verzoek moet een JSON-object zijn, zoals {"sender": "klant-1", "message": "hoi"}.',
            'The request body must be a JSON object such as {"sender": "klant-1", "message": "hoi"}.',
        )
    _check_structure(payload)
    sender = _sender(payload)
    text = _text(payload)
    metadata = payload.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRequest(
            400,
            "metadata_not_an_object",
            'Het veld "metadata" moet een JSON-object zijn.',
            'The field "metadata" must be a JSON object.',
        )
    input_channel = payload.get("input_channel")
    if input_channel is not None and not (isinstance(input_channel, str) and input_channel.strip()):
        raise InvalidRequest(
            400,
            "input_channel_not_text",
            'Het veld "input_channel" moet tekst zijn.',
            'The field "input_channel" must be a non-empty string.',
        )
    return ParsedMessage(sender, text, metadata, input_channel)


async def _read_body(request: Request) -> bytes:
    """The request body, read up to MAX_BODY_BYTES; raises InvalidRequest beyond that."""
    _check_size(request.headers.get("content-length"), 0)
    body = bytearray()
    assert request.stream is not None, "the webhook route streams its request body"
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return bytes(body)
        body += chunk
        _check_size(None, len(body))


_DONE = object()


async def _streamed(
    on_new_message: Callable[[UserMessage], Awaitable[None]], message: ParsedMessage, input_channel: str
) -> ResponseStream | HTTPResponse:
    """`?stream=true`, for a message already admitted to `in_process`: one JSON line per bot message.

    Rasa's own stream waits forever when processing fails. Here the status waits for the first bot
    message: a fault before it is a 503 like without streaming; a fault after it ends the stream
    with the same error as its last line. The admission ends with the processing, even when the
    client leaves early.
    """
    queue: asyncio.Queue = asyncio.Queue()

    async def process() -> None:
        try:
            await on_new_message(
                UserMessage(
                    message.text,
                    QueueOutputChannel(queue),
                    message.sender,
                    input_channel=input_channel,
                    metadata=message.metadata,
                )
            )
        finally:
            in_process.release(message.sender)
            queue.put_nowait(_DONE)

    def log_fault(done: asyncio.Future) -> None:
        if done.cancelled() or done.exception() is not None:
            logger.error(
                "REST webhook: handling the streamed message failed (sender %s)",
                message.sender,
                exc_info=None if done.cancelled() else done.exception(),
            )

    task = asyncio.ensure_future(process())
    task.add_done_callback(log_fault)

    async def failed() -> bool:
        await asyncio.wait({task})
        return task.cancelled() or task.exception() is not None

    first = await queue.get()
    if first is _DONE and await failed():
        return response.json(NOT_PROCESSED.body(), status=NOT_PROCESSED.status)

    async def stream(resp: Any) -> None:
        token, waiting = await delivery.hand_out(message.sender)
        try:
            for said in waiting:
                await resp.write(json.dumps(_rest_message(message.sender, said)) + "\n")
        except BaseException:
            await delivery.release(token)
            raise
        await delivery.confirm(token)
        item = first
        while item is not _DONE:
            await resp.write(json.dumps(item) + "\n")
            item = await queue.get()
        if await failed():
            await resp.write(json.dumps(NOT_PROCESSED.body()) + "\n")

    return response.stream(stream, content_type="text/event-stream")


def _rest_message(sender: str, message: Message) -> dict[str, Any]:
    """A waiting message as Rasa's REST channel writes a bot message (with its buttons, if any)."""
    written: dict[str, Any] = {"recipient_id": sender, "text": message.text}
    if message.buttons:
        written["buttons"] = message.buttons_json()
    return written


async def _answer(request: Request, sender: str, said: list[dict[str, Any]]) -> None:
    """Writes the answer: the agents' messages waiting for the customer first, then the bot's. The
    waiting ones count as delivered once the response has been written, not before."""
    token, waiting = await delivery.hand_out(sender)
    body = [_rest_message(sender, message) for message in waiting] + said
    try:
        written = await request.respond(content_type="application/json")
        await written.send(json.dumps(body, ensure_ascii=False), end_stream=True)
    except BaseException:
        await delivery.release(token)
        raise
    await delivery.confirm(token)


class RestInput(RasaRestInput):
    """Rasa's REST webhook, refusing malformed requests with a clear 4xx instead of a 500."""

    def __init__(self) -> None:
        rasa_runtime.install()  # the Rasa server's patches, whatever stores endpoints.yml names
        super().__init__()

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # stream=True: the body is read here, so an oversized one is refused before it is buffered.
        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> ResponseStream | HTTPResponse | None:
            try:
                body = await _read_body(request)
                message = parse_message(body, request.headers.get("content-length"))
            except InvalidRequest as refused:
                logger.info("REST webhook refused a request: %s", refused.code)
                return response.json(refused.body(), status=refused.status)
            input_channel = message.input_channel or self.name()
            if not in_process.admit(message.sender):
                logger.info("REST webhook refused a request: %s", TOO_MANY_MESSAGES.code)
                return response.json(TOO_MANY_MESSAGES.body(), status=TOO_MANY_MESSAGES.status)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return await _streamed(on_new_message, message, input_channel)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        message.text,
                        collector,
                        message.sender,
                        input_channel=input_channel,
                        metadata=message.metadata,
                    )
                )
            except (CancelledError, Exception):
                # Not processed (e.g. the conversation store is unreachable): say so, so that the
                # client sends the message again instead of taking silence for an answer.
                logger.exception("REST webhook: handling the message failed (sender %s)", message.sender)
                return response.json(NOT_PROCESSED.body(), status=NOT_PROCESSED.status)
            finally:
                in_process.release(message.sender)
            await _answer(request, message.sender, collector.messages)
            return None

        @webhook.route("/webhook", methods=["GET", "PUT", "PATCH", "DELETE"])
        async def wrong_method(request: Request) -> HTTPResponse:
            refused = InvalidRequest(
                405,
                "method_not_allowed",
                'Stuur je bericht met POST, als JSON: {"sender": "klant-1", "message": "hoi"}.',
                'Send the message with POST, as JSON: {"sender": "klant-1", "message": "hoi"}.',
            )
            return response.json(refused.body(), status=405, headers={"Allow": "POST"})

        return webhook
