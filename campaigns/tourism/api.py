"""The tourism API: `GET /api/v1/experiences` (bookable experiences with their facts and starting price),
`GET /api/v1/experiences/<slug>/departures?month=YYYY-MM` (a month of departures with seats left and each
option's prices), and `POST /api/v1/cart/bookings` (put a departure and its travellers in the token's cart).

Reads are public; the booking needs a shopper's bearer token, like the shop API (CSRF-exempt for that reason).
Errors come in the API's one shape. Times are UTC instants, with the local date and time on the experience's
clocks and its IANA zone beside them; money is the one Money shape.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from campaigns.festivals.experience_deals import FestivalSeats, festival_seats_of_departures
from campaigns.tourism import calendar, listing
from campaigns.tourism.display import experience_text, option_name, unit_label
from campaigns.tourism.models import Experience
from campaigns.tourism.views import experience_of
from marketplace.api.edge import register_json_errors, use_language
from marketplace.api.money import money_json
from marketplace.api.schemas import (
    BOOLEAN,
    ERROR,
    INSTANT,
    INTEGER,
    SECURED,
    STRING,
    array,
    json_response,
    nullable,
    obj,
)
from marketplace.api.shop import MAX_ID, priced_cart_response, shopper_user, whole_number
from marketplace.api.shop_json import CART, iso
from marketplace.api.tokens import json_body
from marketplace.catalog.services import localized
from marketplace.core import clock
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.i18n import reading_order
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.holds.refs import HoldRef

bp = Blueprint("tourism_api", __name__, url_prefix="/api/v1")
register_json_errors(bp)


def _summary(experience: Experience, language: str) -> dict:
    product = experience.product
    name = localized(product.texts, reading_order(language), product.original_language, "name")
    return {
        "slug": product.slug, "name": name.text, "name_language": name.language,
        "store": {"slug": product.store.slug, "name": product.store.name, "country_code": product.store.country_code},
        "time_zone": experience.time_zone, "duration_minutes": experience.duration_minutes,
        "guide_languages": experience.languages, "minimum_age": experience.minimum_age,
        "from_price": money_json(product.price if product.price_amount else None, language),
        "cancellation": {"refundable": experience.refundable, "free_until_hours_before": experience.free_cancel_hours,
                         "late_refund_percent": experience.late_refund_percent},
    }


@bp.get("/experiences")
def list_experiences() -> ResponseReturnValue:
    """Visible experiences, newest first (of one country with `?country=KE`)."""
    language = use_language(request.args.get("lang"))
    country = request.args.get("country", "").strip().upper() or None
    if country is not None and (len(country) != 2 or not country.isalpha()):
        message = _("Send a two-letter country code, like KE.")
        raise ValidationError(message, {"country": message})
    products = listing.visible_experiences(country)
    experiences = {e.product_id: e for e in db.session.query(Experience).filter(
        Experience.product_id.in_([p.id for p in products]))} if products else {}
    return jsonify(items=[_summary(experiences[p.id], language) for p in products if p.id in experiences],
                   now=iso(clock.now()))


def _festival_json(festival: FestivalSeats | None, departure, language: str) -> dict | None:
    if festival is None:
        return None
    return {"seats_left": festival.left, "ends_at": iso(festival.offer.ends_at), "units": [
        {"kind": unit.kind.value, "price": money_json(Money(festival.unit_amount(unit.price_amount), unit.currency),
                                                     language)} for unit in departure.option.units]}


def _departure_json(view: calendar.DepartureView, experience: Experience, language: str,
                    festival: FestivalSeats | None = None) -> dict:
    departure = view.departure
    return {
        "id": departure.id, "option_id": departure.option_id,
        "starts_at": iso(departure.starts_at), "local_date": departure.local_date.isoformat(),
        "local_time": departure.local_time.strftime("%H:%M"), "time_zone": experience.time_zone,
        "capacity": departure.capacity, "seats_left": departure.seats_left, "state": view.state.value,
        "state_label": calendar.state_label(view.state), "booking_closes_at": iso(departure.closes_at),
        "festival": _festival_json(festival, departure, language),
    }


def _option_json(option, language: str) -> dict:
    name = option_name(option, reading_order(language))
    return {"id": option.id, "name": name.text, "name_language": name.language, "units": [
        {"kind": unit.kind.value, "label": unit_label(unit.kind), "price": money_json(unit.price, language),
         "min_per_booking": unit.min_per_booking, "max_per_booking": unit.max_per_booking,
         "requires_adult": unit.requires_adult} for unit in option.units]}


@bp.get("/experiences/<slug>/departures")
def departures(slug: str) -> ResponseReturnValue:
    """A month of the experience's departures (`?month=2027-02`, default the month of the next open one) with
    seats left and state, each option's prices per kind of traveller, and the meeting point and policy."""
    language = use_language(request.args.get("lang"))
    experience = experience_of(slug)
    now = clock.now()
    today = clock.to_utc(now).astimezone(calendar.zone_of(experience)).date()
    asked = request.args.get("month")
    month = calendar.parse_month(asked, today) if asked else calendar.first_open_month(experience, now, today)
    if month is None:
        message = _("Send a month like 2027-02, from this month to %(count)d months ahead.",
                    count=calendar.MONTHS_AHEAD)
        raise ValidationError(message, {"month": message})
    grid = calendar.month_calendar(experience, *month, now, today)
    views = grid.departures()
    festival = festival_seats_of_departures(experience.product_id, [view.departure.id for view in views], now)
    meeting = experience_text(experience, reading_order(language), "meeting_point")
    return jsonify(
        experience=_summary(experience, language), month=f"{month[0]:04d}-{month[1]:02d}",
        meeting_point=meeting.text or None, meeting_lat=experience.meeting_lat, meeting_lon=experience.meeting_lon,
        options=[_option_json(option, language) for option in experience.options if option.units],
        departures=[_departure_json(view, experience, language, festival.get(view.departure.id)) for view in views],
        now=iso(now))


