"""Brings in a person: the live queue while the service is staffed, a question for later otherwise.

The handoff is the loop `handoff_form`. Live, its one slot is never filled, so every customer
message stays in the conversation for the agent and no rule answers; the agent console closes the
entry and then runs `action_handoff_beeindigen` through Rasa's HTTP API. Offline, the slot is the
customer's question: once given, it is queued and the bot is back. A customer still waiting live when
the service closes is not left alone overnight: their next message turns the entry into a question
for when people are back, with the same reference, and the bot says so.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import latest_intent
from bot import clock
from bot.agents import AgentStore
from bot.dutch import format_moment, format_wait
from bot.handoff import LIVE, MAX_MESSAGE_LENGTH, OFFLINE, WAITING, HandoffQueue, estimated_wait
from bot.hours import default_calendar
from bot.settings import load_settings

FORM = "handoff_form"
NOT_A_REASON = {
    "medewerker_spreken",
    "bevestigen",
    "ontkennen",
    "nlu_fallback",
    "annuleren",
    "overslaan",
    "begroeten",
    "bedanken",
    "afscheid",
    "bot_vraag",
}
CONTEXT_SLOTS = ("webshop", "bestelnummer", "trackingnummer", "klacht_betreft", "case_referentie")
# handoff_modus once a live wait has become a question after closing time (the form then ends).
LEFT_AT_CLOSING = "na_sluiting"


@lru_cache(maxsize=1)
def queue() -> HandoffQueue:
    return HandoffQueue()


@lru_cache(maxsize=1)
def agent_store() -> AgentStore:
    return AgentStore(engine=queue().engine)


def handoff_reason(tracker: Tracker) -> str:
    """The customer's last topic before asking for a person, e.g. factuur_vraag."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent and intent not in NOT_A_REASON:
                return intent
    return "medewerker_spreken"


def handoff_details(tracker: Tracker) -> dict[str, Any]:
    return {name: tracker.get_slot(name) for name in CONTEXT_SLOTS if tracker.get_slot(name)}


def messages_since_handoff(tracker: Tracker) -> str:
    """What the customer typed since asking for a person: their question for the agent."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == "action_medewerker":
            break
        if event.get("event") == "user" and (event.get("text") or "").strip():
            texts.append(event["text"].strip())
    return "\n".join(reversed(texts))[:MAX_MESSAGE_LENGTH]


def _end_events() -> list:
    return [
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        SlotSet("handoff_bericht", None),
        SlotSet("handoff_modus", None),
    ]


class ActionMedewerker(Action):
    def name(self) -> str:
        return "action_medewerker"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        now = clock.now()
        calendar = default_calendar()
        if not calendar.is_staffed(now):
            start, _ = calendar.staffed_window(now)
            dispatcher.utter_message(response="utter_medewerker_gesloten", terug=format_moment(start, now))
            return [SlotSet("handoff_modus", OFFLINE), FollowupAction(FORM)]
        entry = queue().enqueue(
            tracker.sender_id,
            tracker.get_latest_input_channel() or "onbekend",
            handoff_reason(tracker),
            handoff_details(tracker),
            LIVE,
        )
        settings = load_settings().handoff
        position = max(queue().position(entry.id, timedelta(seconds=settings.customer_gone_seconds)), 1)
        agents = agent_store().online_count(timedelta(seconds=settings.agent_online_seconds))
        handling = queue().average_handling(timedelta(minutes=settings.default_handling_minutes))
        dispatcher.utter_message(
            response="utter_medewerker_wachtrij",
            positie=position,
            wachttijd=format_wait(estimated_wait(position, agents, handling)),
        )
        return [
            SlotSet("handoff_modus", LIVE),
            SlotSet("handoff_referentie", entry.reference),
            FollowupAction(FORM),
        ]


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    def validate_handoff_bericht(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Live: keep listening while the agent has the conversation. Offline: take the question."""
        text = str(value or "").strip()
        if tracker.get_slot("handoff_modus") != OFFLINE:
            return self._live_message(text, tracker)
        if not text or (latest_intent(tracker) in ("bevestigen", "ontkennen") and len(text.split()) <= 2):
            return {"handoff_bericht": None}
        return {"handoff_bericht": text[:MAX_MESSAGE_LENGTH]}

    @staticmethod
    def _live_message(text: str, tracker: Tracker) -> dict[str, Any]:
        """Still waiting or with an agent: nothing to fill. The entry closed: the form ends. Nobody
        took it and the service has closed: it becomes a question for when people are back."""
        entry = queue().live_entry(tracker.sender_id)
        if entry is None:
            return {"handoff_bericht": text or "-"}
        if entry.status != WAITING or default_calendar().is_staffed(clock.now()):
            return {"handoff_bericht": None}
        question = messages_since_handoff(tracker) or text or "-"
        moved = queue().move_offline(entry.id, question)
        if moved is None:  # an agent took it just now
            return {"handoff_bericht": None}
        return {
            "handoff_bericht": question,
            "handoff_modus": LEFT_AT_CLOSING,
            "handoff_referentie": moved.reference,
        }


