"""The interface every payment gateway implements; gateways know nothing of orders.

Orders hand a gateway a `PaymentRequest` built from the server's own prices and get back where to
send the shopper. Gateway events (webhooks) and re-read payments come back as plain records that
`orders/webhooks.py` turns into order changes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; nothing was charged."""


class WebhookRejected(Exception):
    """A webhook that must not be applied: bad signature, stale timestamp, or a body that is not an event."""


@dataclass(frozen=True)
class ChargeLine:
    name: str
    quantity: int
    unit_amount: int  # minor units of the request's currency


@dataclass(frozen=True)
class PaymentRequest:
    order_id: int
    order_reference: str
    currency: str
    total_amount: int  # minor units; equals the sum of the lines
    lines: tuple[ChargeLine, ...]
    customer_email: str
    locale: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str


@dataclass(frozen=True)
class PaymentStart:
    reference: str  # the gateway's id for this payment ("" when the gateway collects nothing online)
    redirect_url: str | None  # where the shopper pays; None for offline methods


@dataclass(frozen=True)
class PaymentReport:
    """What a gateway says about one payment, from a webhook event or from re-reading it."""

    reference: str
    order_id: int | None
    outcome: str  # "paid", "processing", "failed", "expired" or "ignored"
    amount: int
    currency: str
    event_id: str = ""  # the gateway's event id; "" for a re-read
    event_type: str = ""


class PaymentGateway(Protocol):
    name: str
    collects_online: bool  # False: the order is confirmed at once and paid on delivery

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        """Open a payment for the request; GatewayError when the gateway cannot."""
        ...

    def parse_webhook(self, payload: bytes, signature_header: str) -> PaymentReport:
        """The verified event in `payload`; WebhookRejected when it is not authentic or not an event."""
        ...

    def recent_payments(self, since: datetime) -> Iterable[PaymentReport]:
        """Payments opened since `since`, as the gateway now sees them; GatewayError when unreachable."""
        ...

    def expire_payment(self, reference: str) -> None:
        """Close a payment that may no longer be paid (its reservation lapsed); GatewayError on failure."""
        ...
