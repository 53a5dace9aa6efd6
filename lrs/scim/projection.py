"""``attributes`` and ``excludedAttributes`` (RFC 7644 §3.4.2.5): which attributes to return.

Names are top-level or extension attributes (``urn:...:enterprise:2.0:User:department``);
a sub-attribute (``name.givenName``) returns its whole attribute. ``id``,
``schemas`` and ``meta`` are always returned.
"""

from __future__ import annotations

from typing import Any

from lrs.scim.filter import split_path

_ALWAYS = frozenset({"id", "schemas", "meta"})


def names(text: str | None) -> frozenset[tuple[str | None, str]]:
    """``(schema, attribute)`` pairs, lowercased, of a comma-separated parameter."""
    found = set()
    for part in (text or "").split(","):
        if part.strip():
            schema, name, _ = split_path(part.strip())
            found.add((schema.lower() if schema else None, name.lower()))
    return frozenset(found)


def wants(attributes: str | None, excluded: str | None, name: str) -> bool:
    """Whether the top-level attribute ``name`` is returned (to skip computing it)."""
    chosen = {attribute for _, attribute in names(attributes)}
    return name.lower() not in {attribute for _, attribute in names(excluded)} and (
        not chosen or name.lower() in chosen
    )


def project(
    resource: dict[str, Any], attributes: str | None, excluded: str | None
) -> dict[str, Any]:
    """``resource`` with only the attributes asked for."""
    chosen, dropped = names(attributes), names(excluded)
    if not chosen and not dropped:
        return resource
    extensions = {key.lower(): key for key in resource if key.lower().startswith("urn:")}

    def kept(schema: str | None, name: str) -> bool:
        if name in _ALWAYS:
            return True
        listed = {(schema, name), (None, name)}
        if chosen and not listed & chosen:
            return False
        return not listed & dropped

    out: dict[str, Any] = {}
    for key, value in resource.items():
        if key.lower() in extensions and isinstance(value, dict):
            inner = {k: v for k, v in value.items() if kept(key.lower(), k.lower())}
            if inner:
                out[key] = inner
        elif kept(None, key.lower()):
            out[key] = value
    return out
