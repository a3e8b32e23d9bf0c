"""The agent console and the chat widget together in real browsers: one headless Chromium for the
customer on the chat page, another for the agent in the console, against the real servers."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from bot.agents import AgentStore
from bot.cases import CaseStore
from tests.conftest import ROOT
from tests.e2e.test_widget import ChatPage, launch, wait_until

pytestmark = pytest.mark.e2e

PASSWORD = "wachtwoord-voor-de-browser"
CONSOLE_SCREENSHOT = ROOT / "docs" / "agent-console.png"
CUSTOMER_HTML = "Mijn factuur <b>klopt</b> niet <script>document.title='gehackt'</script>"


def log_in(page: Page, web_url: str, username: str) -> None:
    page.goto(f"{web_url}/agent")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#queue-rows")


def test_customer_and_agent_chat_in_two_browsers(playwright, services, tmp_path: Path):
    store = AgentStore(services.env["KLANTENSERVICE_DB_URL"])
    if store.get("carla") is None:
        store.add("carla", PASSWORD, "Carla")
    customer_browser = launch(playwright, tmp_path / "customer")
    agent_browser = launch(playwright, tmp_path / "agent")
    try:
        chat = ChatPage(customer_browser.new_page(), services.web_url).open()
        chat.wait_for_bot("Waarmee kan ik je helpen?")
        chat.say("ik wil een medewerker spreken")
        chat.wait_for_bot("in de wachtrij")
        chat.say(CUSTOMER_HTML)
        session_id = chat.session_id()

        console = agent_browser.new_page()
        dialogs: list[str] = []
        console.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        log_in(console, services.web_url, "carla")
        entries = console.request.get(f"{services.web_url}/agent/api/queue").json()["entries"]
        [entry] = [e for e in entries if e["conversation_id"] == session_id]
        row_button = console.locator("#queue-rows button", has_text=entry["reference"])
        wait_until(row_button.is_visible, 10, "the customer's row in the queue")
        row_button.click()
        console.click("#claim-button")
        transcript = console.locator("#transcript")
        wait_until(lambda: CUSTOMER_HTML in transcript.inner_text(), 15, "the customer's message as text")
        assert transcript.locator("script, b").count() == 0  # shown as text, never as markup
        assert console.title() != "gehackt" and chat.page.title() != "gehackt"

        console.fill("#reply-text", "Goedemiddag, met Carla. Ik kijk naar je factuur.")
        console.click("#reply-button")
        chat.wait_for_bot("Goedemiddag, met Carla.")
        CONSOLE_SCREENSHOT.parent.mkdir(exist_ok=True)
        console.screenshot(path=str(CONSOLE_SCREENSHOT), full_page=True)

        cases = CaseStore(services.env["KLANTENSERVICE_DB_URL"])
        handled = cases.create("retour", session_id, {"webshop": "Zalando"})
        untouched = cases.create("klacht", session_id, {"klacht_betreft": "factuur"})
        case_box = console.locator(f"#close-dialog input[value='{handled.reference}']")
        cases_shown = console.locator("#entry-cases")
        wait_until(lambda: untouched.reference in cases_shown.inner_text(), 15, "the cases in the console")
        console.click("#close-button")
        wait_until(case_box.is_visible, 10, "the open cases as checkboxes in the close dialog")
        assert "afsluiten" in console.locator("#close-dialog-text").inner_text().lower()
        assert console.locator("#close-dialog input[name=case]").count() == 2
        case_box.check()
        console.click("#close-dialog button[value=close]")
        chat.wait_for_bot("Het gesprek met de medewerker is afgelopen")  # not the greeting
        assert not dialogs  # no browser pop-up, the console's own dialog
        wait_until(lambda: cases.get(handled.reference).status == "closed", 10, "the ticked case closed")
        assert cases.get(untouched.reference).status == "open"
        chat.say("wat is jullie telefoonnummer")
        chat.wait_for_bot("020 - 808 28 52")
    finally:
        customer_browser.close()
        agent_browser.close()
