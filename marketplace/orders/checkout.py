"""Placing an order: check where it goes, reserve every unit atomically, lock the prices, start payment.

`place_order` is the one use case behind the checkout page, the API and the tests. Its write
transaction starts with the order row (so a retried request with the same idempotency key waits
for, then finds, the first one), takes stock with conditional UPDATEs in product order, then the
offer units (the lock order of `marketplace/orders/holds`), and writes the lines with the prices
the shopper was shown. Nothing is reserved when any line cannot be had, and every line that cannot
is reported.
"""
from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel import Locale
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductStatus, ProductText
from marketplace.catalog.services import localized
from marketplace.core import clock
from marketplace.core.errors import Conflict, DomainError, NotFound, PaymentUnavailable, ValidationError
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders import emails
from marketplace.orders.addresses import LATIN_FIELDS, has_other_script, is_latin_text, latin_form, suggest_latin
from marketplace.orders.cart import CartLine, PricedCart, charge_rate, find_cart, price_cart
from marketplace.orders.holds.lapsed import end_reservation, release_expired_reservations
from marketplace.orders.holds.stock import HoldRefused, LineHold, take_line_holds
from marketplace.orders.models import (
    Cart,
    CartItem,
    FulfilmentState,
    Order,
    OrderEvent,
    OrderLine,
    PaymentState,
    Traveller,
    VendorOrder,
)
from marketplace.orders.payment_start import resume_payment, start_payment
from marketplace.orders.priced_cart import VendorGroup
from marketplace.orders.states import move_vendor_order
from marketplace.payments import GatewayError, get_payment_gateway
from marketplace.vendors.models import Store, StoreStatus

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{6,20}$")
# Countries whose addresses carry a postal code the carrier needs (the rest of Africa mostly does not).
POSTAL_CODE_REQUIRED = frozenset("CN DZ EG KE MA NG TN ZA".split())
MAX_TRAVELLERS = 20
cart_items = CartItem.__table__


class SoldOut(Conflict):
    """Some lines cannot be had as they are; `lines` says which and why, and nothing was reserved."""

    code = "sold_out"

    def __init__(self, message: str, lines: list[dict], nothing_left: bool = False) -> None:
        super().__init__(message)
        self.lines = lines
        # No line of the cart can be had at all (sold out or off sale, no booking): there is nothing to order,
        # so the shopper's next step is the cart, not this form again.
        self.nothing_left = nothing_left

    def json_extra(self) -> dict[str, object]:
        """The lines that cannot be had, so an app can show them next to the cart."""
        return {"lines": self.lines}


class PricesChanged(Conflict):
    """The total is not the one the shopper was shown; nothing was reserved."""

    code = "prices_changed"


@dataclass
class Destination:
    """Where the order goes (a postal address) and, for tourism items, who travels when."""

    recipient_name: str = ""
    phone: str = ""
    email: str = ""
    country_code: str = ""
    region: str = ""
    city: str = ""
    address_line: str = ""
    postal_code: str = ""
    recipient_name_latin: str = ""
    region_latin: str = ""
    city_latin: str = ""
    address_line_latin: str = ""
    travel_date: str = ""
    travellers: str | int = ""
    notes: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    # Who takes each booking's seats, by the booked product's id, in seat order (see `check_party`).
    party: Mapping[int, Sequence[TravellerInput]] = field(default_factory=dict)


@dataclass(frozen=True)
class TravellerInput:
    """One traveller as typed: the name on their travel document, and optionally nationality and notes."""

    name: str = ""
    nationality: str = ""
    notes: str = ""


def traveller_field(product_id: int, seat: int, part: str) -> str:
    """The form field (and error key) of one part of a traveller: "traveller-12-1-name"."""
    return f"traveller-{product_id}-{seat}-{part}"


def seat_units(units: Mapping[str, dict]) -> list[str]:
    """The kind of traveller of each seat of a booking, in order: {"adult": 2, "child": 1} → adult, adult, child."""
    return [kind for kind, priced in units.items() for _seat in range(int(priced["count"]))]


