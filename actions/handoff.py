"""Brings in a person: the live queue while the service is staffed, a question for later otherwise.

The handoff is the loop `handoff_form`. Live, its one slot takes every message, whatever its intent,
and is never filled, so every customer message stays in the conversation for the agent and no rule
answers. The chat belongs to the customer and the agent: it ends when the agent console closes the
entry and runs `action_handoff_beeindigen` through Rasa's HTTP API, or when the customer says
"ja" to the bot's question whether they want to leave (asked after "gesprek beëindigen", or "laat
maar" while still waiting); after a claim the console runs `action_handoff_overgenomen`, which names
the agent. Offline, the slot is the customer's question: once given, it is queued and the bot is
back; a later reaction to the agent's answer goes back to the team (`action_handoff_vervolg`). A
customer still waiting live when the service closes is not left alone overnight: their next message
turns the entry into a question for when people are back, with the same reference, and the bot says
so.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import latest_intent, latest_text, request_key
from bot import clock
from bot.agents import AgentStore
from bot.handoff import (
    LIVE,
    MAX_MESSAGE_LENGTH,
    OFFLINE,
    WAITING,
    WITH_AGENT,
    HandlingEstimate,
    HandoffQueue,
    estimated_wait,
)
from bot.hours import default_calendar
from bot.payloads import is_intent_payload
from bot.satisfaction import SatisfactionStore
from bot.settings import load_settings
from bot.wording import format_moment, format_wait

logger = logging.getLogger(__name__)

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
FORM_TOPICS = {"retour_form": "retour", "klacht_form": "klacht"}
REQUEST_MESSAGES = 3  # the customer's messages up to asking for a person that name the topic
# The agent sees these with the entry; `taal` is the conversation's language (nl or en).
CONTEXT_SLOTS = ("webshop", "bestelnummer", "trackingnummer", "klacht_betreft", "case_referentie", "taal")
# handoff_modus once the form ends other than by an agent closing the entry: a live wait became a
# question after closing time, the customer left the chat or the queue, or left no question offline.
LEFT_AT_CLOSING = "na_sluiting"
CHAT_ENDED = "klant_beeindigd"
QUEUE_LEFT = "wachtrij_verlaten"
NOTHING_LEFT = "niets_vastgelegd"
SAID_BY_OUTCOME = {QUEUE_LEFT: "utter_handoff_verlaten", NOTHING_LEFT: "utter_handoff_niets_vastgelegd"}
# handoff_verlaten_vraag: the question the bot asked before letting the customer go.
ASKED_END_CHAT, ASKED_LEAVE_QUEUE = "gesprek", "wachtrij"
LEAVING_INTENTS = ("annuleren", "gesprek_beeindigen")


@lru_cache(maxsize=1)
def queue() -> HandoffQueue:
    return HandoffQueue()


@lru_cache(maxsize=1)
def satisfaction_store() -> SatisfactionStore:
    return SatisfactionStore(engine=queue().engine)


@lru_cache(maxsize=1)
def agent_store() -> AgentStore:
    return AgentStore(engine=queue().engine)


def handoff_reason(events: list[dict[str, Any]]) -> str:
    """The topic the agent sees: the form the conversation went through (a return, a complaint), else
    the customer's topic in the messages just before asking for a person (`events` end with that
    request), e.g. factuur_vraag; never just the last intent recognised anywhere."""
    for event in reversed(events):
        if event.get("event") == "active_loop" and event.get("name") in FORM_TOPICS:
            return FORM_TOPICS[event["name"]]
    request = [event for event in events if event.get("event") == "user"][-REQUEST_MESSAGES:]
    for event in reversed(request):
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent and intent not in NOT_A_REASON:
            return intent
    return "medewerker_spreken"


def events_up_to_request(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation up to the latest request for a person (action_medewerker)."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "action" and events[index].get("name") == "action_medewerker":
            return events[:index]
    return events


def back_at(tracker: Tracker) -> str:
    """When people are back, as the customer reads it in the conversation's language ("maandag 30
    november om 09:00", "on Monday 30 November at 9:00 am")."""
    now = clock.now()
    start, _ = default_calendar().staffed_window(now)
    return format_moment(start, now, tracker.get_slot("taal"))


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
        SlotSet("handoff_medewerker", None),
        SlotSet("handoff_verlaten_vraag", None),
    ]


