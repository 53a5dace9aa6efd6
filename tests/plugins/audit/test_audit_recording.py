"""Entries are appended for statements (stored and voided), documents and admin actions."""

from __future__ import annotations

import hashlib
import json
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lrs.models import Statement
from lrs.plugin.testing import deliver
from lrs.services import admin
from plugins.audit.trail import Filters, trail_for
from tests.plugins.audit.conftest import after_start_up, post
from tests.plugins.conftest import AUTHORITY, runtime, statement

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def _entries(app: Flask) -> list[dict]:
    return after_start_up(list(trail_for(runtime(app).host).entries(Filters(tenant_id=1))))


def test_audit_records_stored_and_voided_statements_through_http(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    first, second = statement(verb=COMPLETED), statement()
    post(audit_client, auth, [first, second])
    void = {"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:admin@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": second["id"]}}
    post(audit_client, auth, [void])
    deliver(audit_app)
    entries = _entries(audit_app)
    assert [(e["seq"], e["action"], e["target"]) for e in entries] == [
        (2, "statement.stored", f"statement:{first['id']}"),
        (3, "statement.stored", f"statement:{second['id']}"),
        (4, "statement.voided", f"statement:{second['id']}"),
    ]
    assert entries[0]["person"] == "mbox:mailto:learner@example.com"
    assert entries[0]["activity"] == "http://example.com/activities/one"
    assert entries[0]["after"]["verb"] == COMPLETED
    with runtime(audit_app).db.read() as session:  # the fingerprint of the text as stored
        payloads = dict(session.execute(select(Statement.statement_id, Statement.payload)).all())
    assert [e["after"]["sha256"] for e in entries[:2]] == [
        hashlib.sha256(payloads[s["id"]].encode()).hexdigest() for s in (first, second)]
    assert entries[0]["actor"].startswith("credential:")
    assert entries[0]["source"]["ip"] == "127.0.0.1" and entries[0]["source"]["request_id"]
    assert entries[2]["before"] == {"voided": False}
    assert entries[2]["after"] == {"voided": True, "by": void["id"]}
    assert entries[1]["prev_hash"] == entries[0]["hash"]


def test_audit_records_document_changes_with_etags_before_and_after(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    query = {"activityId": "http://example.com/a", "agent": json.dumps(
        {"mbox": "mailto:learner@example.com"}), "stateId": "bookmark"}
    created = audit_client.put("/xapi/activities/state", query_string=query, data=b"page 1",
                               headers=auth)
    assert created.status_code == 204
    assert audit_client.put("/xapi/activities/state", query_string=query, data=b"page 2",
                            headers={**auth, "If-Match": "*"}
                            ).status_code == 204
    assert audit_client.delete("/xapi/activities/state", query_string=query,
                               headers=auth).status_code == 204
    deliver(audit_app)
    entries = _entries(audit_app)
    assert [e["action"] for e in entries] == ["document.stored", "document.stored",
                                              "document.deleted"]
    assert all(e["target"].endswith("|bookmark") and e["target"].startswith("state:")
               for e in entries)
    assert entries[0]["before"] is None and entries[0]["after"]["etag"]
    assert entries[1]["before"] == entries[0]["after"]
    assert entries[2]["before"] == entries[1]["after"] and entries[2]["after"] is None
    assert entries[0]["actor"].startswith("credential:")
    assert entries[0]["source"]["ip"] == "127.0.0.1"
    assert entries[0]["person"] == "mbox:mailto:learner@example.com"


def test_audit_records_admin_actions(audit_app: Flask) -> None:
    rt = runtime(audit_app)
    issued = admin.create_credential(rt, actor="cli:alice", name="lms", scopes=["all"])
    admin.revoke_credential(rt, actor="cli:bob", key=issued.key,
                            source={"cli": "bob@ops-host"})
    deliver(audit_app)
    entries = _entries(audit_app)
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("cli:alice", "credential.created", f"credential:{issued.key}"),
        ("cli:bob", "credential.revoked", f"credential:{issued.key}"),
    ]
    assert [e["source"] for e in entries] == [None, {"cli": "bob@ops-host"}]
    assert issued.secret not in json.dumps(entries)


