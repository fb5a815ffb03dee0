"""`POST /webhooks/stripe`: the gateway's signed events, the one CSRF-exempt POST (Stripe cannot send a token).

The signature on the raw body is the event's only credential; nothing in the request is believed
before `parse_webhook` has verified it. The view parses and hands the report to one service.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _

from marketplace.core import clock
from marketplace.orders.refunds.sync import apply_refund_event
from marketplace.orders.webhooks import apply_payment_report
from marketplace.payments import RefundReport, WebhookRejected, get_payment_gateway

bp = Blueprint("payment_webhooks", __name__)


def _error(code: str, message: str, status: int) -> tuple[Response, int]:
    return jsonify(error={"code": code, "message": message, "fields": {}}), status


@bp.post("/webhooks/stripe")
def stripe_webhook() -> tuple[Response, int]:
    """Apply one signed Stripe event to its order or refund; 400 when the event is rejected, 404 when Stripe is
    not configured."""
    gateway = get_payment_gateway()
    if gateway.name != "stripe":
        return _error("not_found", _("Online payments are not enabled on this site."), 404)
    try:
        # The raw bytes exactly as Stripe signed them (never the parsed form or JSON).
        report = gateway.parse_webhook(request.get_data(), request.headers.get("Stripe-Signature", ""))
    except WebhookRejected as rejected:
        return _error("webhook_rejected", _("The event was rejected: %(reason)s", reason=str(rejected)), 400)
    # A failure here is a 500, so Stripe sends the event again later; nothing of it was recorded.
    if isinstance(report, RefundReport):
        outcome = apply_refund_event(report, gateway.name, clock.now())
    else:
        outcome = apply_payment_report(report, gateway.name, clock.now())
    return jsonify(received=True, outcome=outcome), 200
