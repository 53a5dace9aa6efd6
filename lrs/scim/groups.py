"""SCIM Groups as static people groups: read from JSON, rendered back.

Members are Users only (no nested groups), named by their SCIM id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lrs.scim import values
from lrs.scim.errors import invalid
from lrs.scim.schemas import GROUP

#: Longest group name (the people group's column).
MAX_NAME = 200


@dataclass(frozen=True)
class Group:
    display_name: str
    external_id: str | None = None
    #: SCIM ids of the member Users, each once, in the order given.
    members: tuple[str, ...] = ()


def parse_group(body: Any) -> Group:
    """The :class:`Group` a POST or PUT body (or a patched resource) states.

    :raises ScimError: ``invalidSyntax`` or ``invalidValue``, naming the attribute.
    """
    found = values.normalize(body, GROUP)
    members: dict[str, None] = {}
    for index, item in enumerate(values.items(found, "members")):
        where = f"members[{index}]"
        if str(item.get("type") or "User") != "User":
            raise invalid("invalidValue", f"{where}.type: only Users can be members")
        member = values.string(item, "value", f"{where}.value", required=True)
        members[member or ""] = None
    return Group(
        display_name=values.string(found, "displayName", required=True, limit=MAX_NAME) or "",
        external_id=values.string(found, "externalId"),
        members=tuple(members),
    )


def render_group(
    group: Group,
    scim_id: str,
    meta: dict[str, str],
    base: str,
    display: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """The resource a GET answers; ``display`` names members (by SCIM id) when known."""
    display = display or {}
    resource: dict[str, Any] = {"schemas": [GROUP], "id": scim_id}
    if group.external_id is not None:
        resource["externalId"] = group.external_id
    resource["displayName"] = group.display_name
    resource["members"] = [
        {
            "value": member,
            "$ref": f"{base}/Users/{member}",
            "type": "User",
            **({"display": display[member]} if display.get(member) else {}),
        }
        for member in group.members
    ]
    resource["meta"] = {"resourceType": "Group", **meta, "location": f"{base}/Groups/{scim_id}"}
    return resource
