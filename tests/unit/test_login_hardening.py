"""Login hardening: the brake on guessing (bot/login_throttle.py) with a pinned clock, the password
gate, the client's address and https behind a trusted proxy, and sessions that end when their
account changes; the web app in process on a temporary SQLite database."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from ipaddress import ip_network
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.agent_sessions import SessionRecord, SessionStore
from bot.agents import TEAM_LEAD, AgentStore
from bot.login_throttle import LoginThrottle, ThrottleRecord
from bot.settings import ConfigError, Login, settings_from_dict
from tests.console_client import (
    ANNA,
    add_agents,
    cheap_bcrypt,
    closed_port_url,
    console_client,
    console_config,
    hidden_csrf,
    logged_in,
    login,
    use_login_rules,
    widget_bundle,
)
from webapp import password_gate
from webapp.auth import DATABASE_DOWN, WRONG_LOGIN, locked_out_message
from webapp.config import WebConfig
from webapp.console import blocking
from webapp.csrf import LOGIN_CSRF_COOKIE
from webapp.password_gate import Busy, PasswordGate

START = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
RULES = Login(
    free_failures=3,
    first_delay_seconds=2,
    longest_delay_seconds=60,
    address_failures=10,
    address_window_minutes=15,
)
HOME, ATTACKER = "10.0.0.1", "192.0.2.66"


@pytest.fixture
def throttle() -> LoginThrottle:
    return LoginThrottle(RULES, "sqlite://")


def waits(throttle: LoginThrottle, name: str, address: str, now: datetime) -> float | None:
    until = throttle.refused_until(name, address, now)
    return None if until is None else (until - now).total_seconds()


# --- the brake on guessing --------------------------------------------------------------------------


def test_after_the_free_failures_each_wait_doubles_up_to_the_longest(throttle):
    now, delays = START, []
    for _ in range(9):
        failure = throttle.failed("anna", ATTACKER, now)
        delays.append(None if failure.blocked_until is None else (failure.blocked_until - now).seconds)
        now = failure.blocked_until or now + timedelta(seconds=1)
    assert delays == [None, None, None, 2, 4, 8, 16, 32, 60]


def test_guessing_from_another_address_never_makes_the_agent_wait(throttle):
    now = START
    for _ in range(9):
        now = throttle.failed("anna", ATTACKER, now).blocked_until or now
    assert waits(throttle, "anna", ATTACKER, now - timedelta(seconds=1)) == 1
    assert waits(throttle, "ANNA ", HOME, now - timedelta(seconds=1)) is None
    assert waits(throttle, "anna", HOME, now) is None


def test_one_address_spraying_a_password_over_names_is_stopped_for_every_name(throttle):
    names = [f"agent{n}" for n in range(RULES.address_failures)]
    failures = [throttle.failed(name, ATTACKER, START + timedelta(seconds=n)) for n, name in enumerate(names)]
    assert [f.blocked_until is not None for f in failures] == [False] * 9 + [True]
    assert failures[-1].address_failures == RULES.address_failures
    window_end = START + timedelta(minutes=RULES.address_window_minutes)
    moment = START + timedelta(seconds=30)
    assert throttle.refused_until("nieuwe.naam", ATTACKER, moment) == window_end
    assert waits(throttle, "nieuwe.naam", HOME, moment) is None  # other addresses go on
    assert throttle.refused_until("nieuwe.naam", ATTACKER, window_end) is None
    assert throttle.failed("nieuwe.naam", ATTACKER, window_end).address_failures == 1  # a new window


def test_the_right_password_clears_the_name_at_that_address_but_not_the_address_count(throttle):
    for n in range(3):
        throttle.failed("anna", HOME, START + timedelta(seconds=n))
    throttle.succeeded("anna", HOME)
    assert throttle.failed("anna", HOME, START + timedelta(seconds=5)).blocked_until is None
    assert throttle.failed("bram", HOME, START + timedelta(seconds=6)).address_failures == 5


def test_counts_are_forgotten_after_a_day_and_neither_names_nor_addresses_are_stored(throttle):
    for n in range(5):
        throttle.failed("geheim-wachtwoord", ATTACKER, START + timedelta(seconds=n))
    with sa.orm.Session(throttle.engine) as session:
        keys = session.scalars(sa.select(ThrottleRecord.key)).all()
    assert len(keys) == 2 and not any("geheim" in key or "192.0.2" in key for key in keys)
    next_day = START + timedelta(days=1, minutes=1)
    assert throttle.failed("bram", HOME, next_day).blocked_until is None
    with sa.orm.Session(throttle.engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ThrottleRecord)) == 2  # bram's two


def test_the_login_rules_are_read_and_checked_in_klantenservice_yml():
    from bot.settings import DEFAULT_CONFIG_PATH, read_settings

    assert read_settings(DEFAULT_CONFIG_PATH).login == Login()
    import yaml

    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    data["login"] = {"first_delay_seconds": 100, "longest_delay_seconds": 10}
    with pytest.raises(ConfigError, match="first_delay_seconds is more than longest_delay_seconds"):
        settings_from_dict(data)
    data["login"] = {"address_failures": 0}
    with pytest.raises(ConfigError, match="login: address_failures must be a whole number >= 1"):
        settings_from_dict(data)


def test_the_wait_is_said_in_seconds_or_minutes_and_as_a_dutch_clock_time():
    until = datetime(2026, 12, 3, 13, 0, 30, tzinfo=timezone.utc)
    assert locked_out_message(until, until - timedelta(seconds=30)) == (
        "Te veel mislukte pogingen. Wacht even: "
        "je kunt het over 30 seconden opnieuw proberen (om 14:00:30 uur)."
    )
    assert "over 1 seconde opnieuw" in locked_out_message(until, until - timedelta(milliseconds=200))
    assert "over 15 minuten opnieuw" in locked_out_message(until, until - timedelta(minutes=15))


# --- the password gate ------------------------------------------------------------------------------


def test_the_gate_runs_two_checks_at_once_in_its_own_threads_and_turns_away_a_flood(monkeypatch):
    running, most, threads = [0], [0], set()
    lock, release = threading.Lock(), threading.Event()

    def held_check(password: str, password_hash: bytes) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            threads.add(threading.current_thread().name)
        release.wait(timeout=10)
        with lock:
            running[0] -= 1
        return password == "goed"

    def database_call() -> tuple[str, int]:
        """Runs in the pool of the console's database calls while the gate is full, then lets go."""
        while running[0] < 2 and not release.is_set():
            time.sleep(0.01)
        busy = running[0]
        release.set()
        return threading.current_thread().name, busy

    monkeypatch.setattr(password_gate, "password_matches", held_check)

    async def main() -> None:
        gate = PasswordGate(workers=2, max_waiting=6)
        try:
            checks = [asyncio.create_task(gate.matches("goed" if n == 0 else "fout", b"")) for n in range(8)]
            thread, busy = await asyncio.wait_for(blocking(database_call), timeout=10)
            assert busy == 2 and not thread.startswith("bcrypt")
            results = await asyncio.gather(*checks, return_exceptions=True)
            assert results[0] is True and results[1:6] == [False] * 5
            assert [type(result) for result in results[6:]] == [Busy, Busy]
        finally:
            release.set()
            gate.close()

    asyncio.run(main())
    assert most[0] == 2 and all(name.startswith("bcrypt") for name in threads)


