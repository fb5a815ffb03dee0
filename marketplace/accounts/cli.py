"""`flask create-staff EMAIL`: the first campaign staff account."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from marketplace.accounts.services import create_staff
from marketplace.core.errors import ValidationError


@click.command("create-staff")
@click.argument("email")
@click.password_option(help="The password (asked for, hidden, when not given).")
@with_appcontext
def create_staff_command(email: str, password: str) -> None:
    """Create a staff account for EMAIL (or make that account staff)."""
    try:
        user = create_staff(email, password)
    except ValidationError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Staff account ready: {user.email}")
