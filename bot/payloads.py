"""Messages that are intent payloads ("/begroeten", "/bevestigen"), not text a customer wrote.

The chat widget sends its start message (rasa-webchat's initPayload) and every button as such a
payload; Rasa stores it as a user message. Whatever shows or counts customer text leaves them out.
"""

from __future__ import annotations

import re

# Rasa's shape: /intent, optionally with entities as JSON and a confidence (/intent{"a": 1}@0.9).
_PAYLOAD = re.compile(r"^/[A-Za-z_][\w-]*(\{.*\})?(@[0-9.]+)?$", re.DOTALL)


def is_intent_payload(text: str) -> bool:
    return bool(_PAYLOAD.match(text.strip()))
