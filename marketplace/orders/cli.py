"""`flask payments …`: repair orders whose payment webhooks never arrived, and send refunds that did not go out."""
from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask.cli import AppGroup

from marketplace.core import clock
from marketplace.orders.refunds.sync import retry_refunds
from marketplace.orders.webhooks import reconcile_payments
from marketplace.payments import GatewayError, get_payment_gateway

payments_cli = AppGroup("payments", help="Online payments.")


@payments_cli.command("reconcile")
@click.option("--hours", default=48, show_default=True, type=click.IntRange(1, 24 * 31),
              help="Re-read the payments opened in this many past hours.")
def reconcile_command(hours: int) -> None:
    """Re-read recent payments from the gateway and apply what its webhooks missed; exit 1 when unreachable."""
    gateway = get_payment_gateway()
    if not gateway.collects_online:
        click.echo(f"The payment gateway is {gateway.name!r}: it collects nothing online, so there is nothing "
                   "to reconcile. Set PAYMENT_GATEWAY=stripe to use Stripe.")
        return
    at = clock.now()
    since = at - timedelta(hours=hours)
    try:
        result = reconcile_payments(since, at)
    except GatewayError as exc:
        click.echo(f"The payment gateway cannot be reached: {exc}. Orders repaired before the failure stay "
                   "repaired; run the command again later.", err=True)
        sys.exit(1)
    for reference, outcome in result["orders"]:
        click.echo(f"Order {reference}: {outcome.replace('_', ' ')}")
    click.echo(f"Checked {result['checked']} payments from the last {hours} hours; "
               f"repaired {result['repaired']} orders.")


@payments_cli.command("refunds")
def refunds_command() -> None:
    """Send the refunds the payment gateway could not be reached for (with their own idempotency keys, so none
    is paid twice) and re-read those on their way; exit 1 when some could still not be sent."""
    result = retry_refunds()
    click.echo(f"Sent {result['sent']} waiting refunds; {result['still_requested']} could not be sent yet; "
               f"re-read {result['reread']} refunds on their way.")
    if result["still_requested"]:
        sys.exit(1)
