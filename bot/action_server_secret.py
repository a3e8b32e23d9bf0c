"""The secret the Rasa server shows the action server, so that nobody else can run its actions.

ACTION_SERVER_SECRET when set (make run, the tests and the deployment set it); otherwise the file
var/action_server_secret of the checkout, created on first use by whichever server starts first, so
plain `rasa run` and `rasa run actions` from the project root agree without any variable.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

VARIABLE = "ACTION_SERVER_SECRET"
HEADER = "X-Action-Server-Secret"
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "var" / "action_server_secret"


def secret(path: Path = DEFAULT_FILE) -> str:
    """The shared secret: the variable's value, else the file's, else a new file's."""
    value = os.environ.get(VARIABLE, "").strip()
    if value:
        return value
    if not path.exists():
        _create(path)
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise RuntimeError(f"{path} is empty: delete it, or set {VARIABLE}")
    return value


def _create(path: Path) -> None:
    """Writes a new secret readable by this user only; when both servers start at once, one wins.

    The secret is written to a private temporary file first and then linked into place, which fails
    if the other server got there first: nobody ever reads a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


def matches(given: str | None, expected: str) -> bool:
    """Compared in constant time, so the answer's timing tells nothing about the secret."""
    return given is not None and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
