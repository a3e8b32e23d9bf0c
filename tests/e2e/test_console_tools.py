"""The agent console's tools in real browsers against the real servers: the waiting count in the tab
title and browser notifications, quick replies with the case reference, internal notes that never
reach the customer, and the open conversation and draft that survive a reload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from bot.agents import AgentStore
from bot.cases import CaseStore
from bot.delivery import DeliveryStore
from tests.conftest import ROOT
from tests.e2e.test_console_browser import PASSWORD
from tests.e2e.test_widget import ChatPage, launch, wait_until

pytestmark = pytest.mark.e2e

TOOLS_SCREENSHOT = ROOT / "docs" / "agent-console-tools.png"
# Records each notification the page creates (the title and body), then shows it as usual.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  if (!Real) { return; }
  class Recorded extends Real {
    constructor(title, options) {
      window.recordNotification(title, (options && options.body) || "");
      super(title, options);
    }
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
})();
"""


def account(services, username: str, name: str) -> str:
    store = AgentStore(services.env["KLANTENSERVICE_DB_URL"])
    if store.get(username) is None:
        store.add(username, PASSWORD, name)
    return username


def log_in(page: Page, web_url: str, username: str) -> None:
    """Logs in through the form and waits for the console's first look at the queue (maybe empty)."""
    page.goto(f"{web_url}/agent")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#console")
    wait_until(lambda: "Bijgewerkt" in page.inner_text("#queue-status"), 15, "the first look at the queue")


def open_entry(console: Page, web_url: str, conversation_id: str) -> dict:
    """Chooses the conversation's row in the queue; its queue entry as the API shows it."""
    entry = wait_until(
        lambda: next(
            (
                e
                for e in console.request.get(f"{web_url}/agent/api/queue").json()["entries"]
                if e["conversation_id"] == conversation_id
            ),
            None,
        ),
        15,
        "the conversation in the queue",
    )
    row = console.locator("#queue-rows button", has_text=entry["reference"])
    wait_until(row.is_visible, 10, "the conversation's row")
    row.click()
    wait_until(
        lambda: entry["reference"] in console.inner_text("#entry-title"), 10, "the chosen conversation"
    )
    return entry


def claim(console: Page) -> None:
    console.click("#claim-button")
    wait_until(lambda: console.is_enabled("#reply-text"), 15, "the reply box after the claim")


def notified(page: Page, shown: list[tuple[str, str]], title: str, entry: dict) -> bool:
    """Whether the page showed that notification; Playwright hands over the page's calls to
    `recordNotification` only while the test waits in one of its own calls."""
    page.wait_for_timeout(200)
    return (title, f"{entry['reference']} · {entry['reason_label']}") in shown


def waiting_count(console: Page, web_url: str) -> int:
    entries = console.request.get(f"{web_url}/agent/api/queue").json()["entries"]
    return sum(1 for e in entries if e["status"] == "waiting" and not e["gone"])


def test_the_title_counts_waiting_customers_and_notifications_follow_the_agents_choice(
    playwright, services, assistant, tmp_path: Path
):
    account(services, "dora", "Dora")
    agent: BrowserContext = launch(playwright, tmp_path / "agent")
    agent.grant_permissions(["notifications"], origin=services.web_url)
    shown: list[tuple[str, str]] = []
    agent.expose_function("recordNotification", lambda title, body: shown.append((title, body)))
    agent.add_init_script(RECORD_NOTIFICATIONS)
    try:
        console = agent.new_page()
        log_in(console, services.web_url, "dora")
        assert not console.is_checked("#notify-switch")
        console.check("#notify-switch")
        console.reload()
        console.wait_for_selector("#console")
        assert console.is_checked("#notify-switch")  # the choice is remembered for this agent
        wait_until(lambda: "Bijgewerkt" in console.inner_text("#queue-status"), 10, "the first poll")

        sender = "console-alerts-klant"
        assistant.say(sender, "ik wil een medewerker spreken")

        def title_matches_the_queue() -> bool:
            count = waiting_count(console, services.web_url)
            return count > 0 and console.title() == f"({count}) Wachtrij – medewerkers klantenservice"

        wait_until(title_matches_the_queue, 15, f"the waiting count in the title; title {console.title()!r}")
        entry = open_entry(console, services.web_url, sender)
        wait_until(
            lambda: notified(console, shown, "Nieuwe klant in de wachtrij", entry),
            15,
            "a notification for the new customer",
        )
        assert all("medewerker spreken" not in body for _, body in shown)  # never what the customer wrote

        claim(console)
        assistant.say(sender, "ik heb nog een vraag over mijn factuur")
        wait_until(
            lambda: notified(console, shown, "Nieuw bericht van de klant", entry),
            15,
            "a notification for the customer's message",
        )

        console.uncheck("#notify-switch")
        before = len(shown)
        assistant.say("console-alerts-tweede", "ik wil een medewerker spreken")
        wait_until(
            lambda: any(
                e["conversation_id"] == "console-alerts-tweede"
                for e in console.request.get(f"{services.web_url}/agent/api/queue").json()["entries"]
            ),
            15,
            "the second customer in the queue",
        )
        console.wait_for_timeout(3000)  # a poll or more after the customer arrived
        assert len(shown) == before  # switched off: no notification
    finally:
        agent.close()