# --- the client's address and https -----------------------------------------------------------------


def test_trusted_proxies_are_read_from_the_environment_and_a_typo_stops_the_start():
    env = {"WEB_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}
    config = WebConfig.from_env(env)
    assert config.trusted_proxies == (ip_network("10.0.0.5/32"), ip_network("10.1.0.0/16"))
    assert config.is_trusted_proxy("10.1.2.3") and not config.is_trusted_proxy("10.0.0.6")
    assert not config.is_trusted_proxy("nonsense") and not config.is_trusted_proxy(None)
    assert WebConfig.from_env({}).trusted_proxies == ()
    with pytest.raises(ValueError, match="WEB_TRUSTED_PROXIES: '10.0.0.300'"):
        WebConfig.from_env({"WEB_TRUSTED_PROXIES": "10.0.0.300"})


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    cheap_bcrypt(monkeypatch)
    url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    add_agents(url, (ANNA, {"display_name": "Anna de Vries"}), (("bram", "bram-wachtwoord-1"), {}))
    return url


def app_config(db_url: str, tmp_path: Path, trusted: str = "") -> WebConfig:
    config = console_config(db_url, widget_bundle(tmp_path))
    return WebConfig(
        **{
            **config.__dict__,
            "trusted_proxies": WebConfig.from_env({"WEB_TRUSTED_PROXIES": trusted}).trusted_proxies,
        }
    )


async def login_with_headers(client, user, headers: dict[str, str]):
    """The login form as a browser behind the proxy posts it (a Secure cookie is sent back over https)."""
    form = await client.get("/agent/login", headers=headers)
    cookie = f"{LOGIN_CSRF_COOKIE}={form.cookies[LOGIN_CSRF_COOKIE].value}"
    return await client.post(
        "/agent/login",
        data={"csrf": hidden_csrf(await form.text()), "username": user[0], "password": user[1]},
        headers={**headers, "Cookie": cookie},
        allow_redirects=False,
    )


def session_cookie(response) -> set[str]:
    cookie = next(
        value for value in response.headers.getall("Set-Cookie") if value.startswith("agent_session=")
    )
    return {part.strip().lower() for part in cookie.split(";")[1:]}


@pytest.mark.parametrize(
    ("trusted", "headers", "secure"),
    [
        ("", {}, False),
        ("", {"X-Forwarded-Proto": "https"}, False),  # anyone can send the header
        ("127.0.0.1", {}, False),
        ("127.0.0.1", {"X-Forwarded-Proto": "http"}, False),
        ("127.0.0.1", {"X-Forwarded-Proto": "https"}, True),
        ("10.0.0.0/8", {"X-Forwarded-Proto": "https"}, False),  # the peer is not that proxy
    ],
)
def test_the_cookie_is_secure_only_when_a_trusted_proxy_says_https(
    db_url, tmp_path, trusted, headers, secure
):
    async def main() -> None:
        async with console_client(app_config(db_url, tmp_path, trusted)) as client:
            response = await login_with_headers(client, ANNA, headers)
            assert response.status == 303
            assert ("secure" in session_cookie(response)) is secure

    asyncio.run(main())


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled_not_the_proxy(
    db_url, tmp_path, monkeypatch
):
    use_login_rules(monkeypatch, tmp_path, free_failures=2, first_delay_seconds=60)
    attacker = {"X-Forwarded-For": f"203.0.113.9, {ATTACKER}"}  # the first hop is the attacker's invention

    async def main() -> None:
        async with console_client(app_config(db_url, tmp_path, "127.0.0.1")) as client:
            statuses = [
                (await login_with_headers(client, ("anna", "fout"), attacker)).status for _ in range(3)
            ]
            assert statuses == [401, 401, 429]
            assert (await login_with_headers(client, ANNA, attacker)).status == 429
            home = await login_with_headers(client, ANNA, {"X-Forwarded-For": HOME})
            assert home.status == 303
        async with console_client(app_config(db_url, tmp_path)) as client:  # no proxy trusted
            for n in range(3):
                await login_with_headers(client, ("bram", "fout"), {"X-Forwarded-For": f"198.51.100.{n}"})
            assert (await login_with_headers(client, ("bram", "bram-wachtwoord-1"), {})).status == 429

    asyncio.run(main())
    throttle = LoginThrottle(Login(), db_url)
    assert throttle.refused_until("anna", ATTACKER) is not None
    assert throttle.refused_until("anna", "203.0.113.9") is None
    assert throttle.refused_until("bram", "127.0.0.1") is not None  # the socket's peer


# --- sessions that end with their account -----------------------------------------------------------


def run_app(db_url: str, tmp_path: Path, scenario) -> None:
    async def main() -> None:
        async with console_client(app_config(db_url, tmp_path)) as client:
            await scenario(client)

    asyncio.run(main())


def test_a_new_password_ends_the_open_sessions_and_the_new_one_logs_in(db_url, tmp_path):
    store = AgentStore(db_url)

    async def scenario(client) -> None:
        await logged_in(client, ANNA)
        assert (await client.get("/agent/api/queue")).status == 200
        await blocking(store.set_password, "anna", "nieuw-wachtwoord-2")
        assert (await client.get("/agent/api/queue")).status == 401
        assert (await login(client, ANNA)).status == 401
        assert (await login(client, ("anna", "nieuw-wachtwoord-2"))).status == 303
        assert (await client.get("/agent/api/queue")).status == 200

    run_app(db_url, tmp_path, scenario)
    with sa.orm.Session(store.engine) as session:  # the ended session's row went with it
        assert len(session.scalars(sa.select(SessionRecord)).all()) == 1


def test_a_disabled_account_cannot_log_in_and_its_session_ends_until_it_is_enabled(db_url, tmp_path):
    store = AgentStore(db_url)

    async def scenario(client) -> None:
        await logged_in(client, ANNA)
        await blocking(store.disable, "anna")
        assert (await client.get("/agent", allow_redirects=False)).headers["Location"] == "/agent/login"
        refused = await login(client, ANNA)
        assert refused.status == 401 and WRONG_LOGIN in await refused.text()  # says no more than that
        await blocking(store.enable, "anna")
        assert (await login(client, ANNA)).status == 303

    run_app(db_url, tmp_path, scenario)


def test_a_deleted_account_ends_its_session_and_a_new_account_of_that_name_gets_none_of_it(db_url, tmp_path):
    store = AgentStore(db_url)

    async def scenario(client) -> None:
        await logged_in(client, ANNA)
        await blocking(store.delete, "anna")
        await blocking(store.add, *ANNA)  # the same name and password again
        assert (await client.get("/agent/api/queue")).status == 401

    run_app(db_url, tmp_path, scenario)
    assert store.get("anna") is not None


def test_a_new_role_applies_at_the_next_request_without_a_new_login(db_url, tmp_path):
    store = AgentStore(db_url)

    async def scenario(client) -> None:
        await logged_in(client, ANNA)
        assert (await client.get("/agent/dashboard")).status == 403
        await blocking(store.set_role, "anna", TEAM_LEAD)
        assert (await client.get("/agent/dashboard")).status == 200
        await blocking(store.set_role, "anna", "agent")
        assert (await client.get("/agent/dashboard")).status == 403

    run_app(db_url, tmp_path, scenario)


def test_failed_logins_are_counted_in_the_log_without_the_name_typed(db_url, tmp_path, caplog):
    async def scenario(client) -> None:
        for typed in ("anna", "geheim-wachtwoord-als-naam"):
            assert (await login(client, (typed, "fout-wachtwoord"))).status == 401

    with caplog.at_level(logging.INFO, logger="webapp.auth"):
        run_app(db_url, tmp_path, scenario)
    lines = [record.getMessage() for record in caplog.records if "failed login" in record.getMessage()]
    assert lines == [
        "Agent console: failed login (1 from this address in 15 minutes; 1 since the start)",
        "Agent console: failed login (2 from this address in 15 minutes; 2 since the start)",
    ]
    assert not any(
        "geheim" in record.getMessage() or "anna" in record.getMessage() for record in caplog.records
    )


def test_sessions_keep_the_stamp_they_were_made_with_and_end_with_their_account(db_url):
    store, agents = SessionStore(db_url), AgentStore(db_url)
    sessions = [store.create(name, stamp="abc") for name in ("anna", "anna", "bram")]
    assert store.get(sessions[0].token).stamp == "abc"
    assert agents.end_sessions("anna") == 2
    assert [store.get(s.token) is not None for s in sessions] == [False, False, True]


def test_without_the_database_the_login_answers_503_in_dutch_and_makes_no_session(tmp_path):
    closed = closed_port_url().replace("http://", "postgresql://postgres@") + "/klantenservice"

    async def main() -> None:
        async with console_client(console_config(closed, widget_bundle(tmp_path))) as client:
            form = await client.get("/agent/login")
            assert form.status == 503 and DATABASE_DOWN in await form.text()
            response = await client.post(  # a form loaded before the database went away
                "/agent/login",
                data={"csrf": "t" * 43, "username": ANNA[0], "password": ANNA[1]},
                headers={"Cookie": f"{LOGIN_CSRF_COOKIE}={'t' * 43}"},
                allow_redirects=False,
            )
            assert response.status == 503 and DATABASE_DOWN in await response.text()
            assert not any(v.startswith("agent_session=") for v in response.headers.getall("Set-Cookie", []))

    asyncio.run(main())
