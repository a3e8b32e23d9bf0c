"""The agent console in process, one way for every test: the web app on a temporary database, a test
client, agents with cheap password hashes, the login through the form (with its double-submit CSRF
token) and requests that carry the session's CSRF token, as agent.js and review.js send them."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import bcrypt
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from bot.agents import AgentStore
from bot.settings import CONFIG_ENV_VAR, PROJECT_ROOT
from webapp.app import create_app
from webapp.config import WebConfig

Client = TestClient | aiohttp.ClientSession
Scenario = Callable[[TestClient], Awaitable[None]]
User = tuple[str, str]
ANNA: User = ("anna", "anna-wachtwoord-1")  # an agent; the tests give her no team-lead role


def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """bcrypt at 4 rounds, so that creating agents and logging in stay fast."""
    real_gensalt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": real_gensalt(4, prefix))


def use_login_rules(monkeypatch: pytest.MonkeyPatch, folder: Path, **rules: int) -> Path:
    """klantenservice.yml with other values in its `login` section, as the app's configuration."""
    settings = yaml.safe_load((PROJECT_ROOT / "klantenservice.yml").read_text(encoding="utf-8"))
    settings["login"] = {**settings.get("login", {}), **rules}
    path = folder / "klantenservice.yml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    return path


def add_agents(db_url: str, *agents: tuple[User, dict[str, Any]]) -> AgentStore:
    """((username, password), {"display_name": ..., "role": ...}) for each agent."""
    store = AgentStore(db_url)
    for (username, password), details in agents:
        store.add(username, password, **details)
    return store


def widget_bundle(tmp_path: Path) -> Path:
    """A stand-in for rasa-webchat's bundle: the app refuses to start without one."""
    bundle = tmp_path / "index.js"
    bundle.write_text("window.WebChat = {};\n")
    return bundle


def closed_port_url() -> str:
    """The URL of a port nothing listens on: a Rasa server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def console_config(
    db_url: str, bundle: Path, rasa_url: str | None = None, rasa_token: str = "t"
) -> WebConfig:
    return WebConfig(
        host="127.0.0.1",
        port=8080,
        rasa_public_url="http://localhost:5005",
        bundle_path=bundle,
        rasa_url=rasa_url or closed_port_url(),
        rasa_token=rasa_token,
        db_url=db_url,
    )


@contextlib.asynccontextmanager
async def console_client(config: WebConfig) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(config))) as client:
        yield client


def run_console(config: WebConfig, scenario: Scenario) -> None:
    """One scenario against the web app, on its own event loop."""

    async def main() -> None:
        async with console_client(config) as client:
            await scenario(client)

    asyncio.run(main())


def second_browser(client: TestClient) -> aiohttp.ClientSession:
    """Another browser (its own cookies) on the same app."""
    origin = URL(str(client.make_url("/"))).origin()
    return aiohttp.ClientSession(base_url=origin, cookie_jar=aiohttp.CookieJar(unsafe=True))


def _found(pattern: str, html: str) -> str:
    match = re.search(pattern, html)
    assert match is not None, pattern
    return match.group(1)


def hidden_csrf(html: str) -> str:
    return _found(r'name="csrf" value="([^"]+)"', html)


async def login(client: Client, user: User) -> aiohttp.ClientResponse:
    """Posts the login form with the token of a freshly loaded form; the response is not followed."""
    form = await client.get("/agent/login")
    csrf = hidden_csrf(await form.text())
    return await client.post(
        "/agent/login", data={"csrf": csrf, "username": user[0], "password": user[1]}, allow_redirects=False
    )


async def logged_in(client: Client, user: User) -> str:
    """Logs in and returns the session's CSRF token, as agent.js reads it from the page."""
    response = await login(client, user)
    assert response.status == 303 and response.headers["Location"] == "/agent"
    page = await (await client.get("/agent")).text()
    return _found(r'<meta name="csrf-token" content="([^"]+)">', page)


async def post_json(client: Client, path: str, csrf: str, json: Any = None) -> tuple[int, dict]:
    response = await client.post(path, json=json, headers={"X-CSRF-Token": csrf})
    return response.status, await response.json()