def test_audit_redelivered_event_appends_nothing(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    post(audit_client, auth, [statement()])
    deliver(audit_app)
    rt = runtime(audit_app)
    from lrs.plugin.events import StatementsStored

    [entry] = _entries(audit_app)
    event = StatementsStored(tenant_id=1, statement_ids=(entry["target"].split(":", 1)[1],))
    assert rt.hooks.deliver(event, ["audit"]) == {}
    assert len(_entries(audit_app)) == 1


def test_audit_partly_redelivered_event_appends_only_the_new_entries(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    # The first statement's entry is in the chain: only the second one's is appended.
    first, second = statement(), statement()
    post(audit_client, auth, [first])
    deliver(audit_app)
    post(audit_client, auth, [second])
    rt = runtime(audit_app)
    from lrs.plugin.events import StatementsStored

    event = StatementsStored(tenant_id=1, statement_ids=(first["id"], second["id"]))
    assert rt.hooks.deliver(event, ["audit"]) == {}
    deliver(audit_app)
    entries = _entries(audit_app)
    assert [(e["seq"], e["target"]) for e in entries] == [
        (2, f"statement:{first['id']}"), (3, f"statement:{second['id']}"),
    ]
    assert trail_for(rt.host).verify().ok


def test_statement_entry_keeps_result_and_authority_as_stored(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    result = {"score": {"scaled": 0.85, "raw": 17, "min": 0, "max": 20}, "success": True,
              "completion": True, "duration": "PT1H2M", "response": "é \"quoted\" \u2028",
              "extensions": {"http://example.com/ext/big": 123456789012345678901234567890}}
    scored = statement(verb=COMPLETED, result=result)
    post(audit_client, auth, [scored, statement()])
    deliver(audit_app)
    scored_entry, plain_entry = _entries(audit_app)[:2]
    with runtime(audit_app).db.read() as session:
        stored = json.loads(session.scalar(select(Statement.payload)
                                           .where(Statement.statement_id == scored["id"])))
    assert scored_entry["after"]["result"] == result
    assert scored_entry["after"]["stored"] == stored["stored"]
    assert scored_entry["after"]["object"] == scored["object"]["id"]
    assert scored_entry["details"]["authority"] == stored["authority"]
    assert plain_entry["after"]["result"] is None
    assert plain_entry["details"] == scored_entry["details"]


def test_statements_stored_without_a_credential_are_recorded_as_their_authority(
    audit_app: Flask,
) -> None:
    [stored_id] = runtime(audit_app).host.ingest(1, [statement()], authority=AUTHORITY)
    deliver(audit_app)
    [entry] = _entries(audit_app)
    assert entry["target"] == f"statement:{stored_id}"
    assert entry["actor"] == "authority:account:https://example.com|test-plugin"
    assert entry["details"] == {"authority": AUTHORITY, "credential_id": None}


def test_audit_redelivered_admin_action_appends_nothing(audit_app: Flask) -> None:
    from lrs.plugin.events import AdminActionTaken

    deliver(audit_app)  # the configuration record first
    hooks = runtime(audit_app).hooks
    event = AdminActionTaken(tenant_id=1, actor="cli:ops", action="credential.revoked",
                             target="credential:abc", occurred_us=1_700_000_000_000_000)
    later = AdminActionTaken(tenant_id=1, actor="cli:ops", action="credential.revoked",
                             target="credential:abc", occurred_us=1_700_000_000_000_001)
    for delivered in (event, event, later, event):
        assert hooks.deliver(delivered, ["audit"]) == {}
    entries = _entries(audit_app)
    assert [e["occurred_us"] for e in entries] == [event.occurred_us, later.occurred_us]
