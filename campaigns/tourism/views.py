"""Shopper pages of tourism: the "Visit Africa" page and an experience's page with its month calendar.

The calendar is plain links (`?month=2027-02&departure=<id>`), so it works without JavaScript; the seat
counters are a GET form whose total the server works out. Booking itself comes with the cart's holds.
"""
from __future__ import annotations

from babel import Locale
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from campaigns.festivals.experience_deals import festival_seats, seats_left_note
from campaigns.festivals.scheduling import COMMON_ZONES, utc_to_local
from campaigns.tourism import calendar, cancellation, finder, listing
from campaigns.tourism.models import Experience, UnitKind
from marketplace.catalog.currency import shopper_display_currency, shopper_display_prices
from marketplace.catalog.services import get_visible_product
from marketplace.catalog.views import shopper
from marketplace.core import clock
from marketplace.core.errors import Conflict, DomainError, NotFound, ValidationError
from marketplace.core.funnel import ADD_TO_CART, count_step
from marketplace.core.i18n import current_language, reading_order
from marketplace.core.money import Money
from marketplace.core.page_cache import cached_page
from marketplace.core.templating import format_money
from marketplace.core.zones import viewer_zone
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.bookings import quote_booking
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.views import shopper as cart_owner
from marketplace.orders.views import visitor_token
from marketplace.payments import get_payment_gateway

bp = Blueprint("tourism", __name__, url_prefix="/<lang:lang_code>")
MAX_COUNT_TEXT = 3


@bp.get("/visit-africa/")
@cached_page
def landing():
    """Experiences by country and the next departures with seats."""
    return render_template(
        "tourism/landing.html",
        countries=listing.experiences_by_country(reading_order(), shopper(), shopper_display_currency()),
        upcoming=listing.upcoming_departures(clock.now()), zone=viewer_zone(""),
    )


def experience_of(slug: str) -> Experience:
    """The visible experience with this product slug; NotFound otherwise."""
    product = get_visible_product(slug)
    experience = db.session.scalar(select(Experience).where(Experience.product_id == product.id))
    if experience is None:
        raise NotFound(_("This product is not for sale."))
    return experience


def _experience_or_404(slug: str) -> Experience:
    try:
        return experience_of(slug)
    except NotFound:
        abort(404)


def _counts(values=None) -> dict[str, int]:
    """Seats asked for per unit kind (`units-adult=2`); unreadable or negative counts read as 0."""
    values = request.args if values is None else values
    counts = {}
    for kind in UnitKind:
        text = values.get(f"units-{kind.value}", "").strip()
        counts[kind.value] = int(text) if text.isdecimal() and len(text) <= MAX_COUNT_TEXT else 0
    return counts


@bp.get("/visit-africa/find")
def find():
    """Experiences by words, country, length, a month with a bookable date and a guide's language."""
    now = clock.now()
    today = now.date()
    try:
        query, notes = finder.parse_finder(request.args, today)
        result = finder.find_experiences(query, now, today, reading_order(), shopper(), shopper_display_currency())
    except NotFound:
        abort(404)
    result.notes = notes

    def page_url(number: int) -> str:
        return url_for("tourism.find", **{name: value for name, value in (("q", query.text), *query.chosen().items())
                                          if value}, page=number)

    return render_template("tourism/find.html", result=result, query=query, page_url=page_url,
                           bands=finder.DURATION_BANDS)


