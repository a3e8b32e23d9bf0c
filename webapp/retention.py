"""The retention purge on a schedule in the running web app (bot/retention.py does the work): once
at start and then every KLANTENSERVICE_PURGE_MINUTES (60; 0 turns it off), in a thread, on the
configured databases. A failed run is logged and the next one tries again; several replicas may
purge at once, since each run deletes only what is past its period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.retention import purge_stores

logger = logging.getLogger(__name__)


async def purge_every(minutes: float, db_url: str | None, tracker_url: str | None) -> None:
    while True:
        try:
            await asyncio.to_thread(purge_stores, db_url, tracker_url)
        except Exception as error:  # the database may be down: the next run tries again
            logger.error("Retention purge failed (%s); next try in %s minutes", type(error).__name__, minutes)
        await asyncio.sleep(minutes * 60)


def setup_purge(
    app: web.Application, minutes: float, db_url: str | None, tracker_url: str | None = None
) -> None:
    """Runs the purge while the app runs (nothing when `minutes` is 0)."""
    if minutes <= 0:
        return

    async def scheduled(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(purge_every(minutes, db_url, tracker_url))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(scheduled)
