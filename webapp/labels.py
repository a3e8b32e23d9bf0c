"""The Dutch words the console shows for the system's names: intents (the queue's reasons, the
dashboard and the review inbox use the same map, so an intent reads the same on every screen),
roles, queue modes and statuses, the details a customer gave, cases, review reasons and speakers."""

from __future__ import annotations

from bot.agents import AGENT, TEAM_LEAD
from bot.handoff import ANSWERED, CLOSED, LIVE, OFFLINE, REOPENED, WAITING, WITH_AGENT

INTENT_LABELS = {
    "begroeten": "Begroeting",
    "afscheid": "Afscheid",
    "bedanken": "Bedankje",
    "bevestigen": "Ja",
    "ontkennen": "Nee",
    "annuleren": "Stoppen",
    "overslaan": "Overslaan",
    "nummer_doorgeven": "Nummer doorgeven",
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
    "gesprek_beeindigen": "Gesprek met medewerker beëindigen",
    "social_media": "Social media",
    "vacatures": "Vacatures",
    "wat_is_klarna": "Over Klarna",
    "bot_vraag": "Bot of mens?",
    "out_of_scope": "Buiten het onderwerp",
    "vervolgvraag": "Vervolgvraag",
    "csat_beoordelen": "Beoordeling",
    "nlu_fallback": "Niet begrepen",
    "taal_wisselen": "Andere taal gevraagd",
    "andere_taal": "In een andere taal",
}

ROLE_LABELS = {AGENT: "medewerker", TEAM_LEAD: "teamleider"}
MODE_LABELS = {LIVE: "live", OFFLINE: "buiten openingstijden"}
STATUS_LABELS = {
    WAITING: "wacht",
    WITH_AGENT: "in behandeling",
    ANSWERED: "beantwoord",
    REOPENED: "nieuwe reactie",
    CLOSED: "afgesloten",
}
LEFT_LABEL = "klant is weggegaan"  # closed by the customer
GONE_LABEL = "weg"  # a live entry whose customer went away (bot/handoff.py `is_gone`)
DELIVERED_LABEL = "afgeleverd"  # a message the customer's chat has shown
WAITING_FOR_CUSTOMER_LABEL = "wacht op de klant"
FIELD_LABELS = {
    "vraag": "Vraag van de klant",
    "webshop": "Webshop",
    "bestelnummer": "Bestelnummer",
    "trackingnummer": "Trackingnummer",
    "klacht_betreft": "Klacht betreft",
    "klacht_omschrijving": "Omschrijving",
    "case_referentie": "Zaaknummer",
    "taal": "Taal",
}
# The conversation's language (slot `taal`); a conversation from before it was kept is Dutch.
LANGUAGE_LABELS = {"nl": "Nederlands", "en": "Engels"}
CASE_TYPE_LABELS = {"retour": "Retour", "klacht": "Klacht"}
CASE_STATUS_LABELS = {"open": "open", "closed": "gesloten"}
REVIEW_REASON_LABELS = {
    "fallback": "Niet begrepen",
    "out_of_scope": "Buiten het onderwerp",
    "vervolgvraag": "Vervolgvraag",
    "low_confidence": "Twijfel",
}
SPEAKER_LABELS = {"user": "Klant", "bot": "Assistent"}


def as_words(name: str) -> str:
    """A name without a label still reads as words: `klacht_betreft` becomes `Klacht betreft`."""
    return name.replace("_", " ").capitalize()


def intent_label(name: str | None) -> str:
    """The Dutch name; an intent added to the domain later still reads as words."""
    if not name:
        return "onbekend"
    return INTENT_LABELS.get(name) or as_words(name)


def language_label(code: str | None) -> str:
    return LANGUAGE_LABELS.get(code or "nl") or str(code)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or as_words(name)
