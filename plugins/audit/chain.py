"""The hash chain: append entries, sign checkpoints, verify everything.

Each entry's ``hash`` is ``sha256(prev_hash + canonical JSON of the entry)``, so
editing, deleting or reordering an entry breaks every link after it. That alone
does not stop someone with database write access from recomputing the whole
chain, or cutting its tail; signed checkpoints (every ``checkpoint_every``
entries and on demand) and the signed head (re-signed at every append) do,
because the signing key is not in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.orm import Session

from lrs.plugin.sql import one_of
from plugins.audit.keys import Signer, signature_verifies
from plugins.audit.models import AuditCheckpoint, AuditEntry, AuditHead

GENESIS = "0" * 64
#: Columns covered by the hash, in the order exports show them.
BODY_COLUMNS = ("seq", "tenant_id", "recorded_us", "occurred_us", "actor", "action", "target",
                "source", "person", "activity", "before", "after", "details", "dedupe_key")
#: :meth:`lrs.plugin.host.Host.insert_rows`: one INSERT for many rows.
InsertRows = Callable[[Session, Table, list[dict[str, Any]]], None]


def now_us() -> int:
    return time.time_ns() // 1000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(us: int | None) -> str:
    """µs since the epoch as ISO 8601 UTC to the microsecond (``""`` for none).

    Integer arithmetic, not ``us / 1e6``: a float loses the last microsecond of
    present-day times, and an auditor compares these with the ``_us`` values.
    """
    if us is None:
        return ""
    moment = _EPOCH + timedelta(microseconds=us)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


#: Sorted keys, no whitespace, non-ASCII characters as they are: for the strings
#: and integers of an entry's body, byte for byte what ``json.dumps(value,
#: sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes, which is
#: how an auditor recomputes a hash (a test in ``tests/plugins/audit`` holds both to it). msgspec
#: encodes a body in a tenth of the time, and copies ``msgspec.Raw`` values (JSON
#: taken from a stored statement) as they are.
_CANONICAL = msgspec.json.Encoder(order="sorted")


def canonical(value: Any) -> str:
    """The one JSON spelling of ``value`` that hashes and signatures are computed over."""
    return _CANONICAL.encode(value).decode()


def _json_or_none(value: Any) -> str | None:
    return None if value is None else canonical(value)


class NewEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An entry about to be appended (the chain assigns ``seq`` and the hashes).

    A ``msgspec.Struct``: a batch builds one per statement, and a Struct is
    built several times faster than a frozen dataclass.
    """

    tenant_id: int
    occurred_us: int
    actor: str
    action: str
    target: str
    #: An entry whose tenant, ``occurred_us`` and ``dedupe_key`` are in the chain
    #: already is not appended again: build the entries of an event from the event
    #: alone, so that its redelivery gives the same three.
    dedupe_key: str
    source: dict[str, Any] | None = None
    person: str | None = None
    activity: str | None = None
    before: Any = None
    after: Any = None
    details: dict[str, Any] = {}


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """``body`` holds exactly the :data:`BODY_COLUMNS` (see :func:`body_of`)."""
    return hashlib.sha256(prev_hash.encode() + _CANONICAL.encode(body)).hexdigest()


def body_of(row: AuditEntry | dict[str, Any]) -> dict[str, Any]:
    """The hashed part of a stored entry (its columns, JSON columns as stored text)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return {name: get(name) for name in BODY_COLUMNS}


def checkpoint_message(seq: int, head_hash: str, signed_us: int) -> bytes:
    """What a checkpoint (and the head) signs: entry count, head hash, time."""
    return canonical({"chain": "weft-audit", "count": seq, "head": head_hash,
                      "time": signed_us}).encode()


def mac_key(signer: Signer) -> bytes:
    """The entries' MAC key: a digest of the signing key's (deterministic) Ed25519
    signature of a fixed label, so it lives wherever the signing key does and
    nowhere in the database."""
    return hashlib.sha256(signer.sign(b"weft-audit entry mac v1").encode()).digest()


def entry_mac(key: bytes, seq: int, entry_hash_: str) -> str:
    """What binds one entry's hash to its position under the MAC key."""
    return hmac.new(key, f"{seq}:{entry_hash_}".encode(), hashlib.sha256).hexdigest()


