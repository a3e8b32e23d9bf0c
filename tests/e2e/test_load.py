"""Load: 50 customers at once, 20 turns each, half over REST and half in socket.io chat windows,
against the real servers. Every message must be answered as scripted, without errors, and every
conversation must be complete in the tracker store afterwards."""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp
import pytest

from tests.e2e.test_handoff import ChatWindow

pytestmark = pytest.mark.e2e

CUSTOMERS_PER_CHANNEL = 25
# (message, a piece of the turn's last answer)
TURNS = [
    ("hallo", "digitale assistent"),
    ("wat is klarna precies?", "betaalbedrijf"),
    ("ik snap mijn factuur niet", "in contact breng met een medewerker"),
    ("nee hoeft niet", "ergens anders mee helpen"),
    ("bedankt!", "Graag gedaan"),
    ("ik heb mijn jurk teruggestuurd", "Bij welke webshop"),
    ("zalando", "Wat is het bestelnummer"),
    ("12345678", "trackingnummer van je retourzending"),
    ("3SABCD1234567", "RET-"),
    ("wanneer zijn jullie open?", "van maandag t/m vrijdag van 09:00 tot 18:00"),
    ("zijn jullie zaterdag bereikbaar?", "09:00 tot 13:00"),
    ("wat is jullie telefoonnummer?", "bellen op"),
    ("dank je wel", "Graag gedaan"),
    ("wat is klarna precies?", "betaalbedrijf"),
    ("ik snap mijn factuur niet", "in contact breng met een medewerker"),
    ("nee hoeft niet", "ergens anders mee helpen"),
    ("hoe laat gaan jullie morgen open?", "09:00"),
    ("ben ik met een robot aan het praten?", "digitale assistent"),
    ("bedankt", "Graag gedaan"),
    ("doei", "Fijne dag"),
]


class Tally:
    def __init__(self) -> None:
        self.sent = self.answered = 0
        self.errors: list[str] = []


async def rest_customer(http: aiohttp.ClientSession, url: str, sender: str, tally: Tally) -> None:
    for text, expected in TURNS:
        tally.sent += 1
        try:
            async with http.post(
                f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
            ) as reply:
                answers = [item.get("text", "") for item in await reply.json()] if reply.status == 200 else []
                if reply.status != 200 or not any(expected in answer for answer in answers):
                    tally.errors.append(f"REST {sender} {text!r}: {reply.status} {answers}")
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            tally.errors.append(f"REST {sender} {text!r}: {error!r}")
            continue
        tally.answered += 1


async def socket_customer(url: str, tally: Tally) -> str:
    window = ChatWindow(url)
    await window.open()
    try:
        for text, expected in TURNS:
            tally.sent += 1
            await window.say(text)
            try:
                while expected not in await window.next(60):
                    pass
            except asyncio.TimeoutError:
                tally.errors.append(f"socket.io {window.session_id} {text!r}: no answer")
                continue
            tally.answered += 1
    finally:
        await window.close()
    return window.session_id


def stored_turns(assistant, senders: list[str], settle_seconds: float = 30) -> dict[str, int]:
    """The customer messages stored per conversation. A chat window has the goodbye while its turn is
    still running (the satisfaction question after it asks the action server), and Rasa stores a turn
    when it is done: wait, for a bounded time, until every turn has been stored."""
    deadline = time.monotonic() + settle_seconds
    while True:
        stored = {sender: assistant.stored_event_types(sender).count("user") for sender in senders}
        if all(count == len(TURNS) for count in stored.values()) or time.monotonic() > deadline:
            return stored
        time.sleep(0.5)


def test_fifty_customers_twenty_turns_each_over_rest_and_socketio(assistant, show_figure):
    rest_senders = [f"last-{uuid.uuid4().hex[:8]}" for _ in range(CUSTOMERS_PER_CHANNEL)]
    tally = Tally()

    async def run() -> list[str]:
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            results = await asyncio.gather(
                *(rest_customer(http, assistant.url, sender, tally) for sender in rest_senders),
                *(socket_customer(assistant.url, tally) for _ in range(CUSTOMERS_PER_CHANNEL)),
            )
        return [session for session in results if session]

    started = time.monotonic()
    socket_sessions = asyncio.run(run())
    seconds = time.monotonic() - started
    stored = stored_turns(assistant, rest_senders + socket_sessions)
    incomplete = {sender: count for sender, count in stored.items() if count != len(TURNS)}
    show_figure(
        f"load: {2 * CUSTOMERS_PER_CHANNEL} customers, {tally.sent} messages in {seconds:.0f} s "
        f"({tally.sent / seconds:.0f}/s), {tally.answered} answered, {len(tally.errors)} errors, "
        f"{sum(len(TURNS) - count for count in incomplete.values())} messages missing in the tracker store"
    )
    assert tally.errors == []
    assert tally.answered == tally.sent == 2 * CUSTOMERS_PER_CHANNEL * len(TURNS)
    assert len(stored) == 2 * CUSTOMERS_PER_CHANNEL and incomplete == {}
