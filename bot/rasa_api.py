"""The few calls the agent console makes to the Rasa server's HTTP API (`rasa run --enable-api`).

Read a conversation, add an agent's message to it, run an action in it, ask the socket.io channel
to offer a conversation's waiting messages to its chat window, and tell that window the agent types.
Every call has a short timeout: an agent's click must not hang on a Rasa server that is down or
restarting; it gets RasaUnavailable, whose message is Dutch and safe to show (the token never appears
in it, nor in the logs). The typing signal never fails: it is sent or it is not.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
# A typing signal is worth nothing after a second or two: it never waits as long as a message.
TYPING_TIMEOUT = aiohttp.ClientTimeout(total=1.5, connect=1.0)
UNAVAILABLE = "De assistent (Rasa-server) is nu niet bereikbaar."


class RasaUnavailable(Exception):
    """The Rasa server did not answer, or answered with an error; the message is for agents."""


class RasaClient:
    def __init__(self, base_url: str, token: str = "", timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 3.0))
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- the calls --------------------------------------------------------------------------------

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker: its events, slots and latest message."""
        result = await self._request("GET", conversation_id, "tracker", answer=True)
        if not isinstance(result, dict):
            raise RasaUnavailable(f"{UNAVAILABLE} (onverwacht antwoord)")
        return result

    async def add_bot_message(
        self, conversation_id: str, text: str, metadata: dict[str, Any], push_to: str | None = None
    ) -> None:
        """Appends a bot message to the conversation; with `push_to` (an output channel such as
        socketio) Rasa also sends it to the customer's connected chat window."""
        params = {"output_channel": push_to, "execute_side_effects": "true"} if push_to else {}
        event = {"event": "bot", "text": text, "metadata": metadata}
        await self._request("POST", conversation_id, "tracker/events", json=event, params=params)

    async def set_slot(self, conversation_id: str, name: str, value: Any) -> None:
        """Sets a slot in the conversation (a slot event appended to its tracker)."""
        event = {"event": "slot", "name": name, "value": value}
        await self._request("POST", conversation_id, "tracker/events", json=event)

    async def execute_action(self, conversation_id: str, name: str, push_to: str | None = None) -> list[str]:
        """Runs an action in the conversation. With `push_to` Rasa sends what the action says to the
        customer's connected chat window; without, the texts are returned, for the caller to deliver."""
        params = {"include_events": "NONE", **({"output_channel": push_to} if push_to else {})}
        result = await self._request(
            "POST", conversation_id, "execute", json={"name": name}, params=params, answer=True
        )
        messages = result.get("messages") if isinstance(result, dict) else None
        return [
            message["text"]
            for message in messages or []
            if isinstance(message, dict) and isinstance(message.get("text"), str) and message["text"].strip()
        ]

    async def offer_waiting(self, conversation_id: str) -> int:
        """Asks the Rasa servers to offer the conversation's unacknowledged messages to its chat
        window (channels/socketio.py's `/deliver`; any server reaches the window, through Redis).
        Returns how many were offered; the window's acknowledgement marks them delivered."""
        query = {"token": self.token} if self.token else {}
        url = URL(f"{self.base_url}/webhooks/socketio/deliver")
        try:
            async with self._client().post(
                url, json={"conversation_id": conversation_id}, params=query
            ) as response:
                if response.status >= 400:
                    logger.warning("Rasa socket.io delivery answered %s", response.status)
                    raise RasaUnavailable(f"{UNAVAILABLE} Antwoord {response.status}.")
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning("Rasa socket.io delivery failed: %s", type(error).__name__)
            raise RasaUnavailable(UNAVAILABLE) from None
        offered = answer.get("offered") if isinstance(answer, dict) else None
        return offered if isinstance(offered, int) else 0

    async def agent_typing(self, conversation_id: str) -> bool:
        """Tells the customer's chat window that the agent is typing (channels/socketio.py's `/typing`,
        through Redis to whichever server holds the window). A signal that may be lost: a short
        timeout, a debug line instead of a warning (it comes every few seconds while an agent types),
        and False instead of an error when it did not go."""
        query = {"token": self.token} if self.token else {}
        url = URL(f"{self.base_url}/webhooks/socketio/typing")
        try:
            async with self._client().post(
                url, json={"conversation_id": conversation_id}, params=query, timeout=TYPING_TIMEOUT
            ) as response:
                if response.status >= 400:
                    logger.debug("Rasa socket.io typing answered %s", response.status)
                    return False
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.debug("Rasa socket.io typing failed: %s", type(error).__name__)
            return False
        return isinstance(answer, dict) and answer.get("sent") is True

    # --- plumbing ---------------------------------------------------------------------------------

    def _url(self, conversation_id: str, endpoint: str) -> URL:
        # The id is one path segment whatever it contains (REST senders choose their own ids).
        return URL(
            f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{endpoint}", encoded=True
        )

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def _request(
        self,
        method: str,
        conversation_id: str,
        endpoint: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        answer: bool = False,
    ) -> Any:
        """The call's JSON answer when `answer` (the POSTs answer with the whole tracker: skipped)."""
        query = dict(params or {})
        if self.token:
            query["token"] = self.token
        url = self._url(conversation_id, endpoint)
        try:
            async with self._client().request(method, url, json=json, params=query) as response:
                if response.status >= 400:
                    logger.warning("Rasa HTTP API: %s %s answered %s", method, endpoint, response.status)
                    hint = " (het token klopt niet)" if response.status in (401, 403) else ""
                    raise RasaUnavailable(f"{UNAVAILABLE} Antwoord {response.status}{hint}.")
                return await response.json(content_type=None) if answer else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            # aiohttp's own messages name the URL, and so the token: log only the kind of error.
            logger.warning("Rasa HTTP API: %s %s failed: %s", method, endpoint, type(error).__name__)
            raise RasaUnavailable(UNAVAILABLE) from None
