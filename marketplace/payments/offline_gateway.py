"""Pay on delivery (cash or mobile money): nothing is collected online, so nothing can arrive by webhook."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from marketplace.payments.port import PaymentReport, PaymentRequest, PaymentStart, WebhookRejected


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
