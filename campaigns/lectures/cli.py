"""`flask lectures …`: the reminder run."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

lectures_cli = AppGroup("lectures", help="Lecture jobs.")


@lectures_cli.command("send-reminders")
@click.option("--queue", "use_queue", is_flag=True,
              help="Hand the run to an RQ worker (needs REDIS_URL) instead of sending here.")
def send_reminders_command(use_queue: bool) -> None:
    """Remind registered people a day and an hour before each lecture (each once); run it from cron."""
    from campaigns.lectures.reminders import enqueue_reminders, send_due_reminders

    if use_queue:
        if not current_app.config.get("REDIS_URL"):
            raise click.UsageError("--queue needs REDIS_URL")
        click.echo(f"Queued lecture reminders job {enqueue_reminders()}.")
        return
    click.echo(f"Sent {send_due_reminders()} lecture reminder(s).")