def check_party(bookings: Sequence[CartLine], party: Mapping[int, Sequence[TravellerInput]]) -> tuple[dict, dict]:
    """The travellers of every booking line, cleaned ({product id: [(unit, name, nationality, notes)]}), and the
    errors by field: one named traveller per seat, nationality a country code or empty, short notes. Never a
    document number: nothing here asks for one."""
    clean: dict[int, list[tuple[str, str, str, str]]] = {}
    errors: dict[str, str] = {}
    countries = shipping_countries()
    for line in bookings:
        given = list(party.get(line.product.id, ()))
        seats = seat_units(line.booking.units)
        rows = []
        for seat, unit in enumerate(seats, start=1):
            person = given[seat - 1] if seat <= len(given) else TravellerInput()
            name = " ".join(str(person.name or "").split())
            nationality = str(person.nationality or "").strip().upper()
            notes = str(person.notes or "").strip()
            problems = {}
            if not name:
                problems["name"] = _("Enter this traveller's name as on their travel document.")
            elif len(name) > 120:
                problems["name"] = _("At most %(count)d characters.", count=120)
            if nationality and nationality not in countries:
                problems["nationality"] = _("Choose a country from the list, or leave it empty.")
            if len(notes) > 300:
                problems["notes"] = _("At most %(count)d characters.", count=300)
            if any(ord(ch) < 32 and ch not in "\n\t" for ch in name + notes):
                problems["name"] = _("Remove the control characters.")
            errors.update({traveller_field(line.product.id, seat, part): text for part, text in problems.items()})
            rows.append((unit, name[:120], nationality[:2], notes[:300]))
        clean[line.product.id] = rows
    return clean, errors


