"""Masking personal data in customer messages (bot/masking.py): what is masked, and what stays."""

from __future__ import annotations

import pytest

from bot.masking import CARD, EMAIL, IBAN, ORDER, PHONE, PLACEHOLDERS, contains_personal_data, mask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mijn IBAN is NL91 ABNA 0417 1643 00, klopt dat?", f"Mijn IBAN is {IBAN}, klopt dat?"),
        ("nl91abna0417164300 is mijn rekening", f"{IBAN} is mijn rekening"),
        ("rekening NL91ABNA0417164300.", f"rekening {IBAN}."),
        ("IBAN:NL20INGB0001234567", f"IBAN:{IBAN}"),
        ("NL 20 INGB 0001 2345 67 graag terugstorten", f"{IBAN} graag terugstorten"),
        ("Belgische rekening BE68 5390 0754 7034 bank", f"Belgische rekening {IBAN} bank"),
        ("DE89 3704 0044 0532 0130 00", IBAN),
        ("FR14 2004 1010 0505 0001 3M02 606 is van mijn zus", f"{IBAN} is van mijn zus"),
        ("geld naar ES9121000418450200051332 aub", f"geld naar {IBAN} aub"),
        ("LU28 0019 4006 4475 0000", IBAN),
        ("AT61 1904 3002 3457 3201", IBAN),
        ("IT60 X054 2811 1010 0000 0123 456", IBAN),
    ],
)
def test_ibans_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bel me op 06-12345678", f"bel me op {PHONE}"),
        ("06 1234 5678", PHONE),
        ("mijn nummer: 0612345678.", f"mijn nummer: {PHONE}."),
        ("06 12 34 56 78 graag na vijven", f"{PHONE} graag na vijven"),
        ("06-12-34-56-78", PHONE),
        ("+31 6 12345678", PHONE),
        ("+31612345678", PHONE),
        ("+31 (0)6 1234 5678", PHONE),
        ("+31 (0)20 123 4567", PHONE),
        ("0031 6 12345678", PHONE),
        ("020-1234567", PHONE),
        ("020 123 45 67", PHONE),
        ("(020) 123 45 67", PHONE),
        ("(06) 12345678", PHONE),
        ("bereikbaar op 0229-123456 of 010 - 1234567", f"bereikbaar op {PHONE} of {PHONE}"),
        ("0800-0234", PHONE),
        ("0900 1234567", PHONE),
        ("Belgisch nummer +32 470 12 34 56", f"Belgisch nummer {PHONE}"),
        ("0049 170 1234567", PHONE),
        ("betaald op 1-2-2024, bel 0612345678", f"betaald op 1-2-2024, bel {PHONE}"),
    ],
)
def test_phone_numbers_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jan.jansen+klarna@gmail.com", f"mail {EMAIL}"),
        ("Mijn e-mail is Piet.de.Vries@hotmail.nl.", f"Mijn e-mail is {EMAIL}."),
        ("stuur naar info@bakkerij-van-dam.co.uk aub", f"stuur naar {EMAIL} aub"),
        ("j.o'brien@ziggo.nl", EMAIL),
        ("'jan@voorbeeld.nl'", f"'{EMAIL}'"),
        ("mijn mail: k_12345678@outlook.com", f"mijn mail: {EMAIL}"),
    ],
)
def test_email_addresses_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("waar blijft bestelling 123456789", f"waar blijft bestelling {ORDER}"),
        ("bestelnummer NL-483920117 is niet aangekomen", f"bestelnummer {ORDER} is niet aangekomen"),
        ("ORD-2024-55812", ORDER),
        ("ord-2024-55812 en bol-12345678", f"{ORDER} en {ORDER}"),
        ("order #4839201", f"order {ORDER}"),
        ("track & trace 3SABCD1234567", f"track & trace {ORDER}"),
        ("UPS 1Z999AA10123456784 staat stil", f"UPS {ORDER} staat stil"),
        ("DPD pakket 01234567890123", f"DPD pakket {ORDER}"),
        ("JVGL0612345678901234", ORDER),
        ("JJD000390007871234567 is kwijt", f"{ORDER} is kwijt"),
        ("612345678", ORDER),  # without the leading 0 it is not a phone number
    ],
)
def test_order_and_tracking_numbers_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mijn pas 4111 1111 1111 1111 is geblokkeerd", f"mijn pas {CARD} is geblokkeerd"),
        ("4111-1111-1111-1111", CARD),
        ("5500005555555559", CARD),
    ],
)
def test_card_numbers_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ik heb €49,95 betaald maar de factuur zegt 59,95",
        "het bedrag van 1.250,00 euro klopt niet",
        "ik moet 150000 euro betalen??",
        "€ 125000 is wel veel",
        "123456,78 staat er op de factuur",
        "betaald op 24-11-2026 om 10:30",
        "op 06-12-2024 10 euro overgemaakt",
        "06.12.2024 betaald",
        "de vervaldatum is 01-02-2024",
        "mijn postcode is 1012 AB",
        "ik heb 3 pakketjes van 2 kilo",
        "bel ik tussen 9 en 17 uur?",
        "bestelling van 12345 is kwijt",  # five digits: too short for an order number
        "ik woon op nummer 112",
        "in 2024 en 2025",
        "hallo, ik heb een vraag over mijn factuur",
        "klarna@",
        "NL-nummer? geen idee",
        "ik ben 06 jaar",  # not a number to call
        "4111 1111 1111 1112 (geen geldig kaartnummer)",
    ],
)
def test_amounts_dates_and_ordinary_text_stay(text):
    assert mask(text) == text
    assert not contains_personal_data(text)


def test_several_kinds_in_one_message_each_get_their_placeholder():
    text = (
        "Hoi, ik ben Anna (anna@voorbeeld.nl, 06-12345678). Terugbetalen op NL91ABNA0417164300 "
        "voor bestelling 123456789 van € 59,95 op 24-11-2026?"
    )
    assert mask(text) == (
        f"Hoi, ik ben Anna ({EMAIL}, {PHONE}). Terugbetalen op {IBAN} "
        f"voor bestelling {ORDER} van € 59,95 op 24-11-2026?"
    )


def test_masking_is_idempotent_and_placeholders_are_stable():
    once = mask("06-12345678 en NL91ABNA0417164300")
    assert mask(once) == once
    assert all(placeholder.startswith("[") and placeholder.isupper() for placeholder in PLACEHOLDERS)
