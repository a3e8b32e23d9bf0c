"""The web app's settings, read from the environment: where it listens, where the visitor's browser
finds the Rasa server, where the console finds Rasa's HTTP API and the database, and which proxy
(if any) it believes about the client's address and TLS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from bot.database import URL_VARIABLE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLE = PROJECT_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"


PURGE_VARIABLE = "KLANTENSERVICE_PURGE_MINUTES"


def _minutes(text: str) -> float:
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= 7 * 24 * 60:
        raise ValueError(f"{PURGE_VARIABLE}={text!r} is not a number of minutes (0 to a week; 0: no purge)")
    return minutes


@dataclass(frozen=True)
class WebConfig:
    """Where the page listens and where the visitor's browser finds the Rasa server."""

    host: str
    port: int
    rasa_public_url: str
    bundle_path: Path
    # The agent console's side: Rasa's HTTP API as this server reaches it, its token, the database.
    rasa_url: str = "http://localhost:5005"
    rasa_token: str = ""
    db_url: str | None = None
    # WEB_TRUSTED_PROXIES: the addresses (or networks) of the TLS proxy in front of this server. Only a
    # request whose socket comes from one of them has its X-Forwarded-For and X-Forwarded-Proto
    # believed; none by default.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # Minutes between the retention purges the app runs (webapp/retention.py); 0: none.
    purge_minutes: float = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebConfig:
        rasa_port = env.get("RASA_PORT", "5005")
        public_url = env.get("RASA_PUBLIC_URL") or f"http://localhost:{rasa_port}"
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"RASA_PUBLIC_URL={public_url!r} is not an http(s) URL such as http://localhost:5005"
            )
        rasa_url = env.get("RASA_URL") or f"http://localhost:{rasa_port}"
        if urlsplit(rasa_url).scheme not in ("http", "https") or not urlsplit(rasa_url).netloc:
            raise ValueError(f"RASA_URL={rasa_url!r} is not an http(s) URL such as http://localhost:5005")
        return cls(
            host=env.get("WEB_HOST", "127.0.0.1"),
            port=int(env.get("WEB_PORT", "8080")),
            rasa_public_url=public_url.rstrip("/"),
            bundle_path=Path(env.get("WEBCHAT_BUNDLE", str(DEFAULT_BUNDLE))),
            rasa_url=rasa_url.rstrip("/"),
            rasa_token=env.get("RASA_TOKEN", ""),
            db_url=env.get(URL_VARIABLE) or None,
            trusted_proxies=_networks(env.get("WEB_TRUSTED_PROXIES", "")),
            purge_minutes=_minutes(env.get(PURGE_VARIABLE, "60")),
        )

    def is_trusted_proxy(self, address: str | None) -> bool:
        try:
            peer = ip_address(address or "")
        except ValueError:
            return False
        return any(peer in network for network in self.trusted_proxies)

    @property
    def rasa_origin(self) -> str:
        parts = urlsplit(self.rasa_public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def rasa_websocket_origin(self) -> str:
        parts = urlsplit(self.rasa_public_url)
        return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"

    @property
    def socket_url(self) -> str:
        """socket.io's server URL: the origin only (a path there would be read as a namespace)."""
        return self.rasa_origin

    @property
    def socket_path(self) -> str:
        """socket.io's path, below the path of RASA_PUBLIC_URL (for a server behind a proxy)."""
        return f"{urlsplit(self.rasa_public_url).path.rstrip('/')}/socket.io/"


def _networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """ "10.0.0.5, 10.1.0.0/16" as networks; a typo stops the start (a proxy silently not trusted
    would make every agent share the proxy's address)."""
    networks = []
    for part in value.replace(",", " ").split():
        try:
            networks.append(ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"WEB_TRUSTED_PROXIES: {part!r} is not an IP address or network "
                "such as 10.0.0.5 or 10.0.0.0/24"
            ) from None
    return tuple(networks)
