"""Fuzzing without a server: the REST webhook's input checks (channels/rest.py, also used by the
socket.io channel) with arbitrary bytes and JSON, and the form validators (bot/form_fields.py and
the validate_* methods of actions/forms.py) with arbitrary text. No input raises anything but the
webhook's own InvalidRequest, and what passes the checks is safe to hand to Rasa and its stores.

Fixed examples and few enough of them to stay fast and the same on every run (derandomize); no
example database, so that no .hypothesis directory is written. Against the running server:
tests/e2e/test_fuzz_webhook.py; the hand-picked matrix: tests/e2e/test_bad_input.py.
"""

from __future__ import annotations

import json
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateKlachtForm, ValidateRetourForm
from bot import form_fields
from bot.entity_shapes import ORDER_NUMBER
from channels.rest import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    InProcess,
    InvalidRequest,
    ParsedMessage,
    check_payload,
    parse_message,
)
from channels.socketio import _usable_session_id

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None)

# Text as attackers and customers type it: any code point (lone surrogates and control characters
# included), and words that steer the parsers into their branches.
any_character = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(min_codepoint=0, max_codepoint=0x1F),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.sampled_from("\u202e\u200b\ufeff\x7f\u2028"),
)
WORDS = [
    "ik",
    "wil",
    "iets",
    "retourneren",
    "bij",
    "bol",
    "bol.com",
    "zalando",
    "Zalando.nl",
    "webshop",
    "bestelnummer",
    "#",
    "NL-",
    "ORD-2024-",
    "12345678",
    "0612345678",
    "3S",
    "3SABCD1234567",
    "1Z",
    "JVGL",
    "1234567890",
    "12345678901234",
    "geen",
    "weet",
    "onbekend",
    "n.v.t.",
    "klacht",
    "mijn",
    "betaling",
    "is",
    "twee",
    "keer",
    "afgeschreven",
    "<script>alert(1)</script>",
    "<b>",
    "[klik](javascript:alert(1))",
    "'; DROP TABLE events; --",
    "😀",
    "\x00",
    "\u202e",
    "\ud800",
    "H&M",
    "O'Neill",
    "-",
    ".",
    ",",
    "!",
    "?",
    "  ",
    "\n",
]
word_text = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
any_text = st.one_of(
    st.text(any_character, max_size=300), word_text, st.text(any_character, min_size=4000, max_size=6000)
)

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(any_character, max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
requests_ = st.fixed_dictionaries(
    {},
    optional={
        "sender": st.one_of(st.text(any_character, max_size=300), st.integers(), json_values),
        "message": st.one_of(any_text, json_values),
        "metadata": json_values,
        "input_channel": st.one_of(st.text(any_character, max_size=20), json_values),
        "extra": json_values,
    },
)


def assert_safe(message: ParsedMessage) -> None:
    """What the webhook hands to Rasa: a usable conversation id and a message of sensible size."""
    assert isinstance(message.sender, str) and 0 < len(message.sender) <= MAX_SENDER_CHARS
    assert message.sender == message.sender.strip() and message.sender.isprintable()
    assert isinstance(message.text, str) and message.text.strip() and len(message.text) <= MAX_MESSAGE_CHARS
    assert message.metadata is None or isinstance(message.metadata, dict)
    assert message.input_channel is None or (
        isinstance(message.input_channel, str) and message.input_channel.strip()
    )
    json.dumps(
        [message.sender, message.text, message.metadata, message.input_channel], ensure_ascii=False
    ).encode("utf-8")  # storable: no lone surrogate anywhere


def parsed_or_refused(body: bytes) -> None:
    try:
        message = parse_message(body)
    except InvalidRequest as refused:
        assert 400 <= refused.status < 500 and refused.code and refused.nl and refused.en
        assert refused.body() == {"error": {"code": refused.code, "nl": refused.nl, "en": refused.en}}
        return
    assert_safe(message)


# --- the webhook ------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=500)
@given(st.binary(max_size=2000))
@example(b"[" * 50_000)  # was a RecursionError (a 500)
@example(b'{"sender": "s", "message": "hoi", "metadata": ' + b'{"a": ' * 500 + b"1" + b"}" * 501)
@example(b'{"sender": "\\ud800", "message": "hoi"}')  # made Rasa's SQL tracker store stop the server
@example(b'{"sender": "a\\u0000b", "message": "hoi"}')  # the same on PostgreSQL
@example(b'{"sender": "' + b"s" * 256 + b'", "message": "hoi"}')  # PostgreSQL: VARCHAR(255)
@example(b'{"sender": "s", "message": "hoi \\udfff"}')  # spaCy cannot read it
@example(b'{"sender": 1e400, "message": "hoi"}')
@example(b'{"sender": "s", "message": "hoi", "metadata": {"a": NaN}}')
def test_any_bytes_are_parsed_or_refused(body):
    parsed_or_refused(body)


@FUZZ
@given(requests_)
def test_any_json_request_is_parsed_or_refused(payload):
    parsed_or_refused(json.dumps(payload, ensure_ascii=True).encode("utf-8"))


@FUZZ
@given(requests_, st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=8))
def test_a_damaged_json_request_is_parsed_or_refused(payload, position, damage):
    body = json.dumps(payload).encode("utf-8")
    position = min(position, len(body))
    parsed_or_refused(body[:position] + damage + body[position:])


@FUZZ
@given(requests_)
def test_check_payload_refuses_or_returns_a_safe_message(payload):
    """The socket.io channel calls check_payload on what python-socketio decoded."""
    try:
        assert_safe(check_payload(payload))
    except InvalidRequest as refused:
        assert 400 <= refused.status < 500


