"""The cart: what a shopper means to buy, always priced afresh by the one price function.

A cart belongs to a signed-in shopper, or to a visitor through a random token kept in their
session; at log-in the visitor's cart is merged into the shopper's. The cart stores quantities and
the price the shopper last saw (and the offer behind it), never a price to charge: `price_cart`
(in `priced_cart.py`) quotes every line now and says which prices changed since, and why.
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from marketplace.catalog.services import visible_conditions
from marketplace.core import clock, viewer_facts
from marketplace.core.errors import Conflict, DomainError, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.orders.bookings import MAX_SEATS, clean_units, quote_booking
from marketplace.orders.holds.lapsed import release_expired_reservations
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.models import Cart, CartItem
from marketplace.orders.priced_cart import TOURISM_CATEGORY as TOURISM_CATEGORY
from marketplace.orders.priced_cart import CartLine as CartLine
from marketplace.orders.priced_cart import PricedCart as PricedCart
from marketplace.orders.priced_cart import VendorGroup as VendorGroup
from marketplace.orders.priced_cart import allowed_quantity, limit_note
from marketplace.orders.priced_cart import charge_rate as charge_rate
from marketplace.orders.priced_cart import price_cart as price_cart
from marketplace.orders.pricing import PriceQuote, quote_prices


def new_cart_token() -> str:
    return secrets.token_urlsafe(32)


def find_cart(user: User | None, token: str | None) -> Cart | None:
    """The shopper's cart, or the visitor's cart for `token`; None when there is none yet."""
    if user is not None:
        wanted = select(Cart).where(Cart.user_id == user.id)
    elif token:
        wanted = select(Cart).where(Cart.token == token, Cart.user_id.is_(None))
    else:
        return None
    return db.session.scalars(wanted.options(selectinload(Cart.items))).first()


CART_LINES_FACT = "cart_lines"


def cart_lines_fact(user_id: ColumnElement) -> ColumnElement:
    """The number of lines in a user's cart, as a subquery read with the signed-in user (`core.viewer_facts`)."""
    return select(func.count(CartItem.id)).join(Cart, Cart.id == CartItem.cart_id).where(
        Cart.user_id == user_id).scalar_subquery()


def count_lines(user: User | None, token: str | None) -> int:
    """How many products the shopper's (or the visitor's) cart holds, in one query; 0 without a cart."""
    if user is not None and (known := viewer_facts.fact(CART_LINES_FACT, user.id)) is not viewer_facts.MISSING:
        return int(known or 0)
    if user is not None:
        owner = Cart.user_id == user.id
    elif token:
        owner = (Cart.token == token) & Cart.user_id.is_(None)
    else:
        return 0
    return db.session.scalar(select(func.count(CartItem.id)).join(Cart, Cart.id == CartItem.cart_id).where(owner)) or 0


def open_cart(user: User | None, token: str | None) -> Cart:
    """The cart to add to, created when missing (a visitor must bring a token)."""
    cart = find_cart(user, token)
    if cart is not None:
        return cart
    cart = Cart(user_id=user.id) if user is not None else Cart(token=token)
    db.session.add(cart)
    try:
        db.session.flush()
    except IntegrityError:  # the same shopper's other tab created it a moment ago
        db.session.rollback()
        cart = find_cart(user, token)
        if cart is None:
            raise
    return cart


def check_quantity(quantity: object) -> int:
    """`quantity` as a whole number from 1 to the cart limit; ValidationError otherwise."""
    limit = current_app.config["CART_MAX_QUANTITY"]
    try:
        value = int(str(quantity).strip())
    except (TypeError, ValueError):
        value = 0
    if value < 1 or value > limit:
        message = _("Choose a quantity from 1 to %(limit)d.", limit=limit)
        raise ValidationError(message, {"quantity": message})
    return value


def _buyable_product(product_id: object) -> Product:
    try:
        wanted = int(str(product_id))
    except (TypeError, ValueError):
        wanted = 0
    product = db.session.scalars(
        select(Product).where(Product.id == wanted, *visible_conditions())
    ).first() if wanted > 0 else None
    if product is None:
        raise NotFound(_("This product is not for sale."))
    return product


def _check_stock(product: Product, quantity: int) -> None:
    if product.stock < 1:
        raise Conflict(_("This product is sold out."), {"quantity": _("Sold out.")})
    if quantity > product.stock:
        message = _("Only %(stock)d left in stock.", stock=product.stock)
        raise Conflict(message, {"quantity": message})


def _limited(quote: PriceQuote, wanted: int) -> tuple[int, str]:
    """`wanted`, or what the quote's offer still allows the shopper, with the note saying why."""
    allowed = allowed_quantity(quote, wanted)
    if allowed == wanted:
        return wanted, ""
    return allowed, limit_note(quote.offer.limit, wanted)


def _remember_seen(item: CartItem, quote: PriceQuote) -> None:
    item.seen_amount, item.seen_currency = quote.price.amount, quote.price.currency
    item.seen_offer = quote.offer.hold if quote.offer is not None else None


