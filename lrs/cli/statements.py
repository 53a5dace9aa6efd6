"""``lrs statements import / export``: NDJSON in and out, one statement per line.

Import goes through the same validation, ``check_statements`` plugins, store and
``statements_stored`` announcement as ``POST statements`` (:func:`lrs.services.ingest.store_batch`),
a batch per transaction: a bad line stops the import with its line number, and
nothing of its batch is stored (earlier batches are). Re-running a fixed file is
safe, since a statement whose id is already stored with the same content is
skipped as a retry (the summary counts new statements and those already
stored). Every export is announced as a ``statements.exported``
administrative action, for the audit trail.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import click

from lrs.cli.context import progress_bar, tenant_option
from lrs.cli.params import AGENT, TIMESTAMP, describe_error
from lrs.plugin.request import cli_actor, cli_source
from lrs.xapi.bounds import IndexBounds
from lrs.xapi.errors import InvalidStatement, XapiError
from lrs.xapi.versions import XapiVersion

if TYPE_CHECKING:
    from lrs.cli.context import Cli

#: Authority given to imported statements unless ``--authority`` says otherwise.
IMPORT_AUTHORITY = {
    "objectType": "Agent",
    "name": "lrs statements import",
    "account": {"homePage": "urn:weft:cli", "name": "import"},
}
_BATCH_INDEX = re.compile(r"^\$\[(\d+)\]")




@click.group()
def statements() -> None:
    """Import and export statements as NDJSON (one JSON statement per line)."""


@statements.command(
    "import",
    epilog="""\b
Examples:
  lrs statements import statements.ndjson
  gunzip -c archive.ndjson.gz | lrs statements import -
  lrs statements import --tenant acme acme.ndjson
  lrs statements import old-lrs.ndjson --xapi-version 1.0.3 \\
      --authority '{"objectType": "Agent", "name": "Old LRS", "mbox": "mailto:lrs@example.com"}'

Statements get a new "stored" time and the import authority, as when POSTed.
Attachment contents are not part of NDJSON: only their metadata is imported.""",
)
@click.argument("source", type=click.File("rb"))
@click.option(
    "--batch-size", type=click.IntRange(1, 5000), default=500, show_default=True,
    help="Statements stored per transaction.",
)
@click.option(
    "--xapi-version", type=click.Choice([v.value for v in XapiVersion]), default="2.0.0",
    show_default=True, help="xAPI version whose rules validate the statements.",
)
@click.option(
    "--authority", type=AGENT, default=json.dumps(IMPORT_AUTHORITY),
    help="Agent set as the imported statements' authority.",
)
@tenant_option("Store (tenant) to import into [default: the default store].")
@click.pass_obj
def import_statements(
    obj: Cli, source: IO[bytes], batch_size: int, xapi_version: str, authority: dict[str, Any],
    tenant: str | None,
) -> None:
    """Import statements from SOURCE, an NDJSON file ('-' for standard input)."""
    from lrs.services.ingest import store_batch

    version = XapiVersion(xapi_version)
    runtime = obj.runtime()
    tenant_id = obj.tenant_id(tenant)
    imported = new = 0
    lines = _nonblank_lines(source)
    with progress_bar(lines, _line_count(source), "Importing") as bar:
        for batch in _batches(bar, batch_size):
            valid = _validated(batch, version, imported, runtime.settings.index_bounds)
            try:
                stored = store_batch(runtime, tenant_id=tenant_id, statements=valid,
                                     authority=authority, credential_id=None, version=version,
                                     source=cli_source())
            except XapiError as exc:
                raise _batch_failed(batch, imported, _per_line(exc, batch)) from exc
            imported += len(batch)
            new += stored.new
    click.echo(f"Imported {new} new statement(s), {imported - new} already stored.")


@statements.command(
    "export",
    epilog="""\b
Examples:
  lrs statements export all.ndjson
  lrs statements export --since 2024-01-01T00:00:00Z --until 2024-02-01 | gzip > jan.ndjson.gz
  lrs statements export --tenant acme acme.ndjson

