"""The chat page with the rasa-webchat widget in a real browser (Debian's headless Chromium, driven
by Playwright), against the real web app, Rasa server and action server.

The page's Content-Security-Policy forbids eval, so Playwright's string `wait_for_function` would be
blocked there: every wait polls from the test side instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, Playwright

from channels.rest import MAX_MESSAGE_CHARS
from tests.conftest import ROOT
from tests.e2e.conftest import CHROMIUM

pytestmark = pytest.mark.e2e

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = ROOT / "docs" / "screenshot.png"
GREETING = "Waarmee kan ik je helpen?"
HOURS = "maandag t/m vrijdag van 09:00 tot 18:00"
QUICK_REPLIES = [
    "Openingstijden",
    "Vraag over mijn factuur",
    "Iets retourneren",
    "Klacht indienen",
    "Een medewerker spreken",
]
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_LINK = "[klik hier](javascript:alert(1))"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def wait_until(condition: Callable[[], object], timeout: float = 60, what: str = "condition") -> object:
    """Polls `condition` from the test side until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


class ChatPage:
    """The page as a visitor sees it."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.dialogs: list[str] = []
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self) -> ChatPage:
        self.page.goto(self.url)
        return self

    def bot_texts(self) -> list[str]:
        return self.page.locator(".rw-messages-container .rw-response .rw-message-text").all_inner_texts()

    def user_texts(self) -> list[str]:
        return self.page.locator(".rw-messages-container .rw-client .rw-message-text").all_inner_texts()

    def quick_replies(self) -> list[str]:
        return [
            text.strip() for text in self.page.locator(".rw-messages-container .rw-reply").all_inner_texts()
        ]

    def wait_for_bot(self, fragment: str, count: int = 1, timeout: float = 60) -> list[str]:
        return wait_until(
            lambda: (lambda found: found if len(found) >= count else None)(
                [text for text in self.bot_texts() if fragment in text]
            ),
            timeout,
            f"{count} bot message(s) with {fragment!r}; have {self.bot_texts()}",
        )

    def wait_for_quiet(self, seconds: float = 2.5, timeout: float = 30) -> list[str]:
        """Waits until no new bot message has arrived for `seconds` (the widget delays them)."""
        last, since = self.bot_texts(), time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() - since < seconds and time.monotonic() < deadline:
            time.sleep(0.25)
            now = self.bot_texts()
            if now != last:
                last, since = now, time.monotonic()
        return last

    def say(self, text: str) -> None:
        box = self.page.get_by_placeholder("Typ je vraag…")
        box.fill(text)
        box.press("Enter")
        wait_until(lambda: text in self.user_texts(), 10, f"the user message {text!r} in the chat")

    def session_id(self) -> str:
        """The conversation id that rasa-webchat keeps in localStorage (no eval in the page)."""
        state = self.page.context.storage_state()
        for entry in state["origins"]:
            if entry["origin"] == origin(self.url):
                for item in entry["localStorage"]:
                    if item["name"] == "chat_session":
                        return json.loads(item["value"])["session_id"]
        raise AssertionError("no chat_session in localStorage")


def launch(playwright: Playwright, profile: Path, extra_args: tuple[str, ...] = ()) -> BrowserContext:
    """Headless Chromium with a fresh profile."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, *extra_args],
        viewport={"width": 1200, "height": 800},
        locale="nl-NL",
    )


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    context = launch(playwright, tmp_path / "profile")
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def chat(browser: BrowserContext, services) -> ChatPage:
    return ChatPage(browser.new_page(), services.web_url)


def test_a_dutch_conversation_is_kept_across_a_reload(chat, assistant):
    chat.open()
    chat.wait_for_bot(GREETING)
    page = chat.page
    assert page.title().startswith("Klantenservice")
    assert page.locator("h1").inner_text() == "Hoe kunnen we je helpen?"
    assert page.locator("#availability").inner_text().strip() == (
        "Onze medewerkers zijn er nu, vandaag tot 18:00."
    )
    assert page.get_by_placeholder("Typ je vraag…").is_visible()
    assert wait_until(lambda: chat.quick_replies() == QUICK_REPLIES, 10, "the greeting's quick replies")

    # A quick reply of the greeting.
    page.locator(".rw-reply", has_text="Openingstijden").click()
    wait_until(lambda: "Openingstijden" in chat.user_texts(), 10, "the chosen quick reply in the chat")
    chat.wait_for_bot(HOURS)
    chat.wait_for_quiet()

    # A typed question.
    chat.say("wanneer zijn jullie open?")
    chat.wait_for_bot(HOURS, count=2)
    chat.wait_for_quiet()

    # A common question from the page, beside the widget.
    page.locator(".quick-question", has_text="Vraag over mijn factuur").click()
    wait_until(
        lambda: "Vraag over mijn factuur" in chat.user_texts(), 10, "the page's quick question in the chat"
    )
    chat.wait_for_bot("factuur")
    before = (chat.user_texts(), chat.wait_for_quiet())
    session = chat.session_id()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.mouse.move(0, 0)
    page.locator(".quick-question", has_text="Vraag over mijn factuur").blur()
    page.screenshot(path=str(SCREENSHOT), animations="disabled")

    page.reload()
    wait_until(
        lambda: (chat.user_texts(), chat.bot_texts()) == before, 20, "the conversation after the reload"
    )
    assert chat.session_id() == session
    assert chat.user_texts() == ["Openingstijden", "wanneer zijn jullie open?", "Vraag over mijn factuur"]
    # The same conversation is in Rasa's tracker under the widget's session id.
    stored = [event.get("text") for event in assistant.tracker(session)["events"] if event["event"] == "user"]
    assert "wanneer zijn jullie open?" in stored