def test_the_limits_at_their_edges():
    def refused(payload: object) -> str:
        try:
            check_payload(payload)
        except InvalidRequest as error:
            return error.code
        return "accepted"

    nested = {"sender": "s", "message": "hoi", "metadata": {}}
    inner = nested["metadata"]
    for _ in range(MAX_JSON_DEPTH - 2):
        inner["a"] = {}
        inner = inner["a"]
    assert refused(nested) == "accepted"  # MAX_JSON_DEPTH levels, the request object included
    inner["a"] = {}
    assert refused(nested) == "too_deeply_nested"
    assert refused({"sender": "s" * MAX_SENDER_CHARS, "message": "hoi"}) == "accepted"
    assert refused({"sender": "s" * (MAX_SENDER_CHARS + 1), "message": "hoi"}) == "sender_too_long"
    assert refused({"sender": "a\tb", "message": "hoi"}) == "sender_invalid"
    assert refused({"sender": "klant-1", "message": "hoi\x00\x1b[31m\u202e"}) == "accepted"
    assert refused({"sender": "klant-1", "message": "hoi \ud800"}) == "invalid_unicode"
    assert refused({"sender": "klant-1", "message": "hoi", "metadata": {"\udc00": 1}}) == "invalid_unicode"
    assert refused({"sender": "klant-1", "message": "x" * MAX_MESSAGE_CHARS}) == "accepted"
    assert MAX_BODY_BYTES == 64 * 1024


@FUZZ
@given(st.one_of(st.text(any_character, max_size=300), json_values))
@example("s" * 10_240)
@example(" padded ")
def test_a_usable_session_id_is_a_safe_conversation_id(value):
    if _usable_session_id(value):
        assert isinstance(value, str) and 0 < len(value) <= MAX_SENDER_CHARS
        assert value == value.strip() and value.isprintable()
        value.encode("utf-8")


def test_messages_in_process_are_counted_per_conversation():
    counts = InProcess(2)
    assert counts.admit("a") and counts.admit("a") and not counts.admit("a")
    assert counts.admit("b")
    counts.release("a")
    assert counts.admit("a") and not counts.admit("a")
    for sender in ("a", "a", "b"):
        counts.release(sender)
    assert counts.counts == {}


# --- the form validators ----------------------------------------------------------------------------


@FUZZ
@given(any_text)
@example("'; DROP TABLE events; --")
@example("<script>alert(1)</script>")
@example("[bol.com](javascript:alert(1))")
def test_form_fields_parse_any_text_into_a_clean_value_or_none(text):
    shop = form_fields.webshop(text)
    if shop is not None:
        # The webshop is said back in the return's confirmation, which the widget renders as markdown.
        assert not re.search(r"[<>\[\]()`:\\]", shop) and len(shop) <= 60 and shop == shop.strip(), shop
    number = form_fields.order_number(text)
    assert number is None or re.fullmatch(ORDER_NUMBER, number, re.IGNORECASE)
    tracking = form_fields.tracking_number(text)
    assert tracking is None or re.fullmatch(r"[0-9A-Z]{10,20}", tracking)
    complaint = form_fields.complaint(text)
    assert complaint is None or (complaint.strip() and len(complaint) <= 2000)
    subject = form_fields.complaint_subject(text)
    assert subject is None or (subject.strip() and len(subject) <= 200)


def tracker(slots: dict, text: str, intent: str, loop: str) -> Tracker:
    """As tests/actions/test_form_actions.py builds it: the state Rasa sends the action server."""
    return Tracker(
        "klant-fuzz",
        slots,
        {"text": text, "intent": {"name": intent}, "entities": []},
        [],
        False,
        None,
        {"name": loop},
        "action_listen",
    )


VALIDATORS = [
    (ValidateRetourForm, "validate_webshop", "webshop", "retour_form"),
    (ValidateRetourForm, "validate_bestelnummer", "bestelnummer", "retour_form"),
    (ValidateRetourForm, "validate_trackingnummer", "trackingnummer", "retour_form"),
    (ValidateKlachtForm, "validate_klacht_omschrijving", "klacht_omschrijving", "klacht_form"),
    (ValidateKlachtForm, "validate_klacht_betreft", "klacht_betreft", "klacht_form"),
]
RESPONSES = {f"utter_ongeldig_{slot}" for _, _, slot, _ in VALIDATORS} | {"utter_twee_missers"}


@FUZZ
@given(
    st.one_of(any_text, json_values),
    st.sampled_from([0, 1, None, "1"]),
    st.sampled_from([None, "webshop", "klacht_omschrijving"]),
)
@example("'; DROP TABLE events; --", 0, "webshop")
def test_the_form_validators_take_any_value(value, misses, requested):
    for form, method, slot, loop in VALIDATORS:
        dispatcher = CollectingDispatcher()
        state = tracker({"missers": misses, "requested_slot": requested}, str(value), "retour", loop)
        result = getattr(form(), method)(value, dispatcher, state, {})
        assert isinstance(result, dict) and slot in result, (method, result)
        assert result[slot] is None or isinstance(result[slot], str)
        assert set(result) <= {slot, "missers"}
        assert result.get("missers", 0) in (0, 1)
        assert all(message.get("response") in RESPONSES for message in dispatcher.messages)
        if result[slot] is None and "missers" in result:
            assert len(dispatcher.messages) == 1  # a miss always gets a re-ask or the way out
