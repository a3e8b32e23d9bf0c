"""The review inbox: customer messages the assistant did not understand, and the team lead's decision
on each, which turns them into training examples.

A message is in the inbox when the classifier gave it `nlu_fallback` or `out_of_scope`, or an intent
with a confidence below the review threshold (KLANTENSERVICE_REVIEW_THRESHOLD, default 0.75),
unless a form took it as an answer (a webshop's name
for the return form is not a misunderstanding) or it has been decided already. The messages are
read from Rasa's tracker store (TRACKER_STORE_URL, table `events`), newest first; decisions live
in the assistant's own database (table `review_decisions`), which may be another database, so the
already-decided ones are filtered out per batch, with a bound on the rows one page may scan.

A decision is an intent of the domain, "out_of_scope" or "noise". The team lead sees the original
text; what is stored and written is masked (bot/masking.py). An intent or "out_of_scope" adds the
masked text to the review file (KLANTENSERVICE_REVIEW_FILE, else data/nlu_reviewed.yml), unless
the same sentence is already an example: under the same intent that is a duplicate (the decision
is kept, nothing is written), under another intent a conflict (refused, the message stays in the
inbox). "noise" is only recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.exc import IntegrityError

from bot import masking, nlu_examples
from bot.database import URL_VARIABLE, Base, create_engine
from bot.payloads import is_intent_payload
from bot.tracker_events import EVENTS

ROOT = Path(__file__).resolve().parent.parent
TRACKER_VARIABLE = "TRACKER_STORE_URL"
REVIEW_FILE_VARIABLE = "KLANTENSERVICE_REVIEW_FILE"
THRESHOLD_VARIABLE = "KLANTENSERVICE_REVIEW_THRESHOLD"
DEFAULT_REVIEW_FILE = ROOT / "data" / "nlu_reviewed.yml"
RASA_DEFAULT_THRESHOLD = 0.3  # the FallbackClassifier's own default
# Doubtful, though understood: above the FallbackClassifier's threshold (below it Rasa answers
# nlu_fallback, which is in the inbox anyway) and below this.
DEFAULT_REVIEW_THRESHOLD = 0.75

FALLBACK, OUT_OF_SCOPE, NOISE = "nlu_fallback", "out_of_scope", "noise"
REASONS = {FALLBACK: "fallback", OUT_OF_SCOPE: "out_of_scope"}
LOW_CONFIDENCE = "low_confidence"
PAGE_SIZE, MAX_PAGE_SIZE = 25, 100
# What the team lead sees of a message's conversation: this many texts up to the message, and the
# assistant's answers to it (up to ANSWER_TEXTS), within the message's conversation session.
CONTEXT_TEXTS, ANSWER_TEXTS = 10, 5
MAX_SCAN = 2000  # tracker rows one page may look at before it returns what it has


class ReviewDecision(Base):
    """One decision on one customer message; the text only masked."""

    __tablename__ = "review_decisions"

    id = sa.Column(sa.Integer, primary_key=True)
    message_key = sa.Column(sa.String(64), unique=True, nullable=False)
    event_id = sa.Column(sa.Integer, nullable=False)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    message_time = sa.Column(sa.DateTime(timezone=True), nullable=False)
    masked_text = sa.Column(sa.Text, nullable=False)
    predicted_intent = sa.Column(sa.String(255))
    confidence = sa.Column(sa.Float)
    decision = sa.Column(sa.String(255), nullable=False)
    written = sa.Column(sa.Boolean, nullable=False, default=False)
    reviewer = sa.Column(sa.String(40), nullable=False)
    decided_at = sa.Column(sa.DateTime(timezone=True), nullable=False)


# --- settings ---------------------------------------------------------------------------------------


def fallback_threshold(config_file: Path) -> float:
    """The FallbackClassifier's threshold in a Rasa config.yml (Rasa's default when not set)."""
    try:
        config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except OSError:
        return RASA_DEFAULT_THRESHOLD
    for component in config.get("pipeline") or []:
        if isinstance(component, dict) and component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", RASA_DEFAULT_THRESHOLD))
    return RASA_DEFAULT_THRESHOLD


def domain_intents(domain: Path) -> list[str]:
    """The intents of a domain file (or of every YAML file in a domain folder), in file order."""
    files = sorted(domain.rglob("*.yml")) + sorted(domain.rglob("*.yaml")) if domain.is_dir() else [domain]
    found: list[str] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("intents") or []:
            name = next(iter(entry)) if isinstance(entry, dict) else entry
            if isinstance(name, str) and name not in found:
                found.append(name)
    return found


@dataclass(frozen=True)
class ReviewSettings:
    tracker_url: str
    db_url: str | None
    review_file: Path
    data_dir: Path
    domain_file: Path
    threshold: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, root: Path = ROOT) -> ReviewSettings:
        """The same defaults as scripts/env.sh. A threshold that is not a number in (0, 1], or not
        above the FallbackClassifier's (no understood message could be below it), fails here."""
        floor = fallback_threshold(root / "config.yml")
        raw = env.get(THRESHOLD_VARIABLE, "").strip()
        if raw:
            try:
                threshold = float(raw)
            except ValueError:
                threshold = -1.0
            if not 0 < threshold <= 1:
                raise ValueError(f"{THRESHOLD_VARIABLE}={raw!r} is not a number between 0 and 1")
            if threshold <= floor:
                raise ValueError(
                    f"{THRESHOLD_VARIABLE}={raw!r} is not above the FallbackClassifier's "
                    f"threshold {floor} in config.yml: below that Rasa answers nlu_fallback, "
                    "so no understood message would be doubted"
                )
        else:
            threshold = DEFAULT_REVIEW_THRESHOLD if floor < DEFAULT_REVIEW_THRESHOLD else (floor + 1) / 2
        return cls(
            tracker_url=env.get(TRACKER_VARIABLE) or f"sqlite:///{root / 'var' / 'tracker.db'}",
            db_url=env.get(URL_VARIABLE) or None,
            review_file=Path(env.get(REVIEW_FILE_VARIABLE) or root / "data" / "nlu_reviewed.yml"),
            data_dir=root / "data",
            domain_file=root / "domain.yml",
            threshold=threshold,
        )


