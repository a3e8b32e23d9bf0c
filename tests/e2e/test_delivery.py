"""Agents' answers reach the customer exactly once, and the customer sees that a person took over:
the chat page in a real browser (Debian's Chromium through Playwright), the real web app with the
agent console, Rasa server and action server. Also customers who went away ("weg").

Every wait polls from the test side (the page's Content-Security-Policy forbids eval)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import BrowserContext, Page

from bot.delivery import DeliveryStore
from bot.handoff import HandoffQueue
from scripts.services import Services
from tests.conftest import ROOT
from tests.e2e.test_handoff import ChatWindow, agents  # noqa: F401  (agents is a fixture)
from tests.e2e.test_widget import ChatPage, launch, wait_until

pytestmark = pytest.mark.e2e

ASSISTANT_SUBTITLE = "Digitale assistent, dag en nacht"
WITH_ANNA = "Je chat met Anna van de klantenservice"
GONE_SECONDS = 4


@pytest.fixture
def browser(playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    context = launch(playwright, tmp_path / "profile")
    try:
        yield context
    finally:
        context.close()


def agent_bubbles(page: Page) -> list[str]:
    return page.locator(
        ".rw-messages-container .rw-response.kl-agent-message .rw-message-text"
    ).all_inner_texts()


def subtitle(page: Page) -> str:
    return page.locator(".rw-header > span").first.inner_text()


def leave_buttons(page: Page) -> int:
    return page.get_by_role("button", name="Gesprek beëindigen").count()


def test_an_answer_sent_while_the_window_is_closed_is_shown_once_on_return(
    browser,
    services,
    agents,  # noqa: F811
    show_figure,
):
    anna = agents["anna"]
    chat = ChatPage(browser.new_page(), services.web_url).open()
    chat.wait_for_bot("Waarmee kan ik je helpen?")
    chat.say("ik wil een medewerker spreken")
    chat.wait_for_bot("wachtrij")
    assert subtitle(chat.page) == ASSISTANT_SUBTITLE and leave_buttons(chat.page) == 0
    session = chat.session_id()
    entry = anna.entry_for(session)
    assert anna.claim(entry["id"]).status_code == 200

    first = "Hoi, ik ben Anna. Ik kijk even met je mee."
    anna.send(entry["id"], first)
    joined, shown = wait_until(
        lambda: (lambda found: found if len(found) >= 2 else None)(agent_bubbles(chat.page)),
        30,
        "the join message and the agent's answer in the agent's look",
    )
    assert joined.splitlines()[0] == "Anna · medewerker" and "helpt je nu verder" in joined
    assert shown.splitlines()[0] == "Anna · medewerker" and first in shown
    wait_until(lambda: subtitle(chat.page) == WITH_ANNA, 10, "the header naming the agent")
    assert leave_buttons(chat.page) == 1

    # The customer closes the window; the agent answers meanwhile.
    chat.page.close()
    second = "Je terugbetaling van 24,95 euro staat klaar."
    sent = anna.send(entry["id"], second)
    assert sent["message"]["delivery_label"] == "wacht op de klant"
    time.sleep(3)
    assert [m["delivery_label"] for m in anna.details(entry["id"])["messages"]] == [
        "afgeleverd",
        "afgeleverd",
        "wacht op de klant",
    ]

    # Back with the same browser storage: the answer arrives once, and a reload repeats nothing.
    returned = ChatPage(browser.new_page(), services.web_url).open()
    wait_until(lambda: len(agent_bubbles(returned.page)) >= 3, 30, "the answer sent while away")
    wait_until(
        lambda: [m["delivery_label"] for m in anna.details(entry["id"])["messages"]] == ["afgeleverd"] * 3,
        30,
        "the window's acknowledgement in the console",
    )
    assert subtitle(returned.page) == WITH_ANNA
    returned.page.reload()
    wait_until(lambda: len(agent_bubbles(returned.page)) >= 3, 30, "the conversation after a reload")
    time.sleep(4)  # long enough for a repeated offer to show
    bubbles = agent_bubbles(returned.page)

    # The agent hands back: the goodbye comes the same way; the header is the assistant's again.
    closed = anna.close(entry["id"])
    assert closed["entry"]["status"] == "closed"
    returned.wait_for_bot("digitale assistent")
    wait_until(lambda: subtitle(returned.page) == ASSISTANT_SUBTITLE, 10, "the assistant's header again")
    assert leave_buttons(returned.page) == 0
    goodbyes = [text for text in returned.bot_texts() if "Het gesprek met de medewerker is afgelopen" in text]

    messages = DeliveryStore(services.env["KLANTENSERVICE_DB_URL"]).messages(session)
    delivered = wait_until(
        lambda: (lambda done: done if len(done) == 5 else None)(  # with the rating question
            [
                m
                for m in DeliveryStore(services.env["KLANTENSERVICE_DB_URL"]).messages(session)
                if m.delivered_at
            ]
        ),
        30,
        "the goodbye's acknowledgement",
    )
    texts = [joined.splitlines()[-1], first, second]
    duplicates = sum(max(0, sum(text in bubble for bubble in bubbles) - 1) for text in texts) + max(
        0, len(goodbyes) - 1
    )
    lost = sum(not any(text in bubble for bubble in bubbles) for text in texts) + (not goodbyes)
    show_figure(
        f"delivery, window closed and reopened: {len(messages)} messages sent "
        "(join, 2 answers, goodbye, rating question), "
        f"{len(delivered)} delivered, {duplicates} duplicates shown, {lost} lost"
    )
    assert [text for text in texts if sum(text in bubble for bubble in bubbles) == 1] == texts
    assert len(goodbyes) == 1 and duplicates == 0 and lost == 0


JOIN_ACTION = "action_handoff_overgenomen"


@pytest.mark.skipif(
    JOIN_ACTION not in (ROOT / "domain.yml").read_text(encoding="utf-8"),
    reason=f"the domain has no {JOIN_ACTION} yet",
)
def test_the_join_message_names_the_agent_and_shows_in_the_agents_look(browser, services, agents):  # noqa: F811
    anna = agents["anna"]
    chat = ChatPage(browser.new_page(), services.web_url).open()
    chat.wait_for_bot("Waarmee kan ik je helpen?")
    chat.say("ik wil een medewerker spreken")
    chat.wait_for_bot("wachtrij")
    entry = anna.entry_for(chat.session_id())
    claimed = anna.claim(entry["id"])
    assert claimed.status_code == 200 and claimed.json()["joined"], claimed.json()
    [joined] = wait_until(lambda: agent_bubbles(chat.page), 30, "the join message in the agent's look")
    assert joined.splitlines()[0] == "Anna · medewerker" and "Anna" in "".join(joined.splitlines()[1:])
    wait_until(lambda: subtitle(chat.page) == WITH_ANNA, 10, "the header naming the agent")


@pytest.fixture
def gone_soon(services: Services, tmp_path: Path) -> Iterator[Services]:
    """The action server and the web app with handoff.customer_gone_seconds shortened."""
    config = yaml.safe_load((ROOT / "klantenservice.yml").read_text(encoding="utf-8"))
    config["handoff"]["customer_gone_seconds"] = GONE_SECONDS
    path = tmp_path / "klantenservice.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    before = services.env.get("KLANTENSERVICE_CONFIG")

    def restart(config_path: str | None) -> None:
        for name in ("actions", "web"):
            services.stop(name)
        if config_path is None:
            services.env.pop("KLANTENSERVICE_CONFIG", None)
        else:
            services.env["KLANTENSERVICE_CONFIG"] = config_path
        services.start_all(("actions", "web"))

    restart(str(path))
    try:
        yield services
    finally:
        restart(before)


def test_a_customer_who_closed_the_window_is_weg_and_no_longer_counts_for_anyone(
    gone_soon,
    assistant,
    agents,  # noqa: F811
    show_figure,
):
    store = gone_soon.env["KLANTENSERVICE_DB_URL"]
    anna = agents["anna"]

    async def leaves_then_other_asks() -> tuple[str, str, str]:
        first = ChatWindow(assistant.url)
        await first.open()
        await first.say("ik wil een medewerker spreken")
        first_place = await first.next()
        await first.close()  # the customer closes the window
        await asyncio.sleep(GONE_SECONDS + 2)
        other = ChatWindow(assistant.url)
        await other.open()
        try:
            await other.say("ik wil een medewerker spreken")
            return first.session_id, first_place, await other.next()
        finally:
            await other.close()

    # In a thread of its own: Playwright's sync API (this module's browser tests) runs an event loop here.
    with ThreadPoolExecutor(1) as pool:
        gone_id, first_place, other_place = pool.submit(asyncio.run, leaves_then_other_asks()).result()
    ahead = len([e for e in HandoffQueue(store).open_entries() if e.mode == "live" and e.status == "waiting"])
    entry = anna.entry_for(gone_id)
    assert (entry["gone"], entry["status_label"]) == (True, "weg")
    mine = int(other_place.split("nummer ")[1].split()[0])
    # Everyone waiting before, less the one who went away (and any others who went away earlier).
    assert mine <= ahead - 1, (other_place, ahead)
    removed = anna.http.post(f"{anna.url}/api/entries/{entry['id']}/weg", timeout=10)
    assert removed.status_code == 200 and removed.json()["entry"]["status"] == "closed"
    closed = HandoffQueue(store).get(entry["id"])
    assert closed.closed_by == "weg" and DeliveryStore(store).messages(gone_id) == []
    show_figure(
        f"customer gone: window closed, after {GONE_SECONDS} s shown as 'weg'; the next customer's "
        f"place {mine} of {ahead} waiting; taken off the queue with 0 messages to the customer"
    )
