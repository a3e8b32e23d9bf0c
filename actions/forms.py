"""Validation of the return and complaint forms: each answer is checked by `bot.form_fields`.

A wrong answer gets a specific re-ask; the second miss in a row offers to go on without the
answer or to get a person instead of asking the same thing forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot import form_fields
from bot.form_fields import UNKNOWN

MISSES_BEFORE_OFFER = 2


def _check(slot: str, parse: Callable[[str], str | None], value: Any, dispatcher: CollectingDispatcher,
           tracker: Tracker) -> dict[str, Any]:
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

    def validate_webshop(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: dict) -> dict[str, Any]:
        return _check("webshop", form_fields.webshop, value, dispatcher, tracker)

    def validate_bestelnummer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: dict) -> dict[str, Any]:
        return _check("bestelnummer", form_fields.order_number, value, dispatcher, tracker)

    def validate_trackingnummer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict[str, Any]:
        return _check("trackingnummer", form_fields.tracking_number, value, dispatcher, tracker)


class ValidateKlachtForm(FormValidationAction):
    def name(self) -> str:
        return "validate_klacht_form"

    def validate_klacht_omschrijving(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") is None:
            # Filled from the opening message: too short just means "ask for it", not a miss.
            return {"klacht_omschrijving": form_fields.complaint(str(value or ""))}
        return _check("klacht_omschrijving", form_fields.complaint, value, dispatcher, tracker)

    def validate_klacht_betreft(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict[str, Any]:
        return _check("klacht_betreft", form_fields.complaint_subject, value, dispatcher, tracker)
