"""SCIM's rules at the edge: who may call, which store they see, and every refusal's shape."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from lrs.store.credentials import IssuedCredential
from lrs.store.oauth_clients import create_client
from tests.scim.conftest import ENTERPRISE, GROUP, PATCH_OP, USER, Scim, scim_error
from tests.test_cli import lrs

assert lrs  # the fixture, used by name


def test_without_credentials_or_with_a_bad_token_is_401(scim_app: Flask, scim: Scim) -> None:
    client = scim_app.test_client()
    for headers in (
        {},
        {"Authorization": f"Bearer {scim.credential.key}:wrong"},
        {"Authorization": "Bearer not-a-jwt"},
    ):
        response = client.get("/scim/v2/Users", headers=headers)
        scim_error(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="SCIM"'


@pytest.mark.parametrize("scope", ["all", "metrics/read"])
def test_a_credential_without_the_scim_scope_is_refused(
    scim_app: Flask,
    grant: Callable[..., IssuedCredential],
    scope: str,
) -> None:
    holder = Scim(scim_app.test_client(), grant(scope))
    assert "scim" in scim_error(holder("GET", "/Users"), 403)
    assert "scim" in scim_error(holder("POST", "/Users", {"userName": "x"}), 403)


def test_basic_credentials_and_oauth_tokens_with_the_scope_work(
    scim_app: Flask,
    scim: Scim,
) -> None:
    client = scim_app.test_client()
    pair = base64.b64encode(f"{scim.credential.key}:{scim.credential.secret}".encode())
    assert (
        client.get(
            "/scim/v2/Users", headers={"Authorization": f"Basic {pair.decode()}"}
        ).status_code
        == 200
    )
    runtime = scim_app.extensions["lrs"]
    with runtime.db.write() as session:
        oauth = create_client(
            session,
            runtime.settings.secret_key,
            name="entra",
            scopes=["scim"],
            known_scopes=runtime.scopes,
        )
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(oauth.key, oauth.secret)
    ).get_json()["access_token"]
    created = client.post(
        "/scim/v2/Users",
        json={"schemas": [USER], "userName": "o@x.example"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201


def test_stores_are_apart(
    scim_app: Flask, scim: Scim, grant: Callable[..., IssuedCredential]
) -> None:
    other = Scim(scim_app.test_client(), grant("scim", tenant="acme"))
    mine = scim.create_user("ada@example.com")
    group = scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "G"}).get_json()
    theirs = other.create_user("ada@example.com")  # the same userName, another store
    assert theirs["id"] != mine["id"]
    assert [u["id"] for u in other("GET", "/Users").get_json()["Resources"]] == [theirs["id"]]
    for method, path in (
        ("GET", f"/Users/{mine['id']}"),
        ("DELETE", f"/Users/{mine['id']}"),
        ("GET", f"/Groups/{group['id']}"),
    ):
        scim_error(other(method, path), 404)
    scim_error(
        other.patch(f"/Users/{mine['id']}", {"op": "replace", "path": "active", "value": False}),
        404,
    )
    added = other.patch(
        f"/Groups/{group['id']}",
        {"op": "add", "path": "members", "value": [{"value": theirs["id"]}]},
    )
    scim_error(added, 404)
    created = other(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "G", "members": [{"value": mine["id"]}]},
    )
    assert "members[0].value" in scim_error(created, 400, "invalidValue")
    assert scim("GET", f"/Users/{mine['id']}").get_json()["active"] is True


MALFORMED_USERS: list[tuple[Any, str, str]] = [
    ("not json", "invalidSyntax", "not valid JSON"),
    ([1, 2], "invalidSyntax", "JSON object"),
    ({"schemas": [USER]}, "invalidValue", "userName: is required"),
    ({"userName": 5.5}, "invalidValue", "userName: must be a string"),
    ({"userName": "a", "active": "maybe"}, "invalidValue", "active"),
    ({"userName": "a", "emails": {"value": "x"}}, "invalidValue", "emails[0].value"),
    ({"userName": "a", "emails": "a@b.c"}, "invalidValue", "emails[0]: must be a JSON object"),
    ({"userName": "a", "emails": [{"type": "work"}]}, "invalidValue", "emails[0].value"),
    (
        {
            "userName": "a",
            "emails": [{"value": "a@b.c", "primary": True}, {"value": "d@b.c", "primary": True}],
        },
        "invalidValue",
        "more than one is primary",
    ),
    ({"userName": "a", "name": "Ada"}, "invalidValue", "name: must be a JSON object"),
    ({"userName": "a" * 401}, "invalidValue", "longer than 400"),
    (
        {"userName": "a", ENTERPRISE: {"manager": {"value": "nobody"}}},
        "invalidValue",
        "manager.value: no User",
    ),
    ({"userName": "a", ENTERPRISE: "x"}, "invalidValue", ENTERPRISE),
    ({"userName": "a\x00b"}, "invalidValue", "userName: contains a NUL"),
    ({"userName": "a", "emails": [{"value": "a\x00@b.c"}]}, "invalidValue", "emails[0].value"),
    ({"userName": "a" * 250}, "invalidValue", "employeeNumber: is required"),
    (
        {"userName": "a", "name": {"givenName": "g" * 300, "familyName": "f" * 300}},
        "invalidValue",
        "familyName): longer than 400",
    ),
    ({"userName": "a", "emails": [{"value": "a" * 320 + "@b.c"}]}, "invalidValue", "at most 320"),
]


@pytest.mark.parametrize(("body", "scim_type", "detail"), MALFORMED_USERS)
def test_malformed_users_are_400_naming_the_attribute(
    scim: Scim,
    body: Any,
    scim_type: str,
    detail: str,
) -> None:
    if isinstance(body, str):
        response = scim(
            "POST", "/Users", data=body, headers={"Content-Type": "application/scim+json"}
        )
    else:
        response = scim("POST", "/Users", body)
    assert detail in scim_error(response, 400, scim_type)
    assert scim("GET", "/Users").get_json()["totalResults"] == 0  # nothing half-written


MALFORMED_PATCHES: list[tuple[Any, str, str]] = [
    ({"Operations": [{"op": "add", "path": "title", "value": "x"}]}, "invalidSyntax", "schemas"),
    ({"schemas": [PATCH_OP]}, "invalidSyntax", "Operations"),
    (
        {"schemas": [PATCH_OP], "Operations": [{"op": "move", "path": "title"}]},
        "invalidSyntax",
        "Operations[0].op",
    ),
    (
        {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title"}]},
        "invalidValue",
        "Operations[0].value",
    ),
    ({"schemas": [PATCH_OP], "Operations": [{"op": "remove"}]}, "noTarget", "remove needs a path"),
    (
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "add", "path": "emails[type eq", "value": 1}],
        },
        "invalidPath",
        "path",
    ),
    (
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "id", "value": "x"}]},
        "mutability",
        "id is read-only",
    ),
    (
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": "x"}]},
        "invalidValue",
        "when there is no path",
    ),
    (
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "replace", "path": "title", "value": "kept?"},
                {"op": "remove", "path": "userName"},
            ],
        },
        "invalidValue",
        "userName: is required",
    ),
    (
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": 'emails[value co "x"].type', "value": "home"}],
        },
        "noTarget",
        "no item of emails",
    ),
    (
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "emails.value", "value": "x"}],
        },
        "invalidPath",
        "filter",
    ),
]


@pytest.mark.parametrize(("body", "scim_type", "detail"), MALFORMED_PATCHES)
def test_malformed_patches_are_400_and_change_nothing(
    scim: Scim,
    body: Any,
    scim_type: str,
    detail: str,
) -> None:
    user = scim.create_user("ada@example.com", title="Analyst")
    assert detail in scim_error(scim("PATCH", f"/Users/{user['id']}", body), 400, scim_type)
    assert scim("GET", f"/Users/{user['id']}").get_json() == user


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("userName", "expected an operator"),
        ('userName eq "ada', "expected a value"),
        ('(userName eq "a"', "expected ')'"),
        ('userName eq "a" junk', "unexpected text"),
        ('userName xx "a"', "expected an operator"),
        ("(" * 40 + 'userName eq "a"' + ")" * 40, "nested deeper"),
        ('nickName eq "a"', "nickName cannot be filtered on"),
        ('emails[type eq "home"].value eq "a"', "cannot be filtered on"),
        ('active eq "yes"', "active takes eq or ne with true or false"),
        ("userName eq 5", "compare userName with a string"),
        ('userName eq "a\x00"', "a NUL character"),
        ('userName eq "a\\u0000"', "a NUL character"),
        ('displayName eq "\\ud800"', "a lone UTF-16 surrogate"),
        ('emails.value co "\\udfff"', "a lone UTF-16 surrogate"),
        ("userName eq \u0663", "expected a value"),
    ],
)
def test_malformed_filters_are_400_invalid_filter(scim: Scim, query: str, detail: str) -> None:
    assert detail in scim_error(
        scim("GET", "/Users", query_string={"filter": query}), 400, "invalidFilter"
    )


def test_filters_and_paging(scim: Scim) -> None:
    ids = {}
    for name, title, department in (
        ("ada", "Rep", "Sales"),
        ("bob", "Rep", "Ops"),
        ("cy", "Boss", "Sales"),
        ("dee_x", None, None),
    ):
        extra: dict[str, Any] = {"title": title} if title else {}
        if department:
            extra[ENTERPRISE] = {"department": department, "employeeNumber": name.upper()}
        ids[name] = scim.create_user(f"{name}@example.com", displayName=name.title(), **extra)["id"]

    def found(query: str, **params: Any) -> list[str]:
        body = scim("GET", "/Users", query_string={"filter": query, **params}).get_json()
        names = {v: k for k, v in ids.items()}
        return [names[item["id"]] for item in body["Resources"]]

    assert found('displayName sw "a" or title eq "boss"') == ["ada", "cy"]
    assert found('userName co "_"') == ["dee_x"]  # LIKE wildcards are literal
    assert found('title eq "Rep" and not (displayName eq "ADA")') == ["bob"]
    assert found(f'{ENTERPRISE}:department eq "sales"') == ["ada", "cy"]
    assert found(f'{ENTERPRISE}:employeeNumber eq "BOB"') == ["bob"]
    assert found("title pr") == ["ada", "bob", "cy"]
    assert found('emails co "@example.com" and userName ew "y@example.com"') == ["cy"]
    assert found('title ne "Rep"') == ["cy", "dee_x"]
    page = scim("GET", "/Users", query_string={"startIndex": 2, "count": 2}).get_json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (4, 2, 2)
    assert [item["displayName"] for item in page["Resources"]] == ["Bob", "Cy"]
    assert scim("GET", "/Users?count=0").get_json()["Resources"] == []
    assert scim("GET", "/Users?startIndex=-5&count=1").get_json()["startIndex"] == 1
    assert "count" in scim_error(scim("GET", "/Users?count=ten"), 400, "invalidValue")
    shown = scim("GET", f"/Users/{ids['ada']}?attributes=userName").get_json()
    assert set(shown) == {"schemas", "id", "userName", "meta"}


@pytest.mark.parametrize("start", ["9223372036854775809", "9" * 5000])
def test_a_start_index_past_any_offset_lists_nothing(scim: Scim, start: str) -> None:
    for path in ("/Users", "/Groups"):
        page = scim("GET", path, query_string={"startIndex": start}).get_json()
        assert page["Resources"] == [] and page["itemsPerPage"] == 0, page


@pytest.mark.parametrize("name", ["startIndex", "count"])
def test_paging_numbers_are_ascii_digits(scim: Scim, name: str) -> None:
    detail = scim_error(scim("GET", "/Users", query_string={name: "\u0663"}), 400,
                        "invalidValue")
    assert name in detail


def test_paging_is_capped_by_the_setting(make_settings: Any, recorder: Any) -> None:
    from lrs.app import create_app
    from lrs.store.credentials import create_credential

    app = create_app(make_settings(scim_max_results=2, outbox_inline=False))
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        holder = create_credential(
            session,
            runtime.settings.secret_key,
            name="idp",
            scopes=["scim"],
            known_scopes=runtime.scopes,
        )
    scim = Scim(app.test_client(), holder)
    for name in ("a", "b", "c"):
        scim.create_user(f"{name}@example.com")
    page = scim("GET", "/Users?count=50").get_json()
    assert (page["totalResults"], page["itemsPerPage"]) == (3, 2)
    config = scim("GET", "/ServiceProviderConfig").get_json()
    assert config["filter"] == {"supported": True, "maxResults": 2}
    runtime.db.engine.dispose()


def test_discovery_documents(scim: Scim) -> None:
    config = scim("GET", "/ServiceProviderConfig").get_json()
    assert config["patch"] == {"supported": True} and config["bulk"]["supported"] is False
    types = scim("GET", "/ResourceTypes").get_json()
    assert [t["id"] for t in types["Resources"]] == ["User", "Group"]
    assert scim("GET", "/ResourceTypes/User").get_json()["schemaExtensions"] == [
        {"schema": ENTERPRISE, "required": False}
    ]
    listed = scim("GET", "/Schemas").get_json()["Resources"]
    assert [s["id"] for s in listed] == [USER, ENTERPRISE, GROUP]
    user = scim("GET", f"/Schemas/{USER}").get_json()
    assert "password" not in {a["name"] for a in user["attributes"]}
    assert {"userName", "emails", "active"} <= {a["name"] for a in user["attributes"]}
    scim_error(scim("GET", "/Schemas/urn:nope"), 404)


def test_unknown_endpoints_and_methods(scim: Scim) -> None:
    assert "ResourceTypes" in scim_error(scim("GET", "/Bulk"), 404)
    response = scim("DELETE", "/Users")
    scim_error(response, 405)
    assert response.headers["Allow"] == "GET, POST"
    assert scim("HEAD", "/Users").status_code == 200
    scim_error(scim("GET", "/Users/no-such-id"), 404)
    scim_error(scim("GET", "/Users/a%00b"), 404)


def test_nothing_malformed_is_a_500(scim: Scim) -> None:
    user = scim.create_user("ada@example.com")
    group = scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "G"}).get_json()
    values: list[Any] = [
        None,
        1,
        "x",
        True,
        [],
        {},
        [None],
        [{}],
        {"value": None},
        [{"value": 1}],
        {"a": {"b": []}},
    ]
    paths = [
        None,
        "members",
        "members[value eq 1]",
        'emails[type eq "work"].value',
        "name.givenName",
        f"{ENTERPRISE}:manager",
        "active",
        "members.value",
        f"{ENTERPRISE}",
        "urn:x:y:z",
        "displayName",
        "externalId",
        "emails",
    ]
    for target in (f"/Users/{user['id']}", f"/Groups/{group['id']}"):
        for op in ("add", "replace", "remove"):
            for path in paths:
                for value in values:
                    operation: dict[str, Any] = {"op": op, "value": value}
                    if path:
                        operation["path"] = path
                    response = scim.patch(target, operation)
                    assert response.status_code < 500, (target, operation)
        for value in values:
            for method in ("PUT", "POST"):
                url = target if method == "PUT" else target.rsplit("/", 1)[0]
                body = (
                    value
                    if not isinstance(value, dict)
                    else {"userName": "z@example.com", "displayName": "Z", **value}
                )
                assert scim(method, url, body).status_code < 500, (method, url, body)


def test_the_token_lrs_credentials_create_prints_provisions(scim_app: Flask, lrs: Any) -> None:
    result = lrs("credentials", "create", "--name", "entra-id", "--scope", "scim")
    assert result.exit_code == 0, result.output
    token = re.search(r"secret token: (\S+)", result.output)
    assert token is not None and "/scim/v2" in result.output
    created = scim_app.test_client().post(
        "/scim/v2/Users",
        json={"schemas": [USER], "userName": "ada@example.com"},
        headers={"Authorization": f"Bearer {token.group(1)}"},
    )
    assert created.status_code == 201
    plain = lrs("credentials", "create", "--name", "lms", "--scope", "all")
    assert "secret token" not in plain.output


def test_a_secret_token_is_rate_limited_as_its_key(make_settings: Any) -> None:
    from lrs.app import create_app
    from lrs.store.credentials import create_credential

    app = create_app(
        make_settings(rate_limit="3/minute", rate_limit_failures="2/minute", outbox_inline=False)
    )
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        holder = create_credential(
            session,
            runtime.settings.secret_key,
            name="idp",
            scopes=["scim"],
            known_scopes=runtime.scopes,
        )
    client, attacker = app.test_client(), {"REMOTE_ADDR": "10.9.9.9"}
    forged = {"Authorization": f"Bearer {holder.key}:wrong"}
    for _ in range(2):
        assert (
            client.get("/scim/v2/Users", headers=forged, environ_base=attacker).status_code == 401
        )
    assert client.get("/scim/v2/Users", headers=forged, environ_base=attacker).status_code == 429
    real = {"Authorization": f"Bearer {holder.key}:{holder.secret}"}
    for _ in range(3):
        assert client.get("/scim/v2/Users", headers=real).status_code == 200
    limited = client.get("/scim/v2/Users", headers=real)
    assert "rate limit" in scim_error(limited, 429) and limited.headers["Retry-After"]
    runtime.db.engine.dispose()


def test_a_secret_token_never_reaches_the_logs(
    scim: Scim,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from lrs.masking import redact

    assert scim.credential.secret not in redact(f"Authorization: Bearer {scim.token}")
    with caplog.at_level(logging.INFO, logger="lrs"):
        logging.getLogger("lrs.test").warning("header was Bearer %s", scim.token)
        scim("GET", "/Users")
    assert caplog.records and scim.credential.secret not in caplog.text


def test_a_secret_token_opens_scim_only(scim_app: Flask, grant: Any) -> None:
    both = grant("scim", "all")
    holder = Scim(scim_app.test_client(), both)
    assert holder("GET", "/Users").status_code == 200  # verified (and remembered) here...
    xapi = holder.client.get(
        "/xapi/statements",
        headers={"Authorization": f"Bearer {holder.token}", "X-Experience-API-Version": "2.0.0"},
    )
    assert xapi.status_code == 401  # ...but xAPI takes Basic or an OAuth token only