def append(session: Session, entries: Iterable[NewEntry], signer: Signer, *,
           checkpoint_every: int, insert_rows: InsertRows) -> int:
    """Append the entries not recorded yet, in order, in ``session``'s transaction.

    The head row is locked first, which serializes appenders across processes
    (SQLite's write transaction already does), so the look-up of entries
    recorded already sees every committed append: delivery is at least once,
    and a redelivered event appends nothing. The rows go in with one INSERT
    (``insert_rows``: :meth:`lrs.plugin.host.Host.insert_rows`) and the head is
    signed once, for the last of them.

    :returns: how many entries were appended.
    """
    # Core statements on the session's connection here and below: an append runs
    # every delivery cycle, and the ORM's handling of each query cost more CPU
    # than the query itself (about half a millisecond).
    connection = session.connection()
    head = AuditHead.__table__
    seq, prev = connection.execute(select(head.c.seq, head.c.hash)
                                   .where(head.c.id == 1).with_for_update()).one()
    fresh = _not_recorded(session, list(entries))
    if not fresh:
        return 0
    recorded = now_us()
    key = mac_key(signer)
    rows: list[dict[str, Any]] = []
    # Entries often share one object (an event's source, a batch's details): encode it once.
    encoded: dict[int, str | None] = {}

    def json_of(value: Any) -> str | None:
        if value is None:
            return None
        text = encoded.get(id(value))
        if text is None:
            text = encoded[id(value)] = canonical(value)
        return text

    for entry in fresh:
        seq += 1
        row = {  # exactly BODY_COLUMNS: the hashed body
            "seq": seq, "tenant_id": entry.tenant_id, "recorded_us": recorded,
            "occurred_us": entry.occurred_us, "actor": entry.actor, "action": entry.action,
            "target": entry.target, "source": json_of(entry.source),
            "person": entry.person, "activity": entry.activity,
            "before": _json_or_none(entry.before), "after": _json_or_none(entry.after),
            "details": json_of(entry.details), "dedupe_key": entry.dedupe_key,
        }
        row["hash"] = entry_hash(prev, row)
        row["prev_hash"], prev = prev, row["hash"]
        row["mac"] = entry_mac(key, seq, prev)
        rows.append(row)
    insert_rows(session, AuditEntry.__table__, rows)
    if checkpoint_every > 0:
        for row in rows:
            if row["seq"] % checkpoint_every == 0:
                _add_checkpoint(connection, signer, row["seq"], row["hash"], recorded)
    _sign_head(connection, signer, seq, prev, recorded)
    return len(rows)


def checkpoint(session: Session, signer: Signer) -> AuditCheckpoint:
    """Sign a checkpoint of the chain as it is now (``lrs audit checkpoint``)."""
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    return _add_checkpoint(session.connection(), signer, head.seq, head.hash, now_us())


def _not_recorded(session: Session, entries: list[NewEntry]) -> list[NewEntry]:
    """``entries`` without those in the chain already, or repeated among them.

    Looked up by tenant and time, with one query per tenant whatever the
    batch's size: a batch's entries share a few times (a POST's statements have
    one ``stored``), and on a first delivery none of them is found. The times go
    as one parameter (:func:`lrs.plugin.sql.one_of`): as an ``IN`` list, the
    hundreds of times of a batch of single-statement POSTs were new SQL text to
    build, convert and plan each time.
    """
    key = attrgetter("tenant_id", "occurred_us", "dedupe_key")
    seen: set[tuple[int, int, str]] = set()
    times: dict[int, set[int]] = {}
    for entry in entries:
        times.setdefault(entry.tenant_id, set()).add(entry.occurred_us)
    table = AuditEntry.__table__
    connection = session.connection()
    for tenant_id, moments in times.items():
        seen.update(map(tuple, connection.execute(
            select(table.c.tenant_id, table.c.occurred_us, table.c.dedupe_key)
            .where(table.c.tenant_id == tenant_id,
                   one_of(session, table.c.occurred_us, moments)))))
    fresh = []
    for entry in entries:
        if (identity := key(entry)) not in seen:
            seen.add(identity)
            fresh.append(entry)
    return fresh


def _add_checkpoint(connection: Connection, signer: Signer, seq: int, head_hash: str,
                    signed_us: int) -> AuditCheckpoint:
    values = {"seq": seq, "hash": head_hash, "signed_us": signed_us,
              "signature": signer.sign(checkpoint_message(seq, head_hash, signed_us))}
    connection.execute(insert(AuditCheckpoint.__table__).values(values))
    return AuditCheckpoint(**values)


def _sign_head(connection: Connection, signer: Signer, seq: int, head_hash: str,
               signed_us: int) -> None:
    head = AuditHead.__table__
    connection.execute(update(head).where(head.c.id == 1).values(
        seq=seq, hash=head_hash, signed_us=signed_us,
        signature=signer.sign(checkpoint_message(seq, head_hash, signed_us))))


