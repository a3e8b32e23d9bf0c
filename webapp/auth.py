"""Who may use the console under /agent: the login, the session cookie, the guard that checks the
session (and the CSRF token of every change) before any console handler runs, and the team-lead
role that the dashboard and the review inbox require.

Sessions live in the database (bot/agent_sessions.py); the cookie holds a random token and is
HttpOnly, SameSite=Strict, limited to /agent, and Secure over https (directly, or behind a proxy
named in WEB_TRUSTED_PROXIES). Pages without a session redirect to the login, the JSON API answers
401. A session whose account changed its password, was disabled or deleted ends at its next request.

The login checks the brake on guessing (bot/login_throttle.py) before any password, and checks
passwords through the password gate (webapp/password_gate.py). Failed logins are counted and logged
with the counts, never with the name typed.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.agent_sessions import SESSION_LIFETIME
from bot.agents import UNKNOWN_USER_HASH, Agent
from bot.database import utc
from bot.login_throttle import LoginThrottle
from bot.settings import load_settings
from webapp import csrf
from webapp.console import Stores, blocking
from webapp.forwarded import client_address, is_https
from webapp.keys import AGENT, CONSOLE_KEY, SESSION, TEMPLATES_KEY
from webapp.password_gate import Busy, PasswordGate

logger = logging.getLogger(__name__)

PREFIX = "/agent"
LOGIN_PATH = "/agent/login"
LOGOUT_PATH = "/agent/logout"
API_PREFIX = "/agent/api/"
SESSION_COOKIE = "agent_session"

NOT_LOGGED_IN = "Je bent niet (meer) ingelogd. Log opnieuw in."
WRONG_LOGIN = "De gebruikersnaam of het wachtwoord klopt niet."
LOCKED_OUT = "Te veel mislukte pogingen. Wacht even: je kunt het over {wait} opnieuw proberen (om {at} uur)."
BUSY = "Er wordt nu erg veel tegelijk ingelogd. Probeer het over een paar seconden opnieuw."
BUSY_RETRY_SECONDS = 5
DATABASE_DOWN = "De database is nu niet bereikbaar. Probeer het zo nog eens."
FORM_EXPIRED = "Het inlogformulier is verlopen. Probeer het nog eens."
FORM_INCOMPLETE = "Vul je gebruikersnaam en je wachtwoord in."

# Stricter than the chat page's policy: no inline styles (there is no widget here) and no Rasa.
CONSOLE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_console_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def is_api(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(request: web.Request, status: int, message: str) -> web.Response:
    """JSON for the console's scripts, plain text for a page."""
    if is_api(request):
        return web.json_response({"error": message}, status=status)
    return web.Response(status=status, text=message + "\n")


def redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name, value, path=PREFIX, max_age=max_age, httponly=True, samesite="Strict", secure=is_https(request)
    )


# --- the guard --------------------------------------------------------------------------------------


@web.middleware
async def console_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Everything under /agent except the login needs a session, and every change its CSRF token."""
    if not is_console_path(request.path):
        return await handler(request)
    try:
        if request.path != LOGIN_PATH:
            stores = await request.app[CONSOLE_KEY].stores()
            session = await blocking(stores.sessions.get, request.cookies.get(SESSION_COOKIE))
            agent = await blocking(stores.agents.get, session.username) if session else None
            if session and (agent is None or agent.session_stamp != session.stamp):
                # A new password, a disabled or deleted account: the session ends here.
                await blocking(stores.sessions.delete, request.cookies.get(SESSION_COOKIE))
                agent = None
            if agent is None:
                if is_api(request):
                    return web.json_response({"error": NOT_LOGGED_IN, "login": LOGIN_PATH}, status=401)
                return redirect(LOGIN_PATH)
            if request.method not in csrf.SAFE_METHODS and not await csrf.request_carries(
                request, session.csrf_token
            ):
                return error_response(request, 403, csrf.CSRF_REFUSED)
            request[SESSION], request[AGENT] = session, agent
        return await handler(request)
    except SQLAlchemyError:
        logger.exception("Agent console: database error on %s %s", request.method, request.path)
        return error_response(request, 503, DATABASE_DOWN)


async def console_headers(request: web.Request, response: web.StreamResponse) -> None:
    if is_console_path(request.path):
        response.headers["Content-Security-Policy"] = CONSOLE_POLICY
        response.headers["Cache-Control"] = "no-store"


def team_leads_only(refusal: str) -> Callable[[Handler], Handler]:
    """A console handler for team leads; anyone else gets 403 with `refusal` (in Dutch)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            agent: Agent = request[AGENT]
            if not agent.is_team_lead:
                return error_response(request, 403, refusal)
            return await handler(request)

        return guarded

    return decorate


# --- login and logout -------------------------------------------------------------------------------


