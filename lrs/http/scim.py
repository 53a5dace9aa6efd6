"""``/scim/v2``: the SCIM 2.0 service provider identity providers and HR systems provision into.

Thin: each view reads the request, calls :mod:`lrs.services.scim_users` or
:mod:`lrs.services.scim_groups` as the calling credential (its store, its key in
the audit trail), and answers ``application/scim+json``. Every view needs the
``scim`` scope, which no other scope implies; the credential may send its
``key:secret`` as a Bearer token (what Entra ID's "secret token" and Okta's
"HTTP header" authentication send), Basic credentials, or an OAuth 2.0 access
token. Every refusal, whatever raised it, is a SCIM error (RFC 7644 §3.12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, json, request
from werkzeug.exceptions import HTTPException

from lrs.auth.protector import protect
from lrs.http.body import parse_json, read_body
from lrs.plugin.request import request_source
from lrs.runtime import current_runtime
from lrs.scim import schemas
from lrs.scim.errors import ScimError, error_body, invalid
from lrs.scim.projection import project, wants
from lrs.services import scim_groups, scim_users
from lrs.services.scim import Caller, read_page
from lrs.xapi.errors import BadRequest, XapiError

MEDIA_TYPE = "application/scim+json"
PREFIX = "/scim/v2"
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def create_scim_blueprint() -> Blueprint:
    bp = Blueprint("scim", __name__, url_prefix=PREFIX)
    bp.after_request(_as_scim_error)
    for error in (ScimError, XapiError, HTTPException):
        bp.register_error_handler(error, _error)
    _route(bp, "/Users", "users", GET=_list_users, POST=_create_user)
    _route(
        bp,
        "/Users/<scim_id>",
        "user",
        GET=_get_user,
        PUT=_put_user,
        PATCH=_patch_user,
        DELETE=_delete_user,
    )
    _route(bp, "/Groups", "groups", GET=_list_groups, POST=_create_group)
    _route(
        bp,
        "/Groups/<scim_id>",
        "group",
        GET=_get_group,
        PUT=_put_group,
        PATCH=_patch_group,
        DELETE=_delete_group,
    )
    _route(bp, "/ServiceProviderConfig", "config", GET=_config)
    _route(bp, "/ResourceTypes", "resource_types", GET=_resource_types)
    _route(bp, "/ResourceTypes/<name>", "resource_type", GET=_resource_type)
    _route(bp, "/Schemas", "schemas", GET=_schemas)
    _route(bp, "/Schemas/<urn>", "schema", GET=_schema)
    _route(
        bp,
        "/<path:rest>",
        "unknown",
        GET=_unknown,
        POST=_unknown,
        PUT=_unknown,
        PATCH=_unknown,
        DELETE=_unknown,
    )
    return bp


def _route(bp: Blueprint, rule: str, endpoint: str, **views: Callable[..., Any]) -> None:
    """One URL, every method: those it does not serve get a SCIM 405, not Flask's."""

    def dispatch(**kwargs: Any) -> Any:
        if any("\x00" in str(value) for value in kwargs.values()):
            raise ScimError(f"no SCIM resource {request.path!r}", status_code=404)
        view = views.get("GET" if request.method == "HEAD" else request.method)
        if view is None:
            raise ScimError(
                f"{request.method} is not allowed on {request.path}",
                status_code=405,
                headers={"Allow": ", ".join(sorted(views))},
            )
        return view(**kwargs)

    dispatch.__name__ = f"scim_{endpoint}"
    bp.add_url_rule(rule, endpoint, protect("scim", key_bearer=True)(dispatch), methods=_METHODS)


def _caller() -> Caller:
    principal = g.principal
    return Caller(
        tenant_id=principal.tenant_id,
        actor=f"credential:{principal.key}",
        base=_base(),
        source=request_source(),
    )


def _base() -> str:
    return request.url_root.rstrip("/") + PREFIX


def _body() -> Any:
    try:
        return parse_json(read_body())
    except BadRequest as exc:
        raise invalid("invalidSyntax", exc.message) from None


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE, headers=headers or {})


def _resource(resource: dict[str, Any], status: int = 200) -> Response:
    headers = {"Location": resource["meta"]["location"]} if status == 201 else None
    shown = project(
        resource, request.args.get("attributes"), request.args.get("excludedAttributes")
    )
    return _answer(shown, status, headers)


def _listing(listing: dict[str, Any]) -> Response:
    attributes, excluded = request.args.get("attributes"), request.args.get("excludedAttributes")
    listing["Resources"] = [project(item, attributes, excluded) for item in listing["Resources"]]
    return _answer(listing)