@dataclass(frozen=True)
class Problem:
    #: The first entry concerned (or where a missing one belongs).
    seq: int
    message: str
    #: The stored statement concerned, when the problem is about one.
    statement: str | None = None


@dataclass
class Verification:
    """What :func:`verify` found: ``ok`` when nothing, else the problems, first one first."""

    entries: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: The chain's last entry, whoever's store it belongs to.
    last_seq: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return min(self.problems, key=lambda p: p.seq) if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        first = self.first
        return {"ok": self.ok, "entries": self.entries, "checkpoints": self.checkpoints,
                "first_broken_entry": first.seq if first else None,
                "message": first.message if first else "audit trail intact",
                "problems": [{"seq": p.seq, "message": p.message}
                             | ({"statement": p.statement} if p.statement else {})
                             for p in self.problems]}


def verify(session: Session, public_key: Ed25519PublicKey,
           tenant_id: int | None = None, mac: bytes | None = None) -> Verification:
    """Walk the chain and check every link, hash, checkpoint and the head.

    Finds edited entries (hash mismatch), deleted or reordered ones (a gap or a
    broken link), a recomputed chain (checkpoints or head no longer match), a cut
    tail (the signed head or a checkpoint names entries that are gone) and forged
    checkpoints (bad signature).

    :param tenant_id: count only this tenant's entries in the result. The whole
        chain is still checked (every tenant's entries are links of the one chain),
        but a store's caller learns nothing of other stores' volume.
    :param mac: the MAC key (:func:`mac_key`), when the private key is at hand:
        then an entry edited and the chain re-hashed after it is reported at that
        entry, and an entry stripped of its MAC after others had one too. With
        the public key only, such a rewrite is found at the next signed checkpoint.
    """
    result = Verification()
    checkpoints = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
    wanted = {c.seq for c in checkpoints} | {head.seq}
    hashes: dict[int, str] = {0: GENESIS}
    expected, prev, last = 1, GENESIS, 0
    broken = maced = False
    for row in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)
                               .execution_options(yield_per=1000)):

        if tenant_id is None or row.tenant_id == tenant_id:
            result.entries += 1
        if not broken:
            if row.seq != expected:
                result.problems.append(Problem(expected, (
                    f"entry {expected} is missing (deleted): the next entry is {row.seq}"
                    if row.seq > expected else f"entry {row.seq} is out of order")))
                broken = True
            elif row.prev_hash != prev:
                result.problems.append(Problem(row.seq, (
                    f"entry {row.seq} does not link to entry {row.seq - 1} "
                    "(entries reordered, replaced or edited)")))
                broken = True
            elif entry_hash(prev, body_of(row)) != row.hash:
                result.problems.append(Problem(row.seq, (
                    f"entry {row.seq} was altered: its content does not match its hash")))
                broken = True
            elif mac is not None and (maced or row.mac is not None):
                maced = True
                if row.mac is None or not hmac.compare_digest(
                        row.mac, entry_mac(mac, row.seq, row.hash)):
                    result.problems.append(Problem(row.seq, (
                        f"entry {row.seq} was altered and the chain re-hashed after it: "
                        "its MAC does not match")))
                    broken = True
        if row.seq in wanted:
            hashes[row.seq] = row.hash
        expected, prev, last = row.seq + 1, row.hash, row.seq
    result.last_seq = last
    for point in checkpoints:
        result.checkpoints += 1
        _check_signed(result, public_key, "checkpoint", point.seq, point.hash, point.signed_us,
                      point.signature, hashes, last)
    if head.seq or last:
        _check_signed(result, public_key, "head", head.seq, head.hash, head.signed_us,
                      head.signature, hashes, last)
        if last > head.seq:
            result.problems.append(Problem(head.seq + 1, (
                f"entries {head.seq + 1} to {last} are not covered by the signed head "
                "(appended without the signing key)")))
    return result


def _check_signed(result: Verification, public_key: Ed25519PublicKey, what: str, seq: int,
                  head_hash: str, signed_us: int, signature: str | None,
                  hashes: dict[int, str], last: int) -> None:
    if not signature_verifies(public_key, checkpoint_message(seq, head_hash, signed_us),
                              signature):
        result.problems.append(Problem(seq, (
            f"the {what} at entry {seq} has an invalid signature (forged or altered)")))
    elif seq > last:
        result.problems.append(Problem(last + 1, (
            f"entries {last + 1} to {seq} were removed: the signed {what} counts {seq} "
            f"entries, the trail ends at {last} (truncated)")))
    elif hashes.get(seq) != head_hash:
        result.problems.append(Problem(seq, (
            f"entry {seq} does not match the signed {what} "
            "(the chain was rewritten and its hashes recomputed)")))
