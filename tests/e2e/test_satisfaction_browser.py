"""Customer satisfaction in real browsers against the real servers: an agent hands back, the
customer's chat shows the rating buttons, a 4 and a comment are stored and the team lead's dashboard
shows them for that agent; a survey the customer skipped is not asked again."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.agents import TEAM_LEAD, AgentStore
from bot.satisfaction import SatisfactionStore
from tests.e2e.test_console_browser import PASSWORD, log_in
from tests.e2e.test_widget import ChatPage, launch, wait_until

pytestmark = pytest.mark.e2e

QUESTION_AFTER_AGENT = "Hoe tevreden ben je over het gesprek met Dirk Tevreden"
QUESTION_BOT_ONLY = "Hoe tevreden ben je over dit gesprek"
COMMENT = "Dirk hielp <b>heel</b> snel <script>document.title='gehackt'</script>"


def click_reply(chat: ChatPage, title: str) -> None:
    """Clicks the latest button with exactly this title in the customer's chat."""
    button = chat.page.locator(
        ".rw-messages-container .rw-reply", has_text=re.compile(rf"^\s*{title}\s*$")
    ).last
    wait_until(button.is_visible, 15, f"the button {title!r}")
    button.click()


def accounts(db_url: str) -> None:
    store = AgentStore(db_url)
    if store.get("dirk") is None:
        store.add("dirk", PASSWORD, "Dirk Tevreden")
    if store.get("tamara") is None:
        store.add("tamara", PASSWORD, "Tamara", role=TEAM_LEAD)


def test_an_agent_hands_back_and_the_rating_shows_on_the_dashboard(playwright, services, tmp_path: Path):
    db_url = services.env["KLANTENSERVICE_DB_URL"]
    accounts(db_url)
    customer_browser = launch(playwright, tmp_path / "customer")
    agent_browser = launch(playwright, tmp_path / "agent")
    lead_browser = launch(playwright, tmp_path / "lead")
    try:
        chat = ChatPage(customer_browser.new_page(), services.web_url).open()
        chat.wait_for_bot("Waarmee kan ik je helpen?")
        chat.say("ik wil een medewerker spreken")
        chat.wait_for_bot("in de wachtrij")
        session_id = chat.session_id()

        console = agent_browser.new_page()
        log_in(console, services.web_url, "dirk")
        entries = console.request.get(f"{services.web_url}/agent/api/queue").json()["entries"]
        [entry] = [e for e in entries if e["conversation_id"] == session_id]
        row_button = console.locator("#queue-rows button", has_text=entry["reference"])
        wait_until(row_button.is_visible, 10, "the customer's row in the queue")
        row_button.click()
        console.click("#claim-button")
        console.fill("#reply-text", "Hoi, met Dirk. Je factuur is aangepast.")
        console.click("#reply-button")
        chat.wait_for_bot("Hoi, met Dirk.")
        console.click("#close-button")
        console.click("#close-dialog button[value=close]")

        chat.wait_for_bot(QUESTION_AFTER_AGENT)
        wait_until(lambda: "Overslaan" in chat.quick_replies(), 15, "the rating buttons")
        assert [title for title in chat.quick_replies() if title in "12345" and title][-5:] == list("12345")
        click_reply(chat, "4")
        chat.wait_for_bot("Wil je nog iets kwijt?")
        chat.say(COMMENT)
        chat.wait_for_bot("je opmerking is doorgegeven")

        [rating] = SatisfactionStore(db_url).for_conversation(session_id)
        assert (rating.entry_id, rating.agent, rating.score, rating.comment) == (
            entry["id"],
            "dirk",
            4,
            COMMENT,
        )

        today = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
        lead = lead_browser.new_page()
        lead.goto(f"{services.web_url}/agent")
        lead.fill("#username", "tamara")
        lead.fill("#password", PASSWORD)
        lead.click("button[type=submit]")
        lead.wait_for_selector("#reply-text", state="attached")
        lead.goto(f"{services.web_url}/agent/dashboard?from={today}&to={today}")
        dirk = lead.locator("#agents-table tr", has_text="Dirk Tevreden")
        cells = [text.strip() for text in dirk.locator("td").all_inner_texts()]
        assert cells[1:3] == ["1", "4,0"]  # ratings, average CSAT
        assert cells[3] != "–" and cells[4] != "–"  # a first response and a handling time
        agent_csat = (
            lead.locator("#csat-table tr", has_text="Met een medewerker").locator("td").all_inner_texts()
        )
        assert agent_csat[1] != "–" and int(agent_csat[2]) >= 1
        comments = lead.locator("#comments-table")
        assert COMMENT in comments.inner_text()  # the customer's words as text, never as markup
        assert comments.locator("script, b").count() == 0 and lead.title() != "gehackt"
    finally:
        customer_browser.close()
        agent_browser.close()
        lead_browser.close()


def test_a_skipped_survey_is_not_asked_again(playwright, services, tmp_path: Path):
    browser = launch(playwright, tmp_path / "customer")
    try:
        chat = ChatPage(browser.new_page(), services.web_url).open()
        chat.wait_for_bot("Waarmee kan ik je helpen?")
        chat.say("wat is jullie telefoonnummer")
        chat.wait_for_bot("020 - 808 28 52")
        chat.say("doei")
        chat.wait_for_bot(QUESTION_BOT_ONLY)
        click_reply(chat, "Overslaan")
        chat.wait_for_bot("Prima. Kan ik je nog ergens anders mee helpen?")
        chat.say("doei")
        chat.wait_for_bot("Fijne dag nog", count=2)
        texts = chat.wait_for_quiet()
        assert sum(QUESTION_BOT_ONLY in text for text in texts) == 1

        [skipped] = SatisfactionStore(services.env["KLANTENSERVICE_DB_URL"]).for_conversation(
            chat.session_id()
        )
        assert skipped.skipped and skipped.entry_id is None and skipped.topic == "telefoonnummer"
    finally:
        browser.close()
