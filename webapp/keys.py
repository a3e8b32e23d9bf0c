"""The keys under which the web app's modules share state: on the application (aiohttp AppKeys)
and on a request (set by the console's guard). Every module imports them from here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import jinja2
from aiohttp import web

from webapp.config import WebConfig
from webapp.console import Console

CONFIG_KEY = web.AppKey("config", WebConfig)
CLOCK_KEY: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)
CONSOLE_KEY = web.AppKey("agent_console", Console)

# Request keys: the logged-in agent's session (bot.agent_sessions.AgentSession) and account
# (bot.agents.Agent), set by webapp.auth.console_guard.
SESSION = "agent_session"
AGENT = "agent"
