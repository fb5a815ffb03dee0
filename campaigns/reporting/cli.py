"""`flask reporting …`: writing the journey counts kept in Redis (the scheduled job)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

reporting_cli = AppGroup("reporting", help="Campaign reporting jobs.")


@reporting_cli.command("flush-counts")
def flush_counts_command() -> None:
    """Write the journey counts waiting in Redis (or in this process) to the database; run it every minute."""
    from campaigns.reporting.funnel import journey_counter

    click.echo(f"Wrote {journey_counter(current_app).flush()} journey-count row(s).")
