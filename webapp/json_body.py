"""Reading the JSON bodies the console's scripts send: one place decides what a missing, broken or
non-object body means, so every API answers bad input the same way (400 with a Dutch message)."""

from __future__ import annotations

from typing import Any

from aiohttp import web


async def json_object(request: web.Request) -> dict[str, Any] | None:
    """The JSON object sent, {} without a body; None when the body is not a JSON object."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def string_field(request: web.Request, name: str) -> str | None:
    """The body's string field `name`; None when it is missing, not a string or the body is broken."""
    body = await json_object(request)
    value = body.get(name) if body is not None else None
    return value if isinstance(value, str) else None