def test_an_agent_message_pushed_through_the_http_api_appears_in_the_widget(chat, assistant):
    chat.open()
    chat.wait_for_bot(GREETING)
    response = requests.post(
        f"{assistant.url}/conversations/{chat.session_id()}/tracker/events",
        params={"token": assistant.token, "output_channel": "socketio", "execute_side_effects": "true"},
        json={"event": "bot", "text": "Hoi, je spreekt nu met Sanne van de klantenservice."},
        timeout=10,
    )
    response.raise_for_status()
    chat.wait_for_bot("je spreekt nu met Sanne", timeout=20)


def test_markup_and_script_links_stay_inert_text(chat, assistant):
    chat.open()
    chat.wait_for_bot(GREETING)
    chat.wait_for_quiet(1)
    page = chat.page
    chat.say(XSS_IMG)
    chat.say(XSS_LINK)
    assert chat.user_texts()[-2:] == [XSS_IMG, XSS_LINK]

    # The same text from the bot side (an agent's message is rendered as markdown).
    requests.post(
        f"{assistant.url}/conversations/{chat.session_id()}/tracker/events",
        params={"token": assistant.token, "output_channel": "socketio", "execute_side_effects": "true"},
        json={"event": "bot", "text": f"Kijk hier: {XSS_IMG} en {XSS_LINK}"},
        timeout=10,
    ).raise_for_status()
    chat.wait_for_bot("Kijk hier:", timeout=20)
    shown = chat.wait_for_bot("Kijk hier:")[0]
    assert XSS_IMG in shown  # HTML is shown as text, not parsed

    messages = page.locator(".rw-messages-container")
    assert messages.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript' i]").count() == 0
    # The markdown link is rendered, disarmed: no javascript: target left to follow.
    link = messages.locator(".rw-response", has_text="Kijk hier:").locator("a", has_text="klik hier")
    assert link.count() == 1
    href = link.get_attribute("href")
    assert href is None or not href.strip().lower().startswith("javascript"), href
    link.click()
    time.sleep(1)
    assert chat.dialogs == []
    assert page.url.rstrip("/") == chat.url.rstrip("/")


def test_the_send_button_has_a_dutch_name_and_sends(chat, assistant):
    chat.open()
    chat.wait_for_bot(GREETING)
    chat.wait_for_quiet(1)
    send = chat.page.get_by_role("button", name="Verstuur", exact=True)
    assert send.count() == 1
    chat.page.get_by_placeholder("Typ je vraag…").fill("wat is jullie telefoonnummer")
    send.click()
    wait_until(
        lambda: "wat is jullie telefoonnummer" in chat.user_texts(), 10, "the sent message in the chat"
    )
    chat.wait_for_bot("020 - 808 28 52")


