"""``lrs notifications``: who receives notifications by email
(:mod:`lrs.services.notifications`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lrs.cli.context import echo_records, tenant_option
from lrs.models.types import iso_time
from lrs.plugin.request import cli_actor, cli_source

if TYPE_CHECKING:
    from lrs.cli.context import Cli


@click.group()
def notifications() -> None:
    """Notifications plugins raise (a KPI changing status): email subscriptions and a test.

    See docs/notifications.md; the web UI's Notifications page lists what was sent.
    """


@notifications.command(
    "subscribe",
    epilog="""\b
Examples:
  lrs notifications subscribe kpi.status_changed ops@example.com
  lrs notifications subscribe '*' audit@example.com --tenant acme""",
)
@click.argument("topic")
@click.argument("email")
@tenant_option("Store (tenant) whose notifications to receive [default: the default store].")
@click.pass_obj
def subscribe(obj: Cli, topic: str, email: str, tenant: str | None) -> None:
    """Have EMAIL receive the notifications of TOPIC ('*': every topic) by email."""
    from lrs.services.notifications import subscribe as add

    created = add(
        obj.runtime(),
        tenant_id=obj.tenant_id(tenant),
        topic=topic,
        email=email,
        actor=cli_actor(),
        source=cli_source(),
    )
    click.echo(
        f"Subscribed {email.lower()} to {topic}."
        if created
        else f"{email.lower()} was already subscribed to {topic}."
    )


@notifications.command(
    "unsubscribe",
    epilog="""\b
Example:
  lrs notifications unsubscribe kpi.status_changed ops@example.com""",
)
@click.argument("topic")
@click.argument("email")
@tenant_option("Store (tenant) of the subscription [default: the default store].")
@click.pass_obj
def unsubscribe(obj: Cli, topic: str, email: str, tenant: str | None) -> None:
    """Stop EMAIL receiving the notifications of TOPIC."""
    from lrs.services.notifications import unsubscribe as remove

    remove(
        obj.runtime(),
        tenant_id=obj.tenant_id(tenant),
        topic=topic,
        email=email,
        actor=cli_actor(),
        source=cli_source(),
    )
    click.echo(f"Unsubscribed {email.lower()} from {topic}.")


@notifications.command(
    "list",
    epilog="""\b
Examples:
  lrs notifications list
  lrs notifications list --json --tenant acme""",
)
@tenant_option("Store (tenant) to list [default: the default store].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def list_subscriptions(obj: Cli, tenant: str | None, as_json: bool) -> None:
    """Show who receives which topic by email."""
    from lrs.services.notifications import subscriptions

    records = [
        {"topic": s.topic, "email": s.email, "since": iso_time(s.created_us), "by": s.created_by}
        for s in subscriptions(obj.runtime(), tenant_id=obj.tenant_id(tenant))
    ]
    echo_records(
        records,
        ["topic", "email", "since", "by"],
        as_json=as_json,
        empty="Nobody is subscribed. Add someone with: lrs notifications subscribe TOPIC EMAIL",
    )


@notifications.command(
    "send-test",
    epilog="""\b
Example:
  lrs notifications send-test ops@example.com""",
)
@click.argument("email")
@tenant_option("Store (tenant) the test is recorded in [default: the default store].")
@click.pass_obj
def send_test(obj: Cli, email: str, tenant: str | None) -> None:
    """Mail a test message to EMAIL now through LRS_SMTP_*, to check the settings."""
    from lrs.services.email_channel import EmailError
    from lrs.services.notifications import send_test as send

    try:
        send(
            obj.runtime(),
            tenant_id=obj.tenant_id(tenant),
            to=email,
            actor=cli_actor(),
            source=cli_source(),
        )
    except EmailError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Sent a test message to {email.lower()}.")