def add_item(user: User | None, token: str | None, product_id: object, quantity: object) -> str:
    """Add units of a visible product (to the line already there), no more than a limited offer lets
    the shopper have at its price; returns why the quantity was lowered ("" when it was not).
    ValidationError, NotFound or Conflict (not enough stock) with nothing changed. Units held by unpaid
    orders whose reservation lapsed are given back first, so they count as in stock."""
    quantity = check_quantity(quantity)
    release_expired_reservations()
    product = _buyable_product(product_id)
    cart = open_cart(user, token)
    item = next((i for i in cart.items if i.product_id == product.id), None)
    if product.is_experience or (item is not None and item.booking is not None):
        db.session.rollback()
        raise ValidationError(_("Choose a date and the travellers on the experience's page to book it."))
    total = quantity + (item.quantity if item else 0)
    if total > current_app.config["CART_MAX_QUANTITY"]:
        db.session.rollback()
        check_quantity(total)
    quote = quote_prices([product], user)[product.id]
    total, note = _limited(quote, total)
    try:
        _check_stock(product, total)
    except Conflict:
        db.session.rollback()
        raise
    if item is None:
        item = CartItem(cart=cart, product_id=product.id, quantity=total)
        db.session.add(item)
    else:
        item.quantity = total
    _remember_seen(item, quote)
    cart.updated_at = clock.now()
    db.session.commit()
    return note


def add_booking(user: User | None, token: str | None, product_id: object, start: HoldRef,
                units: dict[str, object], language: str | Sequence[str]) -> None:
    """Put a booking of `units` seats on the dated start `start` of a visible product in the cart, in place of
    any booking of that product already there (one booking per experience in a cart). NotFound for a start
    that is not the product's (a tampered id), ValidationError for units outside the option's bounds,
    Conflict when the start is full, closed or cancelled: with nothing changed. Seats are held at checkout."""
    release_expired_reservations()
    product = _buyable_product(product_id)
    counts = clean_units(units)
    if sum(counts.values()) > MAX_SEATS:
        raise ValidationError(_("At most %(count)d travellers in one booking.", count=MAX_SEATS))
    quote = quote_booking(start, product.id, counts, clock.now(), language)
    if quote.problem:
        raise Conflict(quote.problem)
    cart = open_cart(user, token)
    item = next((i for i in cart.items if i.product_id == product.id), None)
    if item is None:
        item = CartItem(cart=cart, product_id=product.id)
        db.session.add(item)
    item.quantity, item.booking, item.units = 1, start, counts
    item.seen_amount, item.seen_currency, item.seen_offer = quote.price.amount, quote.price.currency, None
    cart.updated_at = clock.now()
    db.session.commit()


def _not_a_booking(item: CartItem) -> None:
    if item.booking is not None:
        message = _("Change the date or the travellers of a booking on its page.")
        raise ValidationError(message, {"quantity": message})


def set_quantity(user: User | None, token: str | None, product_id: object, quantity: object) -> str:
    """Change a line's quantity (0 removes it), no more than a limited offer lets the shopper have at
    its price; returns why the quantity was lowered ("" when it was not). NotFound when the line is
    not in this cart. Units of lapsed reservations are given back first."""
    release_expired_reservations()
    item = _own_item(user, token, product_id)
    if str(quantity).strip() == "0":
        remove_item(user, token, product_id)
        return ""
    quantity = check_quantity(quantity)
    _not_a_booking(item)
    product = db.session.get(Product, item.product_id)
    quantity, note = _limited(quote_prices([product], user)[product.id], quantity)
    _check_stock(product, quantity)
    item.quantity = quantity
    db.session.commit()
    return note


def remove_item(user: User | None, token: str | None, product_id: object) -> None:
    """Take a line out of the cart; NotFound when it is not there."""
    item = _own_item(user, token, product_id)
    db.session.delete(item)
    db.session.commit()


def _own_item(user: User | None, token: str | None, product_id: object) -> CartItem:
    cart = find_cart(user, token)
    try:
        wanted = int(str(product_id))
    except (TypeError, ValueError):
        wanted = 0
    item = next((i for i in cart.items if i.product_id == wanted), None) if cart else None
    if item is None:
        raise NotFound(_("This product is not in your cart."))
    return item


def accept_prices(user: User | None, token: str | None) -> None:
    """Record that the shopper has seen the current prices, so the change notes go away."""
    cart = find_cart(user, token)
    if cart is None or not cart.items:
        return
    products = [item.product for item in cart.items if item.booking is None]
    quotes = quote_prices(products, user)
    now = clock.now()
    for item in cart.items:
        if item.booking is None:
            _remember_seen(item, quotes[item.product_id])
            continue
        try:
            booking = quote_booking(item.booking, item.product_id, item.units or {}, now, "en")
        except DomainError:
            continue  # the cart says why the line cannot be booked
        item.seen_amount, item.seen_currency = booking.price.amount, booking.price.currency
    db.session.commit()


def merge_visitor_cart(token: str | None, user: User) -> None:
    """Move a visitor's cart into the shopper's at log-in, adding quantities up to the stock."""
    visitor = find_cart(None, token)
    if visitor is None:
        return
    if not visitor.items:
        db.session.delete(visitor)
        db.session.commit()
        return
    own = open_cart(user, None)
    limit = current_app.config["CART_MAX_QUANTITY"]
    for item in list(visitor.items):
        existing = next((i for i in own.items if i.product_id == item.product_id), None)
        if existing is None:
            visitor.items.remove(item)
            own.items.append(item)
            if item.booking is None:
                item.quantity = max(1, min(item.quantity, item.product.stock or 1, limit))
        elif existing.booking is not None or item.booking is not None:
            # One booking per experience: the one chosen just before logging in replaces the older one.
            for name in ("quantity", "booking", "units", "seen_amount", "seen_currency", "seen_offer"):
                setattr(existing, name, getattr(item, name))
        else:
            existing.quantity = max(1, min(existing.quantity + item.quantity, max(item.product.stock, 1), limit))
    db.session.flush()
    db.session.delete(visitor)
    own.updated_at = clock.now()
    db.session.commit()
