"""CSRF tokens of the console: every POST of a logged-in agent carries the session's token (the
header X-CSRF-Token from the scripts, the form field `csrf` from plain forms); the login form,
which has no session yet, uses a double-submit token: a cookie and a form field that must match."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
LOGIN_CSRF_COOKIE = "agent_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_REFUSED = "Deze actie is geweigerd: de beveiligingscode ontbreekt of klopt niet. Herlaad de pagina."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def same(sent: str, expected: str) -> bool:
    """Compared in constant time; an empty token never matches."""
    return (
        bool(sent) and bool(expected) and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))
    )


async def request_carries(request: web.Request, expected: str) -> bool:
    """Whether the request carries the session's token, in the header or else in a form field."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.content_type in FORM_TYPES:
        sent = str((await request.post()).get(CSRF_FIELD, ""))
    return same(sent, expected)


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


async def login_form_carries_cookie_token(request: web.Request) -> bool:
    """The double-submit check of the login form: its hidden field matches its cookie."""
    form = await request.post()
    return same(str(form.get(CSRF_FIELD, "")), request.cookies.get(LOGIN_CSRF_COOKIE, ""))
