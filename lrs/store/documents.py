"""State, activity profile and agent profile documents: storage and concurrency rules.

The three document resources differ only in which scope columns identify a
document, so one table and one set of use cases serve them all. HTTP specifics
arrive as plain values: the request's ``If-Match`` / ``If-None-Match`` as a
:class:`Preconditions`, and what a PUT without either may do as an
:class:`Unconditional` (xAPI 1.0.3 and 2.0 disagree, and 1.0.3 exempts state).

ETags are the quoted SHA-1 of the content: the 1.0.3 conformance suite checks for
40 hex digits, and a content hash lets clients compare without a round trip.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from lrs.db import connection_of
from lrs.models import Document
from lrs.xapi.errors import BadRequest, Conflict, PreconditionFailed

JSON_TYPE = "application/json"


class Kind(Enum):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"


@dataclass(frozen=True)
class DocumentKey:
    """What identifies one document; scope fields a kind does not use stay ``""``."""

    kind: Kind
    document_id: str = ""
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""


@dataclass(frozen=True)
class Body:
    """A document as sent: raw bytes, the Content-Type, and the object if it is JSON."""

    content: bytes
    content_type: str
    #: The parsed JSON value when ``content_type`` is ``application/json``.
    parsed: Any = None

    @property
    def is_json(self) -> bool:
        return is_json_type(self.content_type)

    @cached_property
    def etag(self) -> str:
        return etag_of(self.content)


@dataclass(frozen=True)
class StoredDocument:
    content: bytes
    content_type: str
    etag: str
    updated_us: int


@dataclass(frozen=True)
class Change:
    """What a write did, for its ``DocumentsChanged`` announcement.

    The three tuples are aligned: each document's id, its ETag before (``None``:
    it did not exist) and after (``None``: deleted).
    """

    document_ids: tuple[str, ...]
    etags_before: tuple[str | None, ...]
    etags_after: tuple[str | None, ...]


class Unconditional(Enum):
    """What a PUT carrying neither If-Match nor If-None-Match may do."""

    #: Create or replace (xAPI 1.0.3 state documents have no concurrency control).
    OVERWRITE = "overwrite"
    #: Create; 409 Conflict when the document exists (xAPI 2.0, every resource).
    CREATE = "create"
    #: 409 when the document exists, 400 when it does not (xAPI 1.0.3 profiles).
    REFUSE = "refuse"


@dataclass(frozen=True)
class Preconditions:
    """``If-Match`` / ``If-None-Match`` entity tags (unquoted); ``"*"`` stands for any."""

    if_match: frozenset[str] | None = None
    if_none_match: frozenset[str] | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def check(self, current: str | None) -> None:
        """Raise 412 unless the document's ETag (``None``: absent) satisfies them."""
        if self.if_match is not None and (
            current is None or ("*" not in self.if_match and current not in self.if_match)
        ):
            raise PreconditionFailed("If-Match does not match the document's current ETag"
                                     if current else "If-Match given but there is no document")
        if self.if_none_match is not None and current is not None and (
            "*" in self.if_none_match or current in self.if_none_match
        ):
            raise PreconditionFailed("If-None-Match: the document exists (or has that ETag)")