def test_a_quick_reply_is_filled_edited_and_sent_and_a_reload_keeps_the_draft(
    playwright, services, tmp_path: Path
):
    account(services, "eva", "Eva")
    customer = launch(playwright, tmp_path / "customer")
    agent = launch(playwright, tmp_path / "agent")
    try:
        chat = ChatPage(customer.new_page(), services.web_url).open()
        chat.wait_for_bot("Waarmee kan ik je helpen?")
        chat.say("ik wil een medewerker spreken")
        chat.wait_for_bot("in de wachtrij")
        session_id = chat.session_id()
        case = CaseStore(services.env["KLANTENSERVICE_DB_URL"]).create(
            "retour", session_id, {"webshop": "Zalando"}
        )

        console = agent.new_page()
        log_in(console, services.web_url, "eva")
        open_entry(console, services.web_url, session_id)
        claim(console)

        box = console.locator("#reply-text")
        box.click()
        box.press_sequentially("/retour")
        quick_list = console.locator("#quick-list")
        wait_until(
            lambda: quick_list.is_visible() and "Retourprocedure" in quick_list.inner_text(), 10, "the list"
        )
        assert "Begroeting" not in quick_list.inner_text()  # filtered by what follows the "/"
        console.fill("#note-text", "Klant heeft twee pakketten teruggestuurd.")
        console.click("#note-button")
        wait_until(lambda: "twee pakketten" in console.inner_text("#notes"), 10, "the note")
        box.click()
        box.press("End")
        box.press("Backspace")
        box.press_sequentially("r")  # the list opens again while typing after the "/"
        wait_until(quick_list.is_visible, 10, "the list again")
        console.screenshot(path=str(TOOLS_SCREENSHOT), full_page=True)
        box.press("Enter")
        inserted = box.input_value()
        assert "pauzestand" in inserted and f"zaaknummer {case.reference}." in inserted
        assert "/retour" not in inserted and "{referentie}" not in inserted and "[" not in inserted
        box.press("End")
        box.press_sequentially(" Groetjes, Eva")
        console.click("#reply-button")
        [said] = chat.wait_for_bot(case.reference)
        assert "pauzestand" in said and said.rstrip().endswith("Groetjes, Eva")
        assert "twee pakketten" not in " ".join(chat.bot_texts())

        draft = "Ik zoek het voor je uit, nog even geduld"
        box.fill(draft)
        box.press("End")  # an input event: the draft is kept
        box.press_sequentially(".")
        console.reload()
        wait_until(
            lambda: case.reference in console.inner_text("#entry-cases"), 15, "the open conversation back"
        )
        assert console.locator("#reply-text").input_value() == draft + "."
    finally:
        customer.close()
        agent.close()


def test_a_note_never_reaches_the_customer_and_another_agent_sees_it(
    playwright, services, assistant, tmp_path: Path
):
    account(services, "finn", "Finn")
    account(services, "gina", "Gina")
    sender = "console-notitie-klant"
    assistant.say(sender, "ik wil een medewerker spreken")
    finn = launch(playwright, tmp_path / "finn")
    gina = launch(playwright, tmp_path / "gina")
    note = "Klant <b>twijfelt</b> over de retour; niet doorsturen"
    try:
        console = finn.new_page()
        log_in(console, services.web_url, "finn")
        entry = open_entry(console, services.web_url, sender)
        claim(console)
        console.fill("#note-text", note)
        console.click("#note-button")
        notes = console.locator("#notes")
        wait_until(lambda: note in notes.inner_text(), 10, "the note in the conversation view")
        assert "Finn" in notes.inner_text() and notes.locator("b").count() == 0
        assert re.search(r"\d{2}:\d{2}", notes.inner_text())  # with its time
        console.fill("#reply-text", "Hoi, met Finn. Ik bekijk je retour.")
        console.click("#reply-button")

        answers = assistant.say(
            sender, "oke dank je"
        )  # a REST customer gets what waits with their next answer
        assert any("Ik bekijk je retour" in text for text in answers)  # the agent's answer did arrive
        assert all("twijfelt" not in text for text in answers)
        events = assistant.tracker(sender)["events"]
        assert all("twijfelt" not in str(event) for event in events)
        messages = DeliveryStore(services.env["KLANTENSERVICE_DB_URL"]).messages(sender)
        assert messages and all("twijfelt" not in message.text for message in messages)

        other = gina.new_page()
        log_in(other, services.web_url, "gina")
        open_entry(other, services.web_url, sender)
        seen = other.locator("#notes")
        wait_until(lambda: note in seen.inner_text(), 10, "the note for the other agent")
        assert "Finn" in seen.inner_text() and seen.locator("b").count() == 0
        assert entry["reference"] in other.inner_text("#entry-title")
    finally:
        finn.close()
        gina.close()