@functools.cache
def shipping_countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes an order may be sent to (any country: buyers are in China, Africa and beyond)."""
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha()
                     and code not in {"ZZ", "EU", "UN", "EZ", "QO", "XA", "XB", "XK"})


def new_checkout_key() -> str:
    """A fresh idempotency key for one checkout attempt (the form carries it)."""
    return secrets.token_urlsafe(24)


def check_destination(destination: Destination, needs_address: bool, needs_travellers: bool, today: date) -> dict:
    """The cleaned fields for the order row; ValidationError naming every bad field otherwise."""
    errors: dict[str, str] = {}
    clean = {name: str(getattr(destination, name) or "").strip() for name in (
        "recipient_name", "phone", "email", "country_code", "region", "city", "address_line", "postal_code",
        "travel_date", "notes", *LATIN_FIELDS.values())}
    limits = {"recipient_name": 120, "phone": 20, "email": 254, "region": 80, "city": 80, "address_line": 200,
              "postal_code": 16, "notes": 1000, "recipient_name_latin": 120, "region_latin": 80, "city_latin": 80,
              "address_line_latin": 200}
    for name, limit in limits.items():
        if len(clean[name]) > limit:
            errors[name] = _("At most %(count)d characters.", count=limit)
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in clean[name]):
            errors[name] = _("Remove the control characters.")
    if not clean["recipient_name"]:
        errors["recipient_name"] = _("Enter the name of the person who receives the order.")
    if not PHONE_PATTERN.match(clean["phone"]):
        errors["phone"] = _("Enter a phone number the carrier or guide can call, e.g. +254 712 345678.")
    if clean["email"] and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", clean["email"]):
        errors["email"] = _("Enter a valid e-mail address, or leave it empty.")
    clean["country_code"] = clean["country_code"].upper()
    if needs_address:
        if clean["country_code"] not in shipping_countries():
            errors["country_code"] = _("Choose the country the order goes to.")
        if not clean["city"]:
            errors["city"] = _("Enter the town or city.")
        if not clean["address_line"]:
            errors["address_line"] = _("Enter the street address, building or P.O. box.")
        if clean["country_code"] in POSTAL_CODE_REQUIRED and not clean["postal_code"]:
            errors["postal_code"] = _("Enter the postal code: carriers to this country need it.")
        _check_latin_address(clean, errors, limits)
    else:
        for name in ("country_code", "region", "city", "address_line", "postal_code", *LATIN_FIELDS.values()):
            clean[name] = ""
    clean["travellers"] = 0
    if needs_travellers:
        try:
            travel = date.fromisoformat(clean["travel_date"])
        except ValueError:
            travel = None
            errors["travel_date"] = _("Enter the date you plan to travel.")
        if travel is not None and travel <= today:
            errors["travel_date"] = _("Choose a travel date after today.")
        try:
            travellers = int(str(destination.travellers).strip())
        except ValueError:
            travellers = 0
        if not 1 <= travellers <= MAX_TRAVELLERS:
            errors["travellers"] = _("Enter how many people travel, from 1 to %(count)d.", count=MAX_TRAVELLERS)
        clean["travellers"] = travellers
    else:
        clean["travel_date"] = ""
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return clean


def _check_latin_address(clean: dict, errors: dict[str, str], limits: dict[str, int]) -> None:
    """Check the Latin-letter version of the address in place: wherever a part was typed in another script
    it needs one (Chinese gets pinyin when left empty), in Latin letters; a part already in Latin needs none."""
    clean.update(suggest_latin(clean))
    for typed, latin in LATIN_FIELDS.items():
        if latin in errors:
            continue
        if len(clean[latin]) > limits[latin]:
            errors[latin] = _("At most %(count)d characters.", count=limits[latin])
        elif clean[latin] and not is_latin_text(clean[latin]):
            errors[latin] = _("Write this in Latin letters (A to Z), as the carrier's label needs it.")
        elif not clean[latin] and has_other_script(clean[typed]):
            errors[latin] = _("Write this in Latin letters (A to Z) too, for the carrier's label.")
        clean[latin] = latin_form(clean[latin])


def find_order_by_key(shopper: User, key: str) -> Order | None:
    return db.session.scalars(
        select(Order).where(Order.shopper_id == shopper.id, Order.idempotency_key == key)
    ).first()


def place_order(
    shopper: User, destination: Destination, idempotency_key: str, language: str,
    expected_total: Money | None = None, base_url: str = "", at: datetime | None = None,
    reading: Sequence[str] = (), shipping_choices: Mapping[int, int] | None = None,
) -> Order:
    """Turn the shopper's cart into an order with its units reserved, and start the payment; each line
    is named in the first of the `reading` languages (default: `language`) that has a text. Each store's
    goods ship to the destination's country by the method of `shipping_choices` (store id → method id; else
    the cheapest), priced and locked into the vendor order like the lines.

    Returns the existing order when `idempotency_key` was used before (a retry or a double click).
    Raises ValidationError (bad key, empty cart, bad destination), SoldOut (the lines that cannot be
    had, or that a deal's limit holds to fewer units than the cart has while no `expected_total` shows
    the shopper saw that; nothing reserved), PricesChanged (the total differs from `expected_total`)
    or PaymentUnavailable (the payment gateway is unreachable; the units are given back).
    """
    if not KEY_PATTERN.match(idempotency_key or ""):
        raise ValidationError(_("This checkout form is out of date. Please review your order and try again."))
    existing = find_order_by_key(shopper, idempotency_key)
    if existing is not None:
        return resume_payment(existing, base_url)
    at = at or clock.now()
    cart = find_cart(shopper, None)
    release_expired_reservations(at)  # lapsed holds' units come back before anything is judged sold out
    gone = _all_gone(cart, tuple(reading) or language)
    if gone:
        # Nothing in the cart can be had (the usual answer at a festival's opening once stock is gone): said
        # without pricing the cart. Unless this is the same checkout again, whose first request ordered it.
        existing = find_order_by_key(shopper, idempotency_key)
        if existing is not None:
            return resume_payment(existing, base_url)
        raise SoldOut(_("Some items cannot be bought as they are."), gone, nothing_left=True)
    ship_to = str(destination.country_code or "").strip().upper()
    priced = price_cart(cart, shopper, tuple(reading) or language, at=at, give_back_lapsed=False,
                        destination=ship_to if ship_to in shipping_countries() else "",
                        shipping_choices=shipping_choices)
    if priced.is_empty or priced.has_problems:
        # The same checkout submitted twice at once: the first may have committed since we looked,
        # emptying the cart (or taking the stock we just read); answer with its order, as a retry gets.
        existing = find_order_by_key(shopper, idempotency_key)
        if existing is not None:
            return resume_payment(existing, base_url)
    if priced.is_empty:
        raise ValidationError(_("Your cart is empty."))
    try:
        fields = check_destination(destination, priced.needs_address, priced.needs_travellers, at.date())
    except ValidationError as refused:
        _party, party_errors = check_party(priced.bookings, destination.party)
        raise ValidationError(refused.message, {**refused.fields, **party_errors}) from refused
    party, party_errors = check_party(priced.bookings, destination.party)
    if party_errors:
        raise ValidationError(_("Please correct the highlighted fields."), party_errors)
    if priced.online_only and not get_payment_gateway().collects_online:
        raise ValidationError(_("Experiences are booked and paid online, and online payment is not available on "
                                "this site right now. Remove the booking to order the other items."))
    if priced.has_problems:
        refused = {line.product.id for line in priced.lines if line.problem}
        raise SoldOut(_("Some items cannot be bought as they are."), _problem_lines(priced.lines),
                      nothing_left=_nothing_left(priced.lines, refused))
    if priced.shipping_problems:
        message = " ".join(priced.shipping_problems)
        raise ValidationError(message, {"country_code": message})
    if priced.limited_lines and expected_total is None:
        # Fewer units than the cart holds were never shown to this caller: refuse rather than buy fewer.
        raise _limit_refusal(priced.limited_lines)
    if expected_total is not None and expected_total != priced.total:
        raise PricesChanged(_("Prices changed since you opened this page. Please check the new total."))
    order = _reserve(shopper, priced, fields, party, idempotency_key, language, at)
    if order.payment_state == PaymentState.PENDING and not order.gateway_reference:
        start_payment(order, base_url, f"order-{order.reference}")
    return order


def _limit_refusal(lines: list[CartLine]) -> SoldOut:
    """The refusal of lines holding more units than their deal still allows the shopper."""
    limit = lines[0].quote.offer.limit
    if limit.by_shopper_limit:
        message = _("You can buy at most %(limit)d of this deal.", limit=limit.per_shopper)
    else:
        message = _("Only %(left)d left of this deal.", left=limit.left)
    return SoldOut(message, [{"product_id": line.product.id, "name": line.name.text, "problem": line.limit_note,
                              "available": line.quantity} for line in lines])


def _all_gone(cart: Cart | None, reading: str | Sequence[str]) -> list[dict]:
    """When no line of `cart` can be had even in part (each product sold out or off sale, and no booking):
    each line as `SoldOut` lists it, read in two small queries instead of pricing the cart; else []."""
    items = list(cart.items) if cart is not None else []
    if not items or any(item.booking is not None for item in items):
        return []
    ids = [item.product_id for item in items]
    rows = db.session.execute(
        select(Product.id, Product.stock, Product.status, Store.status, Product.original_language)
        .join(Store, Store.id == Product.store_id).where(Product.id.in_(ids))
    ).all()
    on_sale = {row[0] for row in rows if row[2] == ProductStatus.PUBLISHED and row[3] == StoreStatus.APPROVED}
    if len(rows) < len(ids) or any(row[1] >= 1 and row[0] in on_sale for row in rows):
        return []
    texts: dict[int, list[ProductText]] = {}
    for text in db.session.scalars(select(ProductText).where(ProductText.product_id.in_(ids))):
        texts.setdefault(text.product_id, []).append(text)
    return [{"product_id": row[0], "name": localized(texts.get(row[0], ()), reading, row[4], "name").text,
             "problem": _("Sold out.") if row[0] in on_sale else _("No longer for sale."), "available": max(row[1], 0)}
            for row in sorted(rows, key=lambda row: ids.index(row[0]))]


def _nothing_left(lines: Sequence[CartLine], refused: Collection[int]) -> bool:
    """Whether no line can be had even in part: each was `refused` (by product id) and is sold out or off sale
    now, and none is a booking (whose travellers the shopper typed on the checkout form)."""
    return all(line.product.id in refused and not line.is_booking and (line.quote is None or line.product.stock < 1)
               for line in lines)


def _problem_lines(lines: list[CartLine]) -> list[dict]:
    return [{"product_id": line.product.id, "name": line.name.text, "problem": line.problem,
             "available": max(line.product.stock, 0)} for line in lines if line.problem]


def _reserve(shopper: User, priced: PricedCart, fields: dict, party: dict, key: str, language: str,
             at: datetime) -> Order:
    gateway = get_payment_gateway()
    charge_currency = priced.charge_currency
    online = gateway.collects_online
    order = Order(reference=_new_reference(), shopper_id=shopper.id, idempotency_key=key, language=language,
                  gateway=gateway.name, currency=charge_currency, total_amount=priced.total.amount,
                  email=fields.pop("email") or shopper.email,
                  payment_state=PaymentState.PENDING if online else PaymentState.UNPAID,
                  reserved_until=at + timedelta(minutes=current_app.config["RESERVATION_MINUTES"]) if online else None,
                  **fields)
    db.session.add(order)
    try:
        db.session.flush()  # the first write: a concurrent retry with this key now waits for us
    except IntegrityError:
        db.session.rollback()
        existing = find_order_by_key(shopper, key)
        if existing is None:
            raise
        return existing
    if not _claim_cart(priced):
        db.session.rollback()  # another tab's checkout ordered this cart while we priced it
        raise ValidationError(_("Your cart is empty."))
    # Where the holds come (marketplace/orders/holds): last on PostgreSQL, so the rows they lock (stock, deal
    # units, seats) are held only for their UPDATEs and the commit; first on SQLite, which locks the whole
    # database from the first write to the commit anyway, so a sold-out checkout lets go before writing more.
    holds_last = db.session.get_bind().dialect.name != "sqlite"
    if not holds_last:
        _take_holds(priced, shopper.id, at)
    db.session.add(OrderEvent(order_id=order.id, actor_id=shopper.id, to_state="placed"))
    for group in priced.groups:
        vendor_order = VendorOrder(order=order, store_id=group.store_id, status=FulfilmentState.PENDING,
                                   currency=charge_currency, subtotal_amount=group.subtotal.amount)
        lock_shipping(vendor_order, group)
        db.session.add(vendor_order)
        for line in group.lines:
            rate = charge_rate(priced.rates, line.quote.price.currency, charge_currency)
            booking = line.booking
            db.session.add(order_line := OrderLine(
                order=order, vendor_order=vendor_order, product_id=line.product.id, name=line.name.text[:160],
                quantity=line.quantity, unit_amount=line.quote.price.amount, currency=line.quote.price.currency,
                regular_amount=line.quote.regular.amount,
                offer_source=line.quote.offer.source if line.quote.offer else "",
                offer_hold=line.quote.offer.hold if line.quote.offer else None,
                charge_unit_amount=line.charged_unit.amount, rate=rate,
                is_tourism=line.is_tourism or booking is not None,
                booking=line.booking_ref if booking else None, seats=booking.seats if booking else 0,
                units=dict(booking.units) if booking else {}, detail=booking.detail[:200] if booking else ""))
            for position, (unit, name, nationality, notes) in enumerate(party.get(line.product.id, ()), start=1):
                order_line.travellers.append(Traveller(position=position, unit=unit, name=name,
                                                       nationality=nationality, notes=notes))
        if not online:  # paid on delivery: each vendor can prepare it now
            move_vendor_order(vendor_order, FulfilmentState.CONFIRMED, shopper.id)
    if holds_last:
        db.session.flush()  # every write but the holds is done before the first row lock is taken
        _take_holds(priced, shopper.id, at)
    db.session.commit()  # on SQLite, writes the order's rows: the holds were taken first
    if not online:
        emails.order_placed_soon(order)
    return order


def lock_shipping(vendor_order: VendorOrder, group: VendorGroup) -> None:
    """Copy the store's chosen shipping, as priced, into its vendor order (later profile edits change nothing)."""
    chosen = group.shipping.chosen if group.shipping is not None else None
    if chosen is None or group.shipping_charge is None:
        return
    vendor_order.shipping_amount = group.shipping_charge.amount
    vendor_order.shipping_price_amount = chosen.price.amount
    vendor_order.shipping_currency = chosen.price.currency
    vendor_order.shipping_kind = chosen.kind.value
    vendor_order.shipping_method = chosen.name[:80]
    vendor_order.shipping_tracked = chosen.tracked
    vendor_order.shipping_min_days, vendor_order.shipping_max_days = chosen.min_days, chosen.max_days
    vendor_order.shipping_free_by = chosen.free_by[:80]


