"""Shopper pages: the cart, checkout, and the shopper's own orders."""
from __future__ import annotations

import functools

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required, user_logged_in
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.models import Role, User
from marketplace.catalog.currency import exchange_rates, shopper_display_currency
from marketplace.catalog.services import country_name
from marketplace.core import viewer_facts
from marketplace.core.errors import Conflict, DomainError, NotFound, PaymentUnavailable
from marketplace.core.forms import apply_errors
from marketplace.core.funnel import ADD_TO_CART, CHECKOUT_START, count_step
from marketplace.core.i18n import current_language, reading_order
from marketplace.core.money import Money, MoneyError
from marketplace.core.page_cache import per_response_value
from marketplace.core.site import safe_next_url, site_url
from marketplace.extensions import db
from marketplace.orders import addresses
from marketplace.orders import cart as carts
from marketplace.orders.address_book import services as address_book
from marketplace.orders.checkout import (
    Destination,
    PricesChanged,
    SoldOut,
    TravellerInput,
    cancel_unpaid_order,
    new_checkout_key,
    place_order,
    seat_units,
    shipping_countries,
)
from marketplace.orders.forms import CancelOrderForm, CheckoutForm, QuantityForm
from marketplace.orders.models import Order, PaymentState, VendorOrder
from marketplace.orders.payment_start import resume_payment
from marketplace.orders.shown import show_order
from marketplace.orders.states import FULFILMENT_LABELS, PAYMENT_LABELS
from marketplace.shipping.destination import (
    destination_choices,
    picks_from_form,
    remember_choices,
    remember_destination,
    shipping_choices,
    shipping_destination,
)
from marketplace.shipping.duties import cart_duty_advice

bp = Blueprint("orders", __name__, url_prefix="/<lang:lang_code>")
ORDERS_PER_PAGE = 20


def shopper() -> User | None:
    return current_user if current_user.is_authenticated else None


def visitor_token(create: bool = False) -> str | None:
    """The visitor's cart token from their session (made on first use when `create`)."""
    if current_user.is_authenticated:
        return None
    token = session.get("cart_token")
    if token is None and create:
        token = session["cart_token"] = carts.new_cart_token()
    return token


def back_to(default: str) -> str:
    return safe_next_url(request.form.get("next")) or default


@bp.get("/cart")
def cart() -> str:
    """The cart grouped by vendor, priced now with each store's shipping to the shopper's destination, with
    notes on changed prices, short stock, stores that do not ship there, and duties."""
    found = carts.find_cart(shopper(), visitor_token())
    destination = shipping_destination()
    priced = carts.price_cart(found, shopper(), reading_order(), shopper_display_currency(),
                              destination=destination, shipping_choices=shipping_choices())
    return render_template("orders/cart.html", priced=priced, form=QuantityForm(), destination=destination,
                           destinations=destination_choices(current_language().code),
                           duties=cart_duty_advice(priced, current_language().code))


@bp.post("/cart/shipping")
def choose_shipping() -> Response:
    """Keep the shopper's destination and the shipping method they picked per store, and show the cart again."""
    if not QuantityForm().validate_on_submit():
        abort(400)
    if "destination" in request.form and not remember_destination(request.form["destination"]):
        flash(_("Choose the country the order goes to."), "error")
    remember_choices(picks_from_form(request.form))
    return redirect(back_to(url_for("orders.cart")))


@bp.post("/cart/items")
def add_to_cart() -> Response:
    """Add a product to the cart and go back to where the shopper was."""
    form = QuantityForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        note = carts.add_item(shopper(), visitor_token(create=True), form.product_id.data, form.quantity.data)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(back_to(url_for("orders.cart")))
    count_step(ADD_TO_CART, [form.product_id.data])
    if note:  # fewer than asked (maybe none) went in: say why instead of "added"
        flash(note, "info")
    else:
        flash(_("Added to your cart."), "success")
    return redirect(back_to(url_for("orders.cart")))


