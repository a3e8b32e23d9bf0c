"""A customer ends a chat with an agent the way a customer does it, in a real browser (Debian's
Chromium through Playwright) against the real web app, Rasa server and action server: the widget's
"Gesprek beëindigen" button, then "Ja". The chat is the assistant's again, for the customer and
in the agent console."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.settings import load_settings
from tests.conftest import ROOT
from tests.e2e.test_delivery import (  # noqa: F401  (browser is a fixture)
    ASSISTANT_SUBTITLE,
    WITH_ANNA,
    agent_bubbles,
    browser,
    leave_buttons,
    subtitle,
)
from tests.e2e.test_handoff import agents  # noqa: F401  (agents is a fixture)
from tests.e2e.test_satisfaction_browser import click_reply
from tests.e2e.test_widget import GREETING, ChatPage, wait_until
from webapp.labels import LEFT_LABEL

pytestmark = pytest.mark.e2e

ANSWER = "Hoi, met Anna. Je terugbetaling staat klaar en komt binnen vijf werkdagen op je rekening."
AFTERWARDS = "wat is jullie telefoonnummer"


def dutch_response(name: str, **values: str) -> str:
    """A response's Dutch text from domain.yml (its first variant), filled in."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"][name][0]["text"].format(**values)


def test_the_customer_ends_the_chat_with_the_button_and_the_assistant_answers_again(
    browser,  # noqa: F811
    services,
    agents,  # noqa: F811
    tmp_path: Path,
):
    anna = agents["anna"]
    end_question = dutch_response("utter_handoff_gesprek_beeindigen_vraag", medewerker="Anna")
    goodbye = dutch_response("utter_handoff_klant_beeindigd", medewerker="Anna")
    phone = load_settings().contact.phone
    chat = ChatPage(browser.new_page(), services.web_url).open()
    chat.wait_for_bot(GREETING)
    chat.say("ik wil een medewerker spreken")
    chat.wait_for_bot("wachtrij")  # staffed: the live queue, not a question for later
    session = chat.session_id()
    entry = anna.entry_for(session)
    assert (entry["mode"], entry["status"]) == ("live", "waiting")

    assert anna.claim(entry["id"]).status_code == 200
    anna.send(entry["id"], ANSWER)
    wait_until(lambda: any(ANSWER in bubble for bubble in agent_bubbles(chat.page)), 30, "Anna's answer")
    wait_until(lambda: subtitle(chat.page) == WITH_ANNA, 10, "the header naming Anna")
    assert leave_buttons(chat.page) == 1

    chat.page.get_by_role("button", name="Gesprek beëindigen").click()
    wait_until(lambda: "Gesprek beëindigen" in chat.user_texts(), 10, "the button's message in the chat")
    chat.wait_for_bot(end_question)
    assert end_question in chat.bot_texts()
    # Asking is not leaving: Anna still has the chat until the customer confirms.
    assert anna.details(entry["id"])["entry"]["status"] == "with_agent"
    assert subtitle(chat.page) == WITH_ANNA

    click_reply(chat, "Ja")
    chat.wait_for_bot(goodbye.split(".")[0])
    assert goodbye in chat.bot_texts()
    wait_until(lambda: subtitle(chat.page) == ASSISTANT_SUBTITLE, 15, "the assistant's header again")
    assert leave_buttons(chat.page) == 0

    # The agent console: closed by the customer, off the queue, no more answers from Anna.
    left = anna.details(entry["id"])["entry"]
    assert (left["status"], left["status_label"], left["closed_by"]) == ("closed", LEFT_LABEL, "klant")
    assert left["closed_at"] is not None
    assert [e for e in anna.entries() if e["conversation_id"] == session] == []
    late = anna.http.post(
        f"{anna.url}/api/entries/{entry['id']}/messages", json={"text": "Ben je er nog?"}, timeout=30
    )
    assert late.status_code == 409 and late.json()["error"] == "Dit gesprek is al afgesloten."

    # What the customer types now is for the assistant, not for Anna's queue.
    bubbles_before = len(agent_bubbles(chat.page))
    chat.say(AFTERWARDS)
    chat.wait_for_bot(phone)
    assert all(phone not in bubble for bubble in agent_bubbles(chat.page))
    assert len(agent_bubbles(chat.page)) == bubbles_before
    after = anna.details(entry["id"])
    assert after["entry"]["status"] == "closed"
    assert after["entry"]["customer_wrote_at"] == left["customer_wrote_at"]
    assert [e for e in anna.entries() if e["conversation_id"] == session] == []
    lines = [(line["who"], line["text"]) for line in after["transcript"]]
    asked = lines.index(("klant", AFTERWARDS))
    who, text = lines[asked + 1]
    assert who == "assistent" and phone in text, lines[asked:]

    chat.page.locator("#chat").screenshot(path=str(tmp_path / "widget-after-leaving.png"))
