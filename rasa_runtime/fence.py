"""The one way this project replaces an attribute of a library it runs on.

A replacement is written against one release of the library: the code it replaces, often private,
may change or vanish in the next one. `replace` therefore refuses (RuntimeError) unless the installed
release is the one named and the attribute exists, and logs one INFO line for each replacement, so
that an upgrade stops at start-up with the name of what needs a second look instead of running with
a replacement of code that is no longer there.

    from rasa_runtime import fence
    fence.replace(RemoteAction, "run", run_or_apologise)  # Rasa 3.6.21, the default
    fence.replace(engine, "_cors_headers", no_cors_headers,
                  library="python-engineio", written_for="4.15.1")
    fence.replace_item(handlers, "session_request", session_request, what="Rasa's socket.io handlers")
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import MutableMapping
from typing import Any

logger = logging.getLogger(__name__)

RASA = "rasa"
RASA_VERSION = "3.6.21"


class FenceError(RuntimeError):
    """A replacement refused: the library's release or the attribute is not the one it was written for."""


def installed_version(library: str) -> str:
    """The installed release of `library`, a distribution name (Rasa: `rasa.version.__version__`)."""
    if library == RASA:
        import rasa.version

        return rasa.version.__version__
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _describe(owner: Any, name: str) -> str:
    return f"{getattr(owner, '__qualname__', None) or getattr(owner, '__name__', repr(owner))}.{name}"


def _check_release(what: str, library: str, written_for: str) -> str:
    found = installed_version(library)
    if found != written_for:
        raise FenceError(
            f"{what}: this replacement was written for {library} {written_for}, but {library} {found} "
            f"is installed. Check that it still does what the installed {library} does, then change "
            f"its written_for."
        )
    return found


def check(owner: Any, name: str, *, library: str = RASA, written_for: str = RASA_VERSION) -> Any:
    """The current value of `owner.name`, or FenceError when the release differs or it is missing."""
    what = _describe(owner, name)
    found = _check_release(what, library, written_for)
    if not hasattr(owner, name):
        raise FenceError(f"{what}: {library} {found} has no such attribute to replace.")
    return getattr(owner, name)


def replace(
    owner: Any, name: str, replacement: Any, *, library: str = RASA, written_for: str = RASA_VERSION
) -> Any:
    """Sets `owner.name` to `replacement` after `check`; returns the value it replaced."""
    original = check(owner, name, library=library, written_for=written_for)
    setattr(owner, name, replacement)
    logger.info("Replaced %s (%s %s)", _describe(owner, name), library, written_for)
    return original


def replace_item(
    registry: MutableMapping[str, Any],
    key: str,
    replacement: Any,
    *,
    what: str,
    library: str = RASA,
    written_for: str = RASA_VERSION,
) -> Any:
    """Like `replace`, for an entry a library registered in a mapping (a socket.io event handler that
    Rasa's channel set up); `what` names the mapping in the messages. Returns the entry it replaced."""
    described = f"{what}[{key!r}]"
    found = _check_release(described, library, written_for)
    if key not in registry:
        raise FenceError(f"{described}: {library} {found} registers no such entry to replace.")
    original = registry[key]
    registry[key] = replacement
    logger.info("Replaced %s (%s %s)", described, library, written_for)
    return original
