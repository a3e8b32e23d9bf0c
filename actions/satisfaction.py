"""The satisfaction question (bot/satisfaction.py): asked once when a conversation the assistant
handled alone ends with a goodbye (action_csat_vragen; after an agent hands back,
action_handoff_beeindigen asks it), then the rating, the optional comment and a skip.

The comment is the message right after its question (csat_form's one slot); "Overslaan" or a request
for a person ends the form without one. A customer who ignores the rating question just goes on: the
question is no form, so every rule answers as usual. A database that is down loses the question or
the rating, never the conversation: the customer hears the usual reply. Moments are the real time
(not KLANTENSERVICE_NOW), like the queue's, so the dashboard sets them side by side.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import entity_values
from bot.payloads import is_intent_payload
from bot.satisfaction import NOT_A_TOPIC, SatisfactionStore, parse_score

logger = logging.getLogger(__name__)

NO_COMMENT = "-"  # csat_opmerking when there is nothing to ask: the form ends at once
HANDOFF_ACTIONS = {"action_medewerker", "handoff_form"}


@lru_cache(maxsize=1)
def store() -> SatisfactionStore:
    return SatisfactionStore()


def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the current conversation session."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "session_started":
            return events[index:]
    return events


def session_start(events: list[dict[str, Any]]) -> datetime | None:
    first = events[0] if events else {}
    stamp = first.get("timestamp") if first.get("event") == "session_started" else None
    return datetime.fromtimestamp(stamp, timezone.utc) if isinstance(stamp, (int, float)) else None


def session_topic(events: list[dict[str, Any]]) -> str | None:
    """The customer's first topic in the session (an intent such as telefoonnummer), else None."""
    for event in events:
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent and intent not in NOT_A_TOPIC:
                return str(intent)
    return None


def had_handoff(events: list[dict[str, Any]]) -> bool:
    return any(
        (event.get("event") == "action" and event.get("name") in HANDOFF_ACTIONS)
        or (event.get("event") == "active_loop" and event.get("name") == "handoff_form")
        for event in events
    )


class ActionCsatVragen(Action):
    """After the goodbye of a session the assistant handled alone (a topic was answered, nobody was
    asked for): the rating question, once per session."""

    def name(self) -> str:
        return "action_csat_vragen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        events = session_events(tracker)
        topic = session_topic(events)
        if topic is None or had_handoff(events):
            return []
        try:
            asked = store().ask_bot_only(tracker.sender_id, topic, session_start(events))
        except Exception:
            logger.exception("Satisfaction: the question could not be recorded")
            return []
        if asked:
            dispatcher.utter_message(response="utter_csat_vraag")
        return []


class ActionCsatBeoordelen(Action):
    """Keeps the score for the conversation's open question, then csat_form asks for a comment; with
    no open question (answered before) or no valid score, nothing is kept and no comment asked."""

    def name(self) -> str:
        return "action_csat_beoordelen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        values = entity_values(tracker, "csat_score") or [tracker.get_slot("csat_score")]
        score = parse_score(values[-1])
        rated, answered_before = None, False
        if score is not None:
            try:
                rated = store().rate(tracker.sender_id, score)
                answered_before = rated is None
            except Exception:
                logger.exception("Satisfaction: the rating could not be recorded")
        reset = [SlotSet("csat_score", None)]
        if rated is None:
            dispatcher.utter_message(
                response="utter_csat_al_gegeven" if answered_before else "utter_csat_klaar"
            )
            return [*reset, SlotSet("csat_opmerking_open", False), SlotSet("csat_opmerking", NO_COMMENT)]
        return [*reset, SlotSet("csat_opmerking_open", True), SlotSet("csat_opmerking", None)]


class ValidateCsatForm(FormValidationAction):
    """A clicked button (an intent payload) is no comment."""

    def name(self) -> str:
        return "validate_csat_form"

    def validate_csat_opmerking(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not isinstance(value, str) or not value.strip() or is_intent_payload(value.strip()):
            return {"csat_opmerking": NO_COMMENT}
        return {"csat_opmerking": value}


class ActionCsatOpmerking(Action):
    """After csat_form: keeps the comment (or notes there is none) and thanks the customer."""

    def name(self) -> str:
        return "action_csat_opmerking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        reset = [SlotSet("csat_opmerking", None), SlotSet("csat_opmerking_open", False)]
        if not tracker.get_slot("csat_opmerking_open"):
            return reset  # nothing was asked: action_csat_beoordelen has answered
        comment = tracker.get_slot("csat_opmerking")
        kept = None
        if isinstance(comment, str) and comment != NO_COMMENT:
            try:
                kept = store().add_comment(tracker.sender_id, comment)
            except Exception:
                logger.exception("Satisfaction: the comment could not be recorded")
        dispatcher.utter_message(response="utter_csat_bedankt" if kept else "utter_csat_klaar")
        return reset


class ActionCsatOverslaan(Action):
    """ "Overslaan" outside a form: skips the open rating question (it is not asked again)."""

    def name(self) -> str:
        return "action_csat_overslaan"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        try:
            skipped = store().skip(tracker.sender_id)
        except Exception:
            logger.exception("Satisfaction: the skip could not be recorded")
            skipped = None
        dispatcher.utter_message(response="utter_csat_klaar" if skipped else "utter_iets_anders")
        return []
