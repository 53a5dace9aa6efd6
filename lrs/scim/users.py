"""SCIM Users as the people directory holds them: read from JSON, rendered back.

A :class:`User` is everything a SCIM client states about a person. What the
directory has columns for (display name, job title, active, department, employee
number, manager) goes there; ``costCenter``, ``organization`` and ``division``
become custom attributes; the rest (``userName``, ``externalId``, name parts,
typed emails, phone numbers, addresses) is kept with the SCIM link as given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lrs.scim import values
from lrs.scim.errors import invalid
from lrs.scim.schemas import ENTERPRISE, USER

#: Enterprise attributes kept as the directory's custom attributes, by attribute name.
CUSTOM_ATTRIBUTES = {
    "costCenter": "cost_center",
    "organization": "organization",
    "division": "division",
}
#: Core attributes kept as given with the link.
KEPT = (
    "name",
    "nickName",
    "profileUrl",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "emails",
    "phoneNumbers",
    "addresses",
)
_MULTI = ("emails", "phoneNumbers", "addresses")


@dataclass(frozen=True)
class User:
    user_name: str
    external_id: str | None = None
    display_name: str | None = None
    title: str | None = None
    active: bool = True
    #: The directory's employee id, when the client states one.
    employee_number: str | None = None
    department: str | None = None
    #: The manager's SCIM id.
    manager: str | None = None
    #: Custom attributes by directory name (``cost_center``...), only those stated.
    custom: dict[str, str] = field(default_factory=dict)
    #: :data:`KEPT` attributes as given.
    kept: dict[str, Any] = field(default_factory=dict)

    def email_addresses(self) -> list[str]:
        """Every address of ``emails``, the directory's own email first."""
        addresses = [item["value"] for item in self.kept.get("emails", [])]
        main = self.main_email()
        return sorted(set(addresses), key=lambda address: (address != main, address))

    def main_email(self) -> str | None:
        """The primary address, else the work one, else the first."""
        emails = self.kept.get("emails", [])
        for wanted in (
            lambda item: item.get("primary") is True,
            lambda item: str(item.get("type", "")).lower() == "work",
            lambda item: True,
        ):
            for item in emails:
                if wanted(item):
                    return item["value"]
        return None


def parse_user(body: Any) -> User:
    """The :class:`User` a POST or PUT body (or a patched resource) states.

    :raises ScimError: ``invalidSyntax`` or ``invalidValue``, naming the attribute.
    """
    found = values.normalize(body, USER, (ENTERPRISE,))
    enterprise = found.get(ENTERPRISE, {})
    kept: dict[str, Any] = {}
    for name in KEPT:
        if name in _MULTI:
            listed = _multi(found, name)
            if listed:
                kept[name] = listed
        elif name == "name":
            parts = values.complex_value(found, "name")
            if parts := {
                key: text
                for key in (parts or {})
                if (text := values.string(parts, key, f"name.{key}"))
            }:
                kept["name"] = parts
        elif (text := values.string(found, name)) is not None:
            kept[name] = text
    name_parts = kept.get("name", {})
    given = " ".join(
        part for part in (name_parts.get("givenName"), name_parts.get("familyName")) if part
    )
    return User(
        user_name=values.string(found, "userName", required=True) or "",
        external_id=values.string(found, "externalId"),
        display_name=values.string(
            {
                "displayName": values.string(found, "displayName")
                or name_parts.get("formatted")
                or given
            },
            "displayName",
            "displayName (or name.givenName and name.familyName)",
        ),
        title=values.string(found, "title"),
        active=values.boolean(found, "active", True),
        employee_number=values.string(
            enterprise, "employeeNumber", f"{ENTERPRISE}:employeeNumber", limit=200
        ),
        department=values.string(enterprise, "department", f"{ENTERPRISE}:department"),
        manager=_manager(enterprise.get("manager")),
        custom={
            column: text
            for name, column in CUSTOM_ATTRIBUTES.items()
            if (text := values.string(enterprise, name, f"{ENTERPRISE}:{name}"))
        },
        kept=kept,
    )


def render_user(user: User, scim_id: str, meta: dict[str, str], base: str) -> dict[str, Any]:
    """The resource a GET answers (RFC 7643 §8.2), null attributes left out."""
    resource: dict[str, Any] = {"schemas": [USER], "id": scim_id}
    for name, value in (
        ("externalId", user.external_id),
        ("userName", user.user_name),
        ("displayName", user.display_name),
        ("title", user.title),
    ):
        if value is not None:
            resource[name] = value
    resource["active"] = user.active
    resource.update(user.kept)
    enterprise: dict[str, Any] = {
        name: value
        for name, value in (
            ("employeeNumber", user.employee_number),
            ("department", user.department),
            *((name, user.custom.get(column)) for name, column in CUSTOM_ATTRIBUTES.items()),
        )
        if value is not None
    }
    if user.manager:
        enterprise["manager"] = {"value": user.manager, "$ref": f"{base}/Users/{user.manager}"}
    if enterprise:
        resource["schemas"].append(ENTERPRISE)
        resource[ENTERPRISE] = enterprise
    resource["meta"] = {"resourceType": "User", **meta, "location": f"{base}/Users/{scim_id}"}
    return resource


def _multi(found: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Items of ``emails``/``phoneNumbers``/``addresses``; items need a value (emails and
    phone numbers) and at most one is primary (RFC 7643 §2.4)."""
    kept = []
    for index, item in enumerate(values.items(found, name)):
        where = f"{name}[{index}]"
        entry = {key: item[key] for key in item if key != "primary" and item[key] is not None}
        for key, value in entry.items():
            values.string(entry, key, f"{where}.{key}")
            entry[key] = str(value).strip()
        if item.get("primary") is not None:
            entry["primary"] = values.boolean(item, "primary", False)
        if name != "addresses" and not entry.get("value"):
            raise invalid("invalidValue", f"{where}.value: is required")
        kept.append(entry)
    if sum(1 for entry in kept if entry.get("primary")) > 1:
        raise invalid("invalidValue", f"{name}: more than one is primary")
    return kept


def _manager(value: Any) -> str | None:
    """Entra ID sends the manager's id as a string, others as ``{"value": id}``."""
    where = f"{ENTERPRISE}:manager"
    if isinstance(value, dict):
        return values.string(value, "value", f"{where}.value")
    return values.string({"manager": value}, "manager", where)
