"""``lrs competency export`` (attainments as CSV) and ``lrs competency profile`` (a
person's profile as JSON or PDF): the views' exports for scripts and schedulers."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lrs.plugin.host import current_host
from plugins.competency.cli import TENANT, _fail
from plugins.competency.errors import CompetencyError
from plugins.competency.exports import ROW_STATES, attainments_csv
from plugins.competency.pdf import find_font, profile_pdf
from plugins.competency.profiles import person_profile


@click.command(
    "export",
    epilog="""\b
Examples:
  lrs competency export > attainments.csv
  lrs competency export --framework dce11de2-... --group "Safety wardens" --state lapsed
  lrs competency export --output attainments.csv --tenant acme""",
)
@click.option("--framework", metavar="ID", help="Only this framework's competencies.")
@click.option("--group", metavar="NAME", help="Only the people of this group or cohort.")
@click.option("--state", type=click.Choice(ROW_STATES), help="Only attainments in this state.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CSV here [default: standard output].",
)
@TENANT
def export(
    framework: str | None,
    group: str | None,
    state: str | None,
    output: Path | None,
    tenant: str | None,
) -> None:
    """The attainments as CSV: one row per person and competency with an attainment."""
    host = current_host()
    try:
        chunks = attainments_csv(
            host, host.tenant_id(tenant), framework=framework, group_name=group, state=state
        )
    except CompetencyError as exc:
        raise _fail(exc) from exc
    with click.open_file(str(output) if output else "-", "w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(chunk)


@click.command(
    "profile",
    epilog="""\b
Examples:
  lrs competency profile E1
  lrs competency profile E1 --pdf ada.pdf --framework dce11de2-...""",
)
@click.argument("employee_id")
@click.option("--framework", metavar="ID", help="Only this framework.")
@click.option(
    "--pdf",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the profile as a PDF here instead of printing JSON.",
)
@TENANT
def profile(employee_id: str, framework: str | None, pdf: Path | None, tenant: str | None) -> None:
    """A person's competency profile (by employee id), as JSON or a PDF."""
    host = current_host()
    try:
        data = person_profile(host, host.tenant_id(tenant), employee_id, framework=framework)
    except CompetencyError as exc:
        raise _fail(exc) from exc
    if pdf is None:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    pdf.write_bytes(profile_pdf(data, find_font(host.plugin_config("competency").get("pdf_font"))))
    click.echo(f"Wrote {pdf}.")


def add_view_commands(group: click.Group) -> None:
    group.add_command(export)
    group.add_command(profile)