@bp.get("/experiences/<slug>")
def experience(slug: str):
    """An experience: facts, itinerary, policy, a month calendar of departures, and the chosen departure's prices."""
    found = _experience_or_404(slug)
    now = clock.now()
    today = utc_to_local(now, found.time_zone).date()
    month = calendar.parse_month(request.args.get("month"), today) or calendar.first_open_month(found, now, today)
    locale = Locale.parse(current_language().code)
    grid = calendar.month_calendar(found, *month, now, today, first_weekday=locale.first_week_day)
    chosen = calendar.option_departure(found, request.args.get("departure", type=int))
    prices = shopper_display_prices()
    total = regular_total = problem = festival = None
    counts = _counts()
    if chosen is not None:  # a festival deal's price for these seats, shown beside each unit's regular price
        festival = festival_seats(found.product_id, chosen.id, max(1, sum(counts.values())), now)
    festival_units = {unit.kind.value: Money(festival.unit_amount(unit.price_amount), unit.currency)
                      for unit in chosen.option.units} if festival else {}
    if chosen is not None and request.args.get("quote"):
        try:
            booking = quote_booking(HoldRef("departure", chosen.id), found.product_id, counts, now, reading_order())
        except (ValidationError, NotFound) as exc:
            problem = exc
        else:
            total = prices.price(booking.price)
            regular_total = prices.price(booking.regular) if booking.regular else None
    return render_template(
        "tourism/experience.html", experience=found, product=found.product, grid=grid, chosen=chosen,
        chosen_state=calendar.departure_state(chosen, now) if chosen else None, prices=prices, counts=counts,
        total=total, regular_total=regular_total, festival=festival, festival_units=festival_units,
        festival_note=seats_left_note(festival.left) if festival else "", problem=problem,
        pays_online=get_payment_gateway().collects_online,
        zone=viewer_zone(found.time_zone), zones=COMMON_ZONES, now=now,
        week_days=[(locale.first_week_day + offset) % 7 for offset in range(7)], locale=locale,
    )


@bp.post("/experiences/<slug>/book")
def book(slug: str) -> Response:
    """Put the chosen departure and travellers in the cart (in place of an earlier booking of this experience);
    the seats are held at checkout. A refusal goes back to the departure with its reason."""
    found = _experience_or_404(slug)  # the form's CSRF token is checked for every POST (extensions.csrf)
    counts = _counts(request.form)
    departure_id = request.form.get("departure", type=int)
    back = url_for("tourism.experience", slug=slug, departure=departure_id, quote=1,
                   **{f"units-{kind}": count for kind, count in counts.items() if count}) + "#chosen"
    if departure_id is None or not 0 < departure_id <= calendar.MAX_ID:
        flash(_("Choose a date on the calendar first."), "error")
        return redirect(url_for("tourism.experience", slug=slug) + "#dates")
    try:
        carts.add_booking(cart_owner(), visitor_token(create=True), found.product_id,
                          HoldRef("departure", departure_id), counts, reading_order())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(back)
    count_step(ADD_TO_CART, [found.product_id])
    flash(_("Booking added to your cart. Seats are held when you check out."), "success")
    return redirect(url_for("orders.cart"))


@bp.route("/orders/<reference>/bookings/<int(max=2147483647):line_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_booking(reference: str, line_id: int):
    """The refund cancelling a paid booking gives now, in plain words, then (POST, with the amount shown) the
    cancellation itself: seats freed, the refund sent. Another shopper's booking is 404."""
    order_page = url_for("orders.order_detail", reference=reference)
    try:
        quote = cancellation.quote_refund(current_user, reference, line_id)
    except NotFound:
        abort(404)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(order_page)
    if request.method == "POST":
        amount = request.form.get("amount", "")
        try:
            done = cancellation.cancel_booking(current_user, reference, line_id,
                                               int(amount) if amount.isdecimal() and len(amount) < 13 else -1)
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("tourism.cancel_booking", reference=reference, line_id=line_id))
        if done.amount.amount:
            flash(_("Booking cancelled. %(amount)s is on its way back to you.",
                    amount=format_money(done.amount)), "success")
        else:
            flash(_("Booking cancelled. Under the experience's policy nothing is refunded."), "info")
        return redirect(order_page)
    return render_template("tourism/cancel_booking.html", quote=quote, order=quote.line.order,
                           percent_text=format_percent(quote.percent / 100),
                           zone=viewer_zone(quote.experience.time_zone), zones=COMMON_ZONES)
