"""Rasa SDK actions: thin adapters that read the tracker, ask `bot/` and answer.

A malformed KLANTENSERVICE_NOW stops the action server here, at start, with a clear message.
"""

import sys

from bot.clock import ClockError, pinned

try:
    pinned()
except ClockError as error:
    sys.exit(f"Action server not started: {error}")