# --- what the inbox shows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxMessage:
    event_id: int
    conversation_id: str
    timestamp: float  # as stored by Rasa (part of the message's identity)
    text: str  # as the customer wrote it: for the team lead's eyes only
    masked_text: str  # what a decision stores and writes
    reason: str  # "fallback", "out_of_scope" or "low_confidence"
    intent: str | None  # the classifier's best real intent (under a fallback: the one it doubted)
    confidence: float | None
    answered_by: str | None  # the assistant's next action

    @property
    def key(self) -> str:
        return message_key(self.conversation_id, self.timestamp, self.text)

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, timezone.utc)


@dataclass(frozen=True)
class InboxPage:
    messages: list[InboxMessage]
    next_before: int | None  # pass as `before` for the next page; None when nothing is older


@dataclass(frozen=True)
class Outcome:
    decision: str
    written: bool
    example: str | None  # the line in the review file
    note: str  # for the team lead


@dataclass(frozen=True)
class Turn:
    """One text of a conversation, masked like everything the inbox keeps."""

    event_id: int
    speaker: str  # "user" (the customer) or "bot" (the assistant or an agent through it)
    timestamp: float
    text: str  # masked

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, timezone.utc)


class Refused(Exception):
    """A decision that is not taken (or taken without writing); the message is for the team lead.
    `recorded`: the message counts as reviewed all the same (it leaves the inbox)."""

    def __init__(self, message: str, status: int = 409, recorded: bool = False) -> None:
        super().__init__(message)
        self.message, self.status, self.recorded = message, status, recorded


def message_key(conversation_id: str, timestamp: float, text: str) -> str:
    """The same message from any copy of the tracker store: conversation, moment and text."""
    raw = f"{conversation_id}\x1f{timestamp!r}\x1f{text}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()


def _message(row: Any) -> InboxMessage | None:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        return None
    parse = data.get("parse_data") or {}
    text = data.get("text") or parse.get("text") or ""
    if not isinstance(text, str) or not text.strip() or is_intent_payload(text):
        return None  # nothing typed, or the widget's start message or a button
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence")
    if name == FALLBACK:  # the FallbackClassifier keeps the doubted intents in the ranking
        best = next((r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK), {})
        name, confidence = best.get("name"), best.get("confidence")
    timestamp = row.timestamp if row.timestamp is not None else data.get("timestamp", 0.0)
    return InboxMessage(
        event_id=row.id,
        conversation_id=row.sender_id,
        timestamp=float(timestamp),
        text=text,
        masked_text=masking.mask(text),
        reason=REASONS.get(row.intent_name, LOW_CONFIDENCE),
        intent=name if isinstance(name, str) else None,
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        answered_by=row.next_action,
    )


