"""The team lead's dashboard in the agent console: what the assistant resolves alone, where it fails,
and when customers ask for a person while nobody is there (the figures: bot/insight.py).

Routes, team leads only (the console guard has checked the session; an agent without the role gets
403), each for a period `?from=YYYY-MM-DD&to=YYYY-MM-DD` (both days count; default the last 7 days):
- `GET /agent/dashboard`: the page, the numbers in tables beside the charts;
- `GET /agent/dashboard/chart/intents.png`, `.../demand.png`: the charts (matplotlib, server-side);
- `GET /agent/dashboard.csv`: every figure as CSV.

The page also shows customer satisfaction (bot/satisfaction.py): CSAT of conversations the assistant
handled alone beside those with an agent, per agent with the median first-response and handling
times, the latest comments (customers' words, escaped like everything on the page), and containment
per topic (bot/insight.py). Those are counted on each page view.

A period's figures are counted once and kept for a minute, so a page and its two images cost one
count, and a team lead who reloads does not load the databases again.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot import clock, insight
from bot.insight import Figures, Insight, TopicContainment, amount
from bot.satisfaction import (
    BOT_ONLY,
    NOT_A_TOPIC,
    WITH_AGENT,
    CsatFigures,
    SatisfactionFigures,
    SatisfactionStore,
    period_figures,
)
from bot.settings import WEEKDAY_KEYS, load_settings
from webapp import dashboard_charts
from webapp.auth import team_leads_only
from webapp.console import blocking
from webapp.keys import CONSOLE_KEY
from webapp.labels import INTENT_LABELS, intent_label
from webapp.pages import render_console_page

PAGE_PATH = "/agent/dashboard"
CSV_PATH = "/agent/dashboard.csv"
CHART_PATH = "/agent/dashboard/chart/{name}.png"
CHARTS = ("intents", "demand")
CACHE_SECONDS = 60
MAX_DAYS = 366

TEAM_LEADS_ONLY = (
    "Het dashboard is alleen voor teamleiders. Vraag je teamleider als je de cijfers nodig hebt."
)

# --- the period -------------------------------------------------------------------------------------


class PeriodError(ValueError):
    """A period that cannot be shown; the message says why, in Dutch."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def query(self) -> str:
        return urlencode({"from": self.first.isoformat(), "to": self.last.isoformat()})


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(f"De datum bij '{name}' klopt niet; gebruik de vorm 2026-11-30.") from None


def parse_period(query: Any, today: date) -> Period:
    """The period of `?from=&to=`: without `to` up to today, without `from` the 7 days up to `to`."""
    last = _day(query["to"], "tot en met") if query.get("to") else today
    first = _day(query["from"], "van") if query.get("from") else insight.default_days(last)[0]
    if last < first:
        raise PeriodError("De einddatum ligt voor de begindatum.")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(f"Kies een periode van hoogstens {MAX_DAYS} dagen.")
    return Period(first, last)


# --- the figures, shared by a page and its images -----------------------------------------------------


class Dashboard:
    def __init__(
        self, app: web.Application, tracker_url: str, today: Callable[[], date] = lambda: clock.now().date()
    ) -> None:
        self.app = app
        self.tracker_url = tracker_url
        self.today = today
        self._insight: Insight | None = None
        self._cache: dict[Period, tuple[float, asyncio.Future[Figures]]] = {}

    async def _source(self) -> Insight:
        """The stores of the console (its engine for the assistant's database) and the tracker's."""
        stores = await self.app[CONSOLE_KEY].stores()
        if self._insight is None:  # checked after the await, so two first requests make one
            self._insight = Insight(self.tracker_url, stores.queue.engine)
        return self._insight

    async def _count(self, period: Period) -> Figures:
        source = await self._source()
        settings = load_settings()
        figures: Figures = await blocking(
            source.figures, *insight.period_of_days(period.first, period.last, settings.tz), settings
        )
        return figures

    async def figures(self, period: Period) -> Figures:
        """Counted once per minute and period; a failed count is not kept."""
        now = time.monotonic()
        self._cache = {key: value for key, value in self._cache.items() if value[0] > now}
        if period not in self._cache:
            self._cache[period] = (now + CACHE_SECONDS, asyncio.ensure_future(self._count(period)))
        try:
            return await asyncio.shield(self._cache[period][1])
        except Exception:
            self._cache.pop(period, None)
            raise

    async def satisfaction(
        self, period: Period
    ) -> tuple[SatisfactionFigures, list[TopicContainment], dict[str, str]]:
        """The period's CSAT figures, containment per topic and the agents' display names."""
        source = await self._source()
        stores = await self.app[CONSOLE_KEY].stores()
        start, end = insight.period_of_days(period.first, period.last, load_settings().tz)
        figures = await blocking(period_figures, SatisfactionStore(engine=stores.queue.engine), start, end)
        topics = await blocking(source.topics, start, end, NOT_A_TOPIC)
        names = {a.agent.username: a.agent.display_name for a in await blocking(stores.agents.accounts)}
        return figures, topics, names

    async def close(self) -> None:
        if self._insight is not None:
            self._insight.close()


