"""Transfer and history in real browsers against the real servers: an agent hands a live chat to a
colleague who is online (the customer hears and sees who helps them now, the colleague finds the
note), and a closed conversation is found by its order number and by a case reference typed in
lower case with a space; the cases page lists and filters cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cases import CaseStore
from bot.handoff import HandoffQueue
from tests.conftest import ROOT
from tests.e2e.test_console_tools import account, claim, log_in, open_entry
from tests.e2e.test_widget import ChatPage, launch, wait_until

pytestmark = pytest.mark.e2e

TRANSFER_SCREENSHOT = ROOT / "docs" / "agent-console-transfer.png"
HISTORY_SCREENSHOT = ROOT / "docs" / "agent-console-history.png"
HISTORY_ENTRY_SCREENSHOT = ROOT / "docs" / "agent-console-history-entry.png"
CASES_SCREENSHOT = ROOT / "docs" / "agent-console-cases.png"
NOTE = "Klant wil <b>ruilen</b> in plaats van retour"


def subtitle(chat: ChatPage) -> str:
    return chat.page.locator(".rw-header > span").first.inner_text()


def test_a_transfer_moves_the_chat_to_the_colleague_and_tells_the_customer(
    playwright, services, tmp_path: Path
):
    account(services, "hugo", "Hugo")
    account(services, "iris", "Iris")
    customer = launch(playwright, tmp_path / "customer")
    hugo_browser = launch(playwright, tmp_path / "hugo")
    iris_browser = launch(playwright, tmp_path / "iris")
    try:
        chat = ChatPage(customer.new_page(), services.web_url).open()
        chat.wait_for_bot("Waarmee kan ik je helpen?")
        chat.say("ik wil een medewerker spreken")
        chat.wait_for_bot("in de wachtrij")
        session_id = chat.session_id()

        iris = iris_browser.new_page()
        log_in(iris, services.web_url, "iris")  # her console is open: she is online
        hugo = hugo_browser.new_page()
        log_in(hugo, services.web_url, "hugo")
        entry = open_entry(hugo, services.web_url, session_id)
        claim(hugo)
        chat.wait_for_bot("Hugo van de klantenservice helpt je nu verder")

        hugo.click("#transfer-button")
        wait_until(lambda: hugo.is_visible("#transfer-dialog"), 10, "the transfer dialog")
        options = hugo.locator("#transfer-to option")
        wait_until(lambda: "Iris (iris)" in options.all_inner_texts(), 10, "Iris among the colleagues")
        assert options.all_inner_texts()[0] == "Terug in de wachtrij"
        assert not any("Hugo" in option for option in options.all_inner_texts())
        hugo.select_option("#transfer-to", "iris")
        hugo.fill("#transfer-note", NOTE)
        hugo.screenshot(path=str(TRANSFER_SCREENSHOT), full_page=True)
        hugo.click("#transfer-confirm")
        wait_until(lambda: "Overgedragen aan Iris" in hugo.inner_text("#entry-notice"), 15, "the notice")
        wait_until(lambda: not hugo.is_enabled("#reply-text"), 10, "Hugo's reply box closed")
        assert "opgepakt door iris" in hugo.inner_text("#reply-hint")

        [told] = chat.wait_for_bot("Iris van de klantenservice helpt je nu verder")
        assert "Hugo" not in told
        wait_until(
            lambda: subtitle(chat) == "Je chat met Iris van de klantenservice", 10, "the header naming Iris"
        )
        assert "ruilen" not in " ".join(chat.bot_texts())  # the note is for agents only

        open_entry(iris, services.web_url, session_id)
        notes = iris.locator("#notes")
        wait_until(lambda: "Overgedragen aan Iris: " + NOTE in notes.inner_text(), 10, "the note for Iris")
        assert notes.locator("b").count() == 0 and "Hugo" in notes.inner_text()
        wait_until(lambda: iris.is_enabled("#reply-text"), 10, "Iris may answer")
        iris.fill("#reply-text", "Hoi, met Iris. Ik regel de ruil voor je.")
        iris.click("#reply-button")
        chat.wait_for_bot("Ik regel de ruil voor je")

        again = hugo.request.post(
            f"{services.web_url}/agent/api/entries/{entry['id']}/overdragen",
            data={"to": "iris"},
            headers={"X-CSRF-Token": hugo.get_attribute('meta[name="csrf-token"]', "content")},
        )
        assert again.status == 409 and again.json()["error"] == "Dit gesprek is opgepakt door iris."
        chat.wait_for_quiet()
        joined = [text for text in chat.bot_texts() if "helpt je nu verder" in text]
        assert len(joined) == 2  # Hugo's, Iris's: once each

        iris.click("#transfer-button")  # Iris puts it back in the queue; Hugo takes it again
        wait_until(lambda: iris.is_visible("#transfer-dialog"), 10, "Iris's transfer dialog")
        iris.select_option("#transfer-to", "")
        iris.fill("#transfer-note", "Hugo kent de klant al")
        iris.click("#transfer-confirm")
        wait_until(lambda: "Teruggezet in de wachtrij" in iris.inner_text("#entry-notice"), 15, "the release")
        wait_until(lambda: hugo.is_visible("#claim-button"), 15, "the entry waiting again in Hugo's console")
        claim(hugo)
        chat.wait_for_bot("Hugo van de klantenservice helpt je nu verder", count=2)
        assert "Hugo kent de klant al" in hugo.inner_text("#notes")
    finally:
        customer.close()
        hugo_browser.close()
        iris_browser.close()


def test_a_closed_conversation_is_found_by_order_number_and_by_a_loosely_typed_reference(
    playwright, services, assistant, tmp_path: Path
):
    account(services, "jade", "Jade")
    db_url = services.env["KLANTENSERVICE_DB_URL"]
    sender = "geschiedenis-klant"
    assistant.say(sender, "ik wil een medewerker spreken")
    case = CaseStore(db_url).create(
        "retour", sender, {"webshop": "Bol.com", "bestelnummer": "88776655", "trackingnummer": "3SHIST123"}
    )
    queue = HandoffQueue(db_url)
    [entry] = [e for e in queue.for_conversation(sender) if e.is_open]
    queue.claim(entry.id, "jade")
    queue.close(entry.id, "jade")
    browser = launch(playwright, tmp_path / "jade")
    try:
        page = browser.new_page()
        log_in(page, services.web_url, "jade")
        page.click("a[href='/agent/geschiedenis']")
        page.fill("#q", "88776655")
        page.click(".history-search button[type=submit]")
        results = page.locator("#history-results")
        wait_until(lambda: entry.reference in results.inner_text(), 10, "the conversation by order number")
        assert "afgesloten" in results.inner_text() and case.reference in page.inner_text("main")

        typed = "ret " + case.reference.split("-")[1].lower()
        page.fill("#q", typed)
        page.click(".history-search button[type=submit]")
        wait_until(lambda: entry.reference in page.inner_text("#history-results"), 10, "by the reference")
        assert page.input_value("#q") == typed
        page.screenshot(path=str(HISTORY_SCREENSHOT), full_page=True)

        page.click(f"#history-results a:has-text('{entry.reference}')")
        wait_until(
            lambda: entry.reference in page.inner_text("#history-title"), 10, "the conversation's page"
        )
        main = page.inner_text("main")
        assert "ik wil een medewerker spreken" in main  # the conversation as Rasa kept it
        assert "88776655" in main and "afgesloten" in main
        page.screenshot(path=str(HISTORY_ENTRY_SCREENSHOT), full_page=True)

        page.goto(f"{services.web_url}/agent/zaken?soort=retour&status=open")
        listed = page.locator("#case-list")
        wait_until(lambda: case.reference in listed.inner_text(), 10, "the case in the list")
        page.screenshot(path=str(CASES_SCREENSHOT), full_page=True)
        page.select_option("select[name=status]", "closed")
        page.click(".case-filters button[type=submit]")
        wait_until(lambda: "status=closed" in page.url, 10, "the filtered list")
        assert case.reference not in page.inner_text("main")
    finally:
        browser.close()
