"""Payment gateways behind `PaymentGateway`, chosen by `PAYMENT_GATEWAY` ("offline" or "stripe").

Code reaches the configured gateway through `get_payment_gateway()`; only `stripe_gateway.py`
imports the Stripe library, and only when that gateway is configured.
"""
from __future__ import annotations

from flask import Flask, current_app

from marketplace.payments.port import (
    ChargeLine,
    GatewayError,
    PaymentGateway,
    PaymentReport,
    PaymentRequest,
    PaymentStart,
    RefundRefused,
    RefundReport,
    RefundRequest,
    WebhookRejected,
)

__all__ = [
    "ChargeLine", "GatewayError", "PaymentGateway", "PaymentReport", "PaymentRequest", "PaymentStart",
    "RefundRefused", "RefundReport", "RefundRequest", "WebhookRejected", "get_payment_gateway", "init_app",
]


def init_app(app: Flask) -> None:
    """Create the configured gateway; ValueError for an unknown name or missing Stripe keys."""
    name = app.config.get("PAYMENT_GATEWAY", "offline")
    if name == "offline":
        from marketplace.payments.offline_gateway import OfflineGateway

        gateway: PaymentGateway = OfflineGateway()
    elif name == "stripe":
        from marketplace.payments.stripe_gateway import StripeGateway

        gateway = StripeGateway.from_config(app.config)
    else:
        raise ValueError(f"unknown PAYMENT_GATEWAY {name!r}")
    app.extensions["payment_gateway"] = gateway


def get_payment_gateway() -> PaymentGateway:
    """The application's payment gateway."""
    if "payment_gateway" not in current_app.extensions:
        init_app(current_app)
    return current_app.extensions["payment_gateway"]
