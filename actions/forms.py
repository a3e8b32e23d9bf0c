"""Validation of the return and complaint forms: each answer is checked by `bot.form_fields`.

A wrong answer gets a specific re-ask; the second miss in a row offers to go on without the
answer or to get a person instead of asking the same thing forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot import form_fields
from bot.cases import CASE_FIELDS
from bot.form_fields import UNKNOWN

MISSES_BEFORE_OFFER = 2


def _check(
    slot: str,
    parse: Callable[[str], str | None],
    value: Any,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> dict[str, Any]:
    if value == UNKNOWN:
        return {slot: UNKNOWN, "missers": 0}
    parsed = parse(str(value)) if value is not None else None
    if parsed is not None:
        return {slot: parsed, "missers": 0}
    misses = int(tracker.get_slot("missers") or 0) + 1
    if misses >= MISSES_BEFORE_OFFER:
        dispatcher.utter_message(response="utter_twee_missers")
        return {slot: None, "missers": 0}
    dispatcher.utter_message(response=f"utter_ongeldig_{slot}")
    return {slot: None, "missers": misses}


class ValidateRetourForm(FormValidationAction):
    def name(self) -> str:
        return "validate_retour_form"

    def validate_webshop(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return _check("webshop", form_fields.webshop, value, dispatcher, tracker)

    def validate_bestelnummer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return _check("bestelnummer", form_fields.order_number, value, dispatcher, tracker)

    def validate_trackingnummer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return _check("trackingnummer", form_fields.tracking_number, value, dispatcher, tracker)


class ValidateKlachtForm(FormValidationAction):
    def name(self) -> str:
        return "validate_klacht_form"

    def validate_klacht_omschrijving(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") is None:
            # Filled from the opening message: too short just means "ask for it", not a miss.
            return {"klacht_omschrijving": form_fields.complaint(str(value or ""))}
        return _check("klacht_omschrijving", form_fields.complaint, value, dispatcher, tracker)

    def validate_klacht_betreft(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return _check("klacht_betreft", form_fields.complaint_subject, value, dispatcher, tracker)


class ActionRetourStart(Action):
    """Opens the return form, saying how many answers are still needed after the first message."""

    def name(self) -> str:
        return "action_retour_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        given = {slot: tracker.get_slot(slot) for slot in CASE_FIELDS["retour"]}
        dispatcher.utter_message(
            response=f"utter_retour_start_{len(form_fields.missing_return_fields(given))}"
        )
        return []


class ActionFormulierWissen(Action):
    """Forgets what a cancelled form collected, so that a later form asks again instead of reusing it
    (slots are carried over into a new session)."""

    def name(self) -> str:
        return "action_formulier_wissen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        slots = [slot for fields in CASE_FIELDS.values() for slot in fields]
        return [SlotSet(slot, None) for slot in slots] + [SlotSet("missers", 0)]
