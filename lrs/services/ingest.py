"""Storing a validated batch: the one path shared by HTTP and plugins.

``PUT``/``POST statements`` and :meth:`lrs.plugin.host.Host.ingest` both end here, so
statements a plugin derives get exactly the checks, conflict rules and
post-commit announcement that a client's statements get.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from lrs.models.types import iso_milliseconds
from lrs.plugin.events import StatementsStored
from lrs.services.group_commit import GroupCommit
from lrs.store.statements import StoredBatch, store_together
from lrs.xapi.errors import Conflict, XapiError
from lrs.xapi.multipart import AttachmentPart
from lrs.xapi.versions import XapiVersion

if TYPE_CHECKING:
    from lrs.services.core import Core

logger = logging.getLogger("lrs.ingest")


def store_batch(
    core: Core,
    *,
    tenant_id: int,
    statements: list[dict[str, Any]],
    authority: dict[str, Any],
    credential_id: int | None,
    version: XapiVersion,
    attachments: dict[str, AttachmentPart] | None = None,
    credential_key: str | None = None,
    source: dict[str, str] | None = None,
) -> StoredBatch:
    """Check, store and announce a validated batch, all or nothing.

    :returns: its ids, and how many of them were new (the others were stored already).

    ``check_statements`` plugins run first, outside the transaction. The
    statements and their ``statements_stored`` event are then committed together.

    :param credential_key: public key of ``credential_id``, for the event.
    :param source: where the batch came from (:attr:`lrs.plugin.events.Event.source`).
    :raises InvalidStatement: a ``check_statements`` plugin found problems.
    :raises Conflict: an id is stored with a different statement (409).
    """
    core.hooks.check_statements(tenant_id=tenant_id, statements=statements,
                                   version=version.value, credential_id=credential_id)
    arguments: dict[str, Any] = {
        "tenant_id": tenant_id, "statements": statements, "authority": authority,
        "credential_id": credential_id, "version": version, "attachments": attachments,
    }
    announced = {"credential_key": credential_key, "source": source}
    if core.group_commit is not None:
        outcome = core.group_commit.store((arguments, announced))
    else:
        outcome = _store_alone(core, (arguments, announced))
    _report_late_visibility(outcome, core.settings.consistent_through_lag_ms)
    return outcome


def _report_late_visibility(outcome: StoredBatch, lag_ms: int) -> None:
    """Warn when statements became visible more than ``lag_ms`` after their ``stored``
    time: ``X-Experience-API-Consistent-Through`` (the time of an answer less that lag,
    :func:`lrs.http.statements._consistent_through`) may then have promised them to a
    reader that could not see them yet, and a client paging by ``since`` skipped them.
    Operators raise ``LRS_CONSISTENT_THROUGH_LAG_MS`` above what their writes take."""
    if outcome.stored_us is None:
        return
    took_ms = (time.time_ns() // 1000 - outcome.stored_us) / 1000
    if took_ms > lag_ms:
        stored = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=outcome.stored_us)
        logger.warning(
            "%d statement(s) stored at %s became visible %.0f ms later, more than "
            "LRS_CONSISTENT_THROUGH_LAG_MS (%d): a reader paging by "
            "X-Experience-API-Consistent-Through may have skipped them",
            outcome.new, iso_milliseconds(stored), took_ms, lag_ms)


def new_group_commit(core: Core, max_batches: int, gather_ms: float) -> GroupCommit | None:
    """The process's :class:`GroupCommit` for :func:`store_batch` (``None`` when
    ``max_batches`` is 1: every batch commits alone)."""
    if max_batches <= 1:
        return None
    return GroupCommit(core.db.write, partial(_write_together, core),
                       alone=partial(_store_alone, core), max_batches=max_batches,
                       gather_seconds=gather_ms / 1000)


def _store_alone(core: Core, batch: tuple[dict[str, Any], dict[str, Any]]) -> StoredBatch:
    """Write one batch in a transaction of its own."""
    arguments, announced = batch
    # Where stored ids are looked up before the INSERT (not PostgreSQL, whose INSERT
    # skips them itself), a concurrent request may store one of these ids in between;
    # the retry then sees it and answers as for any known id: no-op if equivalent,
    # else 409. A transaction the database aborted
    # to break a deadlock or a serialization conflict is simply run again.
    duplicate_seen = False
    for attempt in range(_ATTEMPTS):
        try:
            return _write(core, arguments, announced)
        except IntegrityError:
            if duplicate_seen:
                raise Conflict("a statement id of this batch was stored concurrently") from None
            duplicate_seen = True
        except DBAPIError as exc:
            if not _transient(exc) or attempt == _ATTEMPTS - 1:
                raise
    raise Conflict("the batch kept colliding with concurrent writes; retry it")


#: Writes tried before giving up on a batch that keeps colliding.
_ATTEMPTS = 4

#: SQLSTATEs of aborts that succeed when retried: serialization failure, deadlock.
_TRANSIENT_SQLSTATES = {"40001", "40P01"}


def _transient(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES


def _write(core: Core, arguments: dict[str, Any], announced: dict[str, Any]
           ) -> StoredBatch:
    with core.db.write() as session:
        (outcome,) = _write_together(core, session, [(arguments, announced)])
        if isinstance(outcome, XapiError):
            raise outcome  # and nothing is committed
    return outcome


def _write_together(core: Core, session: Session,
                    batches: list[tuple[dict[str, Any], dict[str, Any]]]
                    ) -> list[StoredBatch | XapiError]:
    """Store a group's batches (:func:`store_together`) and announce each batch stored,
    in ``session``'s transaction: with its rows where the store can, else here."""
    outcomes = store_together(session, [
        {**arguments, "announce": partial(_stored_row, core, arguments, announced)}
        for arguments, announced in batches
    ])
    core.outbox.announce(session, *(
        _stored_event(arguments, announced, outcome.ids)
        for (arguments, announced), outcome in zip(batches, outcomes, strict=True)
        if isinstance(outcome, StoredBatch) and outcome.ids and not outcome.announced
    ))
    if any(isinstance(outcome, StoredBatch) and outcome.announced for outcome in outcomes):
        core.outbox.wake_on_commit(session)
    return outcomes


def _stored_event(arguments: dict[str, Any], announced: dict[str, Any],
                  ids: list[str]) -> StatementsStored:
    return StatementsStored(
        tenant_id=arguments["tenant_id"], statement_ids=tuple(ids),
        credential_id=arguments["credential_id"], **announced,
    )


def _stored_row(core: Core, arguments: dict[str, Any], announced: dict[str, Any],
                ids: list[str]) -> tuple[str, str] | None:
    """What :func:`store_together` writes with a batch's rows: its event, if heard."""
    return core.outbox.row_of(_stored_event(arguments, announced, ids)) if ids else None
