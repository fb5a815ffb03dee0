"""Order e-mails through the mail adapter, written in the shopper's (or the vendor's) language.

They are sent after the change is committed, through the job queue when there is one (mail/queue.py);
a mail failure is logged and never undoes an order. With a queue, the e-mails of an order placed at
checkout are also written by the worker (`order_placed_soon`): loading the order and rendering a message
per party is a third of a checkout's time, which the shopper's answer no longer waits for.
"""
from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.catalog.services import country_name
from marketplace.core import jobs
from marketplace.core.i18n import DEFAULT_LANGUAGE
from marketplace.extensions import db
from marketplace.mail import Message
from marketplace.mail.queue import deliver_or_log
from marketplace.orders.bookings import describe_booking
from marketplace.orders.models import Order, OrderLine, PaymentState, VendorOrder
from marketplace.orders.packing import label_address, packing_lines
from marketplace.orders.states import FULFILMENT_LABELS
from marketplace.vendors.emails import send_to_store
from marketplace.vendors.models import Store

ABOUT = "order e-mail"  # how a message that could not be sent is named in the log
log = logging.getLogger(__name__)
# Writing an order's e-mails is not retried as a whole (each message's own send is, by mail/queue.py): a retry
# after some were handed over would send those twice.
WRITE_POLICY = jobs.Policy(timeout=120)


def _lines(order: Order) -> str:
    rows = [f"- {line.name} ({line.vendor_order.store.name}): {line.detail}: "
            f"{line.charge_total.format(order.language)}" if line.booking is not None else
            f"- {line.quantity} × {line.name} ({line.vendor_order.store.name}): "
            f"{line.charge_total.format(order.language)}" for line in order.lines]
    rows += [f"- {part.store.name}: " + _("Shipping (%(method)s): %(amount)s", method=part.shipping_method,
                                          amount=part.shipping.format(order.language))
             for part in order.vendor_orders if part.shipping_kind]
    return "\n".join(rows)


def _is_booking(vendor_order: VendorOrder) -> bool:
    """Whether the store's part is bookings only (seats on dated starts): nothing to pack or ship."""
    return bool(vendor_order.lines) and all(line.booking is not None for line in vendor_order.lines)


def _with_what_mails_read(order: Order) -> Order:
    """The order loaded with its shopper, stores, owners, lines and products in five queries, not one per
    line, store and product as each is first read (an order just committed has all of them expired)."""
    order_id = inspect(order).identity[0]  # not `order.id`: that reloads the expired row first
    return db.session.scalars(select(Order).where(Order.id == order_id).options(
        joinedload(Order.shopper), selectinload(Order.lines),
        selectinload(Order.vendor_orders).options(
            joinedload(VendorOrder.store).joinedload(Store.owner),
            selectinload(VendorOrder.lines).joinedload(OrderLine.product)))).one()


def order_placed_soon(order: Order) -> None:
    """`order_placed` by the job queue's worker when e-mails go through the queue, else now (and when Redis
    cannot be reached). Call after the order is committed."""
    if jobs.queue_configured(current_app, "MAIL_QUEUE"):
        from redis import RedisError

        order_id = inspect(order).identity[0]
        try:
            jobs.enqueue(current_app, order_placed_job, order_id, policy=WRITE_POLICY)
            return
        except RedisError:
            log.exception("job queue unreachable: writing the e-mails of order %s now", order_id)
    order_placed(order)


@jobs.job
def order_placed_job(order_id: int) -> None:
    """The job: write and hand over the e-mails of a placed order (nothing when it is gone)."""
    order = db.session.get(Order, order_id)
    if order is not None:
        order_placed(order)


def order_placed(order: Order) -> bool:
    """Tell the shopper what they ordered and how it will be paid, and each vendor what to prepare."""
    order = _with_what_mails_read(order)
    with force_locale(order.language):
        subject = _("Your Silk Road Market order %(reference)s", reference=order.reference)
        if order.payment_state == PaymentState.UNPAID:
            how = _("You pay on delivery, in cash or by mobile money.")
        else:
            how = _("We have received your payment.")
        body = "\n\n".join([
            _("Thank you for your order %(reference)s.", reference=order.reference),
            _lines(order),
            _("Total: %(total)s", total=order.total.format(order.language)),
            how,
            *([_("Each vendor ships its own part and you will hear from us when it moves.")]
              if any(line.booking is None for line in order.lines) else []),
            *([_("Your booking is confirmed. Your order page shows the meeting point, the time on the local "
                 "clocks and how to cancel under the experience's policy.")]
              if any(line.booking is not None for line in order.lines) else []),
        ])
        sent = deliver_or_log(Message(order.email or order.shopper.email, str(subject), body, order.language), ABOUT)
    for vendor_order in order.vendor_orders:
        _notify_vendor(vendor_order)
    return sent