def _take_holds(priced: PricedCart, shopper_id: int, at: datetime) -> None:
    """Take every line's units in the lock order (caller's transaction); SoldOut, everything rolled back, when
    some cannot be had."""
    holds = [LineHold(line.product.id, 1, offer=line.quote.offer.hold if line.quote.offer else None,
                      booking=line.booking_ref, seats=line.booking.seats) if line.is_booking
             else LineHold(line.product.id, line.quantity, line.quote.regular.amount,
                           line.quote.offer.hold if line.quote.offer else None) for line in priced.lines]
    try:
        take_line_holds(holds, shopper_id, at)  # in the lock order of marketplace/orders/holds
    except HoldRefused as refused:
        db.session.rollback()
        if refused.short_of_stock:
            short = _short_lines(priced, refused.product_ids)  # reads the stock as it is now
            raise SoldOut(refused.message, short,
                          nothing_left=_nothing_left(priced.lines, set(refused.product_ids))) from refused
        names = {line.product.id: line.name.text for line in priced.lines}
        raise SoldOut(refused.message, [{"product_id": product_id, "name": names[product_id],
                                         "problem": refused.message, "available": None}
                                        for product_id in refused.product_ids]) from refused


def _claim_cart(priced: PricedCart) -> bool:
    """Take the priced lines out of the cart in this transaction; False when some were already gone.

    One cart becomes at most one order: checkouts of the same cart from several tabs (each with its
    own idempotency key) queue on these rows, and every one after the first finds them deleted.
    A refused checkout rolls back, which puts the lines back.
    """
    ids = [item.id for item in priced.cart.items]
    deleted = db.session.execute(delete(cart_items).where(cart_items.c.id.in_(ids))).rowcount
    return deleted == len(ids)


