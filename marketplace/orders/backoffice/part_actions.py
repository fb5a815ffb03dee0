"""The moves offered on a vendor order (pack, ship, deliver, record a payment on delivery, cancel),
shared by the vendor's order page and the staff order page. Each runs the fulfilment service as the
signed-in user, which lets only the store's owner or campaign staff act (anyone else gets 404).

Each function returns the page to show again (422) when what was typed is refused, or None when the
caller should redirect to its order page (with the outcome flashed).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.orders import fulfilment
from marketplace.orders.backoffice.forms import ActionForm, CancelForm, ShipForm
from marketplace.orders.fulfilment import ADVANCE_ACTIONS, Action

Page = tuple[str, int]
F = TypeVar("F", ShipForm, CancelForm)

MOVE_DONE = {
    Action.PACK: lambda: _("Marked packed. The shopper has been told."),
    Action.SHIP: lambda: _("Marked shipped. The shopper has been told."),
    Action.DELIVER: lambda: _("Marked delivered. The shopper has been told."),
}


def advance(vendor_order_id: int, move: str, form: ShipForm, refused: Callable[[ShipForm], Page]) -> Page | None:
    """Mark the vendor order packed, shipped (with an optional tracking reference) or delivered."""
    action = Action(move)

    def act() -> list[tuple[str, str]]:
        tracking = (form.tracking_reference.data or "") if action == Action.SHIP else ""
        fulfilment.advance_vendor_order(current_user, vendor_order_id, ADVANCE_ACTIONS[action], tracking)
        return [("success", MOVE_DONE[action]())]

    return _submit(form, refused, act)


def cancel(vendor_order_id: int, form: CancelForm, refused: Callable[[CancelForm], Page],
           paid_note: Callable[[], str]) -> Page | None:
    """Cancel the vendor order before it ships, with a reason the shopper sees; `paid_note` is flashed
    when the part had been paid (someone now owes the shopper a refund)."""
    def act() -> list[tuple[str, str]]:
        cancelled = fulfilment.cancel_vendor_order(current_user, vendor_order_id, form.reason.data or "")
        done = [("success", _("The order is cancelled and its units are back in stock."))]
        return done + ([("info", paid_note())] if cancelled.paid_at is not None else [])

    return _submit(form, refused, act)


def _submit(form: F, refused: Callable[[F], Page], act: Callable[[], list[tuple[str, str]]]) -> Page | None:
    """Run `act` for a submitted form and flash what it reports; the form again, with the service's
    messages on its fields, when what was typed is refused; a flashed message when the move is not allowed."""
    if not form.validate_on_submit():
        return None
    try:
        done = act()
    except ValidationError as exc:
        apply_errors(form, exc)
        return refused(form)
    except Conflict as exc:
        flash(exc.message, "error")
        return None
    for category, message in done:
        flash(message, category)
    return None


def record_payment(vendor_order_id: int, done: Callable[[], str]) -> None:
    """Record that the shopper paid this part on delivery (cash or mobile money)."""
    if ActionForm().validate_on_submit():
        try:
            fulfilment.record_offline_payment(current_user, vendor_order_id)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(done(), "success")
