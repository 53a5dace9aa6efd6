"""The statement resource runs the hooks: checks before storing, announcements after."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth
from tests.plugins.conftest import RecordingPlugin, runtime, statement
from tests.plugins.test_check_statements import FORBIDDEN, ProfileCheck


def auth(credential: IssuedCredential, version: str) -> dict[str, str]:
    return {"Authorization": basic_auth(credential), "X-Experience-API-Version": version}


def test_statements_post_announces_the_batch_with_its_credential(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    response = app.test_client().post("/xapi/statements", json=[statement(), statement()],
                                      headers=auth(credential, xapi_version))
    assert response.status_code == 200
    runtime(app).outbox.process_pending()
    [call] = recording.called("statements_stored")
    assert list(call["event"].statement_ids) == response.get_json()
    assert call["event"].credential_id is not None
    [checked] = recording.called("check_statements")
    assert checked["version"] == xapi_version
    assert checked["credential_id"] == call["event"].credential_id


def test_statements_put_refused_by_a_plugin_is_400_and_stores_nothing(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
) -> None:
    app = make_app(ProfileCheck())
    client = app.test_client()
    refused = statement(verb=FORBIDDEN)
    response = client.put(f"/xapi/statements?statementId={refused['id']}", json=refused,
                          headers=auth(credential, xapi_version))
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_statement"
    assert body["errors"] == [{"path": "$[0].verb.id", "message": "not allowed by the profile"}]
    found = client.get(f"/xapi/statements?statementId={refused['id']}",
                       headers=auth(credential, xapi_version))
    assert found.status_code == 404
