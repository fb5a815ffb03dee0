"""Pay on delivery (cash or mobile money): nothing is collected online, so nothing can arrive by webhook.

A refund moves no money here: it is recorded "to pay out", and staff pay it in cash or by mobile money
and then mark it paid out.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from marketplace.payments.port import (
    REFUND_TO_PAY_OUT,
    GatewayError,
    PaymentReport,
    PaymentRequest,
    PaymentStart,
    RefundReport,
    RefundRequest,
    WebhookRejected,
)


class OfflineGateway:
    name = "offline"
    collects_online = False

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        return PaymentStart(reference="", redirect_url=None)

    def parse_webhook(self, payload: bytes, signature_header: str) -> PaymentReport:
        raise WebhookRejected("the offline method receives no webhooks")

    def recent_payments(self, since: datetime) -> Iterable[PaymentReport]:
        return ()

    def expire_payment(self, reference: str) -> None:
        return None

    def refund(self, request: RefundRequest) -> RefundReport:
        return RefundReport(reference="", refund_id=request.refund_id, outcome=REFUND_TO_PAY_OUT,
                            amount=request.amount, currency=request.currency)

    def refund_status(self, reference: str) -> RefundReport:
        raise GatewayError("the offline method keeps no refunds to re-read")
