"""A new session (after an hour without messages) keeps the slots and a handoff that is still on.

The topic of the last question (`onderwerp`) is not kept: a follow-up an hour later has no context.

Rasa's own session start would end the handoff loop silently: the customer's next message would go
to the bot while an agent is still with them.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import FORM, queue
from bot.handoff import LIVE


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        events: list = [SessionStarted()]
        events += [
            SlotSet(name, value)
            for name, value in tracker.slots.items()
            if value is not None and name not in ("requested_slot", "handoff_bericht", "onderwerp")
        ]
        if queue().live_entry(tracker.sender_id) is not None:
            events += [
                SlotSet("handoff_modus", LIVE),
                ActiveLoop(FORM),
                SlotSet("requested_slot", "handoff_bericht"),
            ]
        events.append(ActionExecuted("action_listen"))
        return events
