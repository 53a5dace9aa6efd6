"""Where a request came from, as events record it (``Event.source``), and which
client address the rate limits and the OAuth plain-HTTP exemption trust.

Filled here, at the HTTP layer, because the store and the xAPI rules know
nothing of requests; the audit trail needs it to answer "from where".
"""

from __future__ import annotations

import ipaddress

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix


def request_source() -> dict[str, str]:
    """The current request's client address, request id and user agent.

    The request id is the one :mod:`lrs.logging` assigned (and logged, and echoed
    in ``X-Request-Id``), so an event can be matched with its access-log line.
    Absent facts are left out rather than stored as empty strings.
    """
    facts = {
        "ip": request.remote_addr,
        "request_id": g.get("request_id"),
        "user_agent": request.user_agent.string,
    }
    return {name: value for name, value in facts.items() if value}


def is_loopback(address: str | None) -> bool:
    """Whether ``address`` (a peer's IP, as in ``REMOTE_ADDR``) is this host's loopback."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def trust_proxies(app: Flask, hops: int) -> None:
    """Take the client address and scheme from ``hops`` trusted proxies' ``X-Forwarded-*``.

    With ``hops`` 0 (the default) the peer address is the client's: the headers are
    ignored, as any client can send them.
    """
    if hops > 0:
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]
