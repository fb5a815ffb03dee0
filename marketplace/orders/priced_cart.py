"""A cart priced now: every line quoted by the one price function, held to what its offer allows,
and written in the shopper's display currency by the rule of `catalog/currency.py`.

A line of a limited offer (a festival deal with a per-shopper limit or a cap) counts only the units
the shopper may still have at its price, and says why; a line whose price rose because the offer the
shopper saw no longer applies says why too. Checkout takes the lines exactly as priced here.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.catalog.currency import DisplayPrices, RateTable, Shown, add_up, charged_unit, exchange_rates
from marketplace.catalog.models import Product, ProductImage, ProductStatus
from marketplace.catalog.services import LocalText, localized
from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders.bookings import BookingQuote, quote_booking
from marketplace.orders.cart_shipping import add_shipping
from marketplace.orders.holds.lapsed import release_expired_reservations
from marketplace.orders.holds.registry import why_units_lapsed
from marketplace.orders.models import Cart, CartItem
from marketplace.orders.pricing import OfferLimit, PriceQuote, quote_prices
from marketplace.shipping.quotes import StoreShipping
from marketplace.vendors.models import StoreStatus

TOURISM_CATEGORY = "tourism"


def limit_note(limit: OfferLimit, quantity: int) -> str:
    """What a line of `quantity` units tells of its offer's limit: the shopper's own limit (and what they
    already bought), or the units left under the cap once the line reaches them; "" when nothing binds."""
    if limit.by_shopper_limit:
        if limit.bought:
            return _("Limited to %(limit)d per shopper — you already bought %(bought)d.",
                     limit=limit.per_shopper, bought=limit.bought)
        return _("Limited to %(limit)d per shopper.", limit=limit.per_shopper)
    if limit.left is not None and quantity >= limit.left:
        return ngettext("Only %(num)d left at this price.", "Only %(num)d left at this price.", limit.left)
    return ""


def allowed_quantity(quote: PriceQuote | None, wanted: int) -> int:
    """`wanted`, or fewer when the quote's offer lets the shopper have fewer units at its price (never below 1)."""
    limit = quote.offer.limit if quote is not None and quote.offer is not None else None
    allowance = limit.allowance if limit is not None else None
    if allowance is None or allowance < 1:
        return wanted
    return min(wanted, allowance)


@dataclass
class CartLine:
    product: Product
    name: LocalText
    cover: ProductImage | None
    quantity: int  # the units that can be bought as priced (at most what the offer allows)
    quote: PriceQuote | None  # None when the product is no longer for sale
    seen: Money
    is_tourism: bool
    problem: str = ""  # why the line cannot be bought as it is
    wanted: int = 0  # the quantity in the cart
    limit_note: str = ""  # how many the shopper may have at the offer's price, and why
    lapsed_note: str = ""  # why the price the shopper saw no longer applies
    charged_unit: Money | None = None  # one unit in the charge currency: what the payment is built from
    shown_unit: Shown | None = None  # one unit in the display currency
    shown_regular: Shown | None = None  # the regular price, when the line is discounted
    shown_seen: Shown | None = None  # the price last seen, when it changed
    booking: BookingQuote | None = None  # a booking's seats, units and when (quantity 1, priced as a whole)
    booking_ref: object = None  # the HoldRef of the booked start

    @property
    def is_booking(self) -> bool:
        return self.booking is not None

    @property
    def price_changed(self) -> bool:
        return self.quote is not None and self.quote.price != self.seen

    @property
    def clamped(self) -> bool:
        """Whether the cart holds more units than the shopper may have at this price."""
        return self.wanted > self.quantity

    @property
    def max_quantity(self) -> int | None:
        """The most units this line may hold at its price (None: only the cart's own limit)."""
        limit = self.quote.offer.limit if self.quote is not None and self.quote.offer is not None else None
        allowance = limit.allowance if limit is not None else None
        return allowance if allowance else None

    @property
    def line_total(self) -> Money | None:
        """The line in the seller's currency."""
        return self.quote.price * self.quantity if self.quote else None

    @property
    def charge_total(self) -> Money | None:
        """The line in the charge currency: the charged unit price times the quantity."""
        return self.charged_unit * self.quantity if self.charged_unit is not None else None

    @property
    def shown_total(self) -> Shown | None:
        """The line in the display currency: the unit shown times the quantity, so lines add up."""
        return self.shown_unit.times(self.quantity) if self.shown_unit is not None else None


@dataclass
class VendorGroup:
    store_id: int
    store_name: str
    store_slug: str
    country_code: str
    lines: list[CartLine] = field(default_factory=list)
    subtotal: Money | None = None  # in the charge currency, shipping included
    shown_subtotal: Shown | None = None  # the sum of the lines shown, and the shipping
    shipping: StoreShipping | None = None  # None: nothing to send, or no destination asked
    shipping_charge: Money | None = None  # the chosen shipping in the charge currency
    shown_shipping: Shown | None = None


