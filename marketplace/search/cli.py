"""`flask search …`: rebuild and check the index, and run the index worker."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.core import jobs
from marketplace.search import services, writer

search_cli = AppGroup("search", help="The product search index.")


@search_cli.command("reindex")
@click.option("--full", is_flag=True, help="Recreate the index from scratch instead of updating what changed.")
def reindex_command(full: bool) -> None:
    """Make the index match the database (works on a deleted index folder or a stale lock file)."""
    total = len(services.visible_ids())
    with click.progressbar(length=total, label="Indexing products") as bar:
        report = services.rebuild_index(full=full, progress=bar.update)
    click.echo(
        f"Indexed {report.indexed}, unchanged {report.unchanged}, removed {report.removed}; "
        f"{report.total} products in the index."
    )


@search_cli.command("check")
def check_command() -> None:
    """Report products missing from, or extra in, the index; exit 1 when there are any."""
    result = services.check_index()
    click.echo(f"{result.indexed} products indexed.")
    if result.missing:
        click.echo(f"Missing from the index ({len(result.missing)}): {_ids(result.missing)}")
    if result.extra:
        click.echo(f"In the index but not visible ({len(result.extra)}): {_ids(result.extra)}")
    if not result.ok:
        click.echo("Run `flask search reindex` to repair.", err=True)
        sys.exit(1)
    click.echo("The index matches the database.")


@search_cli.command("worker")
def worker_command() -> None:
    """Apply queued index refreshes (production, with REDIS_URL): the one process that writes the index."""
    jobs.run_worker(current_app, writer.queue_name(current_app))


def _ids(ids: list[int]) -> str:
    shown = ", ".join(map(str, ids[:20]))
    return shown + (f" … and {len(ids) - 20} more" if len(ids) > 20 else "")
