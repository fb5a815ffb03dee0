"""`flask rates …`: exchange rates for approximate display prices."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.catalog.models import ExchangeRate
from marketplace.catalog.services import set_exchange_rate
from marketplace.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.search import services as search

rates_cli = AppGroup("rates", help="Exchange rates used for approximate prices.")


@rates_cli.command("set")
@click.argument("base")
@click.argument("quote")
@click.argument("rate")
def set_rate_command(base: str, quote: str, rate: str) -> None:
    """Set how many QUOTE units one BASE unit buys, e.g. `flask rates set USD CNY 7.1`."""
    try:
        row = set_exchange_rate(base, quote, rate)
    except ValidationError as exc:
        raise click.BadParameter(exc.message) from exc
    search.reindex_for_rate(row.base, row.quote)
    click.echo(f"1 {row.base} = {row.rate} {row.quote}")


@rates_cli.command("list")
def list_rates_command() -> None:
    """Print every stored rate."""
    for row in db.session.scalars(select(ExchangeRate).order_by(ExchangeRate.base, ExchangeRate.quote)):
        click.echo(f"1 {row.base} = {row.rate} {row.quote}  ({row.updated_at:%Y-%m-%d})")
