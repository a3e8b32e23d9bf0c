"""widget.js's settings that must agree with the Rasa server's channels. The widget in a browser:
tests/e2e/test_widget.py."""

from __future__ import annotations

import re

from channels.rest import MAX_MESSAGE_CHARS
from tests.conftest import ROOT

SCRIPT = ROOT / "webapp" / "static" / "widget.js"


def test_the_widget_text_box_stops_at_the_channels_message_limit():
    """widget.js cannot import channels/rest.py's limit; over it the message would be refused."""
    script = SCRIPT.read_text(encoding="utf-8")
    assert re.findall(r"var MAX_MESSAGE_CHARS = (\d+);", script) == [str(MAX_MESSAGE_CHARS)]
