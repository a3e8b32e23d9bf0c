"""Login hardening against the real web app (`python -m webapp`) on SQLite and PostgreSQL, with
clients on real, different loopback addresses (127.0.0.x: the socket's peer is what the web app
sees), and the account commands (`python -m bot.agents`, scripts/agent.sh) in their own processes."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from bot import database
from bot.agent_sessions import SessionStore
from bot.agents import TEAM_LEAD, AgentStore
from bot.login_throttle import LoginThrottle
from bot.settings import Login
from scripts.db_servers import free_port, fresh_database
from tests.console_client import closed_port_url, hidden_csrf
from webapp.csrf import LOGIN_CSRF_COOKIE

ROOT = Path(__file__).resolve().parents[2]
ANNA, BRAM = ("anna", "anna-wachtwoord-1"), ("bram", "bram-wachtwoord-1")
RULES = {"free_failures": 2, "first_delay_seconds": 60, "address_failures": 5, "address_window_minutes": 15}


@dataclass
class WebApp:
    url: str
    db_url: str
    process: subprocess.Popen

    def agents(self) -> AgentStore:
        return AgentStore(self.db_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres_url"), f"login_{uuid.uuid4().hex[:10]}")
    store = AgentStore(url)
    store.add(*ANNA, display_name="Anna de Vries")
    store.add(*BRAM)
    store.engine.dispose()
    return url


def start_web_app(db_url: str, folder: Path, **env: str) -> WebApp:
    import yaml

    settings = yaml.safe_load((ROOT / "klantenservice.yml").read_text(encoding="utf-8"))
    settings["login"] = RULES
    config = folder / f"klantenservice-{uuid.uuid4().hex[:6]}.yml"
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    bundle = folder / "index.js"
    bundle.write_text("window.WebChat = {};\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp"],
        cwd=ROOT,
        env={
            **os.environ,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(port),
            "KLANTENSERVICE_DB_URL": db_url,
            "KLANTENSERVICE_CONFIG": str(config),
            "WEBCHAT_BUNDLE": str(bundle),
            "RASA_URL": closed_port_url(),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=open(folder / f"web-{port}.log", "wb"),  # noqa: SIM115  (the process keeps it)
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, (folder / f"web-{port}.log").read_text()
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5):
                return WebApp(url, db_url, process)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the web app did not start")


@pytest.fixture
def web(db_url: str, tmp_path: Path) -> Iterator[WebApp]:
    app = start_web_app(db_url, tmp_path)
    try:
        yield app
    finally:
        app.process.terminate()
        app.process.wait(timeout=30)


def browser(app: WebApp, address: str) -> aiohttp.ClientSession:
    """A browser whose connections come from `address` (any 127.x.y.z is this machine)."""
    return aiohttp.ClientSession(
        base_url=app.url,
        connector=aiohttp.TCPConnector(local_addr=(address, 0)),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )


async def login(client: aiohttp.ClientSession, user: tuple[str, str], headers: dict | None = None):
    form = await client.get("/agent/login")
    cookie = f"{LOGIN_CSRF_COOKIE}={form.cookies[LOGIN_CSRF_COOKIE].value}"  # sent back even when Secure
    response = await client.post(
        "/agent/login",
        data={"csrf": hidden_csrf(await form.text()), "username": user[0], "password": user[1]},
        headers={**(headers or {}), "Cookie": cookie},
        allow_redirects=False,
    )
    await response.read()
    return response


def cli(app: WebApp, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.agents", *args],
        input=stdin,
        env={**os.environ, "KLANTENSERVICE_DB_URL": app.db_url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- throttling --------------------------------------------------------------------------------------


def test_an_attack_on_a_name_from_elsewhere_leaves_the_agent_able_to_log_in(web):
    async def main() -> None:
        async with browser(web, "127.0.0.2") as attacker, browser(web, "127.0.0.3") as anna:
            statuses = [(await login(attacker, ("anna", f"gok-{n}"))).status for n in range(4)]
            assert statuses == [401, 401, 429, 429]
            waiting = await login(attacker, ANNA)  # even the right password, from there
            assert waiting.status == 429 and "je kunt het over" in await waiting.text()
            assert 50 <= int(waiting.headers["Retry-After"]) <= 60
            assert (await login(anna, ANNA)).status == 303
            assert (await anna.get("/agent/api/queue")).status == 200

    asyncio.run(main())


def test_one_password_sprayed_over_names_from_one_address_is_stopped(web):
    async def main() -> None:
        async with browser(web, "127.0.0.4") as sprayer, browser(web, "127.0.0.5") as bram:
            names = ["anna", "bram", "chris", "dewi", "eva"]
            statuses = [(await login(sprayer, (name, "Welkom01!-2026"))).status for name in names]
            assert statuses == [401, 401, 401, 401, 429]
            stopped = await login(sprayer, BRAM)  # a right password too: the address waits
            assert stopped.status == 429 and "Wacht even" in await stopped.text()
            assert int(stopped.headers["Retry-After"]) > 14 * 60
            assert (await login(bram, BRAM)).status == 303

    asyncio.run(main())


def test_simultaneous_failures_are_each_counted_once(db_url):
    """Threads failing at once for one name and address: every failure counts, none twice."""
    throttle = LoginThrottle(Login(address_failures=50), db_url)
    with ThreadPoolExecutor(max_workers=8) as pool:
        failures = list(pool.map(lambda n: throttle.failed("anna", "127.0.0.8"), range(16)))
    assert sorted(f.address_failures for f in failures) == list(range(1, 17))
    throttle.engine.dispose()


# --- sessions and the account commands --------------------------------------------------------------


def test_the_account_commands_end_sessions_disable_enable_change_the_role_and_delete(web):
    async def logged_in(address: str) -> aiohttp.ClientSession:
        client = browser(web, address)
        assert (await login(client, ANNA)).status == 303
        return client

    async def main() -> None:
        anna = await logged_in("127.0.0.6")
        reset = cli(web, "reset", "Anna", "--password-stdin", stdin="nieuw-wachtwoord-9\n")
        assert reset.returncode == 0, reset.stderr
        assert reset.stdout.strip() == "Wachtwoord van anna gewijzigd; 1 open sessie beëindigd."
        assert (await anna.get("/agent/api/queue")).status == 401
        assert (await login(anna, ANNA)).status == 401
        assert (await login(anna, ("anna", "nieuw-wachtwoord-9"))).status == 303

        assert (await anna.get("/agent/dashboard")).status == 403
        role = cli(web, "role", "anna", TEAM_LEAD)
        assert role.returncode == 0 and "teamlead" in role.stdout
        assert (await anna.get("/agent/dashboard")).status == 200

        disabled = cli(web, "disable", "anna")
        assert disabled.stdout.strip() == (
            "Account anna uitgeschakeld: inloggen kan niet meer; 1 open sessie beëindigd."
        )
        assert (await anna.get("/agent/api/queue")).status == 401
        assert (await login(anna, ("anna", "nieuw-wachtwoord-9"))).status == 401
        listing = cli(web, "list").stdout
        assert "uitgeschakeld" in listing and "bram" in listing and "Anna de Vries" in listing

        assert cli(web, "enable", "anna").returncode == 0
        assert (await login(anna, ("anna", "nieuw-wachtwoord-9"))).status == 303
        deleted = cli(web, "delete", "anna")
        assert deleted.stdout.strip() == "Account anna verwijderd; 1 open sessie beëindigd."
        assert (await anna.get("/agent/api/queue")).status == 401
        await anna.close()

    asyncio.run(main())
    for args in (("reset", "piet", "--password-stdin"), ("disable", "piet"), ("role", "piet", "agent")):
        unknown = cli(web, *args, stdin="nog-een-wachtwoord\n")
        assert (unknown.returncode, unknown.stderr.strip()) == (1, "Er is geen account 'piet'."), args
    assert cli(web, "delete", "anna").stderr.strip() == "Er is geen account 'anna'."
    baas = cli(web, "role", "bram", "baas")
    assert (baas.returncode, baas.stderr.strip()) == (1, "Onbekende rol 'baas'; kies uit agent, teamlead.")


def test_make_agent_explains_what_is_missing():
    env = {**os.environ, "ROOT": str(ROOT)}
    for args, says in (
        (["add", ""], "Name the account: make agent NAME=anna"),
        (["role", "anna", ""], "make agent DO=role NAME=anna ROLE=teamlead"),
        (["disable", ""], "make agent DO=disable NAME=anna"),
        (["weg", "anna"], "Unknown DO=weg"),
    ):
        done = subprocess.run(["scripts/agent.sh", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 1 and says in done.stderr, args


# --- the Secure cookie --------------------------------------------------------------------------------


def session_cookie_is_secure(response: aiohttp.ClientResponse) -> bool:
    cookie = next(v for v in response.headers.getall("Set-Cookie") if v.startswith("agent_session="))
    return "secure" in {part.strip().lower() for part in cookie.split(";")[1:]}


def test_the_cookie_is_secure_only_from_the_trusted_proxy_that_says_https(db_url, tmp_path):
    https = {"X-Forwarded-Proto": "https"}
    plain = start_web_app(db_url, tmp_path)
    proxied = start_web_app(db_url, tmp_path, WEB_TRUSTED_PROXIES="127.0.0.1")

    async def main() -> None:
        async with browser(plain, "127.0.0.1") as client:
            assert not session_cookie_is_secure(await login(client, ANNA, https))
        async with browser(proxied, "127.0.0.1") as proxy:
            assert session_cookie_is_secure(await login(proxy, ANNA, https))
            assert not session_cookie_is_secure(await login(proxy, ANNA))
        async with browser(proxied, "127.0.0.7") as not_the_proxy:
            assert not session_cookie_is_secure(await login(not_the_proxy, ANNA, https))

    try:
        asyncio.run(main())
    finally:
        for app in (plain, proxied):
            app.process.terminate()
            app.process.wait(timeout=30)


# --- the migration ----------------------------------------------------------------------------------


def test_the_migration_keeps_open_sessions_and_goes_back_down(db_url):
    """A session opened before 0005 stays valid (empty stamps match); the downgrade undoes 0005."""
    before = ScriptDirectory(str(database.MIGRATIONS)).get_revision("0005_login").down_revision
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(database.MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, before)
        token = "oude-sessie-" + "x" * 40
        connection.execute(
            sa.text(
                "INSERT INTO agent_sessions (token_hash, username, csrf_token, created_at, expires_at)"
                " VALUES (:hash, 'anna', 'c', :now, :later)"
            ),
            {
                "hash": hashlib.sha256(token.encode()).hexdigest(),
                "now": database.utc(),
                "later": database.utc() + timedelta(hours=1),
            },
        )
        tables = set(sa.inspect(connection).get_table_names())
        assert "agent_login_failures" in tables and "agent_login_throttle" not in tables
    engine.dispose()
    database.upgrade(db_url)
    sessions, agents = SessionStore(db_url), AgentStore(db_url)
    session, anna = sessions.get(token), agents.get("anna")
    assert session is not None and anna is not None and session.stamp == anna.session_stamp == ""
    agents.disable("anna")
    assert agents.get("anna") is None
    sessions.engine.dispose()
    agents.engine.dispose()
