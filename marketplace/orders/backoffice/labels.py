"""How back-office pages name order states, history rows and who made them."""
from __future__ import annotations

from flask_babel import gettext as _

from marketplace.catalog.services import country_name
from marketplace.core.i18n import DEFAULT_LANGUAGE
from marketplace.orders.fulfilment import PAYMENT_RECORDED, is_offline
from marketplace.orders.models import FulfilmentState, OrderEvent, PaymentState, VendorOrder
from marketplace.orders.packing import label_address, packing_lines
from marketplace.orders.refunds.models import REFUND_LABELS, RefundState
from marketplace.orders.states import FULFILMENT_LABELS, PAYMENT_LABELS, gateway_label

PAYMENT_PREFIX = "payment:"
REFUND_PREFIX = "refund:"


def state_label(state: str) -> str:
    """A history row's state ("packed", "payment:paid", "placed" …) in the page's language."""
    if not state:
        return ""
    if state == "placed":
        return _("Order placed")
    if state == PAYMENT_RECORDED:
        return _("Payment on delivery recorded")
    if state.startswith(PAYMENT_PREFIX):
        value = state.removeprefix(PAYMENT_PREFIX)
        if value in set(PaymentState):
            return _("Payment: %(state)s", state=PAYMENT_LABELS[PaymentState(value)])
        return state
    if state.startswith(REFUND_PREFIX):
        value = state.removeprefix(REFUND_PREFIX)
        if value in set(RefundState):
            return _("Refund: %(state)s", state=REFUND_LABELS[RefundState(value)])
        return state
    if state in set(FulfilmentState):
        return str(FULFILMENT_LABELS[FulfilmentState(state)])
    return state


def actor_name(event: OrderEvent) -> str:
    """Who made a history row: the system, campaign staff, or the person's name."""
    actor = event.actor
    if actor is None:
        return _("Silk Road Market")  # the system: checkout, the payment service, an ended reservation
    name = actor.display_name or actor.email
    if actor.is_staff:
        return _("Campaign staff (%(name)s)", name=name)
    return name


def part_payment_label(vendor_order: VendorOrder) -> str:
    """Whether this vendor's part is paid, is to be paid on delivery, or what the order's payment is doing."""
    if vendor_order.paid_at is not None:
        return _("Paid")
    if is_offline(vendor_order.order) and vendor_order.status not in (FulfilmentState.CANCELLED,
                                                                      FulfilmentState.REFUNDED):
        return _("To be paid on delivery")
    return str(PAYMENT_LABELS[vendor_order.order.payment_state])


def country_name_latin(code: str) -> str:
    """The country's name in Latin letters (English), for the carrier's label."""
    return country_name(code, DEFAULT_LANGUAGE)


def template_labels() -> dict:
    """What the back-office order templates use to name things."""
    return {"fulfilment_labels": FULFILMENT_LABELS, "payment_labels": PAYMENT_LABELS, "state_label": state_label,
            "actor_name": actor_name, "part_payment_label": part_payment_label, "gateway_label": gateway_label,
            "packing_lines": packing_lines, "label_address": label_address, "country_name_latin": country_name_latin}
