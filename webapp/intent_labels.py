"""Dutch names of the intents for team leads, one map for the dashboard and the review inbox, so that
an intent reads the same on both screens."""

from __future__ import annotations

INTENT_LABELS = {
    "begroeten": "Begroeting",
    "afscheid": "Afscheid",
    "bedanken": "Bedankje",
    "bevestigen": "Ja",
    "ontkennen": "Nee",
    "annuleren": "Stoppen",
    "overslaan": "Overslaan",
    "factuur_vraag": "Factuur",
    "betaling_status": "Betaling",
    "terugbetaling": "Terugbetaling",
    "retour": "Retour",
    "klacht": "Klacht",
    "klacht_escaleren": "Klacht escaleren",
    "openingstijden": "Openingstijden",
    "telefoonnummer": "Telefoonnummer",
    "email_contact": "E-mail of contactformulier",
    "medewerker_spreken": "Medewerker gevraagd",
    "social_media": "Social media",
    "vacatures": "Vacatures",
    "wat_is_klarna": "Over Klarna",
    "bot_vraag": "Bot of mens?",
    "out_of_scope": "Buiten het onderwerp",
    "nlu_fallback": "Niet begrepen",
}


def intent_label(name: str | None) -> str:
    """The Dutch name; an intent added to the domain later still reads as words."""
    if not name:
        return "onbekend"
    return INTENT_LABELS.get(name, name.replace("_", " ").capitalize())
