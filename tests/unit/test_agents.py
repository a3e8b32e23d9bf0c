"""Agent accounts (bot/agents.py) on a temporary SQLite file: passwords, names, who is online (the
command line in its own process: tests/integration/test_commands.py).

bcrypt is slow by design (~0.25 s a hash here at the real cost), so the accounts that only need to
exist are created with a cheap cost (`cheap_bcrypt`) and one module-wide account uses the real one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import bcrypt
import pytest
import sqlalchemy as sa

from bot.agents import AGENT, MIN_PASSWORD_LENGTH, TEAM_LEAD, AccountError, Agent, AgentRecord, AgentStore

UTC = timezone.utc
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PASSWORD = "correct-paard-batterij"
_real_gensalt = bcrypt.gensalt


@pytest.fixture
def cheap_bcrypt(monkeypatch):
    """Real bcrypt at its lowest cost, for tests about something else than the hash's strength."""
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": _real_gensalt(4, prefix))


@pytest.fixture
def store(tmp_path, cheap_bcrypt):
    s = AgentStore(f"sqlite:///{tmp_path / 'klantenservice.db'}")
    yield s
    s.engine.dispose()


@pytest.fixture(scope="module")
def jan(tmp_path_factory):
    """A store with one account 'jan', hashed at the real cost."""
    s = AgentStore(f"sqlite:///{tmp_path_factory.mktemp('agents') / 'klantenservice.db'}")
    s.add("Jan", PASSWORD, display_name="  Jan de Vries  ")
    yield s
    s.engine.dispose()


def stored_hash(store: AgentStore, username: str) -> str:
    with sa.orm.Session(store.engine) as session:
        return session.scalars(sa.select(AgentRecord.password_hash).filter_by(username=username)).one()


# --- accounts and passwords -------------------------------------------------------------------------


def test_the_right_password_authenticates(jan):
    assert jan.authenticate("jan", PASSWORD) == Agent("jan", "Jan de Vries", AGENT)
    assert jan.authenticate("  JAN ", PASSWORD) == Agent("jan", "Jan de Vries", AGENT)


@pytest.mark.parametrize("password", [PASSWORD.upper(), PASSWORD + " ", PASSWORD[:-1], ""])
def test_a_wrong_password_does_not(jan, password):
    assert jan.authenticate("jan", password) is None


def test_an_unknown_user_is_checked_against_a_hash_too(jan, monkeypatch):
    checks = []
    real_checkpw = bcrypt.checkpw
    monkeypatch.setattr(
        bcrypt, "checkpw", lambda pw, hashed: checks.append(hashed) or real_checkpw(pw, hashed)
    )
    assert jan.authenticate("piet", PASSWORD) is None
    assert len(checks) == 1  # as slow as a wrong password, so names cannot be probed by timing


def test_a_password_longer_than_bcrypt_takes_is_just_wrong(jan):
    assert jan.authenticate("jan", PASSWORD + "x" * 80) is None  # bcrypt 5 would raise on > 72 bytes


def test_the_password_is_stored_as_a_bcrypt_hash_at_the_real_cost(jan):
    hashed = stored_hash(jan, "jan")
    assert PASSWORD not in hashed
    assert hashed.startswith("$2b$") and int(hashed.split("$")[2]) >= 12
    assert len(hashed) == 60


def test_get_finds_the_account_by_its_stored_name(jan):
    assert jan.get("jan") == Agent("jan", "Jan de Vries", AGENT)
    assert jan.get("piet") is None


def test_a_duplicate_username_is_refused(jan):
    with pytest.raises(AccountError, match="jan"):
        jan.add(" JAN ", "een-ander-wachtwoord")
    assert jan.authenticate("jan", PASSWORD) is not None  # the first account is untouched


def test_username_is_normalised_and_display_name_defaults_to_it(store):
    agent = store.add("  Anna.de-Boer_2 ", PASSWORD)
    assert agent == Agent("anna.de-boer_2", "anna.de-boer_2", AGENT)
    assert store.get("anna.de-boer_2") == agent


