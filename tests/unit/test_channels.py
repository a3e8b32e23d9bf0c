"""The channels' own logic without a server: the REST webhook's input checks and the socket.io
channel's origins and message queue. The same cases against the running server:
tests/e2e/test_rest_input.py, tests/e2e/test_socketio_origins.py and (two servers)
tests/e2e/test_scale_out.py."""

from __future__ import annotations

import json

import pytest
from socketio import AsyncManager

from channels.rest import MAX_BODY_BYTES, MAX_MESSAGE_CHARS, InvalidRequest, parse_message
from channels.socketio import SocketIOInput, message_queue_url, parse_origins


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


def refused(raw: bytes, content_length: str | None = None) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse_message(raw, content_length)
    error = caught.value
    assert error.nl and error.en and error.nl != error.en
    assert error.body() == {"error": {"code": error.code, "nl": error.nl, "en": error.en}}
    return error


def test_a_good_request_is_taken_apart():
    message = parse_message(body({"sender": "klant-1", "message": "hoi", "metadata": {"a": 1}}))
    assert (message.sender, message.text, message.metadata, message.input_channel) == (
        "klant-1",
        "hoi",
        {"a": 1},
        None,
    )


def test_a_numeric_sender_becomes_text():
    assert parse_message(body({"sender": 42, "message": "hoi"})).sender == "42"


def test_a_message_of_exactly_the_limit_is_accepted():
    assert (
        len(parse_message(body({"sender": "s", "message": "a" * MAX_MESSAGE_CHARS})).text)
        == MAX_MESSAGE_CHARS
    )


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"dit is geen json", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b"\xff\xfe{}", 400, "invalid_json"),
        (b'{"sender": "s", "message": "hoi"', 400, "invalid_json"),
        (body([{"sender": "s", "message": "hoi"}]), 400, "not_an_object"),
        (body("hoi"), 400, "not_an_object"),
        (body(None), 400, "not_an_object"),
        (body({"message": "hoi"}), 400, "sender_missing"),
        (body({"sender": None, "message": "hoi"}), 400, "sender_missing"),
        (body({"sender": {"id": 1}, "message": "hoi"}), 400, "sender_not_text"),
        (body({"sender": True, "message": "hoi"}), 400, "sender_not_text"),
        (body({"sender": "  ", "message": "hoi"}), 400, "sender_empty"),
        (body({"sender": "s" * 257, "message": "hoi"}), 400, "sender_too_long"),
        (body({"sender": "s"}), 400, "message_missing"),
        (body({"sender": "s", "message": None}), 400, "message_missing"),
        (body({"sender": "s", "message": 123}), 400, "message_not_text"),
        (body({"sender": "s", "message": ["hoi"]}), 400, "message_not_text"),
        (body({"sender": "s", "message": ""}), 400, "message_empty"),
        (body({"sender": "s", "message": " \n\t "}), 400, "message_empty"),
        (body({"sender": "s", "message": "a" * (MAX_MESSAGE_CHARS + 1)}), 413, "message_too_long"),
        (body({"sender": "s", "message": "a" * (MAX_BODY_BYTES + 1)}), 413, "body_too_large"),
        (body({"sender": "s", "message": "hoi", "metadata": "tekst"}), 400, "metadata_not_an_object"),
        (body({"sender": "s", "message": "hoi", "metadata": [1]}), 400, "metadata_not_an_object"),
        (body({"sender": "s", "message": "hoi", "input_channel": 5}), 400, "input_channel_not_text"),
    ],
)
def test_a_bad_request_is_refused_with_a_clear_error(raw, status, code):
    error = refused(raw)
    assert (error.status, error.code) == (status, code)


def test_a_declared_oversized_body_is_refused_before_reading_it():
    assert refused(b"", content_length=str(MAX_BODY_BYTES + 1)).code == "body_too_large"


def test_origins_come_from_a_space_or_comma_separated_list():
    assert parse_origins("http://localhost:8080 http://127.0.0.1:8080/") == [
        "http://localhost:8080",
        "http://127.0.0.1:8080",
    ]
    assert parse_origins("http://a.nl,http://b.nl") == ["http://a.nl", "http://b.nl"]
    assert parse_origins(["http://a.nl/"]) == ["http://a.nl"]
    assert parse_origins(None) == [] and parse_origins("  ") == []


