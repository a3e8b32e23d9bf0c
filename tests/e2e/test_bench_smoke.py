"""`make bench` runs: its load generator on a tiny load against the project's assistant only.

A benchmark, not a test of speed: this checks that the servers start, the scripted conversations
go through without errors and with the expected answers, and that the figures are all written.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_bench_runs_on_a_tiny_load(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.bench",
            "--systems",
            "project",
            "--concurrency",
            "1",
            "2",
            "--conversations",
            "1",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        check=True,
        timeout=480,
    )
    results = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    project = results["systems"]["project"]
    assert [level["customers"] for level in project["levels"]] == [1, 2]
    for level in [project["warmup"], *project["levels"]]:
        assert level["turns"] > 0
        assert level["errors"] == 0, level["error_kinds"]
        assert level["unexpected_answers"] == 0, level["unexpected_samples"]
        for figure in ("p50_ms", "p95_ms", "p99_ms", "messages_per_second"):
            assert math.isfinite(level[figure]) and level[figure] > 0
    assert project["first_answer_seconds"] > 0
    assert project["rasa_rss_peak_mb"] > 0
    assert {row["target"] for row in results["targets"]} >= {"no errors", "Rasa server under 1 GB RSS"}
    assert (tmp_path / "bench_latency.png").stat().st_size > 0
    assert "| project | 1 |" in (tmp_path / "bench.md").read_text(encoding="utf-8")
