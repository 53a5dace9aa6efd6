"""The SCIM schemas Weft serves (RFC 7643 §4, §8.7), and the discovery documents.

Only attributes that Weft keeps are listed: what a provider sends beyond them is
ignored (``password`` above all, which is never stored), and ``/Schemas`` says so
to the providers that read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
#: Attributes that only the server sets: ignored in a body, refused as a PATCH path.
READ_ONLY = frozenset({"id", "meta", "schemas", "groups"})


@dataclass(frozen=True)
class Attribute:
    """One attribute of a schema, as ``/Schemas`` describes it."""

    name: str
    description: str
    type: str = "string"
    multi: bool = False
    required: bool = False
    sub: tuple[Attribute, ...] = ()
    uniqueness: str = "none"
    case_exact: bool = False
    mutability: str = "readWrite"

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": "default",
            "uniqueness": self.uniqueness,
        }
        if self.sub:
            described["subAttributes"] = [attribute.describe() for attribute in self.sub]
        return described


def _strings(*names: str) -> tuple[Attribute, ...]:
    return tuple(Attribute(name, f"the {name}") for name in names)


_TYPED = (
    Attribute("type", "work, home, other..."),
    Attribute("primary", "the preferred one", type="boolean"),
)

USER_ATTRIBUTES = (
    Attribute(
        "userName",
        "unique in the store (case-insensitive); an email address also "
        "becomes one of the person's identities",
        required=True,
        uniqueness="server",
    ),
    Attribute("externalId", "the provider's own id", case_exact=True),
    Attribute(
        "name",
        "the person's name; formatted is the display name when displayName is absent",
        type="complex",
        sub=_strings(
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        ),
    ),
    Attribute("displayName", "the directory's display name"),
    Attribute("nickName", "kept as given"),
    Attribute("profileUrl", "kept as given", type="reference"),
    Attribute("title", "the directory's job title"),
    Attribute("userType", "kept as given"),
    Attribute("preferredLanguage", "kept as given"),
    Attribute("locale", "kept as given"),
    Attribute("timezone", "kept as given"),
    Attribute("active", "false for people who left; they stay in reports", type="boolean"),
    Attribute(
        "emails",
        "each address is an identity of the person; the primary (else "
        "work, else first) one is the directory's email",
        type="complex",
        multi=True,
        sub=(Attribute("value", "the address"), *_TYPED),
    ),
    Attribute(
        "phoneNumbers",
        "kept as given",
        type="complex",
        multi=True,
        sub=(Attribute("value", "the number"), *_TYPED),
    ),
    Attribute(
        "addresses",
        "kept as given",
        type="complex",
        multi=True,
        sub=(
            *_strings("formatted", "streetAddress", "locality", "region", "postalCode", "country"),
            *_TYPED,
        ),
    ),
)
ENTERPRISE_ATTRIBUTES = (
    Attribute("employeeNumber", "the directory's employee id"),
    Attribute("costCenter", "custom attribute cost_center"),
    Attribute("organization", "custom attribute organization"),
    Attribute("division", "custom attribute division"),
    Attribute("department", "the directory's department"),
    Attribute(
        "manager",
        "the manager's SCIM id",
        type="complex",
        sub=(
            Attribute("value", "the manager's id"),
            Attribute("$ref", "the manager's URI", type="reference"),
            Attribute("displayName", "the manager's name", mutability="readOnly"),
        ),
    ),
)
GROUP_ATTRIBUTES = (
    Attribute(
        "displayName",
        "the people group's name, unique in the store",
        required=True,
        uniqueness="server",
    ),
    Attribute("externalId", "the provider's own id", case_exact=True),
    Attribute(
        "members",
        "users of the group",
        type="complex",
        multi=True,
        sub=(
            Attribute("value", "the user's id", mutability="immutable"),
            Attribute("$ref", "the user's URI", type="reference", mutability="immutable"),
            Attribute("display", "the user's name", mutability="readOnly"),
            Attribute("type", "User", mutability="immutable"),
        ),
    ),
)

#: Attributes by schema URN (lowercased), each by lowercased name.
ATTRIBUTES: dict[str, dict[str, Attribute]] = {
    urn.lower(): {attribute.name.lower(): attribute for attribute in attributes}
    for urn, attributes in (
        (USER, USER_ATTRIBUTES),
        (ENTERPRISE, ENTERPRISE_ATTRIBUTES),
        (GROUP, GROUP_ATTRIBUTES),
    )
}

SCHEMA_NAMES = {
    USER: ("User", "User Account", USER_ATTRIBUTES),
    ENTERPRISE: ("EnterpriseUser", "Enterprise User", ENTERPRISE_ATTRIBUTES),
    GROUP: ("Group", "Group", GROUP_ATTRIBUTES),
}


def schemas(base: str) -> list[dict[str, Any]]:
    """``/Schemas``: every schema and its attributes."""
    return [
        {
            "schemas": [SCHEMA],
            "id": urn,
            "name": name,
            "description": description,
            "attributes": [attribute.describe() for attribute in attributes],
            "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"},
        }
        for urn, (name, description, attributes) in SCHEMA_NAMES.items()
    ]


def resource_types(base: str) -> list[dict[str, Any]]:
    """``/ResourceTypes``: Users (with the Enterprise extension) and Groups."""
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person of the store's people directory",
            "schema": USER,
            "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
        },
        {
            "schemas": [RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A static people group of the store",
            "schema": GROUP,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/Group"},
        },
    ]


def service_provider_config(base: str, max_results: int) -> dict[str, Any]:
    """``/ServiceProviderConfig``: what this server supports."""
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": max_results},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "primary": True,
                "description": "A credential with the scim scope, sent as 'Bearer key:secret', "
                "or an OAuth 2.0 access token carrying the scim scope",
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base}/ServiceProviderConfig",
        },
    }


def attribute(schema: str, name: str) -> Attribute | None:
    """The attribute ``name`` of ``schema`` (both case-insensitive), if Weft keeps it."""
    return ATTRIBUTES.get(schema.lower(), {}).get(name.lower())
