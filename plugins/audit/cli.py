"""``lrs audit verify | checkpoint | public-key | export | report``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lrs.plugin.host import current_host
from lrs.plugin.request import cli_actor
from plugins.audit.chain import canonical
from plugins.audit.compliance import RequirementError
from plugins.audit.export import FORMATS, write_export
from plugins.audit.filters import FilterError, filters_from
from plugins.audit.http import run_report
from plugins.audit.trail import AuditTrail, trail_for


def _trail() -> AuditTrail:
    return trail_for(current_host())


@click.group()
def audit() -> None:
    """Compliance audit trail: verify it, export it, report on required training."""


@audit.command(epilog="Example:\n\n  lrs audit verify --public-key auditor.pem")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Verify with this public key (PEM) instead of the configured private key.")
def verify(public_key: Path | None) -> None:
    """Check every entry, link, checkpoint and the signed head; exit 1 naming the first break."""
    result = _trail().verify(public_key.read_text() if public_key else None)
    first = result.first
    if first is not None:
        for problem in sorted(result.problems, key=lambda p: p.seq)[1:]:
            click.echo(f"also: {problem.message}", err=True)
        raise click.ClickException(f"audit trail broken at entry {first.seq}: {first.message}")
    click.echo(f"Audit trail intact: {result.entries} entries, "
               f"{result.checkpoints} signed checkpoints.")


@audit.command()
def checkpoint() -> None:
    """Sign a checkpoint of the chain now (automatic ones come every N entries)."""
    seq, head = _trail().checkpoint()
    click.echo(f"Checkpoint signed at entry {seq} ({head}).")


@audit.command("public-key")
def public_key() -> None:
    """Print the public key (PEM) auditors verify checkpoints and manifests with."""
    click.echo(_trail().signer.public_pem(), nl=False)


@audit.command(epilog="""\b
Examples:
  lrs audit export --format jsonl -o audit.jsonl      # + audit.jsonl.manifest.json
  lrs audit export --format csv --person alice@example.com --since 2025-01-01 -o alice.csv
  lrs audit export --format pdf --activity https://example.com/courses/aml -o aml.pdf""")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--person", help="An email address or an xAPI Agent as JSON.")
@click.option("--activity", metavar="IRI", help="Only entries about this activity.")
@click.option("--since", help="From this ISO 8601 date or timestamp (inclusive).")
@click.option("--until", help="Before this ISO 8601 date or timestamp (exclusive).")
@click.option("--tenant", metavar="NAME",
              help="Store (tenant) to export, by name [default: the default store].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(fmt: str, person: str | None, activity: str | None, since: str | None,
           until: str | None, tenant: str | None, output: Path) -> None:
    """Export entries for auditors; JSON Lines comes with a signed manifest beside it."""
    trail = _trail()
    try:
        filters = filters_from(trail.host.tenant_id(tenant), person, activity, since, until)
    except FilterError as exc:
        raise click.BadParameter(str(exc)) from exc
    total = trail.count(filters)
    with output.open("wb") as out, click.progressbar(
        length=total, label=f"Exporting {total} entries", file=sys.stderr,
    ) as bar:
        result = write_export(trail, filters, fmt, out, actor=cli_actor(), file_name=output.name,
                              progress=bar.update)
    click.echo(f"Wrote {result.count} entries to {output} (sha256 {result.sha256}).")
    if result.manifest is not None:
        manifest = output.with_name(output.name + ".manifest.json")
        manifest.write_text(json.dumps(result.manifest, indent=2) + "\n")
        click.echo(f"Signed manifest: {manifest}")


@audit.command(epilog="""\b
Examples:
  lrs audit report --as-of 2026-06-30           # the store's assignments
  lrs audit report --required required.json     # ad hoc requirements instead

\b
Example requirements file:
  [{"activity": "https://example.com/courses/aml", "due": "2025-06-30", "people": "all"},
   {"activity": "https://example.com/sessions/fire-drill", "due": "2025-03-31",
    "people": ["alice@example.com", {"account": {"homePage": "https://hr", "name": "E42"}}]}]""")
@click.option("--required", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON file of required activities with due dates [default: the store's "
                   "assignments, lrs assignments list].")
@click.option("--as-of", help="Judge as of this date (YYYY-MM-DD) [default: today].")
@click.option("--tenant", metavar="NAME",
              help="Store (tenant) to report on, by name [default: the default store].")
def report(required: Path | None, as_of: str | None, tenant: str | None) -> None:
    """Who is not started, in progress, compliant, due soon or overdue, with the statements
    as evidence (JSON); everyone assigned is listed, statements or not."""
    trail = _trail()
    try:
        data = json.loads(required.read_text()) if required else None
        result = run_report(trail, trail.host.tenant_id(tenant), data, as_of)
    except (RequirementError, ValueError) as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(canonical(result) if not sys.stdout.isatty() else json.dumps(result, indent=2))