Statements are written exactly as stored, oldest first, voided ones included
(importing the file voids them again); --since and --until compare with their
"stored" time (since excluded, until included). Each export is recorded in the
audit trail (a "statements.exported" admin action with the filters and count).""",
)
@click.argument("target", type=click.File("w", encoding="utf-8", lazy=True), default="-")
@click.option("--since", type=TIMESTAMP, help="Only statements stored after this time.")
@click.option("--until", type=TIMESTAMP, help="Only statements stored at or before this time.")
@tenant_option("Store (tenant) to export [default: the default store].")
@click.pass_obj
def export_statements(
    obj: Cli, target: IO[str], since: int | None, until: int | None, tenant: str | None
) -> None:
    """Write statements to TARGET, an NDJSON file (standard output by default)."""
    from lrs.services.admin import announce_action
    from lrs.store.queries import StatementQuery, stream

    runtime = obj.runtime()
    tenant_id = obj.tenant_id(tenant)
    query = StatementQuery(since_us=since, until_us=until, ascending=True,
                           include_voided=True)
    exported = 0
    complete = False
    try:
        with runtime.db.read() as session:
            rows = stream(session, tenant_id, query)
            with progress_bar(rows, None, "Exporting") as bar:
                for row in bar:
                    target.write(row.payload + "\n")
                    exported += 1
        complete = True
    finally:
        # Recorded even when the export breaks off: what was written has left the LRS.
        with runtime.db.write() as session:
            announce_action(runtime, session, actor=cli_actor(), source=cli_source(),
                            action="statements.exported",
                            target="statements", tenant_id=tenant_id,
                            details={"since_us": since, "until_us": until,
                                     "count": exported, "complete": complete})
    click.echo(f"Exported {exported} statement(s).", err=True)


def _nonblank_lines(source: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, content) of each line that is not blank."""
    for number, line in enumerate(source, start=1):
        if line.strip():
            yield number, line


def _line_count(source: IO[bytes]) -> int | None:
    """Non-blank lines of a regular file (for a true progress bar); None for a pipe."""
    try:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            return None
    except (OSError, ValueError, AttributeError):
        return None
    count = sum(1 for line in source if line.strip())
    source.seek(0)
    return count


def _batches(
    lines: Iterable[tuple[int, bytes]], size: int
) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _validated(
    batch: list[tuple[int, bytes]], version: XapiVersion, imported: int, bounds: IndexBounds,
) -> list[dict[str, Any]]:
    """The batch's statements, validated; every bad line is reported at once."""
    from lrs.xapi.validate import validate_statements

    valid: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in batch:
        try:
            statement = json.loads(line)
        except ValueError as exc:
            problems.append(f"line {number}: not JSON ({exc})")
            continue
        if not isinstance(statement, dict):
            problems.append(f"line {number}: not a statement (expected a JSON object)")
            continue
        try:
            valid.extend(validate_statements(statement, version, bounds=bounds))
        except InvalidStatement as exc:
            problems.append(f"line {number}: {describe_error(exc)}")
    if problems:
        raise _batch_failed(batch, imported, problems)
    return valid


def _per_line(exc: XapiError, batch: list[tuple[int, bytes]]) -> list[str]:
    """A store error (``$[i]...`` paths) restated with the file's line numbers."""
    lines = []
    for detail in exc.errors:
        match = _BATCH_INDEX.match(detail.path)
        if match and int(match.group(1)) < len(batch):
            lines.append(f"line {batch[int(match.group(1))][0]}: {detail.message}")
    return lines or [exc.message]


def _batch_failed(
    batch: list[tuple[int, bytes]], imported: int, problems: list[str]
) -> click.ClickException:
    first, last = batch[0][0], batch[-1][0]
    return click.ClickException(
        "\n".join(problems)
        + f"\nNothing of lines {first}-{last} was imported; {imported} statement(s) before"
        " them were. Fix the file and run the import again (stored statements are skipped)."
    )
