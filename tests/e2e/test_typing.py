"""Typing indicators both ways in real browsers against the real servers: the customer types in the
widget and the agent's console says "De klant typt…"; the agent types in the console and the
customer's chat shows the agent's typing dots until the answer arrives. With the Rasa server down the
console's typing signal fails without a word to the agent.

Every wait polls from the test side (the chat page's Content-Security-Policy forbids eval)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response

from bot.handoff import HandoffQueue
from tests.e2e.test_console_tools import account, claim, log_in, open_entry
from tests.e2e.test_widget import ChatPage, launch, wait_until

pytestmark = pytest.mark.e2e

TYPING_DOTS = ".rw-messages-container .kl-agent-typing"


def start_chat_with_agent(chat: ChatPage, console: Page, web_url: str, username: str) -> tuple[str, dict]:
    """A customer in the live queue, taken by the logged-in agent; (session id, queue entry)."""
    chat.open()
    chat.wait_for_bot("Waarmee kan ik je helpen?")
    chat.say("ik wil een medewerker spreken")
    chat.wait_for_bot("in de wachtrij")
    session_id = chat.session_id()
    log_in(console, web_url, username)
    entry = open_entry(console, web_url, session_id)
    claim(console)
    wait_until(
        lambda: "Je chat met" in chat.page.locator(".rw-header > span").first.inner_text(),
        20,
        "the chat header naming the agent",
    )
    return session_id, entry


def typing_posts(page: Page) -> list[Response]:
    """The console's typing signals as they are answered."""
    answered: list[Response] = []
    page.on("response", lambda response: response.url.endswith("/typing") and answered.append(response))
    return answered


def test_typing_shows_on_both_sides_and_goes_when_the_message_arrives(
    playwright, services, assistant, tmp_path: Path, show_figure
):
    account(services, "hugo", "Hugo")
    customer = launch(playwright, tmp_path / "customer")
    agent = launch(playwright, tmp_path / "agent")
    try:
        chat = ChatPage(customer.new_page(), services.web_url)
        console = agent.new_page()
        signals = typing_posts(console)
        session_id, entry = start_chat_with_agent(chat, console, services.web_url, "hugo")
        queue = HandoffQueue(services.env["KLANTENSERVICE_DB_URL"])
        indicator = console.locator("#customer-typing")
        assert not indicator.is_visible()

        # The customer types: the console says so; nothing of the text leaves the window.
        typed = "Mijn pakket van Zalando is nog niet terugbetaald"
        box = chat.page.get_by_placeholder("Typ je vraag…")
        box.click()
        started = time.monotonic()
        box.press_sequentially(typed[:20], delay=120)
        wait_until(indicator.is_visible, 15, "'De klant typt…' in the console")
        customer_seconds = time.monotonic() - started
        assert indicator.inner_text() == "De klant typt…"
        assert queue.get(entry["id"]).customer_typing_at is not None
        assert all(
            "pakket" not in str(event.get("text")) for event in assistant.tracker(session_id)["events"]
        )
        box.press_sequentially(typed[20:], delay=60)
        box.press("Enter")
        wait_until(lambda: not indicator.is_visible(), 15, "the indicator gone once the message arrived")
        wait_until(lambda: typed in console.inner_text("#transcript"), 15, "the message in the console")

        # The agent types: the customer's chat shows the agent's typing dots with the name.
        answer = "Ik kijk het even voor je na, een momentje."
        reply = console.locator("#reply-text")
        reply.click()
        started = time.monotonic()
        reply.press_sequentially(answer[:15], delay=100)
        dots = chat.page.locator(TYPING_DOTS)
        wait_until(dots.is_visible, 15, "the agent's typing dots in the customer's chat")
        agent_seconds = time.monotonic() - started
        assert dots.inner_text().strip() == "Hugo typt…"
        reply.press_sequentially(answer[15:], delay=60)
        console.click("#reply-button")
        chat.wait_for_bot(answer)
        wait_until(lambda: dots.count() == 0, 1, "the typing dots gone with the answer")

        # A signal with no answer after it fades by itself.
        console.wait_for_timeout(2000)  # the chat takes a signal just after a message for a late one
        reply.press_sequentially("Nog één ding", delay=40)
        wait_until(dots.is_visible, 15, "the dots again for the next answer")
        shown_at = time.monotonic()
        wait_until(lambda: dots.count() == 0, 15, "the dots gone a few seconds after the agent stopped")
        faded_after = time.monotonic() - shown_at

        sent = [response for response in signals if response.status == 200]
        assert sent and all(response.json() == {"sent": True} for response in sent)
        assert len(signals) <= len(answer) // 5  # the console sends one every few seconds, not per key
        show_figure(
            f"typing: customer's typing shown in the console after {customer_seconds:.1f} s, the agent's in "
            f"the chat after {agent_seconds:.1f} s, faded {faded_after:.1f} s after the last signal; "
            f"{len(signals)} typing requests from the console for {len(answer) + 12} keys"
        )
    finally:
        customer.close()
        agent.close()


def test_with_the_rasa_server_down_the_console_types_on_without_an_error(
    playwright, services, tmp_path: Path
):
    account(services, "iris", "Iris")
    customer = launch(playwright, tmp_path / "customer")
    agent = launch(playwright, tmp_path / "agent")
    try:
        chat = ChatPage(customer.new_page(), services.web_url)
        console = agent.new_page()
        signals = typing_posts(console)
        start_chat_with_agent(chat, console, services.web_url, "iris")
        services.stop("rasa")
        try:
            reply = console.locator("#reply-text")
            reply.click()
            reply.press_sequentially("Ik ben er zo weer, een ogenblik geduld alsjeblieft.", delay=80)
            wait_until(lambda: signals, 10, "a typing signal")
            console.wait_for_timeout(1000)
            assert all(response.status == 200 and response.json() == {"sent": False} for response in signals)
            assert not console.locator("#entry-error").is_visible()  # no error banner for a lost signal
            assert reply.input_value().endswith("alsjeblieft.")  # the draft is all there
        finally:
            services.start("rasa")
            services.wait_ready("rasa")
    finally:
        customer.close()
        agent.close()
