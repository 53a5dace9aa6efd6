"""``/api/competency``'s credentials: a person's Open Badges 3.0 credentials and CLR 2.0
bundle (scope ``competency/issue``), and the store's issuer profile, JWKS and public
key, which anyone may read (a verifier has no credential of ours).

The issuer's URL is ``LRS_PLUGIN_COMPETENCY_ISSUER_URL`` (the server's public
``https://`` root) when set, else the root the request came to, followed by
``/api/competency/issuer/{store id}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from lrs.plugin.host import Host
from plugins.competency.credentials import Issuer, badges, clr, sign
from plugins.competency.errors import not_found
from plugins.competency.issuer import public_key

ISSUE = "competency/issue"


def issuer_for(host: Host, tenant_id: int) -> Issuer:
    config = host.plugin_config("competency")
    root = (config.get("issuer_url") or request.url_root).rstrip("/")
    return Issuer(f"{root}/api/competency/issuer/{tenant_id}", config.get("issuer_name", "Weft"))


def add_credential_routes(blueprint: Blueprint, host: Host) -> None:
    @blueprint.get("/people/<employee_id>/credentials")
    @host.requires(ISSUE)
    def credentials(employee_id: str) -> Any:
        tenant_id = g.principal.tenant_id
        issuer = issuer_for(host, tenant_id)
        _, found = badges(
            host, tenant_id, employee_id, issuer, competency=request.args.get("competency") or None
        )
        return jsonify(
            {
                "credentials": [
                    {
                        "competency": c["credentialSubject"]["achievement"]["id"],
                        "jwt": sign(host, tenant_id, c, issuer),
                        "credential": c,
                    }
                    for c in found
                ]
            }
        )

    @blueprint.get("/people/<employee_id>/clr")
    @host.requires(ISSUE)
    def bundle(employee_id: str) -> Any:
        tenant_id = g.principal.tenant_id
        issuer = issuer_for(host, tenant_id)
        credential = clr(*badges(host, tenant_id, employee_id, issuer), issuer)
        return jsonify({"jwt": sign(host, tenant_id, credential, issuer), "credential": credential})

    @blueprint.get("/issuer/<int:tenant_id>")
    def issuer_profile(tenant_id: int) -> Any:
        return jsonify(issuer_for(host, tenant_id).profile())

    @blueprint.get("/issuer/<int:tenant_id>/jwks.json")
    def jwks(tenant_id: int) -> Any:
        key = public_key(host, tenant_id)
        issuer = issuer_for(host, tenant_id)
        keys = [] if key is None else [{**key, "kid": issuer.key_url(key["kid"])}]
        response = jsonify({"keys": keys})
        if keys:  # an empty set is not kept: the key may be made any moment
            response.cache_control.public, response.cache_control.max_age = True, 300
        return response

    @blueprint.get("/issuer/<int:tenant_id>/keys/<thumbprint>")
    def key(tenant_id: int, thumbprint: str) -> Any:
        found = public_key(host, tenant_id)
        if found is None or found["kid"] != thumbprint:
            raise not_found(f"no key {thumbprint!r}")
        return jsonify({**found, "kid": issuer_for(host, tenant_id).key_url(thumbprint)})