def _page() -> Any:
    return read_page(request.args.to_dict(), current_runtime().settings.scim_max_results)


def _list_users() -> Response:
    return _listing(scim_users.list_users(current_runtime(), _caller(), _page()))


def _create_user() -> Response:
    return _resource(scim_users.create_user(current_runtime(), _caller(), _body()), 201)


def _get_user(scim_id: str) -> Response:
    return _resource(scim_users.get_user(current_runtime(), _caller(), scim_id))


def _put_user(scim_id: str) -> Response:
    return _resource(scim_users.replace_user(current_runtime(), _caller(), scim_id, _body()))


def _patch_user(scim_id: str) -> Response:
    return _resource(scim_users.patch_user(current_runtime(), _caller(), scim_id, _body()))


def _delete_user(scim_id: str) -> Response:
    scim_users.delete_user(current_runtime(), _caller(), scim_id)
    return Response(status=204)


def _members_wanted() -> bool:
    return wants(request.args.get("attributes"), request.args.get("excludedAttributes"), "members")


def _list_groups() -> Response:
    return _listing(
        scim_groups.list_groups(current_runtime(), _caller(), _page(), _members_wanted())
    )


def _create_group() -> Response:
    return _resource(scim_groups.create_group(current_runtime(), _caller(), _body()), 201)


def _get_group(scim_id: str) -> Response:
    return _resource(
        scim_groups.get_group(current_runtime(), _caller(), scim_id, _members_wanted())
    )


def _put_group(scim_id: str) -> Response:
    return _resource(scim_groups.replace_group(current_runtime(), _caller(), scim_id, _body()))


def _patch_group(scim_id: str) -> Response:
    return _resource(scim_groups.patch_group(current_runtime(), _caller(), scim_id, _body()))


def _delete_group(scim_id: str) -> Response:
    scim_groups.delete_group(current_runtime(), _caller(), scim_id)
    return Response(status=204)


def _config() -> Response:
    return _answer(
        schemas.service_provider_config(_base(), current_runtime().settings.scim_max_results)
    )


def _discovery(items: list[dict[str, Any]]) -> Response:
    return _answer(
        {
            "schemas": [schemas.LIST_RESPONSE],
            "totalResults": len(items),
            "startIndex": 1,
            "itemsPerPage": len(items),
            "Resources": items,
        }
    )


def _resource_types() -> Response:
    return _discovery(schemas.resource_types(_base()))


def _resource_type(name: str) -> Response:
    return _one(schemas.resource_types(_base()), name, "resource type")


def _schemas() -> Response:
    return _discovery(schemas.schemas(_base()))


def _schema(urn: str) -> Response:
    return _one(schemas.schemas(_base()), urn, "schema")


def _one(items: list[dict[str, Any]], wanted: str, what: str) -> Response:
    for item in items:
        if item["id"].lower() == wanted.lower():
            return _answer(item)
    raise ScimError(f"no {what} {wanted!r}", status_code=404)


def _unknown(rest: str) -> Response:
    raise ScimError(
        f"no SCIM endpoint {PREFIX}/{rest} (see {PREFIX}/ResourceTypes)", status_code=404
    )


def _error(exc: Exception) -> Response:
    """A refusal as a SCIM error; a 409 is a ``uniqueness`` conflict."""
    headers: dict[str, str] = {}
    if isinstance(exc, ScimError):
        status, scim_type, detail = exc.status, exc.scim_type, exc.message
        headers = exc.headers
    elif isinstance(exc, XapiError):
        status, detail, headers = exc.status, exc.message, exc.headers
        scim_type = {400: "invalidValue", 409: "uniqueness"}.get(status)
    else:
        assert isinstance(exc, HTTPException)
        status, scim_type = exc.code or 500, None
        detail = exc.description or exc.name
    if status == 401:
        headers = {**headers, "WWW-Authenticate": 'Bearer realm="SCIM"'}
    return _answer(error_body(status, detail, scim_type), status, headers)


def _as_scim_error(response: Response) -> Response:
    """What the application's own handlers answered (the rate limits' 429, a busy
    database's 503, an unexpected 500: ``{"error", "message"}``) as a SCIM error."""
    if response.status_code < 400 or response.mimetype != "application/json":
        return response
    body = response.get_json(silent=True) or {}
    detail = str(body.get("message") or body.get("error") or response.status)
    response.set_data(json.dumps(error_body(response.status_code, detail)))
    response.mimetype = MEDIA_TYPE
    return response