@pytest.mark.parametrize("username", ["a", "", "x" * 41, "jan piet", "jan@example.nl", "jän"])
def test_bad_usernames_are_refused(store, username):
    with pytest.raises(AccountError, match="gebruikersnaam"):
        store.add(username, PASSWORD)


@pytest.mark.parametrize("password", ["", "kort", "x" * (MIN_PASSWORD_LENGTH - 1)])
def test_short_passwords_are_refused(store, password):
    with pytest.raises(AccountError, match=str(MIN_PASSWORD_LENGTH)):
        store.add("anna", password)
    assert store.get("anna") is None


def test_passwords_over_72_bytes_are_refused(store):
    with pytest.raises(AccountError, match="72"):
        store.add("anna", "é" * 37)  # 37 characters, 74 bytes
    assert store.add("anna", "é" * 36).username == "anna"  # exactly 72 bytes


def test_roles(store):
    lead = store.add("lotte", PASSWORD, role=TEAM_LEAD)
    assert lead.is_team_lead and store.get("lotte").role == TEAM_LEAD
    assert not store.add("anna", PASSWORD).is_team_lead
    with pytest.raises(AccountError, match="rol"):
        store.add("bram", PASSWORD, role="admin")
    assert store.get("bram") is None


def test_set_password_replaces_the_old_one(store):
    store.add("anna", PASSWORD)
    before = stored_hash(store, "anna")
    store.set_password(" Anna ", "nieuw-wachtwoord-1")
    assert stored_hash(store, "anna") != before
    assert store.authenticate("anna", "nieuw-wachtwoord-1") == Agent("anna", "anna", AGENT)
    assert store.authenticate("anna", PASSWORD) is None


def test_set_password_for_an_unknown_or_with_a_short_password_is_refused(store):
    store.add("anna", PASSWORD)
    with pytest.raises(AccountError, match="piet"):
        store.set_password("piet", "nieuw-wachtwoord-1")
    with pytest.raises(AccountError, match=str(MIN_PASSWORD_LENGTH)):
        store.set_password("anna", "kort")
    assert store.authenticate("anna", PASSWORD) is not None


# --- who is online ----------------------------------------------------------------------------------


def test_online_count_counts_agents_seen_within_the_window(store):
    for name in ("anna", "bram", "carla", "daan"):
        store.add(name, PASSWORD)
    window = timedelta(seconds=60)
    assert store.online_count(window, now=NOW) == 0  # never seen

    store.seen("anna", now=NOW - timedelta(seconds=10))
    store.seen("bram", now=NOW - timedelta(seconds=60))  # exactly on the edge: still online
    store.seen("carla", now=NOW - timedelta(seconds=61))
    assert store.online_count(window, now=NOW) == 2
    assert store.online_count(timedelta(seconds=5), now=NOW) == 0
    assert store.online_count(timedelta(minutes=5), now=NOW) == 3

    store.seen("carla", now=NOW)  # carla's console came back
    assert store.online_count(window, now=NOW) == 3
    assert store.online_count(window, now=NOW + timedelta(seconds=55)) == 1  # only carla is recent


def test_online_count_compares_moments_across_time_zones(store):
    store.add("anna", PASSWORD)
    amsterdam = timezone(timedelta(hours=1))
    store.seen("anna", now=datetime(2026, 11, 24, 12, 59, 30, tzinfo=amsterdam))  # 11:59:30 UTC
    assert store.online_count(timedelta(seconds=60), now=NOW) == 1
    assert store.online_count(timedelta(seconds=20), now=NOW) == 0


def test_online_count_survives_a_new_store(store):
    store.add("anna", PASSWORD)
    store.seen("anna", now=NOW)
    again = AgentStore(str(store.engine.url))
    try:
        assert again.online_count(timedelta(seconds=60), now=NOW + timedelta(seconds=30)) == 1
    finally:
        again.engine.dispose()


# --- the command line -------------------------------------------------------------------------------
