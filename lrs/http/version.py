"""The xAPI version the current request speaks, as negotiated by the xAPI blueprint.

A module of its own so that the resource blueprints can read it without importing
the blueprint that registers them (:mod:`lrs.http.xapi`).
"""

from __future__ import annotations

from flask import g

from lrs.xapi.versions import XapiVersion


def current_version() -> XapiVersion:
    """The negotiated version; 1.0.3 before negotiation (its rules are the older ones)."""
    return g.get("xapi_version") or XapiVersion.V1_0_3
