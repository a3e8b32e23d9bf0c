"""The team lead's dashboard and review inbox in a real browser (Debian's headless Chromium, driven by
Playwright), against the real Rasa server, action server and web app: conversations sent over REST
show up in the dashboard's figures, and a misunderstood one is labelled in the inbox with one click.

The pages' Content-Security-Policy forbids eval: every wait polls from the test side.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml
from playwright.sync_api import Page

from bot.agents import TEAM_LEAD, AgentStore
from bot.masking import ORDER
from tests.e2e.test_console_browser import PASSWORD
from tests.e2e.test_widget import launch, wait_until

pytestmark = pytest.mark.e2e

LEAD = "tara-teamleider"
ZONE = ZoneInfo("Europe/Amsterdam")
ORDER_NUMBER = "123456789"
# Half sentences with an order number in them; the model answers plain gibberish as out of scope,
# and which of these it does not understand at all depends on the training run, so it is asked.
CANDIDATES = (
    "zit {} erbij",
    "en {} dan",
    "wat met {}",
    "nou {} ja",
    "{} daarzo ofzo",
    "{} hoezo",
    "{} toch",
    "nou {} weg",
    "nog {} al",
)


def misunderstood(assistant) -> str:
    """The first candidate the trained model answers with a fallback (Rasa's /model/parse)."""
    for candidate in CANDIDATES:
        parsed = requests.post(
            f"{assistant.url}/model/parse",
            params={"token": assistant.token},
            json={"text": candidate.format(ORDER_NUMBER)},
            timeout=30,
        ).json()
        if parsed["intent"]["name"] == "nlu_fallback":
            return candidate
    pytest.fail("the model understands every candidate: add a half sentence it does not")


def log_in(page: Page, web_url: str, username: str) -> None:
    """Through the login form; the console's queue may be empty, so only its table is awaited."""
    page.goto(f"{web_url}/agent")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#queue-rows", state="attached")
    assert page.url == f"{web_url}/agent"


def figures(page: Page, web_url: str, first: date, last: date) -> dict[str, tuple[str, str]]:
    """The dashboard's figures for a period as the page shows them: label -> (value, note)."""
    page.goto(f"{web_url}/agent/dashboard?from={first.isoformat()}&to={last.isoformat()}")
    page.wait_for_selector(".figure")
    found = {}
    for figure in page.locator(".figure").all():
        found[figure.locator("dt").inner_text().strip()] = (
            figure.locator("dd.value").inner_text().strip(),
            figure.locator("dd.note").inner_text().strip(),
        )
    return found


def whole(text: str) -> int:
    """A Dutch whole number as the dashboard writes it ("1.234")."""
    return int(text.split()[0].replace(".", ""))


def counts(shown: dict[str, tuple[str, str]]) -> dict[str, int]:
    return {
        "conversations": whole(shown["Gesprekken"][0]),
        "messages": whole(shown["Gesprekken"][1]),
        "contained": whole(shown["Zelf opgelost"][1]),
        "fallbacks": whole(shown["Niet begrepen"][1]),
        "handoffs": whole(shown["Medewerker gevraagd"][0]) + whole(shown["Buiten openingstijden"][0]),
    }


@pytest.mark.timeout(600)
def test_a_team_lead_sees_the_traffic_and_labels_a_misunderstood_message(
    playwright, assistant, services, review_file, tmp_path: Path
):
    store = AgentStore(services.env["KLANTENSERVICE_DB_URL"])
    if store.get(LEAD) is None:
        store.add(LEAD, PASSWORD, "Tara (teamleider)", role=TEAM_LEAD)
    store.engine.dispose()
    browser = launch(playwright, tmp_path / "profile")
    try:
        page = browser.new_page()
        log_in(page, services.web_url, LEAD)
        # Rasa stamps messages with the real time; the service counts days in Amsterdam. The two
        # periods both hold the whole test session; being different, neither is answered from the
        # dashboard's one-minute cache of the other.
        today = datetime.now(ZONE).date()
        before = counts(figures(page, services.web_url, today - timedelta(days=1), today + timedelta(days=1)))

        # Three customers: one the bot answers, one who asks for a person, one it does not understand.
        run = uuid.uuid4().hex[:8]
        answered, person, lost = f"insight-{run}-a", f"insight-{run}-b", f"insight-{run}-c"
        assert any(
            "020 - 808 28 52" in text for text in assistant.say(answered, "wat is jullie telefoonnummer")
        )
        assistant.say(person, "ik wil een medewerker spreken")
        assert "action_medewerker" in [
            e.get("name") for e in assistant.tracker(person)["events"] if e["event"] == "action"
        ]
        candidate = misunderstood(assistant)
        NONSENSE, MASKED = candidate.format(ORDER_NUMBER), candidate.format(ORDER)
        assistant.say(lost, "hallo")
        assistant.say(lost, NONSENSE)
        assert assistant.tracker(lost)["latest_message"]["intent"]["name"] == "nlu_fallback"

        after = counts(figures(page, services.web_url, today - timedelta(days=2), today + timedelta(days=1)))
        assert {name: after[name] - before[name] for name in after} == {
            "conversations": 3,
            "messages": 4,
            "contained": 1,
            "fallbacks": 1,
            "handoffs": 1,
        }

        # The review inbox: the nonsense with its conversation, then one click.
        page.goto(f"{services.web_url}/agent/review")
        row = page.locator(".review-item", has_text=NONSENSE)
        wait_until(row.is_visible, 20, "the misunderstood message in the inbox")
        assert row.locator(".conversation").inner_text() == f"gesprek {lost}"
        row.get_by_role("button", name="Gesprek tonen").click()
        turns = row.locator(".review-conversation .turn")
        wait_until(lambda: turns.count() >= 4, 20, "the conversation around the message")
        texts = [
            (turn.locator(".turn-who").inner_text(), turn.locator(".turn-text").inner_text())
            for turn in turns.all()
        ]
        assert texts[0] == ("Klant", "hallo") and texts[1][0] == "Assistent"
        assert ("Klant", MASKED) in texts and ORDER_NUMBER not in str(texts)
        assert texts[-1][0] == "Assistent" and texts[-1][1]
        assert row.locator(".turn-current .turn-text").inner_text() == MASKED

        row.get_by_role("button", name="Buiten het onderwerp").click()
        notice = page.locator("#review-notice")
        wait_until(
            lambda: notice.is_visible() and "Toegevoegd aan" in notice.inner_text(),
            20,
            "the note that the example was added",
        )
        wait_until(lambda: row.count() == 0, 10, "the labelled message leaving the inbox")
        assert page.locator("#review-error").is_hidden()
    finally:
        browser.close()

    written = review_file.read_text(encoding="utf-8")
    assert ORDER_NUMBER not in written
    assert yaml.safe_load(written)["nlu"] == [{"intent": "out_of_scope", "examples": f"- {MASKED}\n"}]
