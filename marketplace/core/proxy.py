"""Serving behind reverse proxies: their X-Forwarded-For, -Proto and -Host headers are believed for exactly
`TRUSTED_PROXIES` hops, and never on a server that clients could reach without passing through them.

With no trusted proxy (the default) those headers are ignored, so a visitor cannot pick the address the
rate limits count or the scheme and host the site thinks it is served on. Behind nginx (one hop) the
client address is the one nginx saw, which is what the log-in limit must count, not nginx's own address.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def trust_proxies(app: Flask) -> None:
    """Believe the X-Forwarded-* headers set by the `TRUSTED_PROXIES` proxies in front of the app (none: 0)."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise RuntimeError("TRUSTED_PROXIES must be 0 or the number of proxies in front of the application")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def bind_host(bind: str) -> str | None:
    """The host part of a gunicorn bind address ("127.0.0.1:8000", "[::1]:8000", "localhost"); None for a
    Unix socket or an inherited file descriptor, which no remote client can reach."""
    if bind.startswith(("unix:", "fd://")):
        return None
    if bind.startswith("["):
        return bind[1:].partition("]")[0]
    if bind.count(":") > 1:  # a bare IPv6 address without a port
        return bind
    return bind.partition(":")[0]


def is_reachable_from_outside(bind: str) -> bool:
    """Whether clients on other machines could connect to `bind` directly: every address but loopback ones
    and Unix sockets (an empty host, 0.0.0.0 and :: listen on every interface)."""
    host = bind_host(bind)
    if host is None:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name other than localhost may resolve to any interface


def check_proxy_binds(binds: Iterable[str], trusted_proxies: int) -> None:
    """Refuse (RuntimeError) to trust forwarded headers on a server bound where clients reach it directly:
    any of them could then send X-Forwarded-For and be counted as someone else."""
    if trusted_proxies <= 0:
        return
    public = [bind for bind in binds if is_reachable_from_outside(bind)]
    if public:
        raise RuntimeError(
            f"TRUSTED_PROXIES={trusted_proxies} but gunicorn binds {', '.join(public)}, which clients can reach "
            "without the proxy and so forge X-Forwarded-For: bind 127.0.0.1 or a Unix socket behind the proxy, "
            "or set TRUSTED_PROXIES=0")
