"""`flask seed-demo`: the demo campaign, idempotent."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from campaigns.demo.seed import DEMO_PASSWORD, seed_demo


@click.command("seed-demo")
@click.option("--stores", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--products", default=1000, show_default=True, type=click.IntRange(0, 1_000_000))
@with_appcontext
def seed_demo_command(stores: int, products: int) -> None:
    """Create the demo stores, products, rates and accounts that are missing (a second run adds nothing)."""
    with click.progressbar(length=products, label="Seeding products") as bar:
        report = seed_demo(stores=stores, products=products, progress=bar.update)
    click.echo(
        f"Added {report.stores} stores, {report.products} products, {report.pictures} pictures, "
        f"{report.categories} categories, {report.experiences} experiences, {report.orders} orders, "
        f"{report.shipping_profiles} shipping profiles, {report.reviews} reviews."
    )
    click.echo(f"Demo log-ins (password: {DEMO_PASSWORD}):")
    for email in report.accounts:
        click.echo(f"  {email}")
