"""Understanding form answers: webshop, order number, tracking number, complaint."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import form_fields


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("zalando", "Zalando"),
        ("bij bol", "bol.com"),
        ("ik heb het bij Zalando.nl besteld", "Zalando"),
        ("kleertjes.com", "kleertjes.com"),
        ("De Schoenenwinkel", "Schoenenwinkel"),
        ("H&M", "H&M"),
    ],
)
def test_webshop_known_or_plausible(answer, expected):
    assert form_fields.webshop(answer) == expected


@pytest.mark.parametrize(
    "answer",
    [
        "weet ik niet",
        "geen idee",
        "123456",
        "",
        "   ",
        "<script>alert(1)</script>",
        "'; DROP TABLE cases;--",
        "ik heb echt geen flauw idee meer waar ik dat had besteld",
        "hoi",
        "Hallo daar",
        "goedemorgen",
        "morgen",
        "dinsdag",
        "december",
        "waarom",
        "asdf qwer",
        "xkcd",
        "JVGL0612345678901234",
        "NL-123456789",
        "3SABCD1234567",
        "1Z999AA10123456784",
    ],
)
def test_webshop_refuses_what_is_no_shop(answer):
    assert form_fields.webshop(answer) is None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("temu", "Temu"),
        ("PRIMARK", "Primark"),
        ("amazon.nl", "Amazon"),
        ("jd sports", "JD Sports"),
        ("booking.com", "booking.com"),
        ("Liberty London", "Liberty London"),
        ("Mei Fashion", "Mei Fashion"),
    ],
)
def test_webshop_names_are_written_properly(answer, expected):
    assert form_fields.webshop(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("12345678", "12345678"),
        ("#4839201", "4839201"),
        ("mijn bestelnummer is NL-123456789", "NL-123456789"),
        ("ord-2024-55812", "ORD-2024-55812"),
    ],
)
def test_order_number(answer, expected):
    assert form_fields.order_number(answer) == expected


@pytest.mark.parametrize("answer", ["geen idee", "0208082852", "12345", "abc-def"])
def test_order_number_refuses(answer):
    assert form_fields.order_number(answer) is None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("3SABCD1234567", "3SABCD1234567"),
        ("3s abcd 1234567", "3SABCD1234567"),
        ("de code is 1Z999AA10123456784", "1Z999AA10123456784"),
        ("1234567890", "1234567890"),
        ("JVGL0612345678901234", "JVGL0612345678901234"),
    ],
)
def test_tracking_number(answer, expected):
    assert form_fields.tracking_number(answer) == expected


@pytest.mark.parametrize(
    "answer",
    [
        "abc",
        "3SAB12",
        "weet ik niet",
        "12345",
        "0612345678",
        "06 12345678",
        "mijn nummer is 0612345678",
        "0201234567",
        "12345678901",
    ],
)
def test_tracking_number_refuses(answer):
    assert form_fields.tracking_number(answer) is None


def test_a_complaint_needs_more_than_the_wish_to_complain():
    assert form_fields.complaint("ik wil een klacht indienen") is None
    assert (
        form_fields.complaint("mijn betaling is twee keer afgeschreven")
        == "mijn betaling is twee keer afgeschreven"
    )


def test_complaint_subject_accepts_none():
    assert form_fields.complaint_subject("geen") == form_fields.UNKNOWN
    assert form_fields.complaint_subject("factuur 87654321") == "87654321"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_no_answer_makes_a_validator_fail(text):
    for parse in (
        form_fields.webshop,
        form_fields.order_number,
        form_fields.tracking_number,
        form_fields.complaint,
        form_fields.complaint_subject,
    ):
        result = parse(text)
        assert result is None or isinstance(result, str)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, ["webshop", "bestelnummer", "trackingnummer"]),
        ({"webshop": "zalando", "trackingnummer": "3SABCD1234567"}, ["bestelnummer"]),
        ({"webshop": "hoi", "bestelnummer": "12345678"}, ["webshop", "trackingnummer"]),
        ({"webshop": "Zalando", "bestelnummer": "onbekend", "trackingnummer": "1234567890"}, []),
    ],
)
def test_what_a_return_still_needs(given, missing):
    assert form_fields.missing_return_fields(given) == missing
