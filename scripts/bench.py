"""make bench: a load benchmark of the running assistant against the peer (rasa init's defaults),
side by side, in one run.

Systems: `project` (models/klantenservice.tar.gz on the project's runtime: endpoints.yml with
rasa_runtime) and `peer` (models/peer.tar.gz, benchmarks/peer_config.yml, on a stock Rasa server:
benchmarks/peer_endpoints.yml); `peer-project-runtime` (the peer's model on the project's runtime)
separates what the config costs from what the runtime costs.

Each system gets its own action server and Rasa server (scripts/services.py) on free ports, with a
temporary SQLite tracker store and case database and the action server's clock pinned at a staffed
moment. The systems are started one after the other (time from start to the first answer over the
REST webhook, memory), warmed up (every conversation once), and then each load level runs on every
system back to back: the scripted Dutch conversations of benchmarks/conversations.yml with 1, 10 and
50 concurrent customers (asyncio, aiohttp), each customer one conversation after another without
pause, every conversation with a new id. Per level: p50/p95/p99 latency per turn, messages per
second, errors (HTTP errors, timeouts, empty answers), unexpected answers (an answer without the
expected text) and the Rasa server's memory (RSS of its process tree, peak during the level).

Writes results/bench.json, results/bench.md and results/bench_latency.png (latency and throughput
against concurrency) and prints the figures with the ratios project / peer.

`--conversations N` plays N conversations per customer instead of a fixed time (the smoke test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import yaml  # noqa: E402

from bot.percentiles import nearest_rank  # noqa: E402
from scripts.services import Services  # noqa: E402

PROJECT_MODEL = ROOT / "models" / "klantenservice.tar.gz"
CONVERSATIONS = ROOT / "benchmarks" / "conversations.yml"
# The project runs on its own runtime (endpoints.yml with rasa_runtime); the peer on a stock Rasa
# server, as `rasa init` would give it; `peer-project-runtime` separates what the config costs.
SYSTEM_ENDPOINTS = {
    "project": ROOT / "endpoints.yml",
    "peer": ROOT / "benchmarks" / "peer_endpoints.yml",
    "peer-project-runtime": ROOT / "endpoints.yml",
}
# A Tuesday morning: the customer service is staffed (the same moment as the end-to-end tests).
STAFFED_MOMENT = "2026-11-24T10:00:00"
REQUEST_TIMEOUT = 60.0
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.0f} s] {message}", flush=True)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- memory of a process tree ------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Sanic workers), in MB."""
    tree, todo, total = _children(), [pid], 0
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


