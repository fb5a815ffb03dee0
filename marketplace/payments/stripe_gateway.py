"""Stripe Checkout behind `PaymentGateway`: the only module that imports the Stripe library.

A payment is one Checkout Session (cards, Alipay, WeChat Pay) built from the server's prices. Its
events arrive signed at `/webhooks/stripe`; `parse_webhook` verifies them on the raw body and turns
them into `PaymentReport`s, and `recent_payments` re-reads sessions for `flask payments reconcile`.
Refunds go through Stripe's Refund API against the session's PaymentIntent, with our refund id in their
metadata and our idempotency key, so a retried request never refunds twice; `refund.*` and
`charge.refunded` events become `RefundReport`s. Stripe objects are handled as plain dicts
(`to_dict()`), so nothing outside this module sees them.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import stripe

from marketplace.core import clock
from marketplace.payments.port import (
    REFUND_FAILED,
    REFUND_PENDING,
    REFUND_SUCCEEDED,
    GatewayError,
    PaymentReport,
    PaymentRequest,
    PaymentStart,
    RefundRefused,
    RefundReport,
    RefundRequest,
    WebhookRejected,
)

# Stripe Checkout speaks these of our languages; Arabic and Swahili pages let Stripe pick from the browser.
STRIPE_LOCALES = {"en": "en", "fr": "fr", "pt": "pt", "zh": "zh"}
# Stripe refuses an `expires_at` less than 30 minutes after the session is created; the slack covers
# the time between computing it here and Stripe receiving the request.
MIN_SESSION_LIFETIME = timedelta(minutes=31)
# The session closes a little before the reservation ends, so a shopper cannot pay for units that
# were just given back (a payment that still arrives late is handled by orders/webhooks.py).
EXPIRY_MARGIN = timedelta(minutes=2)
MAX_SESSION_LIFETIME = timedelta(hours=24)
LIST_PAGE_SIZE = 100
SESSION_EVENTS = {
    "checkout.session.async_payment_succeeded": "paid",
    "checkout.session.async_payment_failed": "failed",
    "checkout.session.expired": "expired",
}
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed"})
# Stripe's refund statuses as ours ("requires_action": the payer must give bank details; still on its way).
REFUND_STATUSES = {"pending": REFUND_PENDING, "requires_action": REFUND_PENDING, "succeeded": REFUND_SUCCEEDED,
                   "failed": REFUND_FAILED, "canceled": REFUND_FAILED}


class StripeGateway:
    """Payments through Stripe Checkout Sessions."""

    name = "stripe"
    collects_online = True

    def __init__(
        self, secret_key: str, webhook_secret: str, payment_methods: list[str], api_base: str | None = None,
        max_network_retries: int = 2, timeout_seconds: float = 30.0,
    ) -> None:
        base_addresses: dict[str, str] = {"api": api_base} if api_base else {}
        # Retries are safe: every session is created with an idempotency key.
        self.client = stripe.StripeClient(
            secret_key, base_addresses=base_addresses,  # type: ignore[arg-type]
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
        )
        self.webhook_secret = webhook_secret
        self.payment_methods = [method.strip() for method in payment_methods if method.strip()]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StripeGateway:
        """The gateway the app's config describes; ValueError when a Stripe key or payment method is missing."""
        secret_key = config.get("STRIPE_SECRET_KEY")
        webhook_secret = config.get("STRIPE_WEBHOOK_SECRET")
        if not secret_key or not webhook_secret:
            raise ValueError("PAYMENT_GATEWAY=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
        methods = config.get("STRIPE_PAYMENT_METHODS") or ["card"]
        if isinstance(methods, str):
            methods = methods.split(",")
        gateway = cls(secret_key, webhook_secret, list(methods), config.get("STRIPE_API_BASE"),
                      int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
                      float(config.get("STRIPE_TIMEOUT_SECONDS", 30)))
        if not gateway.payment_methods:
            raise ValueError("STRIPE_PAYMENT_METHODS names no payment method")
        return gateway

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        """Create the Checkout Session for the request; GatewayError when Stripe refuses or cannot be reached."""
        if sum(line.quantity * line.unit_amount for line in request.lines) != request.total_amount:
            # Stripe charges the sum of the lines; a different total would make every payment a mismatch.
            raise GatewayError("the charge lines do not add up to the total")
        params = self._session_params(request)
        try:
            session = self.client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(_describe(exc)) from exc
        data = session.to_dict()
        return PaymentStart(reference=data["id"], redirect_url=data.get("url"))

    def _session_params(self, request: PaymentRequest) -> dict[str, Any]:
        currency = request.currency.lower()
        metadata = {"order_id": str(request.order_id), "order_reference": request.order_reference}
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {"quantity": line.quantity,
                 # Zero-decimal currencies (XOF, UGX …) are already whole units in our Money, as Stripe wants.
                 "price_data": {"currency": currency, "unit_amount": line.unit_amount,
                                "product_data": {"name": line.name[:250] or request.order_reference}}}
                for line in request.lines
            ],
            "payment_method_types": self.payment_methods,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},  # so a refund in the dashboard names the order
            "client_reference_id": request.order_reference,
            "locale": STRIPE_LOCALES.get(request.locale, "auto"),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(session_expiry(request.expires_at, clock.now()).timestamp()),
        }
        if "wechat_pay" in self.payment_methods:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        if request.customer_email:
            params["customer_email"] = request.customer_email
        return params

    def parse_webhook(self, payload: bytes, signature_header: str) -> PaymentReport | RefundReport:
        """The verified event in `payload`; WebhookRejected for a bad signature, a stale timestamp or a non-event."""
        try:
            # Verified on the raw bytes Stripe signed, before anything in them is believed.
            stripe.WebhookSignature.verify_header(payload, signature_header, self.webhook_secret,
                                                  tolerance=stripe.Webhook.DEFAULT_TOLERANCE)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRejected(str(exc.user_message or exc)) from exc
        except UnicodeDecodeError as exc:
            raise WebhookRejected("the body is not UTF-8 text") from exc
        try:
            event = json.loads(payload)
        except ValueError as exc:
            raise WebhookRejected("the body is not JSON") from exc
        if not isinstance(event, dict) or not all(isinstance(event.get(key), str) for key in ("id", "type")):
            raise WebhookRejected("the body is not a Stripe event")
        event_id, event_type = event["id"], event["type"]
        data = event.get("data")
        session = data.get("object") if isinstance(data, dict) else None
        if isinstance(session, dict) and event_type in REFUND_EVENTS:
            return refund_report(session, event_id, event_type)
        if isinstance(session, dict) and event_type == "charge.refunded":
            # The charge's refunds are not in the event (API versions since 2022-11-15): re-read ours.
            amount = session.get("amount_refunded")
            return RefundReport(reference="", refund_id=None, outcome="",
                                amount=amount if isinstance(amount, int) else 0,
                                currency=str(session.get("currency") or "").upper(),
                                payment_reference=str(session.get("payment_intent") or ""),
                                event_id=event_id, event_type=event_type)
        if not event_type.startswith("checkout.session.") or not isinstance(session, dict):
            return PaymentReport(reference="", order_id=None, outcome="ignored", amount=0, currency="",
                                 event_id=event_id, event_type=event_type)
        if event_type == "checkout.session.completed":
            # Cards, Alipay and WeChat Pay are "paid" at once; delayed methods complete "unpaid" and
            # send async_payment_succeeded or _failed later.
            status = session.get("payment_status")
            outcome = "paid" if status in ("paid", "no_payment_required") else "processing"
        else:
            outcome = SESSION_EVENTS.get(event_type, "ignored")
        return session_report(session, outcome, event_id, event_type)

    def recent_payments(self, since: datetime) -> Iterator[PaymentReport]:
        """Every Checkout Session created since `since`, as Stripe sees it now; GatewayError when unreachable."""
        params = {"limit": LIST_PAGE_SIZE, "created": {"gte": int(since.timestamp())}}
        try:
            page = self.client.v1.checkout.sessions.list(params)  # type: ignore[arg-type]
            for session in page.auto_paging_iter():
                data = session.to_dict()
                yield session_report(data, session_outcome(data))
        except stripe.StripeError as exc:
            raise GatewayError(_describe(exc)) from exc

    def expire_payment(self, reference: str) -> None:
        """Expire an open Checkout Session (one already expired or complete is left alone); GatewayError otherwise."""
        try:
            self.client.v1.checkout.sessions.expire(reference)
        except stripe.InvalidRequestError as exc:
            # Stripe refuses to expire a session that is no longer open; that is the state we want.
            try:
                status = self.client.v1.checkout.sessions.retrieve(reference).to_dict().get("status")
            except stripe.StripeError as again:
                raise GatewayError(_describe(again)) from again
            if status not in ("expired", "complete"):
                raise GatewayError(_describe(exc)) from exc
        except stripe.StripeError as exc:
            raise GatewayError(_describe(exc)) from exc

    def refund(self, request: RefundRequest) -> RefundReport:
        """Refund part or all of the session's payment with the request's idempotency key; RefundRefused when
        Stripe refuses it (more than is left, a payment not captured …), GatewayError when it cannot be reached."""
        try:
            session = self.client.v1.checkout.sessions.retrieve(request.payment_reference).to_dict()
            payment_intent = session.get("payment_intent")
            if isinstance(payment_intent, dict):
                payment_intent = payment_intent.get("id")
            if not payment_intent:
                raise RefundRefused(f"Stripe session {request.payment_reference} has no payment to refund")
            params = {
                "payment_intent": payment_intent, "amount": request.amount,
                "metadata": {"refund_id": str(request.refund_id), "order_reference": request.order_reference},
                "reason": "requested_by_customer",
            }
            refund = self.client.v1.refunds.create(
                params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        except (stripe.InvalidRequestError, stripe.CardError) as exc:
            raise RefundRefused(_describe(exc)) from exc
        except stripe.StripeError as exc:
            raise GatewayError(_describe(exc)) from exc
        return refund_report(refund.to_dict())

    def refund_status(self, reference: str) -> RefundReport:
        """The refund as Stripe sees it now; GatewayError when it cannot be read."""
        try:
            return refund_report(self.client.v1.refunds.retrieve(reference).to_dict())
        except stripe.StripeError as exc:
            raise GatewayError(_describe(exc)) from exc


def refund_report(refund: Mapping[str, Any], event_id: str = "", event_type: str = "") -> RefundReport:
    """A RefundReport for a Stripe Refund given as a plain dict."""
    metadata = refund.get("metadata") or {}
    try:
        refund_id: int | None = int(metadata.get("refund_id"))
    except (TypeError, ValueError):
        refund_id = None
    amount = refund.get("amount")
    payment_intent = refund.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    return RefundReport(
        reference=str(refund.get("id") or ""), refund_id=refund_id,
        outcome=REFUND_STATUSES.get(str(refund.get("status")), REFUND_PENDING),
        amount=amount if isinstance(amount, int) and not isinstance(amount, bool) else 0,
        currency=str(refund.get("currency") or "").upper(), payment_reference=str(payment_intent or ""),
        failure=str(refund.get("failure_reason") or "")[:200], event_id=event_id, event_type=event_type,
    )


def session_expiry(reserved_until: datetime | None, now: datetime) -> datetime:
    """When the session should close: just before the reservation ends, within Stripe's 30 minutes to 24 hours."""
    # SQLite hands back naive datetimes; ours are all UTC.
    wanted = (clock.to_utc(reserved_until) if reserved_until else now + MIN_SESSION_LIFETIME) - EXPIRY_MARGIN
    return min(max(wanted, now + MIN_SESSION_LIFETIME), now + MAX_SESSION_LIFETIME)


def session_outcome(session: Mapping[str, Any]) -> str:
    """What a re-read session says about its payment: paid, expired, or processing (open or awaiting funds)."""
    if session.get("status") == "expired":
        return "expired"
    if session.get("status") == "complete" and session.get("payment_status") in ("paid", "no_payment_required"):
        return "paid"
    return "processing"


def session_report(session: Mapping[str, Any], outcome: str, event_id: str = "", event_type: str = "") -> PaymentReport:
    """A PaymentReport for a Checkout Session given as a plain dict (Stripe writes currencies in lower case)."""
    metadata = session.get("metadata") or {}
    try:
        order_id: int | None = int(metadata.get("order_id"))
    except (TypeError, ValueError):
        order_id = None
    amount = session.get("amount_total")
    return PaymentReport(
        reference=str(session.get("id") or ""), order_id=order_id, outcome=outcome,
        amount=amount if isinstance(amount, int) and not isinstance(amount, bool) else 0,
        currency=str(session.get("currency") or "").upper(), event_id=event_id, event_type=event_type,
    )


def _describe(exc: stripe.StripeError) -> str:
    # Logged and stored in the order's history; never shown to the shopper as is.
    kind = type(exc).__name__
    status = f" (HTTP {exc.http_status})" if exc.http_status else ""
    message = " ".join(str(exc.user_message or exc).split())
    return f"Stripe {kind}{status}: {message}"[:300]
