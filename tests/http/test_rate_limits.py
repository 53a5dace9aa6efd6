"""Rate limits: per credential (a Bearer token counts as its client), per address
without credentials, failed authentications per (name, address) and per address,
on the token endpoint per client id and address; 429 with Retry-After."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from lrs.app import create_app
from lrs.http.rate_limit import SweptMemoryStorage
from lrs.settings import Settings, SettingsError
from lrs.store.credentials import IssuedCredential, create_credential
from lrs.store.oauth_clients import create_client
from tests.auth.conftest import bearer
from tests.conftest import basic_auth

STATEMENTS = "/xapi/statements"


@pytest.fixture
def limited(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Flask]]:
    """Apps built with the given settings (rate limits), disposed after the test."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(make_settings(**overrides))
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["lrs"].outbox.stop()
        app.extensions["lrs"].db.engine.dispose()


def _credential(app: Flask, *, oauth: bool = False) -> IssuedCredential:
    runtime = app.extensions["lrs"]
    make = create_client if oauth else create_credential
    with runtime.db.write() as session:
        return make(session, runtime.settings.secret_key, name="c", scopes=["all"])


def _headers(credential: IssuedCredential, secret: str | None = None) -> dict[str, str]:
    if secret is not None:
        credential = IssuedCredential(credential.key, secret, "", [], {})
    return {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}


def _assert_limited(response: TestResponse) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    body = response.get_json()
    assert body["error"] == "too_many_requests"
    assert "3 per 1 minute" in body["message"]


def test_a_credential_over_its_limit_gets_429_with_retry_after_and_json(
    limited: Callable[..., Flask],
) -> None:
    app = limited(rate_limit="3/minute")
    client, credential = app.test_client(), _credential(app)
    for _ in range(3):
        assert client.get(STATEMENTS, headers=_headers(credential)).status_code == 200
    _assert_limited(client.get(STATEMENTS, headers=_headers(credential)))
    _assert_limited(client.post(STATEMENTS, json=[], headers=_headers(credential)))


def test_browser_content_may_read_retry_after(limited: Callable[..., Flask]) -> None:
    app = limited(rate_limit="3/minute")
    client, credential = app.test_client(), _credential(app)
    origin = {"Origin": "https://content.example.com"}
    for _ in range(3):
        client.get(STATEMENTS, headers={**_headers(credential), **origin})
    response = client.get(STATEMENTS, headers={**_headers(credential), **origin})
    _assert_limited(response)
    assert response.headers["Access-Control-Allow-Origin"] == origin["Origin"]
    assert "retry-after" in response.headers["Access-Control-Expose-Headers"].lower()


def test_credentials_are_counted_independently(limited: Callable[..., Flask]) -> None:
    app = limited(rate_limit="3/minute")
    client, first, second = app.test_client(), _credential(app), _credential(app)
    for _ in range(3):
        assert client.get(STATEMENTS, headers=_headers(first)).status_code == 200
    _assert_limited(client.get(STATEMENTS, headers=_headers(first)))
    for _ in range(3):
        assert client.get(STATEMENTS, headers=_headers(second)).status_code == 200
    _assert_limited(client.get(STATEMENTS, headers=_headers(second)))


def test_bearer_tokens_count_against_their_oauth_client(limited: Callable[..., Flask]) -> None:
    app = limited(rate_limit="3/minute")
    client, oauth_client = app.test_client(), _credential(app, oauth=True)
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(oauth_client.key, oauth_client.secret))
    assert response.status_code == 200
    token_headers = bearer(response.get_json()["access_token"])
    assert client.get(STATEMENTS, headers=token_headers).status_code == 200
    assert client.get(STATEMENTS, headers=_headers(oauth_client)).status_code == 200
    assert client.get(STATEMENTS, headers=token_headers).status_code == 200
    _assert_limited(client.get(STATEMENTS, headers=token_headers))
    _assert_limited(client.get(STATEMENTS, headers=_headers(oauth_client)))