def _short_lines(priced: PricedCart, short: list[int]) -> list[dict]:
    by_id = {line.product.id: line for line in priced.lines}
    lines = []
    for product_id in short:  # the rollback expired the products: this reads their stock now
        line = by_id[product_id]
        stock = db.session.get(Product, product_id).stock
        problem = _("Sold out.") if stock < 1 else _("Only %(stock)d left in stock.", stock=stock)
        lines.append({"product_id": product_id, "name": line.name.text, "problem": problem, "available": stock})
    return lines


def _new_reference() -> str:
    # 10 characters from an alphabet without look-alikes: quoted on the phone, never guessed.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


SHOPPER_CANCELLED_NOTE = "cancelled by the shopper before paying"


def cancel_unpaid_order(shopper: User, reference: str) -> Order:
    """Let go of an order the shopper will not pay online: its payment page is closed first, then its
    units (stock and festival deal units) go back at once instead of when the reservation lapses.
    NotFound for another shopper's order; Conflict when it is no longer awaiting payment; PaymentUnavailable
    when the payment service cannot close its page now (then nothing changes).

    A payment the shopper completed in another tab just before is not lost: the order ends "expired",
    and a late payment takes its units again (or is refunded), as for any lapsed reservation.
    """
    order = db.session.scalars(
        select(Order).where(Order.reference == reference, Order.shopper_id == shopper.id)
    ).first()
    if order is None:
        raise NotFound(_("There is no such order in your account."))
    if not order.is_open_reservation:
        raise Conflict(_("This order is no longer awaiting payment."))
    if order.gateway_reference:
        try:
            get_payment_gateway().expire_payment(order.gateway_reference)
        except GatewayError as exc:
            raise PaymentUnavailable(_("The payment service cannot be reached, so the payment page stays open. "
                                       "Nothing was charged; please try again in a few minutes.")) from exc
    try:
        ended = end_reservation(order.id, PaymentState.EXPIRED, SHOPPER_CANCELLED_NOTE)
    except DomainError:
        db.session.rollback()
        raise
    if not ended:
        db.session.rollback()
        raise Conflict(_("This order is no longer awaiting payment."))
    db.session.commit()
    return order
