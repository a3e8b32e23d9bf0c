"""Rasa SDK actions: thin adapters that read the tracker, ask `bot/` and answer.

Only the Rasa server may call the action server (actions/caller_check.py). A malformed
KLANTENSERVICE_NOW stops the action server here, at start, with a clear message, and personal data
in the server's log records is masked from here on (bot/log_privacy.py).
"""

import sys

from actions import caller_check
from bot import log_privacy
from bot.clock import ClockError, pinned

log_privacy.install()

try:
    pinned()
except ClockError as error:
    sys.exit(f"Action server not started: {error}")

caller_check.install()