def _vendor_lines(vendor_order: VendorOrder) -> str:
    return "\n".join(_("- %(quantity)d × %(name)s (SKU %(sku)s)", quantity=item.quantity, name=item.name,
                        sku=item.sku) for item in packing_lines(vendor_order))


def _vendor_address(order: Order, language: str) -> str:
    """Where the parcel goes, as the shopper typed it and, when it differs, in Latin letters for the label."""
    label = label_address(order)

    def block(parts: dict[str, str], country: str) -> str:
        city = ", ".join(value for value in (parts["city"], parts["region"]) if value)
        rows = [parts["recipient_name"], parts["address_line"], " ".join(v for v in (city, order.postal_code) if v),
                country]
        return "\n".join(row for row in rows if row)

    country = country_name(order.country_code, language) if order.country_code else ""
    blocks = [_("Ship to:") + "\n" + block(label.local, country)]
    if label.has_latin:
        latin_country = country_name(order.country_code, DEFAULT_LANGUAGE) if order.country_code else ""
        blocks.append(_("The address in Latin letters, for the label:") + "\n" + block(label.latin, latin_country))
    blocks.append(_("Phone: %(phone)s", phone=order.phone))
    return "\n\n".join(blocks)


def _booking_lines(vendor_order: VendorOrder, language: str) -> str:
    """Each booking of the store's part for its operator: when and for whom, then every traveller."""
    blocks = []
    for line in vendor_order.lines:
        counts = {kind: priced["count"] for kind, priced in (line.units or {}).items()}
        travellers = "\n".join(f"  {person.position}. {person.name}" + (f" ({person.notes})" if person.notes else "")
                               for person in line.travellers)
        blocks.append(f"- {line.name}: {describe_booking(line.booking, counts, language) or line.detail}\n{travellers}")
    return "\n".join(blocks)


def _notify_operator(vendor_order: VendorOrder, language: str) -> None:
    store, order = vendor_order.store, vendor_order.order
    subject = _("New booking %(reference)s for %(store)s", reference=order.reference, store=store.name)
    send_to_store(store, str(subject), [
        _booking_lines(vendor_order, language),
        _("Lead traveller: %(name)s, %(phone)s", name=order.recipient_name, phone=order.phone),
        _("Paid online. The departure's manifest, with every traveller and check-in on the day, is on your "
          "experiences page."),
    ])


def _notify_vendor(vendor_order: VendorOrder) -> None:
    store, order = vendor_order.store, vendor_order.order
    language = store.original_language
    if _is_booking(vendor_order):
        with force_locale(language):
            _notify_operator(vendor_order, language)
        return
    with force_locale(language):
        subject = _("New order %(reference)s for %(store)s", reference=order.reference, store=store.name)
        send_to_store(store, str(subject), [
            _vendor_lines(vendor_order),
            _("State: %(state)s", state=FULFILMENT_LABELS[vendor_order.status]),
            _vendor_address(order, language),
            _("Pack it and mark it packed in your vendor orders page, where the packing slip and address label "
              "are ready to print."),
        ])


def _tell_store_of_move(vendor_order: VendorOrder, reason: str) -> None:
    """Campaign staff changed the store's order: tell its vendor, in the store's language."""
    store, order = vendor_order.store, vendor_order.order
    with force_locale(store.original_language):
        state = FULFILMENT_LABELS[vendor_order.status]
        subject = _("Order %(reference)s: %(state)s", reference=order.reference, state=state)
        send_to_store(store, str(subject), [
            _("Campaign staff changed your order %(reference)s: %(state)s.", reference=order.reference, state=state),
            _vendor_lines(vendor_order),
            _("Reason: %(reason)s", reason=reason) if reason else "",
        ])


def vendor_order_moved(vendor_order: VendorOrder, reason: str = "", by_staff: bool = False) -> bool:
    """Tell the shopper that one vendor's part of their order changed state (with tracking when shipped,
    and the vendor's reason when cancelled), and the store too when campaign staff made the change."""
    if by_staff:
        _tell_store_of_move(vendor_order, reason)
    order = vendor_order.order
    with force_locale(order.language):
        subject = _("Order %(reference)s: %(state)s", reference=order.reference,
                    state=FULFILMENT_LABELS[vendor_order.status])
        parts = [
            _("%(store)s has updated your order %(reference)s: %(state)s.", store=vendor_order.store.name,
              reference=order.reference, state=FULFILMENT_LABELS[vendor_order.status]),
            "\n".join(f"- {line.quantity} × {line.name}" for line in vendor_order.lines),
        ]
        if reason:
            parts.append(_("The vendor's reason: %(reason)s", reason=reason))
        if vendor_order.tracking_reference:
            parts.append(_("Tracking reference: %(tracking)s", tracking=vendor_order.tracking_reference))
        message = Message(order.email or order.shopper.email, str(subject), "\n\n".join(parts), order.language)
        return deliver_or_log(message, ABOUT)
