"""rasa_runtime.install(): the Rasa server's patches, fenced to Rasa 3.6.21 and applied from every class
that Rasa loads from endpoints.yml and credentials.yml, whichever of Rasa's own classes sit beside them."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from rasa_runtime import fence

ROOT = Path(__file__).resolve().parents[2]

# What a Rasa server process does at start-up (rasa.core.run.serve_application and
# rasa.core.agent.load_agent): the channels, then the tracker and lock stores of endpoints.yml. Then it
# asks an action server that does not answer, and logs a customer's IBAN.
RASA_STARTS = """
import asyncio, json, logging, sys
from rasa.core import run
from rasa.core.actions import action
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.lock_store import LockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from scripts.db_servers import free_port

endpoints_file, channel, credentials = sys.argv[1:4]
channels = run.create_http_input_channels(channel or None, credentials or None)
endpoints = AvailableEndpoints.read_endpoints(endpoints_file)
tracker_store = TrackerStore.create(endpoints.tracker_store)
lock_store = LockStore.create(endpoints.lock_store)

domain = Domain.load("domain.yml")
remote = action.RemoteAction("action_openingstijden", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
tracker = DialogueStateTracker.from_events("klant-1", [])
try:
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    events = asyncio.run(remote.run(CollectingOutputChannel(), nlg, tracker, domain))
    answer = [event.text for event in events]
except Exception as error:
    answer = type(error).__name__
handler = logging.Handler()
handler.emit = lambda record: setattr(handler, "seen", record.getMessage())
logging.getLogger("x").addHandler(handler)
logging.getLogger("x").warning("IBAN NL91ABNA0417164300")
print(json.dumps({
    "tracker_store": type(getattr(tracker_store, "_tracker_store", tracker_store)).__module__,
    "channels": [type(c).__module__ for c in channels],
    "answer": answer,
    "timeout": action.DEFAULT_REQUEST_TIMEOUT,
    "logged": handler.seen,
}))
"""

RASAS_TRACKER_STORE = "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {db}\n"
OUR_LOCK_STORE = "lock_store:\n  type: rasa_runtime.lock_store.LockStoreFromUrl\n  url: memory\n"
RASAS_LOCK_STORE = "lock_store:\n  type: in_memory\n"


def _start(tmp_path: Path, endpoints: str, channel: str = "", credentials: str = "", **env: str) -> dict:
    endpoints_file = tmp_path / "endpoints.yml"
    endpoints_file.write_text(endpoints.format(db=tmp_path / "tracker.db"))
    environment = {
        **os.environ,
        "CORS_ORIGINS": "http://localhost:8080",
        "KLANTENSERVICE_NOW": "2026-11-24T10:00:00",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", RASA_STARTS, str(endpoints_file), channel, credentials],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


APOLOGY = [
    "Sorry, er gaat aan onze kant even iets mis, waardoor ik je vraag nu niet kan afmaken. "
    "Probeer het over een paar minuten nog eens. Wil je meteen iemand spreken? Bel dan 020 - 808 28 52. "
    "Op dit moment zijn onze medewerkers bereikbaar, vandaag nog tot 18:00."
]


def test_rasa_shell_with_rasas_tracker_store_keeps_the_patches(tmp_path):
    """`rasa shell`: Rasa's cmdline channel, Rasa's SQLTrackerStore; the lock store installs them."""
    started = _start(tmp_path, RASAS_TRACKER_STORE + OUR_LOCK_STORE, channel="cmdline")
    assert started["tracker_store"] == "rasa.core.tracker_store"
    assert started["channels"] == ["rasa.core.channels.console"]
    assert started["answer"] == APOLOGY
    assert started["timeout"] == 4.0
    assert "NL91ABNA0417164300" not in started["logged"] and "[IBAN]" in started["logged"]


def test_rasa_run_with_rasas_stores_keeps_the_patches_through_the_channels(tmp_path):
    """`rasa run` with Rasa's own tracker and lock stores: the channels of credentials.yml install them."""
    started = _start(tmp_path, RASAS_TRACKER_STORE + RASAS_LOCK_STORE, credentials="credentials.yml")
    assert "channels.rest" in started["channels"]
    assert started["answer"] == APOLOGY
    assert started["timeout"] == 4.0
    assert "[IBAN]" in started["logged"]


def test_with_none_of_the_projects_classes_rasa_runs_unpatched(tmp_path):
    """The two tests above can fail: without a project class nothing installs the patches."""
    started = _start(tmp_path, RASAS_TRACKER_STORE + RASAS_LOCK_STORE, channel="cmdline")
    assert started["answer"] == "RasaException"  # Rasa's own: an error and no answer for the customer
    assert started["timeout"] == 300
    assert "NL91ABNA0417164300" in started["logged"]


def _installed(**env: str) -> dict:
    code = """
import json, logging
logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s")
from rasa.core.processor import MessageProcessor
from rasa.core.actions.action import RemoteAction
speed_before, run_before = MessageProcessor.handle_message, RemoteAction.run
import rasa_runtime
rasa_runtime.install()
rasa_runtime.install()
print(json.dumps({"speed": MessageProcessor.handle_message is not speed_before,
                  "correctness": RemoteAction.run is not run_before}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    replaced = [line for line in done.stderr.splitlines() if line.startswith("rasa_runtime.fence Replaced")]
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "replaced": replaced}


def test_install_twice_applies_each_patch_once():
    installed = _installed()
    assert installed["speed"] and installed["correctness"]
    assert len(installed["replaced"]) == 12 == len(set(installed["replaced"]))
    assert "rasa_runtime.fence Replaced RemoteAction.run (rasa 3.6.21)" in installed["replaced"]


def test_speed_patches_can_be_switched_off_but_not_the_correctness_ones():
    installed = _installed(KLANTENSERVICE_SPEED_PATCHES="off")
    assert not installed["speed"] and installed["correctness"]
    assert len(installed["replaced"]) == 6


class Example:
    def greet(self) -> str:
        return "hallo"


def test_the_fence_replaces_and_logs_one_line(caplog):
    owner = types.new_class("Owner", (Example,))
    with caplog.at_level(logging.INFO, logger="rasa_runtime.fence"):
        original = fence.replace(owner, "greet", lambda self: "hoi")
    assert original is Example.greet and owner().greet() == "hoi" and Example().greet() == "hallo"
    assert [r.getMessage() for r in caplog.records] == ["Replaced Owner.greet (rasa 3.6.21)"]


def test_the_fence_refuses_another_rasa_version(monkeypatch):
    import rasa.version

    monkeypatch.setattr(rasa.version, "__version__", "3.7.0")
    owner = types.new_class("Owner", (Example,))
    with pytest.raises(RuntimeError, match=r"Owner\.greet: .*written for rasa 3\.6\.21, but rasa 3\.7\.0"):
        fence.replace(owner, "greet", lambda self: "hoi")
    assert owner().greet() == "hallo"


def test_the_fence_refuses_a_missing_attribute():
    owner = types.new_class("Owner", (Example,))
    with pytest.raises(RuntimeError, match=r"Owner\.wave: rasa 3\.6\.21 has no such attribute"):
        fence.replace(owner, "wave", lambda self: "hoi")
    assert not hasattr(owner, "wave")


def test_the_fence_checks_other_libraries_by_their_installed_release():
    owner = types.new_class("Owner", (Example,))
    with pytest.raises(RuntimeError, match=r"written for sqlalchemy 0\.1, but sqlalchemy 1\.4\.54"):
        fence.replace(owner, "greet", lambda self: "hoi", library="sqlalchemy", written_for="0.1")
    fence.replace(owner, "greet", lambda self: "hoi", library="sqlalchemy", written_for="1.4.54")
    assert owner().greet() == "hoi"


def test_on_another_rasa_release_the_server_refuses_to_start_and_patches_nothing():
    code = """
import rasa.version
rasa.version.__version__ = "3.7.0"
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa_runtime.tracker_store import SQLTrackerStore
run = RemoteAction.run
for attempt in range(2):
    try:
        SQLTrackerStore(domain=Domain.empty(), host="sqlite://")
    except RuntimeError as refused:
        print(refused)
print(RemoteAction.run is run)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    first, second, unchanged = done.stdout.strip().splitlines()[-3:]
    assert first == second
    assert first.startswith(
        "rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT: this replacement was written for"
    )
    assert "rasa 3.6.21, but rasa 3.7.0 is installed" in first
    assert unchanged == "True"


AGENT_URL = """
from rasa.core.agent import Agent
from rasa.utils.endpoints import EndpointConfig
from rasa_runtime.tracker_store import SQLTrackerStore
import sys

SQLTrackerStore(host=sys.argv[1])
agent = Agent(action_endpoint=EndpointConfig("http://localhost:5055/webhook", headers={"X-Test": "1"}))
print(agent.action_endpoint.url, agent.action_endpoint.headers)
"""


@pytest.mark.parametrize(
    ("variable", "url"),
    [("", "http://localhost:5055/webhook"), ("http://actions:5055/webhook", "http://actions:5055/webhook")],
)
def test_the_action_server_url_comes_from_the_environment(tmp_path, variable, url):
    env = {key: value for key, value in os.environ.items() if key != "ACTION_ENDPOINT_URL"}
    if variable:
        env["ACTION_ENDPOINT_URL"] = variable
    done = subprocess.run(
        [sys.executable, "-c", AGENT_URL, f"sqlite:///{tmp_path / 'tracker.db'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[0] == url and "X-Test" in done.stdout