def test_wrong_secrets_count_against_the_sender_not_the_key_they_name(
    limited: Callable[..., Flask],
) -> None:
    app = limited(rate_limit="3/minute", rate_limit_failures="2/minute")
    client, victim = app.test_client(), _credential(app)
    attacker = {"REMOTE_ADDR": "10.9.9.9"}
    forged = _headers(victim, secret="wrong")
    # An open endpoint does not check the header: charged to the sender's address.
    assert client.get("/xapi/about", headers=forged, environ_base=attacker).status_code == 200
    for _ in range(2):
        response = client.get(STATEMENTS, headers=forged, environ_base=attacker)
        assert response.status_code == 401
    assert client.get(STATEMENTS, headers=forged, environ_base=attacker).status_code == 429
    assert client.get("/xapi/about", environ_base=attacker).status_code == 200
    for _ in range(3):
        assert client.get(STATEMENTS, headers=_headers(victim)).status_code == 200
    _assert_limited(client.get(STATEMENTS, headers=_headers(victim)))


def test_wrong_secrets_from_an_address_leave_other_keys_from_it_working(
    limited: Callable[..., Flask],
) -> None:
    """Failures count per key named and address; the address's own ceiling is higher."""
    app = limited(rate_limit_failures="3/minute", rate_limit_failures_address="5/minute")
    client = app.test_client()
    victim, neighbour, third = _credential(app), _credential(app), _credential(app)
    shared = {"REMOTE_ADDR": "10.7.7.7"}  # a reverse proxy or a NAT
    for _ in range(3):
        response = client.get(STATEMENTS, headers=_headers(victim, "wrong"), environ_base=shared)
        assert response.status_code == 401
    refused = client.get(STATEMENTS, headers=_headers(victim, "wrong"), environ_base=shared)
    assert refused.status_code == 429
    assert refused.get_json()["message"].startswith(
        "too many failed authentications (3/minute) naming this key, client or admin")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # The same address, other keys: they work.
    neighbour_response = client.get(STATEMENTS, headers=_headers(neighbour), environ_base=shared)
    assert neighbour_response.status_code == 200
    # The named key from another address: it works too.
    assert client.get(STATEMENTS, headers=_headers(victim)).status_code == 200
    # The address's ceiling (5 failures, whatever key) then stops it altogether.
    for _ in range(2):
        response = client.get(STATEMENTS, headers=_headers(third, "wrong"), environ_base=shared)
        assert response.status_code == 401
    ceiling = client.get(STATEMENTS, headers=_headers(neighbour), environ_base=shared)
    assert ceiling.status_code == 429
    assert "failed authentications (5/minute) from this address" in ceiling.get_json()["message"]
    assert client.get(STATEMENTS, headers=_headers(neighbour)).status_code == 200


def test_wrong_secrets_at_the_token_endpoint_do_not_lock_out_the_real_client(
    limited: Callable[..., Flask],
) -> None:
    app = limited(rate_limit_token="5/minute", rate_limit_failures="3/minute")
    client, oauth_client = app.test_client(), _credential(app, oauth=True)
    attacker = {"REMOTE_ADDR": "10.6.6.6"}
    form = {"grant_type": "client_credentials"}
    guesses = [
        {"data": form, "auth": (oauth_client.key, "guess")},
        {"data": {**form, "client_id": oauth_client.key, "client_secret": "guess"}},
    ]
    statuses = [client.post("/oauth/token", environ_base=attacker, **guesses[n % 2]).status_code
                for n in range(6)]
    assert statuses[:3] != [200] * 3 and all(status in (400, 401) for status in statuses[:3])
    assert statuses[3:] == [429, 429, 429]
    # The real client, elsewhere, is not affected by the stranger's guesses.
    for _ in range(5):
        response = client.post("/oauth/token", data=form,
                               auth=(oauth_client.key, oauth_client.secret))
        assert response.status_code == 200
    # Even the right secret from the guessing address waits.
    assert client.post("/oauth/token", data=form, environ_base=attacker,
                       auth=(oauth_client.key, oauth_client.secret)).status_code == 429


