"""The cart: what a shopper means to buy, always priced afresh by the one price function.

A cart belongs to a signed-in shopper, or to a visitor through a random token kept in their
session; at log-in the visitor's cart is merged into the shopper's. The cart stores quantities and
the price the shopper last saw, never a price to charge: `price_cart` quotes every line now and
says which prices changed since.
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductImage, ProductStatus
from marketplace.catalog.services import (
    LocalText,
    RateTable,
    exchange_rates,
    localized,
    visible_conditions,
)
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders.models import Cart, CartItem
from marketplace.orders.pricing import PriceQuote, quote_prices
from marketplace.vendors.models import StoreStatus

TOURISM_CATEGORY = "tourism"


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


def count_lines(user: User | None, token: str | None) -> int:
    """How many products the shopper's (or the visitor's) cart holds, in one query; 0 without a cart."""
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


def add_item(user: User | None, token: str | None, product_id: object, quantity: object) -> CartItem:
    """Add units of a visible product (to the line already there); ValidationError, NotFound or
    Conflict (not enough stock) with nothing changed."""
    quantity = check_quantity(quantity)
    product = _buyable_product(product_id)
    cart = open_cart(user, token)
    item = next((i for i in cart.items if i.product_id == product.id), None)
    total = quantity + (item.quantity if item else 0)
    if total > current_app.config["CART_MAX_QUANTITY"]:
        db.session.rollback()
        check_quantity(total)
    try:
        _check_stock(product, total)
    except Conflict:
        db.session.rollback()
        raise
    price = quote_prices([product], user)[product.id].price
    if item is None:
        item = CartItem(cart=cart, product_id=product.id, quantity=total,
                        seen_amount=price.amount, seen_currency=price.currency)
        db.session.add(item)
    else:
        item.quantity = total
        item.seen_amount, item.seen_currency = price.amount, price.currency
    cart.updated_at = clock.now()
    db.session.commit()
    return item


def set_quantity(user: User | None, token: str | None, product_id: object, quantity: object) -> None:
    """Change a line's quantity (0 removes it); NotFound when the line is not in this cart."""
    item = _own_item(user, token, product_id)
    if str(quantity).strip() == "0":
        remove_item(user, token, product_id)
        return
    quantity = check_quantity(quantity)
    product = db.session.get(Product, item.product_id)
    _check_stock(product, quantity)
    item.quantity = quantity
    db.session.commit()


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
    products = [item.product for item in cart.items]
    quotes = quote_prices(products, user)
    for item in cart.items:
        price = quotes[item.product_id].price
        item.seen_amount, item.seen_currency = price.amount, price.currency
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
            item.quantity = max(1, min(item.quantity, item.product.stock or 1, limit))
        else:
            existing.quantity = max(1, min(existing.quantity + item.quantity, max(item.product.stock, 1), limit))
    db.session.flush()
    db.session.delete(visitor)
    own.updated_at = clock.now()
    db.session.commit()


@dataclass
class CartLine:
    product: Product
    name: LocalText
    cover: ProductImage | None
    quantity: int
    quote: PriceQuote | None  # None when the product is no longer for sale
    seen: Money
    is_tourism: bool
    problem: str = ""  # why the line cannot be bought as it is

    @property
    def price_changed(self) -> bool:
        return self.quote is not None and self.quote.price != self.seen

    @property
    def line_total(self) -> Money | None:
        return self.quote.price * self.quantity if self.quote else None


@dataclass
class VendorGroup:
    store_id: int
    store_name: str
    store_slug: str
    country_code: str
    lines: list[CartLine] = field(default_factory=list)
    subtotal: Money | None = None  # in the charge currency


@dataclass
class PricedCart:
    cart: Cart | None
    groups: list[VendorGroup]
    charge_currency: str
    total: Money  # in the charge currency, of the lines that can be bought
    approximate: Money | None  # the total in the shopper's display currency
    rates: RateTable

    @property
    def lines(self) -> list[CartLine]:
        return [line for group in self.groups for line in group.lines]

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    @property
    def price_changes(self) -> list[CartLine]:
        return [line for line in self.lines if line.price_changed]

    @property
    def needs_address(self) -> bool:
        return any(not line.is_tourism for line in self.lines)

    @property
    def needs_travellers(self) -> bool:
        return any(line.is_tourism for line in self.lines)


def charge_rate(rates: RateTable, currency: str, charge_currency: str) -> Decimal | None:
    """Units of the charge currency per unit of `currency`, or None when no stored rate links them."""
    return rates.rate(currency, charge_currency)


def charge_unit(price: Money, rate: Decimal, charge_currency: str) -> Money:
    """One unit's price in the charge currency, rounded to its minor unit (what the gateway is sent)."""
    return price if price.currency == charge_currency else price.convert(charge_currency, rate)


def price_cart(
    cart: Cart | None, shopper: User | None, language: str | Sequence[str], display_currency: str | None = None,
    at: datetime | None = None,
) -> PricedCart:
    """Every line priced now, grouped by store, with per-store subtotals and the total in the charge currency."""
    charge_currency = current_app.config["CHARGE_CURRENCY"]
    rates = exchange_rates()
    items: Sequence[CartItem] = cart.items if cart is not None else []
    product_ids = [item.product_id for item in items]
    # One query for the products with their store and category; texts and photos come by selectin.
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(product_ids))
        .options(joinedload(Product.store), joinedload(Product.category), selectinload(Product.texts),
                 selectinload(Product.images))
    )} if product_ids else {}
    visible = {p.id for p in products.values()
               if p.status == ProductStatus.PUBLISHED and p.store.status == StoreStatus.APPROVED}
    quotes = quote_prices([products[i] for i in product_ids if i in visible], shopper, at)
    groups: dict[int, VendorGroup] = {}
    total = Money(0, charge_currency)
    for item in items:
        product = products[item.product_id]
        store = product.store
        group = groups.setdefault(store.id, VendorGroup(store.id, store.name, store.slug, store.country_code))
        quote = quotes.get(product.id)
        line = CartLine(product, localized(product.texts, language, product.original_language, "name"),
                        product.cover, item.quantity, quote, item.seen_price,
                        product.category.slug == TOURISM_CATEGORY)
        group.lines.append(line)
        if quote is None:
            line.problem = _("No longer for sale.")
            continue
        if product.stock < 1:
            line.problem = _("Sold out.")
            continue
        if item.quantity > product.stock:
            line.problem = _("Only %(stock)d left in stock.", stock=product.stock)
            continue
        rate = charge_rate(rates, quote.price.currency, charge_currency)
        if rate is None:
            line.problem = _("This product cannot be paid for in %(currency)s yet.", currency=charge_currency)
            continue
        amount = charge_unit(quote.price, rate, charge_currency) * item.quantity
        group.subtotal = amount if group.subtotal is None else group.subtotal + amount
        total = total + amount
    approximate = rates.convert(total, display_currency) if display_currency else None
    return PricedCart(cart, list(groups.values()), charge_currency, total, approximate, rates)
