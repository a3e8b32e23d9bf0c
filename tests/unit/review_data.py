"""Conversations for the review inbox's tests, stored the way the Rasa server stores them: with
Rasa's own SQLTrackerStore, turn by turn."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterable
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.review import ReviewInbox, ReviewSettings
from tests.conftest import ROOT

T0 = 1795507200.0  # 2026-11-24 09:00 in Amsterdam
FALLBACK_THRESHOLD = 0.55  # config.yml's FallbackClassifier: below it Rasa answers nlu_fallback
POEN = "wnr krijg ik mn poen terug, rekening NL91ABNA0417164300"
BELLEN = "bel me op 06-12345678 over bestelling 123456789"


def user(
    text: str, intent: str, confidence: float, at: float, doubted: Iterable[tuple[str, float]] = ()
) -> UserUttered:
    ranking = [{"name": intent, "confidence": confidence}] + [
        {"name": n, "confidence": c} for n, c in doubted
    ]
    return UserUttered(
        text,
        intent={"name": intent, "confidence": confidence},
        parse_data={"intent_ranking": ranking},
        timestamp=at,
        input_channel="rest",
    )


def fallback(text: str, at: float, doubted: str, confidence: float) -> UserUttered:
    """As the FallbackClassifier leaves it: nlu_fallback on top, the doubted intents below."""
    return user(text, "nlu_fallback", FALLBACK_THRESHOLD, at, [(doubted, confidence), ("out_of_scope", 0.2)])


def answer(action: str, at: float, text: str = "…") -> list[Event]:
    return [
        ActionExecuted(action, timestamp=at + 0.1),
        BotUttered(text, timestamp=at + 0.11),
        ActionExecuted("action_listen", timestamp=at + 0.12),
    ]


def start(at: float) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ]


Turn = tuple[str, list[Event]]


def conversations() -> list[Turn]:
    """Six customers, turn by turn in time order (Rasa saves after every turn)."""
    return [
        ("anna", start(T0) + [user("hallo", "begroeten", 0.98, T0 + 1)] + answer("utter_begroeten", T0 + 1)),
        ("anna", [fallback(POEN, T0 + 10, "terugbetaling", 0.41)] + answer("action_niet_begrepen", T0 + 10)),
        (
            "bram",
            start(T0 + 20)
            + [user("wie wint het wk voetbal", "out_of_scope", 0.93, T0 + 21)]
            + answer("utter_out_of_scope", T0 + 21),
        ),
        (
            "cor",
            start(T0 + 30)
            + [
                user("ik wil iets retourneren", "retour", 0.96, T0 + 31),
                ActionExecuted("retour_form", timestamp=T0 + 31.1),
                ActiveLoop("retour_form", timestamp=T0 + 31.1),
                ActionExecuted("action_listen", timestamp=T0 + 31.2),
            ],
        ),
        # A form's answer: the webshop's name is no misunderstanding, even as nlu_fallback.
        (
            "cor",
            [
                fallback("zalando", T0 + 35, "bevestigen", 0.3),
                ActionExecuted("retour_form", timestamp=T0 + 35.1),
                ActionExecuted("action_listen", timestamp=T0 + 35.2),
            ],
        ),
        (
            "dirk",
            start(T0 + 40)
            + [user("kan ik de factuur in delen betalen", "factuur_vraag", 0.62, T0 + 41)]
            + answer("utter_factuur_vraag", T0 + 41),
        ),
        (
            "dirk",
            [user("/openingstijden", "openingstijden", 1.0, T0 + 50)]
            + answer("action_openingstijden", T0 + 50),
        ),
        (
            "eva",
            start(T0 + 60)
            + [fallback(BELLEN, T0 + 61, "medewerker_spreken", 0.38)]
            + answer("action_niet_begrepen", T0 + 61),
        ),
    ]


def fill(path: Path, turns: list[Turn]) -> str:
    """Saves the turns with Rasa's SQLTrackerStore into a new SQLite file; returns its URL."""
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    trackers: dict[str, DialogueStateTracker] = {}

    async def save_all() -> None:
        for sender, events in turns:
            tracker = trackers.setdefault(sender, DialogueStateTracker(sender, []))
            for event in events:
                tracker.update(event)
            await store.save(tracker)

    asyncio.run(save_all())
    store.engine.dispose()
    return f"sqlite:///{path}"


def copy_training_data(folder: Path) -> Path:
    """A copy of data/ without a review file of its own: the tests write theirs there."""
    shutil.copytree(ROOT / "data" / "nlu", folder / "nlu")
    for name in ("rules.yml", "stories.yml"):
        shutil.copy(ROOT / "data" / name, folder / name)
    return folder


def make_inbox(
    tmp_path: Path,
    data_dir: Path,
    tracker_url: str,
    db_url: str | None = None,
    threshold: float | None = None,
) -> ReviewInbox:
    """With the threshold the inbox has by default, unless one is given."""
    return ReviewInbox(
        ReviewSettings(
            tracker_url=tracker_url,
            db_url=db_url or f"sqlite:///{tmp_path / 'klantenservice.db'}",
            review_file=data_dir / "nlu_reviewed.yml",
            data_dir=data_dir,
            domain_file=ROOT / "domain.yml",
            threshold=ReviewSettings.from_env({}).threshold if threshold is None else threshold,
        )
    )