def is_json_type(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == JSON_TYPE


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def get_document(session: Session | Connection, tenant_id: int,
                 key: DocumentKey) -> StoredDocument | None:
    row = connection_of(session).execute(_READ, _params(tenant_id, key)).first()
    if row is None:
        return None
    return StoredDocument(row.content, row.content_type, row.etag, row.updated_us)


def list_document_ids(
    session: Session | Connection,
    tenant_id: int,
    key: DocumentKey,
    *,
    any_registration: bool = False,
    since_us: int | None = None,
) -> tuple[list[str], int | None]:
    """Ids of the documents in ``key``'s scope (its ``document_id`` is ignored).

    :returns: the ids in storage order and the newest update time among them.
    """
    query = select(Document.document_id, Document.updated_us).where(
        *_scope(tenant_id, key, any_registration=any_registration)
    ).order_by(Document.pk)
    if since_us is not None:
        query = query.where(Document.updated_us > since_us)
    rows = session.execute(query).all()
    ids = list(dict.fromkeys(row.document_id for row in rows))
    return ids, max((row.updated_us for row in rows), default=None)


def put_document(
    session: Session,
    tenant_id: int,
    key: DocumentKey,
    body: Body,
    preconditions: Preconditions,
    unconditional: Unconditional,
    now_us: int,
) -> Change:
    """Create or replace a document, honouring the concurrency rules.

    Decides under the row's lock; :func:`put_at_once` first does the common cases in
    one statement where it can.
    """
    row = _find(session, tenant_id, key)
    preconditions.check(row.etag if row else None)
    if not preconditions.given and unconditional is not Unconditional.OVERWRITE:
        if row is not None:
            raise Conflict("the document exists: send If-Match with its ETag to replace it "
                           "(or If-None-Match: * to create only)")
        if unconditional is Unconditional.REFUSE:
            raise BadRequest("PUT needs an If-Match or If-None-Match header (xAPI 1.0.3 "
                             "concurrency): use If-None-Match: * to create a document")
    return _write(session, tenant_id, key, row, body.content, body.content_type, now_us)


def post_document(
    session: Session,
    tenant_id: int,
    key: DocumentKey,
    body: Body,
    preconditions: Preconditions,
    now_us: int,
) -> Change:
    """Create a document, or merge a JSON object into the stored JSON object.

    The merge is shallow (Communication 2.2): top-level properties of the posted
    object replace those of the stored one, whole.
    """
    if body.is_json and not isinstance(body.parsed, dict):
        raise BadRequest("a POSTed application/json document must be a JSON object")
    row = _find(session, tenant_id, key)
    preconditions.check(row.etag if row else None)
    if row is None:
        return _write(session, tenant_id, key, None, body.content, body.content_type, now_us)
    if not body.is_json:
        raise BadRequest("a POST to an existing document merges JSON: send a JSON object "
                         "with Content-Type application/json")
    current = _stored_object(row)
    if current is None:
        raise BadRequest("the stored document is not a JSON object, so nothing can be merged "
                         "into it: PUT to replace it")
    merged = json.dumps({**current, **body.parsed}, ensure_ascii=False,
                        separators=(",", ":")).encode("utf-8")
    return _write(session, tenant_id, key, row, merged, JSON_TYPE, now_us)


def delete_document(
    session: Session, tenant_id: int, key: DocumentKey, preconditions: Preconditions
) -> Change | None:
    """Delete one document; deleting an absent one succeeds unless If-Match was sent.

    :returns: the deletion, ``None`` when there was nothing to delete.
    """
    row = _find(session, tenant_id, key)
    preconditions.check(row.etag if row else None)
    if row is None:
        return None
    session.connection().execute(_DELETE, {"row_pk": row.pk})
    return Change((key.document_id,), (row.etag,), (None,))


def delete_documents(
    session: Session, tenant_id: int, key: DocumentKey, *, any_registration: bool
) -> Change | None:
    """Delete every document in ``key``'s scope (state documents of one activity and agent).

    :returns: the deleted documents, ``None`` when there were none.
    """
    deleted = session.execute(
        delete(Document)
        .where(*_scope(tenant_id, key, any_registration=any_registration))
        .returning(Document.document_id, Document.etag)
    ).all()
    if not deleted:
        return None
    return Change(tuple(row.document_id for row in deleted), tuple(row.etag for row in deleted),
                  (None,) * len(deleted))


def _stored_object(row: Row[Any]) -> dict[str, Any] | None:
    if not is_json_type(row.content_type):
        return None
    try:
        value = json.loads(row.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _scope(tenant_id: int, key: DocumentKey, *, any_registration: bool) -> list[Any]:
    clauses = [
        Document.tenant_id == tenant_id,
        Document.kind == key.kind.value,
        Document.activity_id == key.activity_id,
        Document.agent_key == key.agent_key,
    ]
    if not any_registration:
        clauses.append(Document.registration == key.registration)
    return clauses


#: One document by its whole key. Built once: a document request is small, and building
#: and keying the query cost more CPU than running it.
_ONE = (
    Document.tenant_id == bindparam("tenant_id"), Document.kind == bindparam("kind"),
    Document.activity_id == bindparam("activity_id"),
    Document.agent_key == bindparam("agent_key"),
    Document.registration == bindparam("registration"),
    Document.document_id == bindparam("document_id"),
)
_READ = select(Document.content, Document.content_type, Document.etag,
               Document.updated_us).where(*_ONE)
#: Core statements, not ORM objects, for a write: loading a ``Document`` and flushing
#: its change through the unit of work cost a state PUT about a third of its CPU.
_TABLE = Document.__table__
_FIND_LOCKED = select(_TABLE.c.pk, _TABLE.c.content, _TABLE.c.content_type,
                      _TABLE.c.etag).where(*_ONE).with_for_update()
_INSERT = insert(_TABLE)
_UPDATE = update(_TABLE).where(_TABLE.c.pk == bindparam("row_pk")).values(
    content=bindparam("new_content"), content_type=bindparam("new_content_type"),
    etag=bindparam("new_etag"), updated_us=bindparam("new_updated_us"))
_DELETE = delete(_TABLE).where(_TABLE.c.pk == bindparam("row_pk"))
#: The part of a one-statement PUT (:func:`put_at_once`) that a follow-up INSERT reads:
#: one row per document written, its column ``etag_before`` the ETag the document had
#: (``NULL``: it was created).
WRITTEN = "written"
#: That ETag as a one-element JSON list (``json``), as an event's ``etags_before``.
WRITTEN_ETAGS_JSON = f"json_build_array({WRITTEN}.etag_before)"
_KEY_COLUMNS = "tenant_id, kind, activity_id, agent_key, registration, document_id"
_KEY_VALUES = ("%(tenant_id)s, %(kind)s, %(activity_id)s, %(agent_key)s, %(registration)s, "
               "%(document_id)s")
#: A replacement: the old row locked in the sub-select, the preconditions checked
#: against its ETag (``If-Match``: any or one of ``match``; ``If-None-Match``: none of
#: ``none_match``), the ETag it had returned. ``{then}``, a further
#: ``, name AS (INSERT ... SELECT ... FROM written)``, runs in the same statement.
_REPLACE = f"""
WITH {WRITTEN} AS (
    UPDATE {_TABLE.name} AS d
    SET content = %(content)s, content_type = %(content_type)s, etag = %(etag)s,
        updated_us = %(updated_us)s
    FROM (
        SELECT pk, etag FROM {_TABLE.name}
        WHERE ({_KEY_COLUMNS}) = ({_KEY_VALUES})
        FOR UPDATE
    ) AS old
    WHERE d.pk = old.pk
      AND (%(match_any)s OR old.etag = ANY(%(match)s::text[]))
      AND NOT old.etag = ANY(%(none_match)s::text[])
    RETURNING old.etag AS etag_before
){{then}}
SELECT etag_before FROM {WRITTEN}
"""
#: A creation: nothing when the document exists (a concurrent creation's included:
#: the unique index makes this wait for it to commit).
_CREATE = f"""
WITH {WRITTEN} AS (
    INSERT INTO {_TABLE.name} ({_KEY_COLUMNS}, content, content_type, etag, updated_us)
    VALUES ({_KEY_VALUES}, %(content)s, %(content_type)s, %(etag)s, %(updated_us)s)
    ON CONFLICT ({_KEY_COLUMNS}) DO NOTHING
    RETURNING CAST(NULL AS text) AS etag_before
){{then}}
SELECT etag_before FROM {WRITTEN}
"""


def _params(tenant_id: int, key: DocumentKey) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "kind": key.kind.value, "activity_id": key.activity_id,
            "agent_key": key.agent_key, "registration": key.registration,
            "document_id": key.document_id}


def _find(session: Session, tenant_id: int, key: DocumentKey) -> Row[Any] | None:
    """The document at ``key`` (pk, content, content_type, etag), locked for the change
    about to be made."""
    return session.connection().execute(_FIND_LOCKED, _params(tenant_id, key)).one_or_none()


def puts_at_once(dialect: str, preconditions: Preconditions,
                 unconditional: Unconditional) -> bool:
    """Whether :func:`put_at_once` may write the document of such a PUT.

    PostgreSQL only (data-modifying CTEs; SQLite has one writer, and
    :func:`put_document` does it all). Not where both headers are given, nor for a
    PUT without either that may not write at all (xAPI 1.0.3 profiles).
    """
    if dialect != "postgresql":
        return False
    if preconditions.if_match is not None and preconditions.if_none_match is not None:
        return False
    return preconditions.given or unconditional is not Unconditional.REFUSE


def put_at_once(
    connection: Connection,
    tenant_id: int,
    key: DocumentKey,
    body: Body,
    preconditions: Preconditions,
    unconditional: Unconditional,
    now_us: int,
    *,
    then: tuple[str, Mapping[str, Any]] | None = None,
) -> Change | None:
    """Do a PUT in one statement if the common case holds (PostgreSQL, where
    :func:`puts_at_once`): ``None`` when nothing was written, for
    :func:`put_document` to decide, under its lock, what to answer.

    The common cases: creating a document (``If-None-Match: *``, or no header where
    a PUT may only create), and replacing one the client knows (``If-Match``, or no
    header where a PUT may overwrite). Whatever else happens (the document exists
    for a creation, is absent or has another ETag for a replacement) is left to
    :func:`put_document`. One statement, committed on its own (``connection``
    outside a transaction), instead of a transaction around the write and the
    event's INSERT: one round trip instead of four (BEGIN and COMMIT included), and
    a quarter less CPU for the PUT. A replacement locks the row in a sub-select
    (``FOR UPDATE``, which waits for a concurrent writer and then reads the row it
    committed) and checks the preconditions against that row's ETag.

    :param then: an INSERT (SQL, parameters) the statement runs for the document
        it wrote, reading :data:`WRITTEN`: the change's announcement, which thereby
        exists exactly when the change does (its parameters' names must not be
        this function's).
    """
    if_match, if_none_match = preconditions.if_match, preconditions.if_none_match
    creates = (if_none_match is not None and "*" in if_none_match) or (
        not preconditions.given and unconditional is Unconditional.CREATE)
    sql, extra = then if then is not None else ("", {})
    written = connection.exec_driver_sql((_CREATE if creates else _REPLACE).format(then=sql), {
        **_params(tenant_id, key),
        "match_any": if_match is None or "*" in if_match,
        "match": sorted(if_match or ()),
        "none_match": sorted(if_none_match or ()),
        "content": body.content, "content_type": body.content_type, "etag": body.etag,
        "updated_us": now_us, **extra}).first()
    if written is None:
        return None
    return Change((key.document_id,), (written.etag_before,), (body.etag,))


def _write(
    session: Session,
    tenant_id: int,
    key: DocumentKey,
    row: Row[Any] | None,
    content: bytes,
    content_type: str,
    now_us: int,
) -> Change:
    etag = etag_of(content)
    if row is None:
        session.connection().execute(_INSERT, {
            **_params(tenant_id, key), "content": content, "content_type": content_type,
            "etag": etag, "updated_us": now_us})
        return Change((key.document_id,), (None,), (etag,))
    session.connection().execute(_UPDATE, {
        "row_pk": row.pk, "new_content": content, "new_content_type": content_type,
        "new_etag": etag, "new_updated_us": now_us})
    return Change((key.document_id,), (row.etag,), (etag,))