def test_the_socketio_channel_restricts_engineio_to_the_origins():
    channel = SocketIOInput.from_credentials(
        {"session_persistence": True, "cors_allowed_origins": "http://localhost:8080 http://127.0.0.1:8080"}
    )
    channel.blueprint(lambda message: None)
    assert channel.name() == "socketio" and channel.session_persistence
    assert channel.sio.eio.cors_allowed_origins == ["http://localhost:8080", "http://127.0.0.1:8080"]
    # CORS headers come from Rasa's --cors; engine.io adding a second set would break browsers.
    assert (
        channel.sio.eio._cors_headers({"HTTP_ORIGIN": "http://localhost:8080", "REQUEST_METHOD": "GET"}) == []
    )


def test_without_configured_origins_only_the_same_origin_may_connect(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "")
    channel = SocketIOInput.from_credentials({})
    channel.blueprint(lambda message: None)
    assert channel.sio.eio.cors_allowed_origins is None  # engine.io: same origin only; [] would allow all


def test_a_plain_rasa_run_lets_the_chat_page_of_make_run_connect(monkeypatch):
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    channel = SocketIOInput.from_credentials({})
    assert channel.allowed_origins == ["http://localhost:8080", "http://127.0.0.1:8080"]


def test_the_origins_default_to_cors_origins(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "http://localhost:18080")
    channel = SocketIOInput.from_credentials({})
    assert channel.allowed_origins == ["http://localhost:18080"]


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, None),
        ({"LOCK_STORE_URL": "memory"}, None),
        ({"LOCK_STORE_URL": "redis://localhost:6379/0"}, "redis://localhost:6379/0"),
        ({"LOCK_STORE_URL": "redis://localhost:6379/0", "SOCKETIO_MESSAGE_QUEUE": ""}, None),
        ({"LOCK_STORE_URL": "redis://localhost:6379/0", "SOCKETIO_MESSAGE_QUEUE": "memory"}, None),
        (
            {"LOCK_STORE_URL": "memory", "SOCKETIO_MESSAGE_QUEUE": " rediss://:geheim@cache:6380/1 "},
            "rediss://:geheim@cache:6380/1",
        ),
    ],
)
def test_socketio_shares_messages_through_redis_only_when_a_redis_url_is_set(environ, url):
    assert message_queue_url(environ) == url


@pytest.mark.parametrize("value", ["postgresql://klant:pw@db-server/ks", "localhost:6379", "cache"])
def test_a_message_queue_that_is_not_redis_is_refused_without_repeating_it(value):
    with pytest.raises(ValueError, match="SOCKETIO_MESSAGE_QUEUE must be a Redis URL") as caught:
        message_queue_url({"SOCKETIO_MESSAGE_QUEUE": value})
    assert value not in str(caught.value)  # a URL may hold a password


def test_a_single_server_keeps_socketio_messages_in_the_process(monkeypatch):
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", "")
    channel = SocketIOInput.from_credentials({})
    channel.blueprint(lambda message: None)
    assert type(channel.sio.manager) is AsyncManager


def test_the_socketio_channel_replaces_rasas_handlers_through_the_fence(caplog):
    import logging

    channel = SocketIOInput.from_credentials({"cors_allowed_origins": "https://klant.example"})
    with caplog.at_level(logging.INFO, logger="rasa_runtime.fence"):
        channel.blueprint(lambda message: None)
    replaced = [r.getMessage() for r in caplog.records]
    assert "Replaced Rasa's socket.io handlers['session_request'] (rasa 3.6.21)" in replaced
    assert "Replaced Rasa's socket.io handlers['disconnect'] (rasa 3.6.21)" in replaced
    assert any("_cors_headers (python-engineio" in line for line in replaced)
    handlers = channel.sio.handlers["/"]
    assert handlers["session_request"].__module__ == "channels.socketio"


def test_the_socketio_channel_refuses_another_python_socketio_release(monkeypatch):
    from rasa_runtime import fence

    real = fence.installed_version
    monkeypatch.setattr(
        fence,
        "installed_version",
        lambda library: "5.99.0" if library == "python-socketio" else real(library),
    )
    channel = SocketIOInput.from_credentials({"cors_allowed_origins": "https://klant.example"})
    with pytest.raises(
        fence.FenceError, match=r"written for python-socketio 5\.18\.1, but python-socketio 5\.99\.0"
    ):
        channel.blueprint(lambda message: None)
