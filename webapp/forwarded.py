"""Who is on the other end of a request: the socket's peer, unless that peer is a proxy named in
WEB_TRUSTED_PROXIES, whose X-Forwarded-For and X-Forwarded-Proto are then believed. Headers from
anyone else are ignored: a client could write anything in them."""

from __future__ import annotations

from ipaddress import ip_address

from aiohttp import web

from webapp.keys import CONFIG_KEY


def _trusted_peer(request: web.Request) -> bool:
    return request.app[CONFIG_KEY].is_trusted_proxy(request.remote)


def client_address(request: web.Request) -> str:
    """The client's IP address: the peer, or behind trusted proxies the nearest untrusted hop."""
    address = request.remote or ""
    if not _trusted_peer(request):
        return address
    config = request.app[CONFIG_KEY]
    hops = ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")
    for hop in reversed([hop.strip() for hop in hops if hop.strip()]):
        try:
            hop_address = ip_address(hop)
        except ValueError:
            break  # a garbled list: keep the last address a trusted proxy vouched for
        address = str(hop_address)
        if not config.is_trusted_proxy(address):
            break
    return address


def is_https(request: web.Request) -> bool:
    """TLS on this socket, or a trusted proxy that says the client used https."""
    if request.secure:
        return True
    if not _trusted_peer(request):
        return False
    proto = ",".join(request.headers.getall("X-Forwarded-Proto", [])).split(",")[-1]
    return proto.strip().lower() == "https"
