"""Which client address the rate limits, the OAuth plain-HTTP exemption and
``Event.source`` (:func:`lrs.plugin.request.request_source`) trust.
"""

from __future__ import annotations

import ipaddress

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


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
