"""Bounds on what the store indexes, and a clear 503 while the write lock is taken
(issue 15, item 2).

One statement with a 10 MB ``object.id`` and one with 10,000 context activities
held SQLite's write lock for minutes, and every other write got a 500 "database is
locked". Identifiers and indexed lists are now bounded (``LRS_MAX_IRI_BYTES``,
``LRS_MAX_INDEXED_ITEMS``), with a 400 naming the JSON path; the batch's index rows
are written in a constant number of statements; and a write that waits out the
lock gets 503 with ``Retry-After``.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.store.credentials import create_credential
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY, basic_auth, sql_statements

ADA = {"mbox": "mailto:ada@example.com"}
VERB = {"id": "http://adlnet.gov/expapi/verbs/attended"}


def statement(**extra: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "actor": ADA, "verb": VERB,
            "object": {"id": "http://example.com/a"}, **extra}


def activities(count: int) -> list[dict[str, str]]:
    """``count`` activities never seen before (each call's ids are new)."""
    batch = uuid.uuid4().hex
    return [{"id": f"http://example.com/context/{batch}/{n}"} for n in range(count)]


@pytest.fixture
def bounded(make_settings: Callable[..., Settings]) -> tuple[Flask, FlaskClient, str]:
    app = create_app(make_settings(max_iri_bytes=200, max_indexed_items=5))
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        issued = create_credential(session, TEST_SECRET_KEY, name="t", scopes=["all"],
                                   known_scopes=runtime.scopes)
    yield app, app.test_client(), basic_auth(issued)
    runtime.db.engine.dispose()


def post(client: FlaskClient, authorization: str, body: Any) -> Any:
    return client.post("/xapi/statements", json=body, headers={
        "Authorization": authorization, "X-Experience-API-Version": "2.0.0"})


@pytest.mark.parametrize(("extra", "path"), [
    ({"object": {"id": "http://example.com/" + "x" * 200}}, "$.object.id"),
    ({"verb": {"id": "http://example.com/verbs/" + "é" * 100}}, "$.verb.id"),
    ({"actor": {"account": {"homePage": "http://example.com", "name": "n" * 201}}},
     "$.actor.account.name"),
    ({"context": {"contextActivities": {"other": activities(6)}}},
     "$.context.contextActivities.other"),
    ({"context": {"contextActivities": {"grouping": [{"id": "http://e.com/" + "g" * 200}]}}},
     "$.context.contextActivities.grouping[0].id"),
    ({"actor": {"objectType": "Group", "member": [
        {"mbox": f"mailto:m{n}@example.com"} for n in range(6)]}}, "$.actor.member"),
    ({"object": {"objectType": "SubStatement", "actor": ADA, "verb": VERB,
                 "object": {"id": "http://example.com/" + "s" * 200}}}, "$.object.object.id"),
])
def test_statements_post_past_an_index_bound_is_400_at_its_path(
    bounded: tuple[Flask, FlaskClient, str], extra: dict[str, Any], path: str,
) -> None:
    _, client, authorization = bounded
    response = post(client, authorization, [statement(), statement(**extra)])
    assert response.status_code == 400, response.get_data(as_text=True)
    assert [e["path"] for e in response.json["errors"]] == [path.replace("$", "$[1]", 1)]
    assert "LRS_MAX_" in response.json["errors"][0]["message"]
    # Nothing of the batch was stored.
    stored = client.get("/xapi/statements", headers={
        "Authorization": authorization, "X-Experience-API-Version": "2.0.0"})
    assert stored.json["statements"] == []


def test_statements_at_the_bounds_are_stored(bounded: tuple[Flask, FlaskClient, str]) -> None:
    _, client, authorization = bounded
    at_limit = "http://example.com/" + "x" * (200 - len("http://example.com/"))
    body = statement(object={"id": at_limit},
                     context={"contextActivities": {"other": activities(5)}})
    assert post(client, authorization, body).status_code == 200


# The verified-credential cache rechecks revocations once a second: on a slow machine
# that recheck would fall into one of the compared requests and not the other.
@pytest.mark.app_settings(auth_cache_seconds=3600)
def test_many_context_activities_cost_a_constant_number_of_statements(
    app: Flask, client: FlaskClient, headers: dict[str, str],
) -> None:
    def posted(count: int) -> int:
        body = statement(context={"contextActivities": {"other": activities(count)}})
        with sql_statements(app) as executed:
            assert client.post("/xapi/statements", json=body,
                               headers=headers).status_code == 200
        return len(executed)

    posted(1)  # the first request of a credential also records its xAPI version
    assert posted(900) == posted(3)


@pytest.fixture
def sqlite_app(tmp_path: Path) -> tuple[Flask, str, Path]:
    database = tmp_path / "lrs.sqlite3"
    settings = Settings.from_env({}, database_url=f"sqlite:///{database}",
                                 secret_key=TEST_SECRET_KEY,
                                 disabled_plugins=INSTALLED_PLUGINS, sqlite_busy_timeout_ms=200)
    app = create_app(settings)
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        issued = create_credential(session, TEST_SECRET_KEY, name="t", scopes=["all"],
                                   known_scopes=runtime.scopes)
    yield app, basic_auth(issued), database
    runtime.outbox.stop()
    runtime.db.engine.dispose()


def test_a_write_that_waits_out_the_sqlite_lock_gets_503_with_retry_after(
    sqlite_app: tuple[Flask, str, Path],
) -> None:
    app, authorization, database = sqlite_app
    client = app.test_client()
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        response = post(client, authorization, statement())
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "5"
        assert response.json["error"] == "service_unavailable"
        state = client.put("/xapi/activities/state?activityId=http://example.com/a"
                           '&agent={"mbox":"mailto:ada@example.com"}&stateId=s',
                           data=b"{}", headers={"Authorization": authorization,
                                                "X-Experience-API-Version": "2.0.0",
                                                "Content-Type": "application/json"})
        assert state.status_code == 503
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert post(client, authorization, statement()).status_code == 200
