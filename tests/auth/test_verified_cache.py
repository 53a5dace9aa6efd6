"""Verified credentials are remembered per process, and revocation anywhere still wins.

Two applications on one database stand for two workers (or hosts): one revokes,
the other must refuse within ``LRS_AUTH_CACHE_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask

from lrs.app import create_app
from lrs.services import admin
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential
from tests.auth.conftest import bearer, token
from tests.conftest import basic_auth, listening

RECHECK = 0.3


def headers(credential: IssuedCredential) -> dict[str, str]:
    return {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}


@contextmanager
def queries(app: Flask) -> Iterator[list[str]]:
    """The SQL the application sends meanwhile."""
    sent: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    with listening(app, "before_cursor_execute", record):
        yield sent


def worker(make_settings: Callable[..., Settings], **overrides: object) -> Flask:
    return create_app(make_settings(**{"auth_cache_seconds": RECHECK, **overrides}))


def test_a_verified_credential_is_not_looked_up_again(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    app = worker(make_settings)
    credential = make_credential()
    client = app.test_client()
    assert client.get("/xapi/activities/state", headers=headers(credential),
                      query_string={"activityId": "http://e.com/a", "stateId": "s",
                                    "agent": '{"mbox":"mailto:a@e.com"}'}).status_code == 404
    with queries(app) as sent:
        assert client.get("/xapi/activities/state", headers=headers(credential),
                          query_string={"activityId": "http://e.com/a", "stateId": "s",
                                        "agent": '{"mbox":"mailto:a@e.com"}'}).status_code == 404
    assert not [q for q in sent if "FROM credentials" in q]
    wrong = {**headers(credential), "Authorization": basic_auth(credential)[:-4] + "AAA="}
    assert client.get("/xapi/statements", headers=wrong).status_code == 401


def test_revocation_in_another_worker_takes_effect_within_the_recheck_interval(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    serving, revoking = worker(make_settings), worker(make_settings)
    credential = make_credential()
    client = serving.test_client()
    assert client.get("/xapi/statements", headers=headers(credential)).status_code == 200
    admin.revoke_credential(revoking.extensions["lrs"], actor="test", key=credential.key)
    time.sleep(RECHECK + 0.05)
    assert client.get("/xapi/statements", headers=headers(credential)).status_code == 401


def test_revocation_in_this_worker_takes_effect_at_once(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    app = worker(make_settings, auth_cache_seconds=3600)
    credential = make_credential()
    client = app.test_client()
    assert client.get("/xapi/statements", headers=headers(credential)).status_code == 200
    admin.revoke_credential(app.extensions["lrs"], actor="test", key=credential.key)
    assert client.get("/xapi/statements", headers=headers(credential)).status_code == 401


def test_a_token_revoked_in_another_worker_is_refused_within_the_recheck_interval(
    make_settings: Callable[..., Settings], make_client: Callable[..., IssuedCredential],
) -> None:
    serving, revoking = worker(make_settings), worker(make_settings)
    oauth_client = make_client("all")
    client = serving.test_client()
    access_token = token(client, oauth_client)
    assert client.get("/xapi/statements", headers=bearer(access_token)).status_code == 200
    revoked = revoking.test_client().post("/oauth/revoke", data={"token": access_token},
                                          auth=(oauth_client.key, oauth_client.secret))
    assert revoked.status_code == 200
    time.sleep(RECHECK + 0.05)
    assert client.get("/xapi/statements", headers=bearer(access_token)).status_code == 401


def test_with_the_cache_off_every_request_is_verified_in_the_database(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    app = worker(make_settings, auth_cache_seconds=0)
    credential = make_credential()
    client = app.test_client()
    for _ in range(2):
        with queries(app) as sent:
            assert client.get("/xapi/statements", headers=headers(credential)).status_code == 200
        assert [q for q in sent if "FROM credentials" in q]


def test_the_version_a_client_speaks_is_remembered_once(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    app = worker(make_settings)
    credential = make_credential()
    client = app.test_client()
    old = {**headers(credential), "X-Experience-API-Version": "1.0.3"}
    assert client.get("/xapi/statements", headers=old).status_code == 200
    with queries(app) as sent:
        assert client.get("/xapi/statements", headers=old).status_code == 200
    assert not [q for q in sent if q.startswith("UPDATE credentials")]
