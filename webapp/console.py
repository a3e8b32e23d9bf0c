"""The console's database stores and its Rasa client, shared by every console page and API."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.agent_sessions import SessionStore
from bot.agents import AgentStore
from bot.cases import CaseStore
from bot.database import create_engine
from bot.delivery import DeliveryStore
from bot.handoff import HandoffQueue
from bot.history import History
from bot.notes import NoteStore
from bot.quick_replies import QuickReplyStore
from bot.rasa_api import RasaClient
from bot.transfer import Transfers


@dataclass(frozen=True)
class Stores:
    queue: HandoffQueue
    deliveries: DeliveryStore
    agents: AgentStore
    sessions: SessionStore
    cases: CaseStore
    quick_replies: QuickReplyStore
    notes: NoteStore
    transfers: Transfers
    history: History


class Console:
    """The stores open on first use, so the chat page starts (and stays up) even when the database
    cannot be reached."""

    def __init__(self, db_url: str | None, rasa: RasaClient) -> None:
        self.db_url = db_url
        self.rasa = rasa
        self._stores: Stores | None = None
        self._lock = threading.Lock()

    def _open(self) -> Stores:
        with self._lock:
            if self._stores is None:
                engine = create_engine(self.db_url)
                self._stores = Stores(
                    HandoffQueue(engine=engine),
                    DeliveryStore(engine=engine),
                    AgentStore(engine=engine),
                    SessionStore(engine=engine),
                    CaseStore(self.db_url),
                    QuickReplyStore(engine=engine),
                    NoteStore(engine=engine),
                    Transfers(engine=engine),
                    History(engine=engine),
                )
            return self._stores

    async def stores(self) -> Stores:
        if self._stores is not None:
            return self._stores
        return await asyncio.to_thread(self._open)

    async def close(self) -> None:
        await self.rasa.close()
        if self._stores is not None:
            self._stores.queue.engine.dispose()
            self._stores.cases.engine.dispose()


async def blocking(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Database work (and bcrypt) off the event loop, so one slow query does not stall the app."""
    return await asyncio.to_thread(call, *args, **kwargs)