@bp.post("/cart/items/<int:product_id>")
def update_cart_item(product_id: int) -> Response:
    """Change a line's quantity (0 removes it)."""
    form = QuantityForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        note = carts.set_quantity(shopper(), visitor_token(), product_id, form.quantity.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        if note:
            flash(note, "info")
    return redirect(url_for("orders.cart"))


@bp.post("/cart/items/<int:product_id>/remove")
def remove_cart_item(product_id: int) -> Response:
    """Take a line out of the cart."""
    form = QuantityForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        carts.remove_item(shopper(), visitor_token(), product_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Removed from your cart."), "info")
    return redirect(url_for("orders.cart"))


@bp.post("/cart/accept-prices")
def accept_prices() -> Response:
    """The shopper has read the changed prices: stop pointing them out."""
    if not QuantityForm().validate_on_submit():
        abort(400)
    carts.accept_prices(shopper(), visitor_token())
    return redirect(url_for("orders.cart"))


def _country_choices() -> list[SelectChoice]:
    return list(_country_choices_in(current_language().code))


@functools.cache
def _country_choices_in(language: str) -> tuple[SelectChoice, ...]:
    """The country field's choices in `language` (the language of the request that first asks)."""
    return (SelectChoice("", _("Choose a country")),
            *(SelectChoice(code, name) for code, name in _countries_by_name(language)))


@functools.cache
def _countries_by_name(language: str) -> tuple[tuple[str, str], ...]:
    """Every country an order may go to, (code, name in `language`), sorted by name: the same for every request."""
    return tuple(sorted(((code, country_name(code, language)) for code in shipping_countries()), key=lambda c: c[1]))


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout() -> Response | str:
    """Where the order goes and how it is paid; placing it reserves every unit at the prices shown.

    A refused order (sold out, a price or limit changed, a bad field) shows this page again with
    everything the shopper typed, the figures as they are now and why it was refused.
    """
    if current_user.role != Role.SHOPPER:
        flash(_("Vendor and staff accounts cannot buy. Please use a shopper account."), "error")
        return redirect(url_for("orders.cart"))
    language = current_language().code
    form = CheckoutForm(request.form if request.method == "POST" else None)
    form.country_code.choices = _country_choices()
    review_latin, refusal, shown_before, party_errors = False, "", None, {}
    submitted = request.method == "POST" and form.validate_on_submit()
    if submitted and _suggest_latin(form):
        review_latin = True  # the shopper checks the pinyin we wrote before anything is placed
    elif submitted:
        # Placing comes first: a double click's second request finds the cart already ordered and
        # must answer with that order, not with "your cart is empty".
        expected = _expected_total(request.form.get("expected_total", ""))
        remember_choices(picks_from_form(request.form))
        remember_destination(form.country_code.data or "")
        try:
            order = place_order(current_user, _destination(form), form.key.data or "", language,
                                expected_total=expected, base_url=site_url(), reading=reading_order(language),
                                shipping_choices=shipping_choices())
        except SoldOut as error:
            if error.nothing_left:  # nothing to order: the cart shows each line as it is now
                flash(_("Nothing in your cart can be bought now (sold out or no longer for sale). Nothing was "
                        "reserved or charged."), "error")
                return redirect(url_for("orders.cart"))
            refusal, shown_before = error.message, None
            form.key.data = new_checkout_key()
        except PricesChanged as error:
            refusal = error.message
            shown_before = expected
            form.key.data = new_checkout_key()
        except DomainError as error:
            apply_errors(form, error)
            party_errors = {name: message for name, message in error.fields.items() if name.startswith("traveller-")}
            form.key.data = new_checkout_key()  # a corrected form is a new attempt, not a retry of this one
        else:
            if order.is_open_reservation and order.payment_url:
                return redirect(order.payment_url)
            if order.payment_state in (PaymentState.UNPAID, PaymentState.PAID):
                flash(_("Thank you! Your order %(reference)s is placed.", reference=order.reference), "success")
            # Otherwise the order page says where it stands: no "placed" without a way to pay.
            return redirect(url_for("orders.order_detail", reference=order.reference))
    if request.method == "GET":
        form.key.data = new_checkout_key()
        form.email.data = current_user.email
        _prefill_delivery(form, language, request.args.get("address", type=int))
    destination = form.country_code.data or shipping_destination()
    priced = carts.price_cart(carts.find_cart(current_user, None), current_user, reading_order(language),
                              shopper_display_currency(), destination=destination,
                              shipping_choices=shipping_choices())
    if priced.is_empty:
        flash(refusal or _("Your cart is empty."), "info")
        return redirect(url_for("orders.cart"))
    if request.method == "GET":
        count_step(CHECKOUT_START, [line.product.id for line in priced.lines])
    form.expected_total.data = f"{priced.total.amount}:{priced.total.currency}"
    return render_template("orders/checkout.html", form=form, priced=priced, review_latin=review_latin,
                           show_latin=review_latin or _shows_latin(form),
                           non_latin_countries=addresses.non_latin_countries(shipping_countries()),
                           refusal=refusal, total_before=shown_before if shown_before != priced.total else None,
                           pays_online=current_app.extensions["payment_gateway"].collects_online,
                           party=request.form if request.method == "POST" else {}, party_errors=party_errors,
                           nationalities=_countries_by_name(language), seat_units=seat_units, destination=destination,
                           duties=cart_duty_advice(priced, language), saved=address_book.saved_addresses(current_user))


def _prefill_delivery(form: CheckoutForm, language: str, address_id: int | None) -> None:
    """The address picked from the address book, else the shopper's last delivery address when it goes to the
    destination the cart was priced for, else their name, that destination and its phone prefix."""
    picked = address_book.find_address(current_user, address_id) if address_id else None
    if picked is not None:
        for name in addresses.REMEMBERED_FIELDS:
            getattr(form, name).data = getattr(picked, name)
        remember_destination(picked.country_code)
        return
    destination = shipping_destination()
    last = addresses.last_delivery(current_user)
    if last is not None and (not destination or last["country_code"] == destination):
        for name, value in last.items():
            getattr(form, name).data = value
        return
    form.recipient_name.data = current_user.display_name
    country = destination or addresses.country_from_locale([tag for tag, _q in request.accept_languages], language)
    if country in shipping_countries():
        form.country_code.data = country
        form.phone.data = addresses.phone_prefix(country)


def _suggest_latin(form: CheckoutForm) -> bool:
    """Fill empty Latin-letter fields with pinyin for a Chinese address typed; True when something was filled."""
    if not (form.address_line.data or form.city.data):
        return False  # no postal address on this form (tourism only) or not typed yet
    fields = {name: getattr(form, name).data or "" for name in (*addresses.LATIN_FIELDS,
                                                                 *addresses.LATIN_FIELDS.values())}
    typed_latin = any(fields[name] for name in addresses.LATIN_FIELDS.values())  # else none can be stale
    for name in addresses.stale_latin(fields, addresses.last_delivery(current_user) if typed_latin else None):
        getattr(form, name).data = fields[name] = ""  # kept from the last address, which the shopper changed
    suggestions = addresses.suggest_latin(fields)
    for name, value in suggestions.items():
        getattr(form, name).data = value
    return bool(suggestions)


def _shows_latin(form: CheckoutForm) -> bool:
    """Whether the Latin-letter address is asked for openly: a country of another script, or text in one."""
    latin_names = addresses.LATIN_FIELDS.values()
    return (addresses.needs_latin_address(form.country_code.data or "")
            or any(getattr(form, name).data or getattr(form, name).errors for name in latin_names)
            or any(addresses.has_other_script(getattr(form, name).data or "") for name in addresses.LATIN_FIELDS))


def _destination(form: CheckoutForm) -> Destination:
    return Destination(**{name: getattr(form, name).data or "" for name in (
        "recipient_name", "phone", "email", "country_code", "region", "city", "address_line", "postal_code",
        "travel_date", "travellers", "notes", *addresses.LATIN_FIELDS.values())}, party=_party(request.form))


def _party(values) -> dict[int, list[TravellerInput]]:
    """The travellers typed for each booking (`traveller-<product id>-<seat>-name` …), in seat order."""
    seats: dict[int, dict[int, dict[str, str]]] = {}
    for name, value in values.items():
        parts = name.split("-")
        if len(parts) == 4 and parts[0] == "traveller" and parts[1].isdecimal() and parts[2].isdecimal() \
                and len(parts[1]) <= 10 and len(parts[2]) <= 3 and parts[3] in ("name", "nationality", "notes"):
            seats.setdefault(int(parts[1]), {}).setdefault(int(parts[2]), {})[parts[3]] = value[:1000]
    return {product_id: [TravellerInput(**by_seat.get(seat, {})) for seat in range(1, max(by_seat) + 1)]
            for product_id, by_seat in seats.items()}


def _expected_total(text: str) -> Money | None:
    amount, _sep, currency = text.partition(":")
    try:
        return Money(int(amount), currency)
    except (ValueError, MoneyError):
        return None


@bp.get("/orders/")
@login_required
def my_orders() -> str:
    """The shopper's orders, newest first."""
    page = max(request.args.get("page", 1, type=int), 1)
    orders = db.session.scalars(
        select(Order).where(Order.shopper_id == current_user.id).order_by(Order.id.desc())
        .options(selectinload(Order.vendor_orders).selectinload(VendorOrder.lines))
        .limit(ORDERS_PER_PAGE + 1).offset((page - 1) * ORDERS_PER_PAGE)
    ).all()
    currency, rates = shopper_display_currency(), exchange_rates()
    totals = {order.id: show_order(order, currency, rates).total for order in orders[:ORDERS_PER_PAGE]}
    return render_template("orders/list.html", orders=orders[:ORDERS_PER_PAGE], page=page, totals=totals,
                           has_next=len(orders) > ORDERS_PER_PAGE, payment_labels=PAYMENT_LABELS)


@bp.get("/orders/<reference>")
@login_required
def order_detail(reference: str) -> str:
    """One of the shopper's orders: what each vendor is doing with it, and its history.

    The page reads the order's state from the database only; the `?paid=1` the payment page adds
    on return changes nothing (only the gateway's signed webhook can mark an order paid).
    """
    order = db.session.scalars(
        select(Order).where(Order.reference == reference, Order.shopper_id == current_user.id)
    ).first()
    if order is None:
        raise NotFound(_("There is no such order in your account."))
    try:
        resume_payment(order, site_url())  # its first start was cut short: open its page now
    except DomainError as error:
        flash(error.message, "error")
    returning = request.args.get("paid") == "1" and order.is_open_reservation
    shown = show_order(order, shopper_display_currency(), exchange_rates())
    return render_template("orders/detail.html", order=order, returning=returning, cancel_form=CancelOrderForm(),
                           shown=shown, payment_labels=PAYMENT_LABELS, fulfilment_labels=FULFILMENT_LABELS)


@bp.post("/orders/<reference>/cancel")
@login_required
def cancel_order(reference: str) -> Response:
    """Cancel an order awaiting online payment: its items are released at once."""
    if CancelOrderForm().validate_on_submit():
        try:
            cancel_unpaid_order(current_user, reference)
        except (Conflict, PaymentUnavailable) as exc:
            flash(exc.message, "error")
        else:
            flash(_("Order cancelled and its items released. Nothing was charged."), "success")
    return redirect(url_for(".order_detail", reference=reference))


def merge_cart_at_login(_app: Flask, user: User, **_extra: object) -> None:
    """At log-in, move the visitor's cart (token kept across the new session) into the shopper's."""
    token = session.pop("cart_token", None)
    if token:
        carts.merge_visitor_cart(token, user)


def cart_count() -> str:
    """The number of products in this visitor's cart, written in the page's language (for the header)."""
    return format_decimal(carts.count_lines(shopper(), visitor_token()))


def init_app(app: Flask) -> None:
    """Register the shopper pages, the header's cart count and the log-in hook that merges carts."""
    app.register_blueprint(bp)
    # Per response even on cached pages: one visitor's cart must never show in another's header.
    per_response_value(app, "cart_count", cart_count)
    # Read with the signed-in user in one statement: the header's count and the pages' shipping destination.
    viewer_facts.register_fact(app, carts.CART_LINES_FACT, carts.cart_lines_fact)
    viewer_facts.register_fact(app, addresses.LAST_COUNTRY_FACT, addresses.last_country_fact)
    user_logged_in.connect(merge_cart_at_login, app)
