"""Back-office order forms. They only carry what was typed: the services check it and name each bad field."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from marketplace.core.forms import SiteForm
from marketplace.orders.fulfilment import MAX_REASON, MAX_TRACKING
from marketplace.orders.models import PaymentState
from marketplace.orders.refunds.services import MAX_PAYOUT_REFERENCE
from marketplace.orders.states import PAYMENT_LABELS
from marketplace.vendors.models import Store
from marketplace.vendors.payables import MAX_TRANSFER_REFERENCE


class ActionForm(SiteForm):
    """The CSRF token of a one-button form (pack, deliver, record payment)."""


class ShipForm(SiteForm):
    tracking_reference = StringField(_l("Tracking reference (optional)"),
                                     render_kw={"maxlength": MAX_TRACKING, "autocomplete": "off"})


class CancelForm(SiteForm):
    reason = TextAreaField(_l("Reason for cancelling"), render_kw={"maxlength": MAX_REASON, "rows": 3})


class RefundForm(SiteForm):
    amount = StringField(_l("Amount to refund"), render_kw={"inputmode": "decimal", "autocomplete": "off",
                                                            "maxlength": 20})
    reason = TextAreaField(_l("Reason (the shopper reads it)"), render_kw={"maxlength": MAX_REASON, "rows": 2})


class PayoutForm(SiteForm):
    payout_reference = StringField(_l("Mobile-money or receipt reference (optional)"),
                                   render_kw={"maxlength": MAX_PAYOUT_REFERENCE, "autocomplete": "off"})


class OrderFilterForm(SiteForm):
    class Meta:
        csrf = False  # a GET filter form

    state = SelectField(_l("Payment"), choices=[], validate_choice=False)
    store = SelectField(_l("Store"), choices=[], validate_choice=False)
    q = StringField(_l("Order reference"), render_kw={"maxlength": 16, "autocomplete": "off"})

    def set_stores(self, stores: Iterable[Store]) -> None:
        """Offer every payment state and the given stores (labels are lazy, so this runs per request)."""
        self.state.choices = [SelectChoice("", _l("Any payment state"))] + [
            SelectChoice(state.value, PAYMENT_LABELS[state]) for state in PaymentState
        ]
        self.store.choices = [SelectChoice("", _l("Any store"))] + [
            SelectChoice(str(store.id), store.name) for store in stores
        ]

    def chosen_state(self) -> PaymentState | None:
        """The payment state asked for, or None for any (an unknown value means any)."""
        return PaymentState(self.state.data) if self.state.data in set(PaymentState) else None

    def chosen_store(self) -> int | None:
        """The store id asked for, or None for any."""
        data = self.store.data or ""
        return int(data) if data.isdigit() and len(data) < 10 else None


class PeriodForm(SiteForm):
    class Meta:
        csrf = False  # a GET form choosing what to show

    start = StringField(_l("From (included)"), render_kw={"type": "date"})
    end = StringField(_l("To (not included)"), render_kw={"type": "date"})


class SettleForm(SiteForm):
    store_id = HiddenField()
    currency = HiddenField()
    start = HiddenField()
    end = HiddenField()
    transfer_reference = StringField(_l("Transfer reference"),
                                     render_kw={"maxlength": MAX_TRANSFER_REFERENCE, "autocomplete": "off"})
