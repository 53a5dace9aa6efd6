"""Reading SCIM JSON: attribute names without regard to case, values of the right type.

SCIM attribute names are case-insensitive (RFC 7643 §2.1) and providers differ
(``userName``, ``username``); what Weft does not keep is dropped here, so every
later step sees canonical names only. Each refusal names the attribute.
"""

from __future__ import annotations

from typing import Any

from lrs.scim.errors import invalid
from lrs.scim.filter import split_path
from lrs.scim.schemas import ATTRIBUTES, READ_ONLY, Attribute, attribute

#: Longest string attribute (the directory's columns are 400 characters).
MAX_STRING = 400


def normalize(body: Any, core: str, extensions: tuple[str, ...] = ()) -> dict[str, Any]:
    """``body`` with canonical attribute names, extensions under their URN; attributes
    Weft does not keep (and read-only ones) left out.

    Top-level keys may be URN-qualified (``urn:...:enterprise:2.0:User:department``),
    as Entra ID sends them in PATCH values.

    :raises ScimError: ``invalidSyntax`` when ``body`` is not a JSON object.
    """
    if not isinstance(body, dict):
        raise invalid("invalidSyntax", "the resource must be a JSON object")
    found: dict[str, Any] = {}
    urns = {urn.lower(): urn for urn in extensions}
    for key, value in body.items():
        if not isinstance(key, str):
            continue
        if key.lower() in urns:
            if not isinstance(value, dict):
                raise invalid("invalidValue", f"{urns[key.lower()]}: must be a JSON object")
            extension = found.setdefault(urns[key.lower()], {})
            extension.update(_members(value, urns[key.lower()]))
            continue
        schema, name, sub = split_path(key)
        urn = core if schema is None or schema.lower() == core.lower() else urns.get(schema.lower())
        if urn is None:
            continue
        target = found if urn == core else found.setdefault(urn, {})
        member = _members({name: value} if sub is None else {name: {sub: value}}, urn)
        for canonical, given in member.items():
            if isinstance(given, dict) and isinstance(target.get(canonical), dict):
                target[canonical] = {**target[canonical], **given}
            else:
                target[canonical] = given
    return found


def _members(values: dict[str, Any], urn: str) -> dict[str, Any]:
    known = ATTRIBUTES[urn.lower()]
    out: dict[str, Any] = {}
    for key, value in values.items():
        spec = known.get(key.lower()) if isinstance(key, str) else None
        if spec is None or spec.name in READ_ONLY:
            continue
        out[spec.name] = canonical_value(spec, value)
    return out


def canonical_value(spec: Attribute, value: Any) -> Any:
    """``value`` with its sub-attribute names made canonical (complex attributes)."""
    if not spec.sub or value is None:
        return value
    if spec.multi:
        items = value if isinstance(value, list) else [value]
        return [sub_names(spec, item) for item in items]
    return sub_names(spec, value)


def sub_names(spec: Attribute, item: Any) -> Any:
    """One item (or complex value) with canonical sub-attribute names, unknown ones dropped."""
    if not isinstance(item, dict):
        return item  # the reader of the attribute says what is wrong with it
    subs = {sub.name.lower(): sub.name for sub in spec.sub}
    return {
        subs[key.lower()]: value
        for key, value in item.items()
        if isinstance(key, str) and key.lower() in subs
    }


def string(
    values: dict[str, Any],
    name: str,
    where: str | None = None,
    *,
    required: bool = False,
    limit: int = MAX_STRING,
) -> str | None:
    """A string attribute (``None`` when absent, null or empty)."""
    where = where or name
    value = values.get(name)
    if value is None or value == "":
        if required:
            raise invalid("invalidValue", f"{where}: is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise invalid("invalidValue", f"{where}: must be a string")
    value = str(value).strip()
    if "\x00" in value:  # PostgreSQL stores no NUL in text
        raise invalid("invalidValue", f"{where}: contains a NUL character")
    if len(value) > limit:
        raise invalid("invalidValue", f"{where}: longer than {limit} characters")
    if not value and required:
        raise invalid("invalidValue", f"{where}: is required")
    return value or None


def boolean(values: dict[str, Any], name: str, default: bool) -> bool:
    """A boolean, also as the strings ``"True"`` / ``"False"`` that Entra ID sends."""
    value = values.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid("invalidValue", f"{name}: must be true or false")


def items(values: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A multi-valued complex attribute's items, each a JSON object."""
    value = values.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("invalidValue", f"{name}: must be a list")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise invalid("invalidValue", f"{name}[{index}]: must be a JSON object")
    return value


def complex_value(values: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = values.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("invalidValue", f"{name}: must be a JSON object")
    return value


def known(schema: str, name: str) -> Attribute | None:
    """The attribute, unless the server alone sets it."""
    found = attribute(schema, name)
    return None if found is None or found.name in READ_ONLY else found
