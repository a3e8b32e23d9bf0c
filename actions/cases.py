"""Files the case a form collected and tells the customer its reference."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import complaint_path_values
from actions.tracker_reading import request_key
from bot import clock
from bot.cases import CASE_FIELDS, CaseStore
from bot.form_fields import UNKNOWN
from bot.hours import is_staffed


@lru_cache(maxsize=1)
def case_store() -> CaseStore:
    return CaseStore()


def _file(case_type: str, tracker: Tracker) -> tuple[str, list[dict[str, Any]]]:
    """Stores the case; returns its reference and the events that clear the form's slots."""
    fields = {name: tracker.get_slot(name) for name in CASE_FIELDS[case_type]}
    key = request_key(tracker, f"{case_type}_form")
    case = case_store().create(case_type, tracker.sender_id, fields, clock.now(), request_key=key)
    events = [SlotSet(name, None) for name in CASE_FIELDS[case_type]]
    return case.reference, [*events, SlotSet("case_referentie", case.reference)]


class ActionRetourIndienen(Action):
    def name(self) -> str:
        return "action_retour_indienen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        webshop = tracker.get_slot("webshop")
        reference, events = _file("retour", tracker)
        shop = webshop if webshop and webshop != UNKNOWN else "de webshop"
        dispatcher.utter_message(response="utter_retour_ingediend", referentie=reference, webshop=shop)
        return events


class ActionKlachtIndienen(Action):
    def name(self) -> str:
        return "action_klacht_indienen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        now = clock.now()
        reference, events = _file("klacht", tracker)
        dispatcher.utter_message(
            response="utter_klacht_ingediend",
            referentie=reference,
            **complaint_path_values(now, tracker.get_slot("taal")),
        )
        if is_staffed(now):
            dispatcher.utter_message(response="utter_klacht_medewerker_nu")
        return events
