"""Store use cases below HTTP: batches, voiding, canonical activities, streaming."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lrs.models import DEFAULT_TENANT_ID, Activity, Attachment, Statement
from lrs.store.queries import StatementQuery, find_page, get_statement, stream
from lrs.store.statements import store_statements
from lrs.xapi.errors import BadRequest, Conflict
from lrs.xapi.multipart import AttachmentPart
from lrs.xapi.versions import XapiVersion
from tests.http.statement_helpers import make_statement, new_id, orphan_link_rows, voiding

AUTHORITY = {"objectType": "Agent", "mbox": "mailto:lrs@example.com"}


def store(app: Flask, statements: list[dict[str, Any]], **kwargs: Any) -> list[str]:
    with app.extensions["lrs"].db.write() as session:
        return store_statements(
            session, tenant_id=DEFAULT_TENANT_ID, statements=statements, authority=AUTHORITY,
            credential_id=None, version=XapiVersion.V2_0_0, **kwargs,
        ).ids


def test_store_statements_is_all_or_nothing(app: Flask) -> None:
    kept = make_statement(id=new_id())
    store(app, [kept])
    with pytest.raises(Conflict):
        store(app, [make_statement(), {**kept, "verb": {"id": "http://example.com/v/x"}}])
    with pytest.raises(BadRequest):
        store(app, [make_statement(id=kept["id"].upper()), make_statement(id=kept["id"])])
    with app.extensions["lrs"].db.read() as session:
        assert session.scalars(select(Statement.statement_id)).all() == [kept["id"]]


def test_a_refused_batch_leaves_no_link_rows_and_a_retry_skips_only_stored_ids(
    app: Flask,
) -> None:
    """Nothing of a refused batch stays findable; an equivalent retry beside a new
    statement stores the new one with its link rows (found by agent and activity) and
    only it (PostgreSQL skips the stored id in the INSERT itself)."""
    kept = make_statement(id=new_id())
    store(app, [kept])
    refused = make_statement(id=new_id(), mbox="mailto:refused@example.com",
                             activity="http://example.com/activities/refused")
    with pytest.raises(Conflict) as caught:
        store(app, [refused, {**kept, "verb": {"id": "http://example.com/v/x"}}])
    assert caught.value.errors[0].path == "$[1].id"
    fresh = make_statement(id=new_id(), mbox="mailto:fresh@example.com",
                           activity="http://example.com/activities/fresh")
    with app.extensions["lrs"].db.write() as session:
        batch = store_statements(
            session, tenant_id=DEFAULT_TENANT_ID, statements=[kept, fresh],
            authority=AUTHORITY, credential_id=None, version=XapiVersion.V2_0_0)
    assert (batch.ids, batch.new) == ([kept["id"], fresh["id"]], 1)
    with app.extensions["lrs"].db.read() as session:
        def found(**query: Any) -> list[str]:
            page = find_page(session, DEFAULT_TENANT_ID, StatementQuery(**query), limit=10)
            return [json.loads(s.payload)["id"] for s in page.statements]

        assert found(agent="mbox:mailto:refused@example.com") == []
        assert found(activity="http://example.com/activities/refused") == []
        assert found(agent="mbox:mailto:fresh@example.com") == [fresh["id"]]
        assert found(activity="http://example.com/activities/fresh") == [fresh["id"]]
        assert sorted(session.scalars(select(Statement.statement_id)).all()) == sorted(
            [kept["id"], fresh["id"]])
        assert orphan_link_rows(session) == 0


def test_store_statements_voids_targets_in_the_same_batch(app: Flask) -> None:
    target = make_statement(id=new_id())
    store(app, [target, voiding(target["id"])])
    with app.extensions["lrs"].db.read() as session:
        assert get_statement(session, DEFAULT_TENANT_ID, target["id"], voided=False) is None
        assert get_statement(session, DEFAULT_TENANT_ID, target["id"], voided=True) is not None


def test_a_retried_voiding_statement_voids_nothing_more(app: Flask) -> None:
    """A voiding statement stored before its target voided nothing; sent again (a
    retry, skipped as already stored) it must not void the target stored since."""
    target = make_statement(id=new_id())
    voider = {**voiding(target["id"]), "id": new_id()}
    store(app, [voider])
    store(app, [target])
    store(app, [voider, make_statement(id=new_id())])
    with app.extensions["lrs"].db.read() as session:
        assert get_statement(session, DEFAULT_TENANT_ID, target["id"], voided=False) is not None


def test_store_statements_merges_canonical_activity_definitions(app: Flask) -> None:
    activity = "http://example.com/activities/merged"
    first = make_statement(activity=activity)
    second = make_statement(activity=activity)
    second["object"]["definition"] = {"name": {"de-DE": "Eins"},
                                      "type": "http://adlnet.gov/expapi/activities/lesson"}
    store(app, [first])
    store(app, [second])
    with app.extensions["lrs"].db.read() as session:
        stored = json.loads(session.scalar(
            select(Activity.definition).where(Activity.activity_id == activity)))
    assert stored["definition"]["name"] == {"en-US": "One", "fr-FR": "Un", "de-DE": "Eins"}
    assert stored["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"


def test_store_statements_keeps_one_copy_of_each_attachment(app: Flask) -> None:
    sha2 = "a" * 64
    part = AttachmentPart(sha2, "text/plain", b"hello")
    attachment = {"usageType": "http://example.com/u", "display": {"en-US": "a"},
                  "contentType": "text/plain", "length": 5, "sha2": sha2}
    for _ in range(2):
        store(app, [make_statement(attachments=[attachment])], attachments={sha2: part})
    with app.extensions["lrs"].db.read() as session:
        assert session.scalars(select(Attachment.content)).all() == [b"hello"]
        page = find_page(session, DEFAULT_TENANT_ID, StatementQuery(), limit=10)
    assert [s.attachment_sha2s for s in page.statements] == [(sha2,), (sha2,)]


def test_stream_yields_every_statement_in_stored_order(app: Flask) -> None:
    ids = store(app, [make_statement() for _ in range(25)])
    with app.extensions["lrs"].db.read() as session:
        streamed = [json.loads(s.payload)["id"]
                    for s in stream(session, DEFAULT_TENANT_ID, StatementQuery(ascending=True),
                                    batch=7)]
    assert streamed == ids