def test_requests_without_credentials_are_counted_per_address(
    limited: Callable[..., Flask],
) -> None:
    app = limited(rate_limit="3/minute")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/xapi/about").status_code == 200
    _assert_limited(client.get("/xapi/about"))
    _assert_limited(client.get(STATEMENTS))
    assert client.get("/xapi/about", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 200


def test_the_token_endpoint_limits_each_client_id(limited: Callable[..., Flask]) -> None:
    app = limited(rate_limit_token="2/minute")
    client, first, second = (app.test_client(), _credential(app, oauth=True),
                             _credential(app, oauth=True))
    form = {"grant_type": "client_credentials"}
    for secret in (first.secret, "wrong guess"):
        client.post("/oauth/token", data=form, auth=(first.key, secret))
    response = client.post("/oauth/token", data=form, auth=(first.key, first.secret))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.get_json()["error"] == "too_many_requests"
    # client_secret_post names the client in the form: the same counter.
    posted = client.post("/oauth/token", data={**form, "client_id": first.key,
                                               "client_secret": first.secret})
    assert posted.status_code == 429
    assert client.post("/oauth/token", data=form,
                       auth=(second.key, second.secret)).status_code == 200
    # The limit is the token endpoint's own: the xAPI still answers the client.
    assert client.get(STATEMENTS, headers=_headers(first)).status_code == 200


def test_off_disables_rate_limiting(limited: Callable[..., Flask]) -> None:
    app = limited(rate_limit="off", rate_limit_token="off", rate_limit_failures="off",
                  rate_limit_failures_address="off")
    assert "limiter" not in app.extensions
    client, credential = app.test_client(), _credential(app, oauth=True)
    for _ in range(30):
        assert client.get(STATEMENTS, headers=_headers(credential)).status_code == 200
        assert client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(credential.key, credential.secret)).status_code == 200


def test_malformed_authorization_headers_are_counted_per_address(
    limited: Callable[..., Flask],
) -> None:
    app = limited(rate_limit="3/minute")
    client = app.test_client()
    numeric_sub = base64.urlsafe_b64encode(b'{"sub": 7}').decode().rstrip("=")
    odd = ["Basic !!!", "Bearer not-a-jwt", f"Bearer a.{numeric_sub}.c", "Digest x"]
    for header in odd[:3]:
        response = client.get(STATEMENTS, headers={"Authorization": header})
        assert response.status_code == 401
    _assert_limited(client.get(STATEMENTS, headers={"Authorization": odd[3]}))


@pytest.mark.parametrize(("variable", "value"), [("LRS_RATE_LIMIT", "ten"),
                                                 ("LRS_RATE_LIMIT_TOKEN", "5/fortnight"),
                                                 ("LRS_RATE_LIMIT_FAILURES", "x"),
                                                 ("LRS_RATE_LIMIT_FAILURES_ADDRESS", "1/eon")])
def test_a_malformed_rate_is_refused_at_start_up(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"{variable} must be 'off' or a rate"):
        Settings.from_env({variable: value})


def test_an_unknown_storage_is_refused_at_start_up(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(SettingsError, match="LRS_RATE_LIMIT_STORAGE_URI") as refused:
        create_app(make_settings(rate_limit_storage_uri="carrier-pigeon://bird:seed@loft"))
    assert "seed" not in str(refused.value)


def test_memory_counters_start_no_thread_per_request_and_expire(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = SweptMemoryStorage("weft-memory://")
    started: list[object] = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    for number in range(200):
        storage.incr(f"key{number % 3}", expiry=1)
    assert started == []
    assert storage.get("key0") == 67
    storage.incr("short", expiry=0)
    storage._next_sweep = 0.0  # a second later
    storage.incr("key1", expiry=1)
    assert "short" not in storage.expirations and "short" not in storage.storage


def test_behind_trusted_proxies_clients_are_told_apart_by_x_forwarded_for(
    limited: Callable[..., Flask],
) -> None:
    app = limited(rate_limit_failures="2/minute", trusted_proxies=1)
    client, victim = app.test_client(), _credential(app)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    def via(address: str, secret: str | None = None) -> int:
        headers = {**_headers(victim, secret), "X-Forwarded-For": address}
        return client.get(STATEMENTS, headers=headers, environ_base=proxy).status_code

    assert [via("198.51.100.9", "wrong") for _ in range(3)] == [401, 401, 429]
    assert via("198.51.100.10") == 200
    # The proxy forwards a remote client: plain HTTP to /oauth/token is not loopback.
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"X-Forwarded-For": "198.51.100.10"}, environ_base=proxy,
                           auth=(victim.key, victim.secret))
    assert response.get_json()["error"] == "insecure_transport"


def test_without_trusted_proxies_x_forwarded_for_is_ignored(
    limited: Callable[..., Flask],
) -> None:
    app = limited(rate_limit_failures="2/minute")
    client, victim = app.test_client(), _credential(app)
    statuses = [
        client.get(STATEMENTS, headers={**_headers(victim, "wrong"),
                                        "X-Forwarded-For": f"198.51.100.{n}"},
                   environ_base={"REMOTE_ADDR": "10.5.5.5"}).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]
