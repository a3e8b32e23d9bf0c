"""Starts, watches and stops the assistant's processes: the action server, the Rasa server and the
web app with the chat page.

`make run` uses it in the foreground; the end-to-end tests start the same processes once per
session through `Services`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts.supervisor import Backoff

ROOT = Path(__file__).resolve().parent.parent
RASA = str(ROOT / ".venv" / "bin" / "rasa")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SERVICES = ("actions", "rasa", "web")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Services:
    """The assistant's processes with their environment (scripts/env.sh's variables)."""

    env: dict[str, str]
    log_dir: Path = ROOT / "var" / "log"
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.env['RASA_PORT']}"

    @property
    def action_url(self) -> str:
        return f"http://localhost:{self.env['ACTION_PORT']}"

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.env['WEB_PORT']}"

    def commands(self) -> dict[str, list[str]]:
        env = self.env
        return {
            # rasa_sdk listens on SANIC_HOST (see start()); Rasa on --interface.
            "actions": [RASA, "run", "actions", "--actions", "actions", "--port", env["ACTION_PORT"]],
            "rasa": [
                RASA,
                "run",
                "--model",
                env["MODEL_PATH"],
                "--interface",
                env.get("RASA_HOST", "127.0.0.1"),
                "--port",
                env["RASA_PORT"],
                "--enable-api",
                "--auth-token",
                env["RASA_TOKEN"],
                "--credentials",
                str(ROOT / "credentials.yml"),
                "--endpoints",
                str(ROOT / "endpoints.yml"),
                "--cors",
                *env["CORS_ORIGINS"].split(),
            ],
            "web": [PYTHON, "-m", "webapp"],
        }

    def start(self, name: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        env = (
            {**self.env, "SANIC_HOST": self.env.get("ACTION_HOST", "127.0.0.1")}
            if name == "actions"
            else self.env
        )
        self.processes[name] = subprocess.Popen(
            self.commands()[name],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ready(self, name: str) -> bool:
        url = {
            "actions": f"{self.action_url}/health",
            "rasa": f"{self.rasa_url}/status?token={self.env['RASA_TOKEN']}",
            "web": f"{self.web_url}/health",
        }[name]
        return _http_ok(url)

    def wait_ready(self, name: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} stopped with exit code {process.returncode}; see {self.log_dir / (name + '.log')}"
                )
            if self.ready(name):
                return
            time.sleep(0.3)
        raise TimeoutError(f"{name} not ready after {timeout:.0f} s; see {self.log_dir / (name + '.log')}")

    def upgrade_database(self) -> None:
        """Brings the assistant's database (KLANTENSERVICE_DB_URL) to its latest migration."""
        done = subprocess.run(
            [PYTHON, "-m", "bot.database", "upgrade"], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"Upgrading the database failed:\n{done.stderr[-2000:]}")

    def start_all(self, names: tuple[str, ...] = SERVICES) -> None:
        self.upgrade_database()
        for name in names:
            self.start(name)
        for name in names:
            self.wait_ready(name)

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)


def _print_addresses(services: Services) -> None:
    env = services.env
    print(
        f"""
The assistant is running. Stop it with Ctrl-C.

  chat page       {services.web_url}
  agent console   {services.web_url}/agent  (an account: make agent NAME=anna)
  REST channel    POST {services.rasa_url}/webhooks/rest/webhook
  socket.io       {services.rasa_url}/socket.io
  HTTP API        {services.rasa_url}  (token in var/rasa_token or $RASA_TOKEN)
  action server   {services.action_url}/webhook
  conversations   {env["TRACKER_STORE_URL"]}

Try it:
  curl -s -X POST {services.rasa_url}/webhooks/rest/webhook \\
       -H 'Content-Type: application/json' \\
       -d '{{"sender": "klant-1", "message": "wat zijn de openingstijden?"}}'
""",
        flush=True,
    )


def run_foreground() -> None:
    services = Services(env=dict(os.environ))
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print("Starting the action server, the Rasa server and the chat page (about 20 seconds)...", flush=True)
    try:
        services.start_all()
    except (RuntimeError, TimeoutError) as error:
        print(error, file=sys.stderr)
        services.stop_all()
        sys.exit(1)
    _print_addresses(services)
    supervise(services, lambda: stopping)
    print("\nStopping...", flush=True)
    services.stop_all()
    print("Stopped.")


def supervise(services: Services, stopping: Callable[[], bool], poll: float = 0.5) -> None:
    """Starts a process again when it exits, after its backoff pause, until `stopping()`; the others
    keep running meanwhile. Prints one line when a process stops and one when it is ready again."""
    backoff = {name: Backoff() for name in services.processes}
    started = {name: time.monotonic() for name in services.processes}
    restart_at: dict[str, float] = {}
    recovering: dict[str, float] = {}
    while not stopping():
        now = time.monotonic()
        for name in list(services.processes):
            process = services.processes[name]
            if name in recovering and services.ready(name):
                print(
                    f"{name} is running again (ready {now - recovering.pop(name):.1f} s after it stopped)",
                    flush=True,
                )
            if name in restart_at or process.poll() is None:
                continue
            delay = backoff[name].after_exit(now - started[name])
            restart_at[name] = now + delay
            recovering.setdefault(name, now)
            print(
                f"{name} stopped unexpectedly (exit code {process.returncode}); starting it again in "
                f"{delay:.0f} s; see {services.log_dir / (name + '.log')}",
                flush=True,
            )
        for name, moment in list(restart_at.items()):
            if now >= moment:
                del restart_at[name]
                services.start(name)
                started[name] = time.monotonic()
        time.sleep(poll)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    run_foreground()
