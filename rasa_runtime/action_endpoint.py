"""The action server's endpoint as the Rasa server uses it (applied to every Agent by rasa_runtime.fixes):
ACTION_ENDPOINT_URL, when set, replaces the URL of endpoints.yml, and every call carries the shared
secret the action server checks (bot/action_server_secret.py, actions/caller_check.py).

endpoints.yml names the default (http://localhost:5055/webhook), so plain `rasa run`, `rasa shell`
and `rasa test` work from the project root with no variable set; Rasa itself can only read a
variable that is always set (`${...}` without a default fails when it is missing). `make run`, the
tests and the deployment set ACTION_ENDPOINT_URL for other ports and hosts. The rest of the
endpoint's settings (headers, token) stay as endpoints.yml gives them.
"""

from __future__ import annotations

import os

from rasa.utils.endpoints import EndpointConfig

from bot import action_server_secret

VARIABLE = "ACTION_ENDPOINT_URL"


def from_environment(configured: EndpointConfig | None) -> EndpointConfig | None:
    url = os.environ.get(VARIABLE, "").strip() or (configured.url if configured else "")
    if not url:
        return configured  # no action server at all (an Agent for training or tests)
    headers = {
        **(configured.headers if configured else {}),
        action_server_secret.HEADER: action_server_secret.secret(),
    }
    if configured is None:
        return EndpointConfig(url=url, headers=headers)
    return EndpointConfig(
        url=url,
        params=configured.params,
        headers=headers,
        basic_auth=configured.basic_auth,
        token=configured.token,
        token_name=configured.token_name,
        cafile=configured.cafile,
        **configured.kwargs,
    )