@dataclass
class PricedCart:
    cart: Cart | None
    groups: list[VendorGroup]
    charge_currency: str
    total: Money  # in the charge currency, of the lines that can be bought
    shown_total: Shown  # the sum of the subtotals shown, in the display currency
    rates: RateTable
    destination: str = ""  # the country shipping was priced for ("" when not asked)

    @property
    def shipping_problems(self) -> list[str]:
        """Why some store cannot send its goods to the destination (checkout refuses while there are any)."""
        return [group.shipping.problem for group in self.groups if group.shipping and group.shipping.problem]

    @property
    def approximate(self) -> Money | None:
        """The total in the display currency when it is a conversion (None when it is the charged total)."""
        return self.shown_total.money if self.shown_total.approximate else None

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
    def limited_lines(self) -> list[CartLine]:
        """Lines held below the quantity in the cart by their offer's limit."""
        return [line for line in self.lines if line.clamped]

    @property
    def needs_address(self) -> bool:
        return any(not line.is_tourism and not line.is_booking for line in self.lines)

    @property
    def needs_travellers(self) -> bool:
        """Whether a travel date and party size are asked (a tourism product sold as goods, not a booking)."""
        return any(line.is_tourism and not line.is_booking for line in self.lines)

    @property
    def bookings(self) -> list[CartLine]:
        """The booking lines, whose travellers checkout names one by one."""
        return [line for line in self.lines if line.is_booking]

    @property
    def online_only(self) -> bool:
        """Whether some line may only be paid online when ordered (a booking)."""
        return any(line.booking.paid_online_only for line in self.bookings)


def charge_rate(rates: RateTable, currency: str, charge_currency: str) -> Decimal | None:
    """Units of the charge currency per unit of `currency`, or None when no stored rate links them."""
    return rates.rate(currency, charge_currency)


def _lapsed_note(item: CartItem, quote: PriceQuote, shopper: User | None, at: datetime) -> str:
    offer = quote.offer
    if item.seen_offer is None or (offer is not None and offer.hold == item.seen_offer):
        return ""
    if quote.price.currency != item.seen_currency or quote.price.amount <= item.seen_amount:
        return ""
    return why_units_lapsed(item.seen_offer, shopper.id if shopper else None, at) or _(
        "The deal price no longer applies.")


def price_cart(
    cart: Cart | None, shopper: User | None, language: str | Sequence[str], display_currency: str | None = None,
    at: datetime | None = None, destination: str = "", shipping_choices: Mapping[int, int] | None = None,
    give_back_lapsed: bool = True,
) -> PricedCart:
    """Every line priced now, grouped by store, with per-store subtotals and the total in the charge
    currency, and every amount also in `display_currency` (None: the charge currency).

    With a `destination` country, each store's goods also get its shipping there (`shipping_choices`: the
    method chosen per store id, else the cheapest), added to its subtotal and the total.

    Units held by unpaid orders whose reservation lapsed by `at` are given back first (committed), so
    call it before the use case's own writes; `give_back_lapsed=False` when the caller just did.
    """
    at = at or clock.now()
    if give_back_lapsed:
        release_expired_reservations(at)
    charge_currency = current_app.config["CHARGE_CURRENCY"]
    rates = exchange_rates()
    prices = DisplayPrices(display_currency, charge_currency, rates)
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
                        product.cover, allowed_quantity(quote, item.quantity), quote, item.seen_price,
                        product.category.slug == TOURISM_CATEGORY, wanted=item.quantity)
        group.lines.append(line)
        if quote is None:
            line.problem = _("No longer for sale.")
            continue
        if item.booking is not None:
            _price_booking(line, item, language, at)
            if line.quote is None:
                continue
        _describe(line, item, prices, shopper, at)
        if line.is_booking:
            line.problem = line.booking.problem
            if not line.problem and line.charged_unit is None:
                line.problem = _("This product cannot be paid for in %(currency)s yet.", currency=charge_currency)
        elif product.stock < 1:
            line.problem = _("Sold out.")
        elif line.quantity > product.stock:
            line.problem = _("Only %(stock)d left in stock.", stock=product.stock)
        elif line.charged_unit is None:
            line.problem = _("This product cannot be paid for in %(currency)s yet.", currency=charge_currency)
        if line.problem:
            continue
        group.subtotal = line.charge_total if group.subtotal is None else group.subtotal + line.charge_total
        total = total + line.charge_total
    first_language = language if isinstance(language, str) else (language[0] if language else "en")
    total = total + add_shipping(list(groups.values()), destination, shipping_choices or {}, prices,
                                 first_language, at)
    for group in groups.values():
        shown = [line.shown_total for line in group.lines if not line.problem and line.shown_total]
        group.shown_subtotal = add_up([*shown, *filter(None, [group.shown_shipping])], prices.target)
    shown_total = add_up((group.shown_subtotal for group in groups.values()), prices.target)
    return PricedCart(cart, list(groups.values()), charge_currency, total, shown_total, rates, destination)


def _price_booking(line: CartLine, item: CartItem, language: str | Sequence[str], at: datetime) -> None:
    """Price a booking line as a whole (one booking of its units) by its start's booker; a start that went
    away leaves the line unpriced, with its problem said."""
    line.quantity = line.wanted = 1
    line.booking_ref = item.booking
    try:
        booking = quote_booking(item.booking, item.product_id, item.units or {}, at, language)
    except DomainError as refusal:
        line.quote, line.problem = None, refusal.message
        return
    line.booking = booking
    line.quote = PriceQuote(booking.price, booking.regular or booking.price, booking.offer)


def _describe(line: CartLine, item: CartItem, prices: DisplayPrices, shopper: User | None, at: datetime) -> None:
    """Fill in a quoted line's limit and lapse notes and its charged and shown amounts."""
    quote = line.quote
    if quote.offer is not None and quote.offer.limit is not None:
        line.limit_note = limit_note(quote.offer.limit, line.wanted)
    line.lapsed_note = _lapsed_note(item, quote, shopper, at)
    line.charged_unit = charged_unit(quote.price, prices.rates, prices.charge_currency)
    line.shown_unit = prices.as_charged(quote.price)
    if quote.discounted:
        line.shown_regular = prices.as_charged(quote.regular)
    if line.price_changed:
        line.shown_seen = prices.as_charged(line.seen)
