"""`flask festivals …`: the reminder job."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

festivals_cli = AppGroup("festivals", help="Festival jobs.")


@festivals_cli.command("send-reminders")
@click.option("--queue", "use_queue", is_flag=True,
              help="Hand the run to an RQ worker (needs REDIS_URL) instead of sending here.")
def send_reminders_command(use_queue: bool) -> None:
    """Send the reminders that are due (each exactly once) and tell approved vendors when a festival's
    registration opens; run it every few minutes from cron."""
    from campaigns.festivals.announcements import announce_open_registrations
    from campaigns.festivals.reminders import enqueue_reminders, send_due_reminders

    if use_queue:
        if not current_app.config.get("REDIS_URL"):
            raise click.UsageError("--queue needs REDIS_URL")
        click.echo(f"Queued reminders job {enqueue_reminders()}.")
        return
    click.echo(f"Sent {send_due_reminders()} reminder(s).")
    click.echo(f"Announced the registration of {announce_open_registrations()} festival(s) to vendors.")