@bp.post("/cart/bookings")
def add_booking() -> ResponseReturnValue:
    """Put a booking of a departure in the token's cart (201 with the cart), in place of an earlier booking of the
    same experience: {"departure_id", "units": {"adult": 2, "child": 1}}. 404 for a departure that is not
    bookable, 422 for units out of bounds, 409 when the departure is full, closed or cancelled."""
    user = shopper_user()
    language = use_language(request.args.get("lang"))
    body = json_body()
    departure_id = whole_number(body, "departure_id")
    units = body.get("units")
    if not isinstance(units, dict) or not all(isinstance(kind, str) and isinstance(count, int)
                                              and not isinstance(count, bool) and count >= 0
                                              for kind, count in units.items()):
        message = _("Send the travellers as {\"adult\": 2, \"child\": 1}.")
        raise ValidationError(message, {"units": message})
    if not 1 <= departure_id <= MAX_ID:
        raise NotFound(_("There is no such departure."), {"departure_id": _("There is no such departure.")})
    departure = calendar.find_departure(departure_id)
    if departure is None:
        raise NotFound(_("There is no such departure."), {"departure_id": _("There is no such departure.")})
    carts.add_booking(user, None, departure.option.experience.product_id, HoldRef("departure", departure_id),
                      units, reading_order(language))
    return priced_cart_response(user, 201)


LANG = {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["en", "fr", "ar", "pt", "sw", "zh"]}}
MONEY = {"$ref": "#/components/schemas/Money"}
SUMMARY = obj({
    "slug": STRING, "name": STRING, "name_language": STRING,
    "store": obj({"slug": STRING, "name": STRING, "country_code": STRING}),
    "time_zone": STRING, "duration_minutes": INTEGER, "guide_languages": array(STRING), "minimum_age": INTEGER,
    "from_price": nullable(MONEY),
    "cancellation": obj({"refundable": BOOLEAN, "free_until_hours_before": INTEGER, "late_refund_percent": INTEGER}),
})
DEPARTURE = obj({
    "id": INTEGER, "option_id": INTEGER, "starts_at": INSTANT, "local_date": STRING, "local_time": STRING,
    "time_zone": STRING, "capacity": INTEGER, "seats_left": INTEGER,
    "state": {"type": "string", "enum": [state.value for state in calendar.DepartureState]}, "state_label": STRING,
    "booking_closes_at": INSTANT,
    "festival": nullable(obj({"seats_left": INTEGER, "ends_at": INSTANT,
                                    "units": array(obj({"kind": STRING, "price": MONEY}))},
                                   "A festival deal's price per traveller on this date while its festival seats last")),
})
OPTION = obj({"id": INTEGER, "name": STRING, "name_language": STRING, "units": array(obj({
    "kind": STRING, "label": STRING, "price": MONEY, "min_per_booking": INTEGER, "max_per_booking": INTEGER,
    "requires_adult": BOOLEAN}))})
NUMBER = {"type": ["number", "null"]}
OPENAPI_PATHS = {
    "/experiences": {"get": {
        "summary": "Bookable experiences, newest first, with facts, starting price and cancellation policy",
        "parameters": [LANG, {"name": "country", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": json_response("Experiences", obj({"items": array(SUMMARY), "now": INSTANT})),
                      "422": ERROR},
    }},
    "/experiences/{slug}/departures": {"get": {
        "summary": "A month of an experience's departures with seats left, and each option's prices",
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}, LANG,
                       {"name": "month", "in": "query", "schema": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"}}],
        "responses": {"200": json_response("The month's departures", obj({
            "experience": SUMMARY, "month": STRING, "meeting_point": nullable(STRING), "meeting_lat": NUMBER,
            "meeting_lon": NUMBER, "options": array(OPTION), "departures": array(DEPARTURE), "now": INSTANT})),
            "404": ERROR, "422": ERROR},
    }},
    "/cart/bookings": {"post": {
        "summary": "Put a departure and its travellers in the token's cart (seats are held at checkout)",
        "security": SECURED, "parameters": [LANG],
        "requestBody": {"required": True, "content": {"application/json": {"schema": obj({
            "departure_id": INTEGER,
            "units": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}})}}},
        "responses": {"201": CART, "400": ERROR, "401": ERROR, "403": ERROR,
                      "404": ERROR, "409": ERROR, "422": ERROR},
    }},
}

