"""Rasa's response generator with the page's facts filled in by the Rasa server itself.

endpoints.yml:

    nlg:
      type: rasa_runtime.nlg.FactsNaturalLanguageGenerator

Responses in domain.yml name facts such as {telefoonnummer} or {uren}; Rasa's own generator fills
them only from slots and from what a custom action passes. This one adds `bot.facts.response_facts`
(from klantenservice.yml and the calendar, in the language of the slot `taal`), so an answer that only
states facts comes from a rule and a response, and still works when the action server is down. What
an action passes wins over a fact, and a fact over a slot of the same name.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot import clock
from bot.facts import response_facts


class FactsNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    def generate_from_slots(
        self, utter_action: str, filled_slots: dict[str, Any], output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        if self._has_placeholders(utter_action):
            kwargs = {**response_facts(clock.now(), filled_slots.get("taal")), **kwargs}
        return super().generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)

    def _has_placeholders(self, utter_action: str) -> bool:
        """Most responses name no fact: they are generated without computing the facts."""
        return any(
            "{" in str(variation.get("text", "")) for variation in self.responses.get(utter_action, [])
        )