class ActionMedewerker(Action):
    def name(self) -> str:
        return "action_medewerker"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if not default_calendar().is_staffed(clock.now()):
            dispatcher.utter_message(response="utter_medewerker_gesloten", terug=back_at(tracker))
            return [
                SlotSet("handoff_modus", OFFLINE),
                SlotSet("handoff_vervolg", False),
                FollowupAction(FORM),
            ]
        entry = queue().enqueue(
            tracker.sender_id,
            tracker.get_latest_input_channel() or "onbekend",
            handoff_reason(tracker.events),
            handoff_details(tracker),
            LIVE,
        )
        settings = load_settings().handoff
        position = max(queue().position(entry.id, timedelta(seconds=settings.customer_gone_seconds)), 1)
        agents = agent_store().online_count(timedelta(seconds=settings.agent_online_seconds))
        handling = queue().handling_time(
            HandlingEstimate(
                default=timedelta(minutes=settings.default_handling_minutes),
                lowest=timedelta(minutes=settings.handling_lowest_minutes),
                highest=timedelta(minutes=settings.handling_highest_minutes),
                window=timedelta(days=settings.handling_window_days),
                history=settings.handling_history,
                minimum_history=settings.handling_minimum_history,
            )
        )
        dispatcher.utter_message(
            response="utter_medewerker_wachtrij",
            positie=position,
            wachttijd=format_wait(estimated_wait(position, agents, handling), tracker.get_slot("taal")),
        )
        return [
            SlotSet("handoff_modus", LIVE),
            SlotSet("handoff_referentie", entry.reference),
            SlotSet("handoff_vervolg", False),
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
            return _live_message(text, dispatcher, tracker)
        intent = latest_intent(tracker)
        if intent in LEAVING_INTENTS:
            return {"handoff_bericht": "-", "handoff_modus": NOTHING_LEFT}
        if (
            not text
            or is_intent_payload(text)
            or (intent in ("bevestigen", "ontkennen") and len(text.split()) <= 2)
        ):
            return {"handoff_bericht": None}
        return {"handoff_bericht": text[:MAX_MESSAGE_LENGTH]}


def _live_message(text: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Every message of a live handoff is for the agent; no intent ends it. The customer leaves only
    by saying "ja" to the bot's question whether they want to (asked after "gesprek beëindigen",
    or "laat maar" while still waiting). The entry closed: the form ends. Nobody took it and the
    service has closed: it becomes a question for when people are back."""
    entry = queue().live_entry(tracker.sender_id)
    if entry is None:
        return {"handoff_bericht": text or "-"}
    intent = latest_intent(tracker)
    pending = tracker.get_slot("handoff_verlaten_vraag")
    if pending:
        if intent == "bevestigen":
            return _leave(tracker)
        if intent == "ontkennen" and entry.status == WAITING:
            dispatcher.utter_message(response="utter_handoff_blijft_in_wachtrij")
        elif intent == "ontkennen" and entry.status == WITH_AGENT:
            name = tracker.get_slot("handoff_medewerker") or agent_name(entry.agent)
            dispatcher.utter_message(response="utter_handoff_blijft_in_gesprek", medewerker=name)
        return {"handoff_bericht": None, "handoff_verlaten_vraag": None}
    if entry.status == WITH_AGENT:
        if intent != "gesprek_beeindigen":
            queue().customer_wrote(entry.id)  # the agent's console alerts them
            return {"handoff_bericht": None}
        name = tracker.get_slot("handoff_medewerker") or agent_name(entry.agent)
        dispatcher.utter_message(response="utter_handoff_gesprek_beeindigen_vraag", medewerker=name)
        return {"handoff_bericht": None, "handoff_verlaten_vraag": ASKED_END_CHAT, "handoff_medewerker": name}
    if intent in LEAVING_INTENTS:
        dispatcher.utter_message(response="utter_handoff_wachtrij_verlaten_vraag")
        return {"handoff_bericht": None, "handoff_verlaten_vraag": ASKED_LEAVE_QUEUE}
    if default_calendar().is_staffed(clock.now()):
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


def _leave(tracker: Tracker) -> dict[str, Any]:
    """The customer said "ja" to leaving: the entry is closed by them, whoever had it."""
    left = queue().leave(tracker.sender_id)
    name = tracker.get_slot("handoff_medewerker") or (agent_name(left.agent) if left and left.agent else None)
    return {
        "handoff_bericht": "-",
        "handoff_verlaten_vraag": None,
        "handoff_modus": CHAT_ENDED if left and left.agent else QUEUE_LEFT,
        "handoff_medewerker": name,
    }


def agent_name(username: str | None) -> str:
    """The name customers see for an agent: their display name."""
    agent = agent_store().get(username) if username else None
    return agent.display_name if agent else (username or "de medewerker")


class ActionAskHandoffBericht(Action):
    """Asks for the question offline; live it says nothing, because the agent answers."""

    def name(self) -> str:
        return "action_ask_handoff_bericht"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if tracker.get_slot("handoff_modus") == OFFLINE:
            dispatcher.utter_message(response="utter_ask_handoff_bericht")
        return []


class ActionHandoffVastleggen(Action):
    """The form is done: offline, the question joins the queue (or the customer left none); live,
    the agent has gone, the customer left, or the service closed while the customer waited (the
    entry is already a question then)."""

    def name(self) -> str:
        return "action_handoff_vastleggen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if tracker.get_slot("handoff_modus") == LEFT_AT_CLOSING:
            dispatcher.utter_message(
                response="utter_handoff_na_sluiting",
                referentie=tracker.get_slot("handoff_referentie"),
                terug=back_at(tracker),
            )
            return [*_end_events(), SlotSet("handoff_vervolg", True)]
        outcome = tracker.get_slot("handoff_modus")
        if outcome == CHAT_ENDED:
            dispatcher.utter_message(
                response="utter_handoff_klant_beeindigd", medewerker=tracker.get_slot("handoff_medewerker")
            )
            return _end_events()
        if outcome in SAID_BY_OUTCOME:
            dispatcher.utter_message(response=SAID_BY_OUTCOME[outcome])
            return _end_events()
        if outcome != OFFLINE:
            dispatcher.utter_message(response="utter_handoff_voorbij")
            return _end_events()
        details = {**handoff_details(tracker), "vraag": tracker.get_slot("handoff_bericht")}
        entry = queue().enqueue(
            tracker.sender_id,
            tracker.get_latest_input_channel() or "onbekend",
            handoff_reason(events_up_to_request(tracker)),
            details,
            OFFLINE,
            request_key=request_key(tracker, FORM),
        )
        dispatcher.utter_message(
            response="utter_handoff_vastgelegd", referentie=entry.reference, terug=back_at(tracker)
        )
        return [
            *_end_events(),
            SlotSet("handoff_referentie", entry.reference),
            SlotSet("handoff_vervolg", True),
        ]


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
        ask_satisfaction(dispatcher, tracker.sender_id)
        return [*_end_events(), ActionExecuted("action_listen")]


def ask_satisfaction(dispatcher: CollectingDispatcher, conversation_id: str) -> None:
    """The rating question about the agent who just handed back, once per queue entry
    (bot/satisfaction.py); a database that is down costs the question, not the goodbye."""
    try:
        closed = [entry for entry in queue().for_conversation(conversation_id) if entry.mode == LIVE]
        entry = closed[-1] if closed else None
        if entry is None or entry.is_open or not entry.agent:
            return
        if satisfaction_store().ask_after_agent(entry.id, conversation_id, entry.agent, entry.reason):
            dispatcher.utter_message(
                response="utter_csat_vraag_medewerker", medewerker=agent_name(entry.agent)
            )
    except Exception:
        logger.exception("Satisfaction: the question after the handoff could not be asked")


class ActionHandoffOvergenomen(Action):
    """Run by the agent console through the HTTP API right after an agent claimed the conversation:
    the customer hears who helps them now. It speaks only while the conversation's live entry is with
    an agent, and once per agent, so a late or repeated call says nothing."""

    def name(self) -> str:
        return "action_handoff_overgenomen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        entry = queue().live_entry(tracker.sender_id)
        if entry is None or entry.status != WITH_AGENT or not entry.agent:
            return [ActionExecuted("action_listen")]
        name = agent_name(entry.agent)
        if tracker.get_slot("handoff_medewerker") == name:
            return [ActionExecuted("action_listen")]
        dispatcher.utter_message(response="utter_handoff_overgenomen", medewerker=name)
        return [SlotSet("handoff_medewerker", name), ActionExecuted("action_listen")]


class ActionHandoffVervolg(Action):
    """The customer writes on after leaving a question outside staffed hours (rule "reactie op een
    vraag voor de medewerkers"): while that entry is the conversation's latest, open and recent, the
    message goes to the team: back to the agent who answered it (or the queue if that agent is gone),
    and the customer hears when someone looks at it. Otherwise the question is over and the bot
    takes the conversation back."""

    def name(self) -> str:
        return "action_handoff_vervolg"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        reference = tracker.get_slot("handoff_referentie")
        within = timedelta(days=load_settings().handoff.follow_up_days)
        entry = queue().add_reaction(
            tracker.sender_id, reference or "", latest_text(tracker), within, agent_present=_agent_present
        )
        if entry is None:
            dispatcher.utter_message(response="utter_handoff_reactie_verlopen", referentie=reference)
            return [SlotSet("handoff_vervolg", False)]
        if default_calendar().is_staffed(clock.now()):
            dispatcher.utter_message(response="utter_handoff_reactie_nu", referentie=entry.reference)
        else:
            dispatcher.utter_message(
                response="utter_handoff_reactie_later", referentie=entry.reference, terug=back_at(tracker)
            )
        return []


def _agent_present(username: str) -> bool:
    return agent_store().get(username) is not None