class MemorySampler:
    """Samples the RSS of a process tree in the background; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval, self.peak, self.last = pid, interval, 0.0, 0.0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            self.last = tree_rss_mb(self.pid)
            self.peak = max(self.peak, self.last)
            await asyncio.sleep(self.interval)

    def __enter__(self) -> MemorySampler:
        self.peak = self.last = tree_rss_mb(self.pid)
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Turn:
    conversation: str
    seconds: float
    ok: bool
    expected: bool
    error: str = ""


@dataclass
class Level:
    customers: int
    turns: list[Turn] = field(default_factory=list)
    seconds: float = 0.0
    rss_peak_mb: float = 0.0
    action_rss_peak_mb: float = 0.0
    samples: list[dict] = field(default_factory=list)


async def say(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> tuple[bool, str, str]:
    """One turn: (answered, the answer's text, error)."""
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            if response.status != 200:
                return False, "", f"HTTP {response.status}"
            messages = await response.json()
    except asyncio.TimeoutError:
        return False, "", "timeout"
    except (aiohttp.ClientError, ValueError) as error:
        return False, "", type(error).__name__
    text_out = " ".join(m.get("text", "") for m in messages if isinstance(m, dict))
    if not text_out:
        return False, "", "empty answer"
    return True, text_out, ""


async def play(
    session: aiohttp.ClientSession,
    url: str,
    conversation: dict,
    sender: str,
    level: Level | None,
    deadline: float | None,
) -> bool:
    """Plays one conversation; False when the deadline passed before its end."""
    for turn in conversation["turns"]:
        if deadline is not None and time.monotonic() >= deadline:
            return False
        started = time.perf_counter()
        ok, answer, error = await say(session, url, sender, str(turn["say"]))
        seconds = time.perf_counter() - started
        expected = ok and turn.get("expect", "") in answer
        if level is not None:
            level.turns.append(Turn(conversation["name"], seconds, ok, expected, error))
            if ok and not expected and len(level.samples) < 5:
                level.samples.append(
                    {
                        "conversation": conversation["name"],
                        "say": turn["say"],
                        "expected": turn.get("expect"),
                        "answer": answer[:300],
                    }
                )
        if not ok:
            return True  # the conversation cannot go on meaningfully
    return True


async def run_level(
    url: str,
    conversations: list[dict],
    customers: int,
    duration: float | None,
    per_customer: int | None,
    tag: str,
    rasa_pid: int,
    action_pid: int,
) -> Level:
    level = Level(customers)
    deadline = None if per_customer else time.monotonic() + duration

    async def customer(index: int, session: aiohttp.ClientSession) -> None:
        k = 0
        while per_customer is None or k < per_customer:
            conversation = conversations[(index + k) % len(conversations)]
            sender = f"bench-{tag}-{customers}-{index}-{k}-{uuid.uuid4().hex[:6]}"
            if not await play(session, url, conversation, sender, level, deadline):
                return
            k += 1

    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        with MemorySampler(rasa_pid) as memory, MemorySampler(action_pid) as action_memory:
            started = time.perf_counter()
            await asyncio.gather(*(customer(i, session) for i in range(customers)))
            level.seconds = time.perf_counter() - started
        level.rss_peak_mb, level.action_rss_peak_mb = memory.peak, action_memory.peak
    return level


def percentile(values: list[float], q: float) -> float:
    """The dashboard's percentile (nearest rank: `q` of the turns took at most this); NaN when none."""
    found = nearest_rank(values, q)
    return float("nan") if found is None else found


def summarise(level: Level) -> dict:
    answered = [t.seconds * 1000 for t in level.turns if t.ok]
    by_conversation: dict[str, list[float]] = {}
    for t in level.turns:
        if t.ok:
            by_conversation.setdefault(t.conversation, []).append(t.seconds * 1000)
    errors: dict[str, int] = {}
    for t in level.turns:
        if not t.ok:
            errors[t.error] = errors.get(t.error, 0) + 1
    return {
        "customers": level.customers,
        "turns": len(level.turns),
        "seconds": round(level.seconds, 2),
        "messages_per_second": round(len(answered) / level.seconds, 2) if level.seconds else 0.0,
        "p50_ms": round(percentile(answered, 0.50), 1),
        "p95_ms": round(percentile(answered, 0.95), 1),
        "p99_ms": round(percentile(answered, 0.99), 1),
        "mean_ms": round(statistics.mean(answered), 1) if answered else float("nan"),
        "max_ms": round(max(answered), 1) if answered else float("nan"),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "unexpected_answers": sum(1 for t in level.turns if t.ok and not t.expected),
        "unexpected_samples": level.samples,
        "p50_ms_by_conversation": {
            name: round(percentile(v, 0.5), 1) for name, v in sorted(by_conversation.items())
        },
        "rasa_rss_peak_mb": level.rss_peak_mb,
        "action_server_rss_peak_mb": level.action_rss_peak_mb,
    }


# --- one system --------------------------------------------------------------------------------


def system_env(model: Path, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env.update(
        {
            "RASA_PORT": str(rasa_port),
            "ACTION_PORT": str(action_port),
            "WEB_PORT": str(web_port),
            "ACTION_ENDPOINT_URL": f"http://localhost:{action_port}/webhook",
            "RASA_PUBLIC_URL": f"http://localhost:{rasa_port}",
            "CORS_ORIGINS": f"http://localhost:{web_port}",
            "MODEL_PATH": str(model),
            "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}",
            "KLANTENSERVICE_DB_URL": f"sqlite:///{workdir / 'klantenservice.db'}",
            "KLANTENSERVICE_NOW": STAFFED_MOMENT,
        }
    )
    return env


async def first_answer(services: Services, url: str, started: float, timeout: float = 300) -> float:
    """Seconds from the start of the servers to the first answer over the REST webhook."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        while time.monotonic() - started < timeout:
            for name, process in services.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} stopped with exit code {process.returncode}; "
                        f"see {services.log_dir / (name + '.log')}"
                    )
            ok, _answer, _error = await say(session, url, f"bench-start-{uuid.uuid4().hex[:8]}", "hallo")
            if ok:
                return time.monotonic() - started
            await asyncio.sleep(0.1)
    raise TimeoutError(f"no answer within {timeout:.0f} s; see {services.log_dir}")


@dataclass
class BenchServices(Services):
    """Services with another endpoints file for the Rasa server (the peer's stock runtime)."""

    endpoints: Path = ROOT / "endpoints.yml"

    def commands(self) -> dict[str, list[str]]:
        commands = super().commands()
        rasa = commands["rasa"]
        rasa[rasa.index("--endpoints") + 1] = str(self.endpoints)
        return commands


@dataclass
class System:
    """One assistant under test: its model, its runtime (endpoints) and its running servers."""

    name: str
    model: Path
    endpoints: Path
    workdir: Path
    keep_logs: Path | None = None
    services: BenchServices | None = None
    result: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{self.services.rasa_url}/webhooks/rest/webhook"

    @property
    def pids(self) -> tuple[int, int]:
        return self.services.processes["rasa"].pid, self.services.processes["actions"].pid

    async def start(self) -> None:
        env = system_env(self.model, self.workdir)
        log_dir = self.keep_logs / self.name if self.keep_logs else self.workdir / "log"
        self.services = BenchServices(env=env, log_dir=log_dir, endpoints=self.endpoints)
        log(
            f"{self.name}: starting the action server and the Rasa server with {rel(self.model)} and "
            f"{rel(self.endpoints)} (ports {env['ACTION_PORT']}, {env['RASA_PORT']})"
        )
        started = time.monotonic()
        self.services.start("actions")
        self.services.start("rasa")
        startup = await first_answer(self.services, self.url, started)
        self.services.wait_ready("actions", timeout=60)
        idle_rss = tree_rss_mb(self.pids[0])
        log(f"{self.name}: first answer {startup:.1f} s after start; Rasa server {idle_rss:.0f} MB RSS")
        self.result = {
            "model": rel(self.model),
            "endpoints": rel(self.endpoints),
            "first_answer_seconds": round(startup, 2),
            "rasa_rss_idle_mb": idle_rss,
            "sanic_workers": int(env.get("SANIC_WORKERS", "1") or 1),
            "levels": [],
        }

    async def warm_up(self, conversations: list[dict]) -> None:
        warm = summarise(
            await run_level(
                self.url, conversations, 1, None, len(conversations), f"{self.name}-warmup", *self.pids
            )
        )
        self.result["warmup"] = warm
        log(
            f"{self.name}: warm-up, every conversation once: {warm['turns']} turns, p50 {warm['p50_ms']:.0f} ms, "
            f"errors {warm['errors']}, unexpected answers {warm['unexpected_answers']}"
        )

    async def load(
        self, conversations: list[dict], customers: int, duration: float | None, per_customer: int | None
    ) -> None:
        what = f"{per_customer} conversation(s) each" if per_customer else f"{duration:.0f} s"
        log(f"{self.name}: {customers} concurrent customer(s), {what}...")
        load_before = round(os.getloadavg()[0], 2)
        summary = summarise(
            await run_level(self.url, conversations, customers, duration, per_customer, self.name, *self.pids)
        )
        summary["load_average_before"] = load_before
        self.result["levels"].append(summary)
        log(
            f"{self.name}: {customers:>3} customers: {summary['turns']} turns, p50 {summary['p50_ms']:.1f} ms, "
            f"p95 {summary['p95_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms, "
            f"{summary['messages_per_second']:.1f} msg/s, errors {summary['errors']}, "
            f"unexpected {summary['unexpected_answers']}, RSS peak {summary['rasa_rss_peak_mb']:.0f} MB"
        )

    def stop(self) -> None:
        if self.services:
            self.services.stop_all()
        levels = self.result.get("levels", [])
        if self.result:
            self.result["rasa_rss_peak_mb"] = max(
                [self.result["rasa_rss_idle_mb"]] + [r["rasa_rss_peak_mb"] for r in levels]
            )
            self.result["action_server_rss_peak_mb"] = max(
                [0.0] + [r["action_server_rss_peak_mb"] for r in levels]
            )


# --- comparison, targets, report -----------------------------------------------------------------


def ratios(project: dict, peer: dict) -> dict:
    out: dict[str, Any] = {"levels": []}
    peer_levels = {level["customers"]: level for level in peer["levels"]}
    for level in project["levels"]:
        other = peer_levels.get(level["customers"])
        if not other:
            continue
        out["levels"].append(
            {
                "customers": level["customers"],
                **{
                    key: round(level[key] / other[key], 3) if other[key] else None
                    for key in ("p50_ms", "p95_ms", "p99_ms", "messages_per_second")
                },
            }
        )
    for key in ("first_answer_seconds", "rasa_rss_peak_mb"):
        out[key] = round(project[key] / peer[key], 3) if peer[key] else None
    return out


def targets(results: dict) -> list[dict]:
    project = results["systems"]["project"]
    levels = {level["customers"]: level for level in project["levels"]}
    rows = []
    if 1 in levels:
        rows.append(
            {
                "target": "single-customer p50 <= 15 ms per turn",
                "value": levels[1]["p50_ms"],
                "met": levels[1]["p50_ms"] <= 15,
            }
        )
    top = max(levels)
    peer = results["systems"].get("peer")
    if peer:
        peer_top = {level["customers"]: level for level in peer["levels"]}.get(top)
        if peer_top:
            ratio = levels[top]["messages_per_second"] / peer_top["messages_per_second"]
            rows.append(
                {
                    "target": f"throughput at {top} customers >= 3 x the peer's",
                    "value": round(ratio, 2),
                    "met": ratio >= 3,
                    "detail": f"{levels[top]['messages_per_second']:.1f} vs {peer_top['messages_per_second']:.1f} msg/s",
                }
            )
    rows.append(
        {
            "target": f"p99 at {top} customers < 1 s",
            "value": levels[top]["p99_ms"],
            "met": levels[top]["p99_ms"] < 1000,
            "detail": "ms",
        }
    )
    errors = sum(level["errors"] for level in project["levels"])
    rows.append({"target": "no errors", "value": errors, "met": errors == 0})
    rows.append(
        {
            "target": "Rasa server under 1 GB RSS",
            "value": project["rasa_rss_peak_mb"],
            "met": project["rasa_rss_peak_mb"] < 1024,
            "detail": "MB, peak",
        }
    )
    rows.append(
        {
            "target": "first answer within 20 s of start",
            "value": project["first_answer_seconds"],
            "met": project["first_answer_seconds"] <= 20,
            "detail": "s",
        }
    )
    return rows


def print_summary(results: dict) -> None:
    systems = results["systems"]
    print("\n" + "=" * 110)
    print("Load benchmark over the REST webhook (latency per turn)")
    header = (
        f"{'system':<22}{'customers':>10}{'turns':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'msg/s':>9}"
        f"{'errors':>8}{'unexp.':>8}{'RSS MB':>9}"
    )
    print(header)
    for name, system in systems.items():
        for level in system["levels"]:
            print(
                f"{name:<22}{level['customers']:>10}{level['turns']:>8}{level['p50_ms']:>9.1f}{level['p95_ms']:>9.1f}"
                f"{level['p99_ms']:>9.1f}{level['messages_per_second']:>9.1f}{level['errors']:>8}"
                f"{level['unexpected_answers']:>8}{level['rasa_rss_peak_mb']:>9.0f}"
            )
    for name, system in systems.items():
        print(
            f"{name}: first answer {system['first_answer_seconds']:.1f} s after start, Rasa server RSS "
            f"{system['rasa_rss_idle_mb']:.0f} MB idle, {system['rasa_rss_peak_mb']:.0f} MB peak "
            f"(action server {system['action_server_rss_peak_mb']:.0f} MB)"
        )
    for key, other in (("ratios", "peer"), ("ratios_peer-project-runtime", "peer-project-runtime")):
        if not results.get(key):
            continue
        r = results[key]
        print(f"\nRatios project / {other} (latency: lower is better; throughput: higher is better):")
        for level in r["levels"]:
            print(
                f"  {level['customers']:>3} customers: p50 {level['p50_ms']}, p95 {level['p95_ms']}, "
                f"p99 {level['p99_ms']}, msg/s {level['messages_per_second']}"
            )
        print(f"  first answer {r['first_answer_seconds']}, RSS peak {r['rasa_rss_peak_mb']}")
    print("\nTargets for the project:")
    for row in results["targets"]:
        detail = f" {row['detail']}" if row.get("detail") else ""
        print(f"  [{'met' if row['met'] else 'NOT met'}] {row['target']}: {row['value']}{detail}")
    print("=" * 110 + "\n")


def markdown(results: dict) -> str:
    settings, machine = results["settings"], results["machine"]
    load = (
        f"{settings['duration_seconds']:.0f} s per level"
        if settings["duration_seconds"]
        else f"{settings['conversations_per_customer']} conversation(s) per customer"
    )
    lines = [
        "# Load benchmark: project vs peer",
        "",
        f"Written by `make bench` (`{results['command']}`) on {results['started_at']}: Rasa {machine['rasa']}, "
        f"Python {machine['python']}, {machine['cpus']} CPUs shared with other work (load average "
        f"{machine['load_average_at_start'][0]:.1f} at the start, {machine['load_average_at_end'][0]:.1f} at the end).",
        "",
        "- **project**: `models/klantenservice.tar.gz` (`config.yml`) on the project's runtime: `endpoints.yml` with "
        "`rasa_runtime` (SQLite tracker store in WAL mode with one open connection, queries built once, one "
        "INSERT per save and no count of the stored events first; action-server answers checked by a validator "
        "built once; graphs run in order without dask's scheduler; rules compared only as far back as they "
        "reach; at most `KLANTENSERVICE_MESSAGES_IN_PROCESS` messages processed at once).",
        "- **peer**: `models/peer.tar.gz` (`benchmarks/peer_config.yml`, rasa init's defaults with `language: nl`, "
        "same data and domain) on a stock Rasa server: `benchmarks/peer_endpoints.yml`, Rasa's own SQL tracker store.",
    ]
    if "peer-project-runtime" in results["systems"]:
        lines.append(
            "- **peer-project-runtime**: the peer's model on the project's runtime, to tell what the "
            "config costs from what the runtime costs."
        )
    lines += [
        f"- Both: the same action server (`actions/`), REST channel and a new temporary SQLite tracker store "
        f"and case database, the action server's clock at {settings['pinned_clock']}; scripted conversations "
        f"{', '.join(settings['conversations'])} (`benchmarks/conversations.yml`) over `POST /webhooks/rest/webhook`, "
        f"every customer one conversation after another without pause, {load}, after a warm-up of every "
        "conversation once. Each level runs on every system back to back.",
        "- Latency: per turn, from sending the message to the whole answer. Errors: HTTP errors, timeouts "
        f"({settings['request_timeout_seconds']:.0f} s) and empty answers. Unexpected: an answer without the "
        "scripted text. RSS: the Rasa server's process tree, peak during the level.",
        "",
        "## Figures",
        "",
        "| system | customers | turns | p50 ms | p95 ms | p99 ms | msg/s | errors | unexpected | RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, system in results["systems"].items():
        for level in system["levels"]:
            lines.append(
                f"| {name} | {level['customers']} | {level['turns']} | {level['p50_ms']:.1f} | "
                f"{level['p95_ms']:.1f} | {level['p99_ms']:.1f} | {level['messages_per_second']:.1f} | "
                f"{level['errors']} | {level['unexpected_answers']} | {level['rasa_rss_peak_mb']:.0f} |"
            )
    lines += [
        "",
        "| system | first answer after start | Rasa server RSS idle / peak | action server RSS peak |",
        "|---|---:|---:|---:|",
    ]
    for name, system in results["systems"].items():
        lines.append(
            f"| {name} | {system['first_answer_seconds']:.1f} s | {system['rasa_rss_idle_mb']:.0f} / "
            f"{system['rasa_rss_peak_mb']:.0f} MB | {system['action_server_rss_peak_mb']:.0f} MB |"
        )
    for key, other in (("ratios", "peer"), ("ratios_peer-project-runtime", "peer-project-runtime")):
        if not results.get(key):
            continue
        r = results[key]
        lines += [
            "",
            f"## Ratios project / {other}",
            "",
            "Latency: below 1 is better; throughput: above 1 is better.",
            "",
            "| customers | p50 | p95 | p99 | msg/s |",
            "|---:|---:|---:|---:|---:|",
        ]
        for level in r["levels"]:
            lines.append(
                f"| {level['customers']} | {level['p50_ms']} | {level['p95_ms']} | {level['p99_ms']} | "
                f"{level['messages_per_second']} |"
            )
        lines.append(
            f"\nFirst answer after start: {r['first_answer_seconds']}; Rasa server RSS peak: "
            f"{r['rasa_rss_peak_mb']}."
        )
    lines += ["", "## Targets (project)", "", "| target | value | met |", "|---|---:|---|"]
    for row in results["targets"]:
        detail = f" {row['detail']}" if row.get("detail") else ""
        lines.append(f"| {row['target']} | {row['value']}{detail} | {'yes' if row['met'] else '**no**'} |")
    samples = [
        (name, level["customers"], sample)
        for name, system in results["systems"].items()
        for level in system["levels"]
        for sample in level["unexpected_samples"]
    ]
    if samples:
        lines += ["", "## Unexpected answers (examples)", ""]
        for name, customers, sample in samples[:10]:
            lines.append(
                f'- {name}, {customers} customers, {sample["conversation"]}: "{sample["say"]}" expected '
                f'"{sample["expected"]}", got "{sample["answer"][:160]}"'
            )
    lines += [
        "",
        f"Total time of the run: {results['total_seconds'] / 60:.1f} min.",
        "",
        "![latency and throughput against concurrency](bench_latency.png)",
        "",
    ]
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    colours = {"project": "tab:blue", "peer": "tab:orange", "peer-project-runtime": "tab:green"}
    for name, system in results["systems"].items():
        x = [level["customers"] for level in system["levels"]]
        colour = colours.get(name, "tab:gray")
        left.plot(x, [level["p50_ms"] for level in system["levels"]], "o-", color=colour, label=f"{name} p50")
        left.plot(
            x,
            [level["p95_ms"] for level in system["levels"]],
            "s--",
            color=colour,
            alpha=0.7,
            label=f"{name} p95",
        )
        left.plot(
            x,
            [level["p99_ms"] for level in system["levels"]],
            "^:",
            color=colour,
            alpha=0.7,
            label=f"{name} p99",
        )
        right.plot(
            x, [level["messages_per_second"] for level in system["levels"]], "o-", color=colour, label=name
        )
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("concurrent customers")
    left.set_ylabel("latency per turn (ms)")
    left.set_title("Latency against concurrency")
    left.axhline(1000, color="crimson", linewidth=0.8, linestyle="--")
    left.legend(fontsize=8)
    left.grid(True, which="both", alpha=0.3)
    right.set_xscale("log")
    right.set_xlabel("concurrent customers")
    right.set_ylabel("messages per second")
    right.set_title("Throughput against concurrency")
    right.legend(fontsize=8)
    right.grid(True, which="both", alpha=0.3)
    ticks = sorted({level["customers"] for s in results["systems"].values() for level in s["levels"]})
    for ax in (left, right):
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_xticks(ticks, [str(t) for t in ticks])
    fig.suptitle(f"make bench, {results['machine']['cpus']} CPUs, REST webhook, scripted Dutch conversations")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


async def main_async(args: argparse.Namespace) -> dict:
    conversations = yaml.safe_load(CONVERSATIONS.read_text(encoding="utf-8"))["conversations"]
    models = {"project": Path(args.project_model).resolve()}
    if any(name.startswith("peer") for name in args.systems):
        from scripts.peer_model import ensure_peer_model

        models["peer"] = models["peer-project-runtime"] = (
            Path(args.peer_model).resolve()
            if args.peer_model
            else ensure_peer_model(dict(os.environ), log=log)
        )
    if not models["project"].exists():
        sys.exit(f"{models['project']} is missing: run `make train` first")
    duration = None if args.conversations else args.duration
    results: dict[str, Any] = {
        "command": " ".join(["scripts/bench.py", *sys.argv[1:]]),
        "started_at": time.strftime("%Y-%m-%d %H:%M"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "rasa": metadata.version("rasa"),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            "concurrency": args.concurrency,
            "duration_seconds": duration,
            "conversations_per_customer": args.conversations,
            "request_timeout_seconds": REQUEST_TIMEOUT,
            "conversations": [c["name"] for c in conversations],
            "pinned_clock": STAFFED_MOMENT,
        },
        "systems": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        systems = [
            System(name, models[name], SYSTEM_ENDPOINTS[name], Path(tmp) / name, args.keep_logs)
            for name in args.systems
        ]
        try:
            # One at a time, so that the start-up times do not disturb each other.
            for system in systems:
                system.workdir.mkdir()
                await system.start()
                await system.warm_up(conversations)
            # Each level on every system back to back, so that the machine's other load hits both alike.
            for customers in args.concurrency:
                for system in systems:
                    await system.load(conversations, customers, duration, args.conversations)
        finally:
            for system in systems:
                system.stop()
        for system in systems:
            results["systems"][system.name] = system.result
    for other in ("peer", "peer-project-runtime"):
        if "project" in results["systems"] and other in results["systems"]:
            results["ratios" if other == "peer" else f"ratios_{other}"] = ratios(
                results["systems"]["project"], results["systems"][other]
            )
    if "project" in results["systems"]:
        results["targets"] = targets(results)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_seconds"] = round(time.monotonic() - STARTED, 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=list(SYSTEM_ENDPOINTS),
        default=["project", "peer"],
        help="peer-project-runtime: the peer's model on the project's runtime (endpoints.yml)",
    )
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 10, 50])
    parser.add_argument("--duration", type=float, default=30, help="seconds of load per level")
    parser.add_argument(
        "--conversations",
        type=int,
        default=None,
        help="conversations per customer instead of a fixed duration",
    )
    parser.add_argument("--project-model", default=os.environ.get("MODEL_PATH", str(PROJECT_MODEL)))
    parser.add_argument(
        "--peer-model", default=None, help="instead of models/peer.tar.gz (trained when needed)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument("--keep-logs", type=Path, default=None, help="keep the servers' logs in this folder")
    args = parser.parse_args()

    results = asyncio.run(main_async(args))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    plot(results, args.out / "bench_latency.png")
    if "targets" in results:
        (args.out / "bench.md").write_text(markdown(results), encoding="utf-8")
        print_summary(results)
    log(
        f"Figures: {args.out / 'bench.json'}, {args.out / 'bench.md'}; plot: {args.out / 'bench_latency.png'}"
    )


if __name__ == "__main__":
    main()
