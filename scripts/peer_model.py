"""The peer model for `make eval` and `make bench`: the project's own data and domain trained with
what `rasa init` gives (benchmarks/peer_config.yml) into models/peer.tar.gz.

It is trained again only when one of its inputs changed (config, domain, the YAML files in data/ and
below, or the Rasa version): their fingerprint is kept beside the model in
models/peer.fingerprint.json, with the time the training took.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = str(ROOT / ".venv" / "bin" / "rasa")
PEER_CONFIG = ROOT / "benchmarks" / "peer_config.yml"
PEER_MODEL = ROOT / "models" / "peer.tar.gz"
PEER_FINGERPRINT = ROOT / "models" / "peer.fingerprint.json"


def peer_inputs() -> list[Path]:
    return [PEER_CONFIG, ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml"))]


def fingerprint(paths: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        name = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path.resolve()
        digest.update(str(name).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def peer_fingerprint() -> str:
    return fingerprint(peer_inputs(), f"rasa {metadata.version('rasa')}")


def peer_record() -> dict:
    """What is known about the stored peer model: fingerprint and training time."""
    try:
        return json.loads(PEER_FINGERPRINT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def ensure_peer_model(env: dict[str, str], log=print) -> Path:
    """models/peer.tar.gz, trained first when it is missing or its inputs changed."""
    expected = peer_fingerprint()
    if PEER_MODEL.exists() and peer_record().get("fingerprint") == expected:
        log(f"Peer model: reusing {PEER_MODEL.relative_to(ROOT)} (inputs unchanged)")
        return PEER_MODEL
    log(
        "Peer model: training models/peer.tar.gz with benchmarks/peer_config.yml "
        "(rasa init's defaults; about 30 minutes on 2 busy cores, progress below)"
    )
    started = time.monotonic()
    subprocess.run(
        [RASA, "train", "--config", str(PEER_CONFIG), "--fixed-model-name", "peer", "--out", "models"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    seconds = time.monotonic() - started
    PEER_FINGERPRINT.write_text(
        json.dumps(
            {
                "fingerprint": expected,
                "training_seconds": round(seconds, 1),
                "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    log(f"Peer model trained in {seconds / 60:.1f} min")
    return PEER_MODEL
