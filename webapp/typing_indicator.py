"""Typing indicators in the agent console, both ways.

Route (behind webapp.auth's guard: a session and the CSRF token):
- `POST /agent/api/entries/{id}/typing`: the agent is typing an answer in this conversation. Only for
  the agent's own live chat (status with_agent); at most once per AGENT_TYPING_EVERY per agent and
  entry (429 in between, before anything is read); then the Rasa server tells the customer's chat
  window (bot/rasa_api.py, channels/socketio.py). The answer says whether the signal went; a Rasa
  server that is down makes it `{"sent": false}`, never an error, and never holds up a message.

The other way, the chat window's signal is recorded on the queue entry by the Rasa server
(`customer_typing_at`); the entry JSON (queue_api.py) says `customer_typing` while it is fresh.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.agents import Agent
from bot.handoff import LIVE, WITH_AGENT
from bot.throttle import Throttle
from webapp.console import blocking
from webapp.keys import AGENT, CONSOLE_KEY

TYPING_PATH = r"/agent/api/entries/{entry_id:\d{1,9}}/typing"
# The console sends one every 2.5 s while the agent types; the chat window shows each for 5 s.
AGENT_TYPING_EVERY = 2.0
# How long after the chat window's latest signal the console still says "klant typt…" (the window
# sends one every 2.5 s while the customer types; the console polls every 2.5 s).
CUSTOMER_TYPING_FRESH = timedelta(seconds=6)
PUSH_CHANNEL = "socketio"
NOT_YOURS = "Je kunt alleen typen in een gesprek dat jij nu hebt."
TYPING_THROTTLE = web.AppKey("typing_throttle", Throttle)


async def api_typing(request: web.Request) -> web.Response:
    agent: Agent = request[AGENT]
    entry_id = int(request.match_info["entry_id"])
    if not request.app[TYPING_THROTTLE].allow((agent.username, entry_id)):
        return web.json_response({"sent": False}, status=429, headers={"Retry-After": "2"})
    console = request.app[CONSOLE_KEY]
    stores = await console.stores()
    entry = await blocking(stores.queue.get, entry_id)
    if entry is None:
        return web.json_response({"error": "Dit gesprek bestaat niet (meer)."}, status=404)
    if entry.agent != agent.username or entry.status != WITH_AGENT or entry.mode != LIVE:
        return web.json_response({"error": NOT_YOURS, "sent": False}, status=409)
    if entry.channel != PUSH_CHANNEL:  # a REST customer has no window to show it in
        return web.json_response({"sent": False})
    return web.json_response({"sent": await console.rasa.agent_typing(entry.conversation_id)})


def setup_typing(app: web.Application) -> None:
    app[TYPING_THROTTLE] = Throttle(AGENT_TYPING_EVERY)
    app.router.add_post(TYPING_PATH, api_typing)
