"""The interface every payment gateway implements; gateways know nothing of orders.

Orders hand a gateway a `PaymentRequest` built from the server's own prices and get back where to
send the shopper. Gateway events (webhooks) and re-read payments come back as plain records that
`orders/webhooks.py` turns into order changes. A refund is a `RefundRequest` with its own idempotency
key; what the gateway says of it (at once, by webhook or re-read) is a `RefundReport`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; nothing was charged."""


class RefundRefused(GatewayError):
    """The gateway answered and refused the refund for good (e.g. more than is left of the payment)."""


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


# What a gateway says of a refund.
REFUND_PENDING = "pending"  # accepted; the money is on its way
REFUND_SUCCEEDED = "succeeded"
REFUND_FAILED = "failed"  # refused or bounced: no money went back
REFUND_TO_PAY_OUT = "to_pay_out"  # the gateway moves no money: staff pay it out in cash or mobile money
REFUND_OUTCOMES = frozenset({REFUND_PENDING, REFUND_SUCCEEDED, REFUND_FAILED, REFUND_TO_PAY_OUT})


@dataclass(frozen=True)
class RefundRequest:
    refund_id: int  # ours, written into the gateway's metadata so its events name the refund
    payment_reference: str  # the payment being refunded (the order's `gateway_reference`)
    amount: int  # minor units of `currency`; partial refunds are allowed
    currency: str
    order_reference: str
    reason: str
    idempotency_key: str  # the same key for every attempt of one refund, so a retry never pays twice


@dataclass(frozen=True)
class RefundReport:
    """What a gateway says about one refund, answering `refund`, from a webhook event or from re-reading it.

    `reference` is "" for an event that only says a payment was refunded (Stripe's `charge.refunded`
    without its refunds): the refunds of `payment_reference` are then re-read.
    """

    reference: str  # the gateway's refund id ("" for the offline gateway)
    refund_id: int | None  # ours, from the refund's metadata
    outcome: str  # one of REFUND_OUTCOMES, or "" when only `payment_reference` is known
    amount: int
    currency: str
    payment_reference: str = ""  # the gateway's id of the payment (Stripe: the PaymentIntent)
    failure: str = ""  # why it failed, for staff
    event_id: str = ""
    event_type: str = ""


class PaymentGateway(Protocol):
    name: str
    collects_online: bool  # False: the order is confirmed at once and paid on delivery

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        """Open a payment for the request; GatewayError when the gateway cannot."""
        ...

    def parse_webhook(self, payload: bytes, signature_header: str) -> PaymentReport | RefundReport:
        """The verified event in `payload`; WebhookRejected when it is not authentic or not an event."""
        ...

    def recent_payments(self, since: datetime) -> Iterable[PaymentReport]:
        """Payments opened since `since`, as the gateway now sees them; GatewayError when unreachable."""
        ...

    def expire_payment(self, reference: str) -> None:
        """Close a payment that may no longer be paid (its reservation lapsed); GatewayError on failure."""
        ...

    def refund(self, request: RefundRequest) -> RefundReport:
        """Send `request.amount` of the payment back to the payer (or record it for staff to pay out);
        GatewayError when the gateway cannot be reached or refuses before anything happened."""
        ...

    def refund_status(self, reference: str) -> RefundReport:
        """The refund as the gateway sees it now; GatewayError when it cannot be reached."""
        ...