def _login_page(
    request: web.Request, error: str | None = None, username: str = "", status: int = 200
) -> web.Response:
    """The form with a fresh double-submit token: the same value in a cookie and a hidden field."""
    token = csrf.new_login_token()
    html = (
        request.app[TEMPLATES_KEY]
        .get_template("agent_login.html")
        .render(csrf=token, error=error, username=username, action=LOGIN_PATH)
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    set_cookie(request, response, csrf.LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


async def login_form(request: web.Request) -> web.Response:
    stores = await request.app[CONSOLE_KEY].stores()
    if await blocking(stores.sessions.get, request.cookies.get(SESSION_COOKIE)):
        return redirect(PREFIX)
    return _login_page(request)


async def login(request: web.Request) -> web.Response:
    if not await csrf.login_form_carries_cookie_token(request):
        return _login_page(request, FORM_EXPIRED, status=403)
    form = await request.post()
    username = str(form.get("username", "")).strip()[:80]
    password = str(form.get("password", ""))[:200]
    if not username or not password:
        return _login_page(request, FORM_INCOMPLETE, username, status=400)
    stores = await request.app[CONSOLE_KEY].stores()
    defences = request.app[DEFENCES_KEY]
    throttle, address = defences.throttle(stores), client_address(request)
    until = await blocking(throttle.refused_until, username, address)
    if until is not None:
        return _throttled(request, username, until)
    found = await blocking(stores.agents.credentials, username)
    try:
        matches = await defences.gate.matches(password, found[1] if found else UNKNOWN_USER_HASH)
    except Busy:
        response = _login_page(request, BUSY, username, status=503)
        response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response
    if found is None or not matches:
        failure = await blocking(throttle.failed, username, address)
        defences.failures += 1
        logger.warning(
            "Agent console: failed login (%d from this address in %d minutes; %d since the start)",
            failure.address_failures,
            throttle.rules.address_window_minutes,
            defences.failures,
        )
        if failure.blocked_until is not None:
            return _throttled(request, username, failure.blocked_until)
        return _login_page(request, WRONG_LOGIN, username, status=401)
    agent: Agent = found[0]
    await blocking(throttle.succeeded, username, address)
    await blocking(stores.sessions.delete, request.cookies.get(SESSION_COOKIE))
    session = await blocking(stores.sessions.create, agent.username, None, agent.session_stamp)
    logger.info("Agent console: %s logged in", agent.username)
    response = redirect(PREFIX)
    set_cookie(request, response, SESSION_COOKIE, session.token, int(SESSION_LIFETIME.total_seconds()))
    response.del_cookie(csrf.LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


def locked_out_message(until: datetime, now: datetime | None = None) -> str:
    """LOCKED_OUT for a wait until `until`, in whole seconds or minutes, and the local clock time."""
    seconds = max(1, math.ceil((until - utc(now)).total_seconds()))
    if seconds < 120:
        wait = f"{seconds} {'seconde' if seconds == 1 else 'seconden'}"
    else:
        wait = f"{math.ceil(seconds / 60)} minuten"
    at = until.astimezone(load_settings().tz)
    return LOCKED_OUT.format(wait=wait, at=f"{at:%H:%M:%S}")


def _throttled(request: web.Request, username: str, until: datetime) -> web.Response:
    """429 with when to try again, in words and in Retry-After."""
    response = _login_page(request, locked_out_message(until), username, status=429)
    response.headers["Retry-After"] = str(max(1, math.ceil((until - utc()).total_seconds())))
    return response


async def logout(request: web.Request) -> web.Response:
    stores = await request.app[CONSOLE_KEY].stores()
    await blocking(stores.sessions.delete, request.cookies.get(SESSION_COOKIE))
    response = redirect(LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@dataclass
class LoginDefences:
    """The password gate, the brake on guessing (made with the console's stores) and the count of
    failed logins since the start."""

    gate: PasswordGate = field(default_factory=PasswordGate)
    failures: int = 0
    _throttle: LoginThrottle | None = None

    def throttle(self, stores: Stores) -> LoginThrottle:
        if self._throttle is None:
            self._throttle = LoginThrottle(load_settings().login, engine=stores.sessions.engine)
        return self._throttle


DEFENCES_KEY = web.AppKey("login_defences", LoginDefences)


async def _close_gate(app: web.Application) -> None:
    app[DEFENCES_KEY].gate.close()


def setup_auth(app: web.Application) -> None:
    """The guard, the console's headers and the login routes; before any other console route."""
    app[DEFENCES_KEY] = LoginDefences()
    app.on_cleanup.append(_close_gate)  # type: ignore[arg-type]  # aiohttp 3.9 types its signals for aiosignal < 1.4
    app.middlewares.append(console_guard)
    app.on_response_prepare.append(console_headers)  # type: ignore[arg-type]  # aiohttp 3.9 types its signals for aiosignal < 1.4
    app.router.add_get(LOGIN_PATH, login_form)
    app.router.add_post(LOGIN_PATH, login)
    app.router.add_post(LOGOUT_PATH, logout)
