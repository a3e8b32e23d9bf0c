"""ACTION_ENDPOINT_URL, when set, replaces the action server's URL of endpoints.yml (applied to every
Agent by rasa_runtime.fixes).

endpoints.yml names the default (http://localhost:5055/webhook), so plain `rasa run`, `rasa shell`
and `rasa test` work from the project root with no variable set; Rasa itself can only read a
variable that is always set (`${...}` without a default fails when it is missing). `make run`, the
tests and the deployment set ACTION_ENDPOINT_URL for other ports and hosts. The rest of the
endpoint's settings (headers, token) stay as endpoints.yml gives them.
"""

from __future__ import annotations

import os

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
