"""ACTION_ENDPOINT_URL, when set, replaces the action server's URL of endpoints.yml.

endpoints.yml names the default (http://localhost:5055/webhook), so plain `rasa run`, `rasa shell`
and `rasa test` work from the project root with no variable set; Rasa itself can only read a
variable that is always set (`${...}` without a default fails when it is missing). `make run`, the
tests and the deployment set ACTION_ENDPOINT_URL for other ports and hosts. The rest of the
endpoint's settings (headers, token) stay as endpoints.yml gives them.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from rasa.core.agent import Agent
from rasa.utils.endpoints import EndpointConfig

VARIABLE = "ACTION_ENDPOINT_URL"


def from_environment(configured: EndpointConfig | None) -> EndpointConfig | None:
    url = os.environ.get(VARIABLE, "").strip()
    if not url:
        return configured
    if configured is None:
        return EndpointConfig(url=url)
    return EndpointConfig(
        url=url,
        params=configured.params,
        headers=configured.headers,
        basic_auth=configured.basic_auth,
        token=configured.token,
        token_name=configured.token_name,
        cafile=configured.cafile,
        **configured.kwargs,
    )


def install() -> None:
    """Makes every Agent created from now on take the URL from the environment. Rasa creates the
    tracker store and the lock store (which call this) before the Agent."""
    if getattr(Agent.__init__, "_reads_action_endpoint_url", False):
        return
    original = Agent.__init__

    @functools.wraps(original)
    def __init__(self: Agent, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.action_endpoint = from_environment(self.action_endpoint)

    __init__._reads_action_endpoint_url = True  # type: ignore[attr-defined]
    Agent.__init__ = __init__  # type: ignore[method-assign]