class ActionAskHandoffBericht(Action):
    """Asks for the question offline; live it says nothing, because the agent answers."""

    def name(self) -> str:
        return "action_ask_handoff_bericht"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if tracker.get_slot("handoff_modus") == OFFLINE:
            dispatcher.utter_message(response="utter_ask_handoff_bericht")
        return []


class ActionHandoffVastleggen(Action):
    """The form is done: offline, the question joins the queue; live, the agent has gone or the
    service closed while the customer waited (the entry is already a question then)."""

    def name(self) -> str:
        return "action_handoff_vastleggen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if tracker.get_slot("handoff_modus") == LEFT_AT_CLOSING:
            now = clock.now()
            start, _ = default_calendar().staffed_window(now)
            dispatcher.utter_message(
                response="utter_handoff_na_sluiting",
                referentie=tracker.get_slot("handoff_referentie"),
                terug=format_moment(start, now),
            )
            return _end_events()
        if tracker.get_slot("handoff_modus") != OFFLINE:
            dispatcher.utter_message(response="utter_handoff_voorbij")
            return _end_events()
        details = {**handoff_details(tracker), "vraag": tracker.get_slot("handoff_bericht")}
        entry = queue().enqueue(
            tracker.sender_id,
            tracker.get_latest_input_channel() or "onbekend",
            handoff_reason(tracker),
            details,
            OFFLINE,
        )
        now = clock.now()
        start, _ = default_calendar().staffed_window(now)
        dispatcher.utter_message(
            response="utter_handoff_vastgelegd", referentie=entry.reference, terug=format_moment(start, now)
        )
        return [*_end_events(), SlotSet("handoff_referentie", entry.reference)]


class ActionHandoffVerlaten(Action):
    """The customer says "laat maar": out of the queue (or no question left), the bot is back."""

    def name(self) -> str:
        return "action_handoff_verlaten"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if tracker.get_slot("handoff_modus") == OFFLINE:
            dispatcher.utter_message(response="utter_handoff_niets_vastgelegd")
        else:
            queue().leave(tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_verlaten")
        return _end_events()


class ActionHandoffBeeindigen(Action):
    """Run by the agent console through the HTTP API once it has closed a live entry: the bot takes
    the conversation back and tells the customer so. Only a live handoff whose entry is closed ends,
    so a run for another entry never takes the chat away from a customer who still waits."""

    def name(self) -> str:
        return "action_handoff_beeindigen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        live_handoff = tracker.active_loop_name == FORM and tracker.get_slot("handoff_modus") != OFFLINE
        if not live_handoff or queue().live_entry(tracker.sender_id) is not None:
            return [ActionExecuted("action_listen")]
        dispatcher.utter_message(response="utter_handoff_voorbij")
        return [*_end_events(), ActionExecuted("action_listen")]