def _turn(row: Any) -> Turn | None:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        return None
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip():  # buttons or a custom payload only
        return None
    if row.type_name == "user" and is_intent_payload(text):  # the widget's start message, a button
        return None
    timestamp = row.timestamp if row.timestamp is not None else data.get("timestamp", 0.0)
    return Turn(event_id=row.id, speaker=row.type_name, timestamp=float(timestamp), text=masking.mask(text))


def _user_messages() -> sa.sql.Select:
    """Customer messages with the assistant's action before and after each (correlated
    sub-queries on the conversation's other events; action_listen does not count before)."""
    events, other = EVENTS, EVENTS.alias("other")
    same_conversation = (other.c.sender_id == events.c.sender_id, other.c.type_name == "action")
    next_action = (
        sa.select(other.c.action_name)
        .where(*same_conversation, other.c.id > events.c.id)
        .order_by(other.c.id)
        .limit(1)
        .scalar_subquery()
    )
    previous_action = (
        sa.select(other.c.action_name)
        .where(*same_conversation, other.c.id < events.c.id, other.c.action_name != "action_listen")
        .order_by(other.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(
        events.c.id,
        events.c.sender_id,
        events.c.timestamp,
        events.c.intent_name,
        events.c.data,
        next_action.label("next_action"),
        previous_action.label("previous_action"),
    ).where(events.c.type_name == "user")


def _form_answer(row: Any) -> bool:
    """A form asked, and the same form took the message: an answer (a webshop's name, a
    complaint's description), not a question the assistant misunderstood."""
    return (
        bool(row.next_action) and row.next_action.endswith("_form") and row.previous_action == row.next_action
    )


# --- the inbox --------------------------------------------------------------------------------------


class ReviewInbox:
    """Reads the tracker store, records decisions, writes the review file. Engines open on first use."""

    def __init__(
        self,
        settings: ReviewSettings,
        tracker_engine: sa.engine.Engine | None = None,
        engine: sa.engine.Engine | None = None,
    ) -> None:
        self.settings = settings
        self._tracker = tracker_engine
        self._engine = engine
        self._lock = threading.Lock()
        self._has_events = False

    @property
    def engine(self) -> sa.engine.Engine:
        if self._engine is None:
            self._engine = create_engine(self.settings.db_url)
        return self._engine

    @property
    def tracker(self) -> sa.engine.Engine:
        if self._tracker is None:
            url = sa.engine.make_url(self.settings.tracker_url)
            options: dict[str, Any] = {"future": True, "pool_pre_ping": True, "hide_parameters": True}
            if url.get_backend_name() == "sqlite":
                options["connect_args"] = {"timeout": 10}
            self._tracker = sa.create_engine(url, **options)
        return self._tracker

    def close(self) -> None:
        for engine in (self._tracker, self._engine):
            if engine is not None:
                engine.dispose()

    def intents(self) -> list[str]:
        """What a message can be labelled with: the domain's intents (out_of_scope included)."""
        return [name for name in domain_intents(self.settings.domain_file) if name != FALLBACK]

    # --- reading ---

    def _tracker_ready(self) -> bool:
        """False while Rasa has stored nothing yet; a missing SQLite file is not created here."""
        if not self._has_events:
            url = self.tracker.url
            if (
                url.get_backend_name() == "sqlite"
                and url.database
                and url.database != ":memory:"
                and not Path(url.database).is_file()
            ):
                return False
            with self.tracker.connect() as connection:
                self._has_events = sa.inspect(connection).has_table("events")
        return self._has_events

    def _confidence(self) -> sa.sql.ColumnElement:
        # SQLite keeps JSON as text and reads it with json_extract; elsewhere the text is cast to JSON.
        data = EVENTS.c.data
        document = (
            sa.type_coerce(data, sa.JSON) if self.tracker.dialect.name == "sqlite" else sa.cast(data, sa.JSON)
        )
        return document[("parse_data", "intent", "confidence")].as_float()

    def _query(self, before: int | None, size: int) -> sa.sql.Select:
        events = EVENTS
        query = (
            _user_messages()
            .where(
                sa.or_(
                    events.c.intent_name.in_((FALLBACK, OUT_OF_SCOPE)),
                    self._confidence() < self.settings.threshold,
                )
            )
            .order_by(events.c.id.desc())
            .limit(size)
        )
        return query.where(events.c.id < before) if before is not None else query

    def _decided(self, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        with sa.orm.Session(self.engine) as session:
            return set(
                session.scalars(
                    sa.select(ReviewDecision.message_key).where(ReviewDecision.message_key.in_(keys))
                )
            )

    def page(self, before: int | None = None, limit: int = PAGE_SIZE) -> InboxPage:
        """Undecided messages older than event `before` (all when None), newest first."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        batch = max(2 * limit, 100)
        found: list[InboxMessage] = []
        cursor, scanned = before, 0
        if not self._tracker_ready():
            return InboxPage([], None)
        with self.tracker.connect() as connection:
            while scanned < MAX_SCAN:
                rows = connection.execute(self._query(cursor, batch)).all()
                scanned += len(rows)
                messages = [m for m in map(_message, (r for r in rows if not _form_answer(r))) if m]
                decided = self._decided([m.key for m in messages])
                wanted = {m.event_id: m for m in messages if m.key not in decided}
                for position, row in enumerate(rows):
                    cursor = row.id
                    if row.id in wanted:
                        found.append(wanted[row.id])
                        if len(found) == limit:
                            more = position < len(rows) - 1 or len(rows) == batch
                            return InboxPage(found, cursor if more else None)
                if len(rows) < batch:
                    return InboxPage(found, None)
        return InboxPage(found, cursor)

    def message(self, event_id: int) -> InboxMessage | None:
        """One customer message by its tracker event id, whether it is in the inbox or not."""
        if not self._tracker_ready():
            return None
        with self.tracker.connect() as connection:
            row = connection.execute(_user_messages().where(EVENTS.c.id == event_id)).first()
        return _message(row) if row else None

    def conversation(
        self, event_id: int, before: int = CONTEXT_TEXTS, after: int = ANSWER_TEXTS
    ) -> list[Turn] | None:
        """What came before customer message `event_id` in its conversation session, the message
        itself and the answers to it (up to the customer's next message), masked, oldest first:
        the team lead judges a short message by what it answered. None for no customer message."""
        if not self._tracker_ready():
            return None
        events = EVENTS
        with self.tracker.connect() as connection:
            sender = connection.execute(
                sa.select(events.c.sender_id).where(events.c.id == event_id, events.c.type_name == "user")
            ).scalar()
            if sender is None:
                return None
            own = events.c.sender_id == sender
            session_start = connection.execute(
                sa.select(sa.func.max(events.c.id)).where(
                    own, events.c.type_name == "session_started", events.c.id < event_id
                )
            ).scalar()
            next_message = connection.execute(
                sa.select(sa.func.min(events.c.id)).where(
                    own, events.c.type_name == "user", events.c.id > event_id
                )
            ).scalar()
            texts = sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data).where(
                own, events.c.type_name.in_(("user", "bot"))
            )
            if session_start is not None:
                texts = texts.where(events.c.id > session_start)
            earlier = connection.execute(
                texts.where(events.c.id <= event_id).order_by(events.c.id.desc()).limit(max(1, before))
            ).all()
            answers = texts.where(events.c.id > event_id)
            if next_message is not None:
                answers = answers.where(events.c.id < next_message)
            later = connection.execute(answers.order_by(events.c.id).limit(max(0, after))).all()
        return [turn for turn in map(_turn, [*reversed(earlier), *later]) if turn]

    def decision_for(self, message: InboxMessage) -> ReviewDecision | None:
        with sa.orm.Session(self.engine, expire_on_commit=False) as session:
            return session.scalars(sa.select(ReviewDecision).filter_by(message_key=message.key)).first()

    # --- deciding ---

    def _training_files(self) -> list[Path]:
        files = nlu_examples.nlu_files(self.settings.data_dir) if self.settings.data_dir.is_dir() else []
        review = self.settings.review_file
        return files + (
            [review] if review.is_file() and review.resolve() not in {f.resolve() for f in files} else []
        )

    def _name(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(ROOT))
        except ValueError:
            return path.name

    @property
    def review_file_name(self) -> str:
        """The review file as the team lead is told about it (relative to the project)."""
        return self._name(self.settings.review_file)

    def label(
        self, message: InboxMessage, decision: str, reviewer: str, now: datetime | None = None
    ) -> Outcome:
        """Records the decision and, for an intent or out_of_scope, writes the masked example.
        Raises Refused with a Dutch message for an unknown intent, a message decided before, a text
        with nothing left after masking, a duplicate (recorded, not written) and a conflict."""
        decision = (decision or "").strip()
        if decision != NOISE and decision not in self.intents():
            raise Refused(
                f"‘{decision}’ is geen intent van de assistent. Kies een intent uit de lijst, "
                "‘buiten het onderwerp’ of ‘ruis’.",
                status=400,
            )
        example = nlu_examples.example_line(message.masked_text)
        if decision != NOISE and not nlu_examples.normalise(_without_placeholders(example)):
            raise Refused(
                "Na het afschermen van de persoonsgegevens blijft er geen tekst over om van te "
                "leren. Markeer het bericht als ruis.",
                status=422,
            )
        with self._lock:
            previous = self.decision_for(message)
            if previous is not None:
                raise Refused(
                    f"Dit bericht is al beoordeeld door {previous.reviewer} "
                    f"({_decision_label(previous.decision)}).",
                    recorded=True,
                )
            record = ReviewDecision(
                message_key=message.key,
                event_id=message.event_id,
                conversation_id=message.conversation_id,
                message_time=message.time,
                masked_text=message.masked_text,
                predicted_intent=message.intent,
                confidence=message.confidence,
                decision=decision,
                written=False,
                reviewer=reviewer,
                decided_at=(now or datetime.now(timezone.utc)).astimezone(timezone.utc),
            )
            if decision == NOISE:
                self._save(record)
                return Outcome(
                    decision, False, None, "Gemarkeerd als ruis: het bericht gaat niet naar de trainingsdata."
                )
            same, other = self._clashes(example, decision)
            if other:
                intent, path = other[0]
                raise Refused(
                    f"Niet toegevoegd: “{example}” staat in {self._name(path)} al als voorbeeld bij een "
                    f"andere intent, ‘{intent}’. Eén zin onder twee intents maakt het model onzeker. "
                    f"Kies ‘{intent}’, of pas eerst {self._name(path)} aan."
                )
            if same:
                self._save(record)
                raise Refused(
                    f"Niet nog een keer toegevoegd: “{example}” staat al bij ‘{decision}’ in "
                    f"{self._name(same[0][1])}. Het bericht is wel als beoordeeld gemarkeerd.",
                    recorded=True,
                )
            record.written = True
            self._save(record, write=(decision, example))
        return Outcome(
            decision,
            True,
            example,
            f"Toegevoegd aan {self.review_file_name} bij ‘{decision}’: "
            f"“{example}”. Het model leert het bij de volgende training.",
        )

    def _clashes(self, example: str, intent: str) -> tuple[list[tuple[str, Path]], list[tuple[str, Path]]]:
        """Where the sentence already is: under the same intent, and under other intents."""
        seen = nlu_examples.index(self._training_files()).get(nlu_examples.normalise(example), [])
        return [s for s in seen if s[0] == intent], [s for s in seen if s[0] != intent]

    def _save(self, record: ReviewDecision, write: tuple[str, str] | None = None) -> None:
        """Stores the decision; with `write`, adds the example before the commit, so that a failed
        write leaves no decision behind."""
        try:
            with sa.orm.Session(self.engine) as session, session.begin():
                session.add(record)
                session.flush()
                if write:
                    nlu_examples.add_example(self.settings.review_file, *write)
        except IntegrityError:  # another process decided it in the meantime
            raise Refused("Dit bericht is net door iemand anders beoordeeld.", recorded=True) from None


def _without_placeholders(text: str) -> str:
    for placeholder in masking.PLACEHOLDERS:
        text = text.replace(placeholder, " ")
    return text


def _decision_label(decision: str) -> str:
    return {NOISE: "ruis", OUT_OF_SCOPE: "buiten het onderwerp"}.get(decision, decision)