DASHBOARD_KEY = web.AppKey("dashboard", Dashboard)


# --- Dutch numbers ----------------------------------------------------------------------------------


def number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} u {whole % 3600 // 60:02d} min"


def counted(count: int, singular: str, plural: str) -> str:
    return amount(count, singular, plural, number)


def summary(f: Figures) -> list[tuple[str, str, str]]:
    """(what, the number, what it means) for the figures at the top of the page."""
    cases = " · ".join(f"{kind} {number(count)}" for kind, count in f.cases)
    conversations = counted(f.conversations, "gesprek", "gesprekken")
    return [
        ("Gesprekken", number(f.conversations), f"{counted(f.messages, 'bericht', 'berichten')} van klanten"),
        (
            "Zelf opgelost",
            percent(f.containment),
            f"{number(f.contained)} van {conversations}: geen medewerker gevraagd, geen zaak, "
            "laatste bericht begrepen",
        ),
        ("Niet begrepen", percent(f.fallback_rate), counted(f.fallback_messages, "bericht", "berichten")),
        (
            "Buiten het onderwerp",
            percent(f.out_of_scope_rate),
            counted(f.out_of_scope_messages, "bericht", "berichten"),
        ),
        ("Medewerker gevraagd", number(f.handoffs_live), "tijdens openingstijden"),
        (
            "Buiten openingstijden",
            number(f.handoffs_offline),
            "keer om een medewerker gevraagd; "
            f"{counted(f.offline_questions, 'vraag', 'vragen')} achtergelaten",
        ),
        ("Zaken", number(sum(count for _, count in f.cases)), cases),
        (
            "Wachttijd op een medewerker",
            duration(f.wait.average),
            f"gemiddeld; 90% binnen {duration(f.wait.p90)} "
            f"({counted(f.wait.count, 'gesprek', 'gesprekken')})",
        ),
        (
            "Afgehaakt in de wachtrij",
            number(f.abandoned),
            "weggegaan voordat een medewerker het gesprek oppakte (niet in de wachttijd)",
        ),
        (
            "Behandeltijd",
            duration(f.handling.average),
            f"gemiddeld; 90% binnen {duration(f.handling.p90)} "
            f"({counted(f.handling.count, 'gesprek', 'gesprekken')})",
        ),
    ]


def intent_rows(f: Figures) -> list[tuple[str, str, str, str]]:
    return [
        (intent_label(intent), intent, number(count), percent(count / f.messages if f.messages else None))
        for intent, count in f.top_intents
    ]


def demand_rows(f: Figures) -> list[tuple[str, list[tuple[int, str]]]]:
    """Per weekday the requests per hour, each with how staffed that hour is (a CSS class)."""

    def staffed(minutes: int) -> str:
        return "staffed" if minutes >= 60 else "partly" if minutes else "closed"

    return [
        (
            WEEKDAY_KEYS[day].capitalize(),
            [(count, staffed(f.staffed_minutes[day][hour])) for hour, count in enumerate(f.demand[day])],
        )
        for day in range(7)
    ]


KIND_LABELS = {BOT_ONLY: "Alleen de assistent", WITH_AGENT: "Met een medewerker"}


def csat_row(label: str, f: CsatFigures) -> tuple[str, str, str, str, str]:
    """(who, average score, share 4-5, ratings, response rate)."""
    average = "–" if f.average is None else f"{f.average:.1f}".replace(".", ",")
    return label, average, percent(f.satisfied), number(f.rated), percent(f.response_rate)


def csat_rows(f: SatisfactionFigures) -> list[tuple[str, str, str, str, str]]:
    return [csat_row(KIND_LABELS[kind], f.by_kind[kind]) for kind in (BOT_ONLY, WITH_AGENT)]


def agent_rows(f: SatisfactionFigures, names: dict[str, str]) -> list[tuple[str, ...]]:
    """(agent, chats, ratings, average CSAT, median first response, median handling)."""
    return [
        (
            names.get(row.agent, row.agent),
            number(row.chats),
            number(row.csat.rated),
            csat_row("", row.csat)[1],
            duration(row.first_response),
            duration(row.handling),
        )
        for row in f.agents
    ]


def comment_rows(f: SatisfactionFigures, names: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(when, with whom, score, the customer's comment): plain text, escaped by the template."""
    tz = load_settings().tz
    return [
        (
            (rating.answered_at or rating.asked_at).astimezone(tz).strftime("%d-%m-%Y %H:%M"),
            names.get(rating.agent, rating.agent) if rating.agent else KIND_LABELS[BOT_ONLY],
            str(rating.score),
            rating.comment or "",
        )
        for rating in f.comments
    ]


def topic_rows(topics: list[TopicContainment]) -> list[tuple[str, str, str, str, str]]:
    return [
        (intent_label(t.topic), t.topic, number(t.conversations), number(t.contained), percent(t.containment))
        for t in topics
    ]


# --- the routes -------------------------------------------------------------------------------------


def _period_or_error(request: web.Request) -> Period | web.Response:
    try:
        return parse_period(request.query, request.app[DASHBOARD_KEY].today())
    except PeriodError as error:
        return web.Response(status=400, text=f"{error}\n")


@team_leads_only(TEAM_LEADS_ONLY)
async def dashboard_page(request: web.Request) -> web.Response:
    dashboard = request.app[DASHBOARD_KEY]
    try:
        period, error = parse_period(request.query, dashboard.today()), None
    except PeriodError as problem:
        period, error = parse_period({}, dashboard.today()), str(problem)
    figures = await dashboard.figures(period)
    satisfaction, topics, names = await dashboard.satisfaction(period)
    return render_console_page(
        request,
        "agent_dashboard.html",
        status=400 if error else 200,
        page_path=PAGE_PATH,
        period=period,
        error=error,
        hours=range(24),
        summary=summary(figures),
        intents=intent_rows(figures),
        demand=demand_rows(figures),
        chart_intents=f"{CHART_PATH.format(name='intents')}?{period.query}",
        chart_demand=f"{CHART_PATH.format(name='demand')}?{period.query}",
        csv_url=f"{CSV_PATH}?{period.query}",
        csat=csat_rows(satisfaction),
        agents=agent_rows(satisfaction, names),
        comments=comment_rows(satisfaction, names),
        topics=topic_rows(topics),
    )


@team_leads_only(TEAM_LEADS_ONLY)
async def dashboard_chart(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in CHARTS:
        raise web.HTTPNotFound()
    period = _period_or_error(request)
    if isinstance(period, web.Response):
        return period
    f = await request.app[DASHBOARD_KEY].figures(period)
    if name == "intents":
        image = await blocking(dashboard_charts.intents_chart, f.top_intents, INTENT_LABELS)
    else:
        image = await blocking(dashboard_charts.demand_chart, f.demand, f.staffed_minutes)
    return web.Response(body=image, content_type="image/png")


@team_leads_only(TEAM_LEADS_ONLY)
async def dashboard_csv(request: web.Request) -> web.Response:
    period = _period_or_error(request)
    if isinstance(period, web.Response):
        return period
    f = await request.app[DASHBOARD_KEY].figures(period)
    text = io.StringIO()
    insight.write_csv(f.to_rows(), text)
    name = f"klantenservice-cijfers-{period.first.isoformat()}-tm-{period.last.isoformat()}.csv"
    return web.Response(
        text=text.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def setup_dashboard(app: web.Application, tracker_url: str | None = None) -> Dashboard:
    """Adds the dashboard to the console (after setup_auth, whose guard protects it)."""
    dashboard = Dashboard(app, tracker_url or insight.tracker_url())
    app[DASHBOARD_KEY] = dashboard

    async def close_dashboard(app: web.Application) -> None:
        await dashboard.close()

    app.on_cleanup.append(close_dashboard)  # type: ignore[arg-type]  # aiohttp 3.9 types its signals for aiosignal < 1.4
    app.router.add_get(PAGE_PATH, dashboard_page)
    app.router.add_get(CSV_PATH, dashboard_csv)
    app.router.add_get(CHART_PATH.replace("{name}", "{name:[a-z]+}"), dashboard_chart)
    return dashboard
