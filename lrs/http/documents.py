"""Document resources: ``/activities/state``, ``/activities/profile``, ``/agents/profile``.

The three resources share every behaviour (single and multiple GET, PUT, POST
merge, DELETE, ETags, concurrency) and differ only in the parameters that scope
a document, so one :class:`_Resource` table drives one set of views. Reads need
the resource's scope or ``all/read``; writes need the resource's scope
(xAPI 1.0.3 Communication 4.3: ``state``, ``profile``; ``all`` implies both).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import partial

from flask import Blueprint, Response, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_etags

from lrs.auth.protector import current_principal, requires
from lrs.http.body import parse_json, read_body
from lrs.http.document_params import (
    agent_param,
    check_names,
    document_id_param,
    iri_param,
    registration_param,
    since_param,
    storable,
)
from lrs.http.headers import as_download
from lrs.http.version import current_version
from lrs.plugin.events import DocumentsChanged
from lrs.plugin.request import request_source
from lrs.runtime import current_runtime
from lrs.store.documents import (
    WRITTEN,
    WRITTEN_ETAGS_JSON,
    Body,
    Change,
    DocumentKey,
    Kind,
    Preconditions,
    Unconditional,
    delete_document,
    delete_documents,
    get_document,
    is_json_type,
    list_document_ids,
    post_document,
    put_at_once,
    put_document,
    puts_at_once,
)
from lrs.xapi.datatypes import is_header_text
from lrs.xapi.errors import BadRequest, NotFound

bp = Blueprint("documents", __name__)


@dataclass(frozen=True)
class _Resource:
    kind: Kind
    path: str
    #: Name of the parameter that names one document.
    id_param: str
    #: The scope that grants reading and writing these documents.
    scope: str
    uses_activity: bool
    uses_agent: bool
    uses_registration: bool = False

    @property
    def scope_params(self) -> frozenset[str]:
        names = {self.id_param}
        names |= {"activityId"} if self.uses_activity else set()
        names |= {"agent"} if self.uses_agent else set()
        names |= {"registration"} if self.uses_registration else set()
        return frozenset(names)


_RESOURCES = (
    _Resource(Kind.STATE, "/activities/state", "stateId", "state",
              uses_activity=True, uses_agent=True, uses_registration=True),
    _Resource(Kind.ACTIVITY_PROFILE, "/activities/profile", "profileId", "profile",
              uses_activity=True, uses_agent=False),
    _Resource(Kind.AGENT_PROFILE, "/agents/profile", "profileId", "profile",
              uses_activity=False, uses_agent=True),
)


def _key(resource: _Resource, args: MultiDict[str, str], *, single: bool) -> DocumentKey:
    """The document (``single``) or the scope of documents the parameters name.

    Parameters are read in a fixed order so the 400 names the first problem.
    """
    activity_id = agent_key = ""
    if resource.uses_activity:
        activity_id = storable("activityId", iri_param(args, "activityId"))
    if resource.uses_agent:
        agent_key = storable("agent", agent_param(args, current_version())[1])
    registration = registration_param(args) if resource.uses_registration else ""
    document_id = document_id_param(args, resource.id_param) if single else ""
    return DocumentKey(resource.kind, document_id=document_id, activity_id=activity_id,
                       agent_key=agent_key, registration=registration)


def _read(resource: _Resource) -> Response:
    args = request.args
    check_names(args, resource.scope_params | {"since"})
    principal = current_principal()
    single = resource.id_param in args
    key = _key(resource, args, single=single)
    with current_runtime().db.lookup() as connection:
        if single:
            found = get_document(connection, principal.tenant_id, key)
            if found is None:
                raise NotFound(f"no such document ({resource.id_param} {key.document_id!r})")
            response = Response(found.content, status=200, content_type=found.content_type)
            response.headers["ETag"] = f'"{found.etag}"'
            _last_modified(response, found.updated_us)
            return response if is_json_type(found.content_type) else as_download(response)
        since = since_param(args)
        any_registration = "registration" not in args
        ids, newest = list_document_ids(connection, principal.tenant_id, key, since_us=since,
                                           any_registration=any_registration)
    response = Response(json.dumps(ids), status=200, content_type="application/json")
    _last_modified(response, newest)
    return response


def _write(resource: _Resource) -> Response:
    args = request.args
    check_names(args, resource.scope_params)
    principal = current_principal()
    now_us = time.time_ns() // 1000
    if request.method == "DELETE" and resource.id_param not in args and resource.uses_registration:
        # Only the state resource deletes many documents at once (Communication 2.3).
        key = _key(resource, args, single=False)
        _change(key, "delete", now_us, lambda session: delete_documents(
            session, principal.tenant_id, key, any_registration="registration" not in args))
        return Response(status=204)
    key = _key(resource, args, single=True)
    preconditions = _preconditions()
    if request.method == "DELETE":
        _change(key, "delete", now_us, lambda session: delete_document(
            session, principal.tenant_id, key, preconditions))
        return Response(status=204)
    body = _body()
    if request.method == "PUT":
        unconditional = _unconditional(resource.kind)
        if not _put_at_once(key, body, preconditions, unconditional, now_us):
            _change(key, "put", now_us, lambda session: put_document(
                session, principal.tenant_id, key, body, preconditions, unconditional, now_us))
    else:
        _change(key, "merge", now_us, lambda session: post_document(
            session, principal.tenant_id, key, body, preconditions, now_us))
    return Response(status=204)


def _unconditional(kind: Kind) -> Unconditional:
    """xAPI 2.0 guards every PUT over an existing document; 1.0.3 only profiles.

    1.0.3 only demands 409 when a profile exists; its conformance suite also wants
    400 when it does not, unless ``LRS_PROFILE_PUT_MAY_CREATE`` lets it be created.
    """
    if current_version().is_2 or (
        kind is not Kind.STATE and current_runtime().settings.profile_put_may_create
    ):
        return Unconditional.CREATE
    return Unconditional.OVERWRITE if kind is Kind.STATE else Unconditional.REFUSE


def _body() -> Body:
    content = read_body()
    content_type = request.headers.get("Content-Type") or "application/octet-stream"
    if not is_header_text(content_type):
        raise BadRequest("the Content-Type header holds a control character")
    parsed = parse_json(content, what="document") if is_json_type(content_type) else None
    return Body(content, content_type, parsed)


def _preconditions() -> Preconditions:
    return Preconditions(if_match=_etags("If-Match"), if_none_match=_etags("If-None-Match"))


def _etags(header: str) -> frozenset[str] | None:
    value = request.headers.get(header)
    if value is None:
        return None
    etags = parse_etags(value)
    # A tag with a control character matches no document (theirs are hex digests).
    # So does an empty one (``""``, which werkzeug reads as ``None``).
    return frozenset({"*"}) if etags.star_tag else frozenset(
        tag for tag in etags.as_set() if tag and is_header_text(tag))


def _put_at_once(key: DocumentKey, body: Body, preconditions: Preconditions,
                 unconditional: Unconditional, now_us: int) -> bool:
    """Create or replace a document and announce it in one statement, if it can be.

    The common PUTs (a client creating its state, or replacing the state it read)
    then cost one round trip and no transaction (:func:`put_at_once`). ``False``
    when nothing was written (the document exists for a creation, is absent or
    has another ETag for a replacement) or it cannot be done at once:
    :func:`_change` then decides under the row's lock.
    """
    runtime = current_runtime()
    if not puts_at_once(runtime.db.engine.dialect.name, preconditions, unconditional):
        return False
    # The ETag replaced, if any, is known only to the statement, which writes it in.
    event = _documents_changed(key, "put", now_us,
                               Change((key.document_id,), (None,), (body.etag,)))
    announcement = runtime.outbox.announcement_for_each(
        event, WRITTEN, {"etags_before": WRITTEN_ETAGS_JSON})
    with runtime.db.single_statement() as connection:
        written = put_at_once(connection, current_principal().tenant_id, key, body,
                              preconditions, unconditional, now_us, then=announcement)
    if written is None:
        return False
    if announcement is not None:
        runtime.outbox.announced()
    return True


def _change(
    key: DocumentKey, operation: str, now_us: int, work: Callable[[Session], Change | None]
) -> None:
    """Run ``work`` and announce what it changed, in one write transaction.

    The ``documents_changed`` event thus commits or rolls back with the write: a
    refused request (412, 409, 400) announces nothing. The transaction runs once
    more if a concurrent insert won the race: two first writes of one document
    can both find it absent on PostgreSQL; the loser's INSERT hits the unique
    index, and its retry sees the winner's row.
    """
    runtime = current_runtime()

    def transaction() -> None:
        with runtime.db.write() as session:
            change = work(session)
            if change is not None:
                runtime.outbox.announce(session, _documents_changed(key, operation, now_us,
                                                                    change))

    try:
        transaction()
    except IntegrityError:
        transaction()


def _documents_changed(key: DocumentKey, operation: str, now_us: int,
                       change: Change) -> DocumentsChanged:
    """The announcement of ``change``, made by this request."""
    principal = current_principal()
    return DocumentsChanged(
        tenant_id=principal.tenant_id, kind=key.kind.value,
        action="deleted" if operation == "delete" else "stored",
        document_ids=change.document_ids, activity_id=key.activity_id or None,
        agent_key=key.agent_key or None, registration=key.registration or None,
        changed_us=now_us, operation=operation,
        credential_id=principal.credential_id, credential_key=principal.key,
        authority=principal.authority, etags_before=change.etags_before,
        etags_after=change.etags_after, source=request_source(),
    )


def _last_modified(response: Response, updated_us: int | None) -> None:
    """``Last-Modified`` (xAPI 2.0): when the document(s) last changed, else now."""
    moment = (datetime.fromtimestamp(updated_us / 1_000_000, UTC) if updated_us is not None
              else datetime.now(UTC))
    response.headers["Last-Modified"] = format_datetime(moment, usegmt=True)


for _resource in _RESOURCES:
    _name = _resource.kind.value
    bp.add_url_rule(_resource.path, endpoint=f"{_name}_read", methods=["GET"],
                    view_func=requires(_resource.scope, "all/read")(partial(_read, _resource)))
    bp.add_url_rule(_resource.path, endpoint=f"{_name}_write", methods=["PUT", "POST", "DELETE"],
                    view_func=requires(_resource.scope)(partial(_write, _resource)))