def test_a_pasted_text_over_the_limit_is_cut_with_a_notice_and_answered(chat, assistant):
    """Over socket.io's frame limit the socket would close unanswered: the text box stops at the
    channels' message limit, says so, and the cut message gets an answer."""
    sentence = "Ik heb een vraag over mijn factuur. "
    text = (sentence * (10_000 // len(sentence) + 1))[:10_000]
    page = chat.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin(chat.url))
    chat.open()
    chat.wait_for_bot(GREETING)
    answered_before = len(chat.wait_for_quiet(1))
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    box = page.get_by_placeholder("Typ je vraag…")
    notice = page.locator(".chat-notice")
    assert notice.count() == 0 or not notice.is_visible()
    box.focus()
    page.keyboard.press("Control+V")
    wait_until(lambda: len(box.input_value()) == MAX_MESSAGE_CHARS, 10, "the pasted text in the text box")
    assert box.input_value() == text[:MAX_MESSAGE_CHARS]
    assert notice.is_visible()
    assert (
        notice.inner_text()
        == f"Je tekst was te lang en is ingekort tot {MAX_MESSAGE_CHARS:,} tekens.".replace(",", ".")
    )

    box.press("Enter")
    wait_until(lambda: len(chat.bot_texts()) > answered_before, 60, "an answer to the cut message")
    assert not notice.is_visible()
    stored = [
        event["text"] for event in assistant.tracker(chat.session_id())["events"] if event["event"] == "user"
    ]
    assert stored[-1] == text[:MAX_MESSAGE_CHARS]


def test_the_page_says_so_when_the_widget_cannot_load(browser, services):
    browser.route("**/vendor/rasa-webchat.js", lambda route: route.fulfill(status=404, body="niet gevonden"))
    page = browser.new_page()
    page.goto(services.web_url)
    chat = page.locator("#chat")
    wait_until(
        lambda: "De chat kan nu niet worden geladen" in chat.inner_text(),
        20,
        "the notice instead of the chat",
    )
    assert chat.inner_text().strip() == "De chat kan nu niet worden geladen. Probeer het later nog eens."


def test_the_page_requests_nothing_outside_its_origins(browser, services):
    allowed = {origin(services.web_url), origin(services.env["RASA_PUBLIC_URL"])}
    sent_outside: list[str] = []
    blocked: list[tuple[str, str]] = []

    def route(request_route) -> None:
        # Reached only by requests the browser really sends (CSP-blocked ones never get here).
        if origin(request_route.request.url) in allowed:
            request_route.continue_()
        else:
            sent_outside.append(request_route.request.url)
            request_route.abort()

    browser.route("**/*", route)
    page = browser.new_page()
    page.on("requestfailed", lambda request: blocked.append((request.url, request.failure or "")))
    chat = ChatPage(page, services.web_url)
    response = page.goto(services.web_url)
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    chat.wait_for_bot(GREETING)
    chat.say("wat is jullie telefoonnummer")
    chat.wait_for_bot("020 - 808 28 52")
    assert sent_outside == []
    # rasa-webchat's stylesheet asks for a Google web font; the policy stops it in the browser.
    font_requests = [(url, failure) for url, failure in blocked if "fonts.googleapis.com" in url]
    assert font_requests and all("csp" in failure.lower() for _, failure in font_requests)


def readme_embed_snippet() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The widget on another site", 1)[1]
    return section.split("```html", 1)[1].split("```", 1)[0]


@pytest.fixture
def browser_for_a_fake_site(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """A page that Playwright makes up has no address, so Chromium counts it as a public site and
    would refuse it access to localhost (Local Network Access); a real site would be on a real host."""
    context = launch(playwright, tmp_path / "profile", ("--disable-features=LocalNetworkAccessChecks",))
    try:
        yield context
    finally:
        context.close()


def test_the_readme_snippet_embeds_the_widget_on_another_site(browser_for_a_fake_site, services):
    """The snippet on a page of another origin (127.0.0.1 instead of localhost, one of the
    CORS_ORIGINS): scripts from the web app, socket.io to the Rasa server, a launcher button."""
    browser = browser_for_a_fake_site
    site = services.web_url.replace("localhost", "127.0.0.1") + "/andere-site.html"
    snippet = (
        readme_embed_snippet()
        .replace("http://localhost:8080", services.web_url)
        .replace("http://localhost:5005", services.env["RASA_PUBLIC_URL"])
    )
    html = (
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'></head>"
        f"<body><h1>Webshop</h1>{snippet}</body></html>"
    )
    browser.route(site, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    chat = ChatPage(browser.new_page(), site)
    chat.open()
    page = chat.page
    launcher = page.locator(".rw-launcher")
    wait_until(launcher.is_visible, 30, "the widget's launcher button")
    # The widget's own buttons carry Dutch names (rasa-webchat's are English or empty).
    page.get_by_role("button", name="Open de chat", exact=True).click()
    chat.wait_for_bot(GREETING)
    chat.say("wat is jullie telefoonnummer")
    chat.wait_for_bot("020 - 808 28 52")
    # The header's close button shows on small screens only; on this one the launcher closes.
    assert page.locator(".rw-close-button").get_attribute("aria-label") == "Sluit de chat"
    page.get_by_role("button", name="Sluit de chat", exact=True).click()
    wait_until(lambda: page.locator(".rw-conversation-container").count() == 0, 10, "the chat to close")
    assert page.get_by_role("button", name="Open de chat", exact=True).is_visible()
