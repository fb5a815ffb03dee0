"""How the shop API writes carts and orders as JSON, and its OpenAPI description.

Money is the API's one shape, {"amount": integer in the currency's minor unit, "currency", "formatted"}
(`marketplace.api.money`): the integer is what a client sends back as `expected_total`, so it is exact.
"""
from __future__ import annotations

from datetime import datetime

from marketplace.api.money import MONEY, MONEY_INPUT, OPTIONAL_MONEY, money_json
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
from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name
from marketplace.orders.cart import CartLine, PricedCart, VendorGroup
from marketplace.orders.models import Order, OrderLine, VendorOrder
from marketplace.orders.refunds.models import Refund, RefundState
from marketplace.orders.states import FULFILMENT_LABELS, PAYMENT_LABELS


def iso(value: datetime | None) -> str | None:
    """An ISO 8601 UTC timestamp ending in Z (SQLite hands back naive UTC datetimes)."""
    return clock.to_utc(value).isoformat().replace("+00:00", "Z") if value is not None else None


def group_store_json(group: VendorGroup) -> dict:
    """The store a cart group belongs to."""
    return {"id": group.store_id, "name": group.store_name, "slug": group.store_slug,
            "country_code": group.country_code}


def line_json(line: CartLine, group: VendorGroup, language: str) -> dict:
    """One cart line: what it costs now, what the shopper last saw, and why it cannot be bought (if so)."""
    cover = line.cover
    image = get_image_store().url(rendition_name(cover.key, cover.fallback_width, "jpg")) if cover else None
    quote = line.quote
    return {
        "product_id": line.product.id,
        "slug": line.product.slug,
        "name": line.name.text,
        "name_language": line.name.language,
        "image": image,
        "store": {"id": group.store_id, "name": group.store_name, "slug": group.store_slug},
        "quantity": line.quantity,
        "unit_price": money_json(quote.price, language) if quote else None,
        "regular_price": money_json(quote.regular, language) if quote else None,
        "offer": ({"source": quote.offer.source, "ends_at": iso(quote.offer.ends_at)}
                  if quote and quote.offer else None),
        "seen_price": money_json(line.seen, language),
        "price_changed": line.price_changed,
        "line_total": money_json(line.line_total, language),
        "problem": line.problem or None,
        "wanted_quantity": line.wanted,
        "limit_note": line.limit_note or None,
        "lapsed_note": line.lapsed_note or None,
        "is_tourism": line.is_tourism,
        "booking": booking_json(line.booking_ref, line.booking.seats, line.booking.units, line.booking.detail)
        if line.is_booking else None,
    }


def booking_json(ref, seats: int, units: dict, detail: str) -> dict:
    """A booking line's start (e.g. a departure), seats, travellers by kind and when and for whom, as read."""
    return {"kind": ref.kind, "id": ref.id, "seats": seats,
            "units": {kind: priced["count"] for kind, priced in units.items()}, "detail": detail}


def cart_json(priced: PricedCart, language: str) -> dict:
    """The priced cart: flat lines, per-store groups with subtotals, and the total in the charge currency."""
    return {
        "items": [line_json(line, group, language) for group in priced.groups for line in group.lines],
        "groups": [{"store": group_store_json(group), "subtotal": money_json(group.subtotal, language)}
                   for group in priced.groups],
        "count": priced.count,
        "total": money_json(priced.total, language),
        "approximate": money_json(priced.approximate, language),
        "has_problems": priced.has_problems,
        "needs_address": priced.needs_address,
        "needs_travellers": priced.needs_travellers,
    }


def vendor_order_json(vendor_order: VendorOrder, language: str) -> dict:
    """One store's part of an order: its status, tracking reference and subtotal in the charge currency."""
    store = vendor_order.store
    return {
        "store": {"id": store.id, "name": store.name, "slug": store.slug},
        "status": vendor_order.status.value,
        "status_label": str(FULFILMENT_LABELS[vendor_order.status]),
        "tracking_reference": vendor_order.tracking_reference or None,
        "subtotal": money_json(vendor_order.subtotal, language),
        "shipping": {"method": vendor_order.shipping_method, "kind": vendor_order.shipping_kind,
                     "tracked": vendor_order.shipping_tracked, "price": money_json(vendor_order.shipping, language),
                     "min_days": vendor_order.shipping_min_days, "max_days": vendor_order.shipping_max_days}
        if vendor_order.shipping_kind else None,
    }


def order_line_json(line: OrderLine, language: str) -> dict:
    """A bought line with the prices locked at checkout, in the product's currency and the charge currency."""
    return {
        "product_id": line.product_id,
        "store_id": line.vendor_order.store_id,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price": money_json(line.unit_price, language),
        "regular_price": money_json(Money(line.regular_amount, line.currency), language),
        "line_total": money_json(line.line_total, language),
        "charge_unit_price": money_json(Money(line.charge_unit_amount, line.order.currency), language),
        "charge_total": money_json(line.charge_total, language),
        "offer_source": line.offer_source or None,
        "is_tourism": line.is_tourism,
        "booking": booking_json(line.booking, line.seats, line.units, line.detail) if line.booking else None,
    }


def order_summary_json(order: Order, language: str) -> dict:
    """What an order list shows: reference, payment state, total, when, and each vendor's progress."""
    return {
        "reference": order.reference,
        "payment_state": order.payment_state.value,
        "payment_state_label": str(PAYMENT_LABELS[order.payment_state]),
        "total": money_json(order.total, language),
        "count": sum(line.quantity for line in order.lines),
        "created_at": iso(order.created_at),
        "vendor_orders": [vendor_order_json(vo, language) for vo in order.vendor_orders],
    }


def refund_json(refund: Refund, language: str) -> dict:
    """One refund of the order: for which store's part (null: the whole payment), how much, and how it stands."""
    return {
        "id": refund.id,
        "store_id": refund.vendor_order.store_id if refund.vendor_order is not None else None,
        "amount": money_json(refund.money, language),
        "state": refund.state.value,
        "state_label": refund.label,
        "reason": refund.reason,
        "created_at": iso(refund.created_at),
        "completed_at": iso(refund.completed_at),
    }


def order_json(order: Order, language: str) -> dict:
    """The whole order: the summary plus where to pay (while payment is awaited), destination and lines."""
    destination = {name: getattr(order, name) for name in (
        "recipient_name", "phone", "email", "country_code", "region", "city", "address_line", "postal_code",
        "recipient_name_latin", "region_latin", "city_latin", "address_line_latin",
        "travel_date", "travellers", "notes")}
    return order_summary_json(order, language) | {
        "payment_url": (order.payment_url or None) if order.is_open_reservation else None,
        "reserved_until": iso(order.reserved_until) if order.is_open_reservation else None,
        "paid_at": iso(order.paid_at),
        "destination": destination,
        "lines": [order_line_json(line, language) for line in order.lines],
        "refunds": [refund_json(refund, language) for refund in order.refunds],
    }


LANGS = ["en", "fr", "ar", "pt", "sw", "zh"]
QUERY = {
    "lang": {"name": "lang", "in": "query", "description": "Language of names, messages and formatted amounts "
             "(default: Accept-Language, else en)", "schema": {"type": "string", "enum": LANGS}},
    "currency": {"name": "currency", "in": "query", "description": "ISO 4217 code for the approximate total",
                 "schema": {"type": "string", "example": "CNY"}},
    "page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
}
PRODUCT_ID = {"name": "product_id", "in": "path", "required": True, "schema": {"type": "integer"}}
REFERENCE = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}
OPTIONAL_TEXT = nullable(STRING)
STORE = obj({"id": INTEGER, "name": STRING, "slug": STRING})
BOOKING = obj({
    "kind": {"type": "string", "description": "What is booked, e.g. departure"}, "id": INTEGER,
    "seats": INTEGER, "units": {"type": "object", "additionalProperties": INTEGER,
                                "description": "Seats by kind of traveller, e.g. {\"adult\": 2, \"child\": 1}"},
    "detail": {"type": "string", "description": "When and for whom, in the shopper's language"},
}, "A booking: one line, priced as a whole, holding seats on a dated start")
CART_LINE = obj({
    "product_id": INTEGER, "slug": STRING, "name": STRING, "name_language": STRING,
    "image": nullable({"type": "string", "description": "A JPEG of the product's first photo"}),
    "store": STORE,
    "quantity": {"type": "integer", "description": "What can be bought at the price shown: lower than "
                 "`wanted_quantity` when a deal's limit allows fewer"},
    "unit_price": {**OPTIONAL_MONEY, "description": "The price now (null: no longer for sale)"},
    "regular_price": {**OPTIONAL_MONEY, "description": "The price without the festival deal"},
    "offer": nullable(obj({"source": STRING, "ends_at": nullable(INSTANT)})),
    "seen_price": {**OPTIONAL_MONEY, "description": "The price the shopper last saw"},
    "price_changed": BOOLEAN,
    "line_total": OPTIONAL_MONEY,
    "problem": {**OPTIONAL_TEXT, "description": "Why the line cannot be bought as it is"},
    "wanted_quantity": {"type": "integer", "description": "The quantity in the cart"},
    "limit_note": {**OPTIONAL_TEXT, "description": "Why fewer units are allowed"},
    "lapsed_note": {**OPTIONAL_TEXT, "description": "Why the deal price the shopper saw no longer applies"},
    "is_tourism": BOOLEAN,
    "booking": nullable(BOOKING),
})
CART = json_response("The cart priced now", obj({
    "items": array(CART_LINE),
    "groups": array(obj({"store": obj({"id": INTEGER, "name": STRING, "slug": STRING, "country_code": STRING}),
                         "subtotal": {**OPTIONAL_MONEY, "description": "In the charge currency"}})),
    "count": INTEGER,
    "total": {**MONEY, "description": "In the charge currency, of the lines that can be bought"},
    "approximate": {**OPTIONAL_MONEY, "description": "The total in `?currency=` at stored rates (null without it, "
                                                     "or when it is the charge currency)"},
    "has_problems": BOOLEAN, "needs_address": BOOLEAN, "needs_travellers": BOOLEAN,
}))
ORDER_SUMMARY = obj({
    "reference": STRING, "payment_state": STRING, "payment_state_label": STRING,
    "total": {**MONEY, "description": "In the charge currency"}, "count": INTEGER, "created_at": INSTANT,
    "vendor_orders": array(obj({"store": STORE, "status": STRING, "status_label": STRING,
                                "tracking_reference": OPTIONAL_TEXT,
                                "subtotal": {**MONEY, "description": "Shipping included"},
                                "shipping": nullable(obj({
                                    "method": STRING, "kind": {"type": "string", "enum": ["carrier", "pickup"]},
                                    "tracked": BOOLEAN, "price": {**MONEY, "description": "Locked at checkout"},
                                    "min_days": INTEGER, "max_days": INTEGER}))})),
})
ORDER_LINE = obj({
    "product_id": INTEGER, "store_id": INTEGER, "name": STRING, "quantity": INTEGER,
    "unit_price": {**MONEY, "description": "Locked at checkout, in the product's currency"},
    "regular_price": MONEY, "line_total": MONEY,
    "charge_unit_price": {**MONEY, "description": "In the charge currency"}, "charge_total": MONEY,
    "offer_source": OPTIONAL_TEXT, "is_tourism": BOOLEAN, "booking": nullable(BOOKING),
})
REFUND = obj({
    "id": INTEGER,
    "store_id": {**nullable(INTEGER), "description": "The store whose part is refunded; null for a refund of the "
                                                    "whole payment (it arrived after the order had lapsed)"},
    "amount": {**MONEY, "description": "In the currency the payment was taken in"},
    "state": {"type": "string", "enum": [state.value for state in RefundState],
              "description": "requested: recorded, not yet taken by the payment service (sent again "
                             "automatically); pending: on its way; to_pay_out: paid on delivery, to be paid back "
                             "in cash or by mobile money; succeeded: back with the shopper; failed: refused, "
                             "staff retry it"},
    "state_label": STRING, "reason": STRING, "created_at": INSTANT, "completed_at": nullable(INSTANT),
})
DESTINATION_NAMES = ("recipient_name", "phone", "email", "country_code", "region", "city", "address_line",
                     "postal_code", "recipient_name_latin", "region_latin", "city_latin", "address_line_latin",
                     "travel_date", "travellers", "notes")
ORDER_SCHEMA = {**ORDER_SUMMARY, "properties": {
    **ORDER_SUMMARY["properties"],
    "payment_url": nullable({"type": "string", "description": "Where to pay while payment is awaited; null for "
                                                              "pay on delivery"}),
    "reserved_until": nullable(INSTANT), "paid_at": nullable(INSTANT),
    "destination": obj({name: INTEGER if name == "travellers" else STRING for name in DESTINATION_NAMES}),
    "lines": array(ORDER_LINE),
    "refunds": {**array(REFUND), "description": "Money sent back to the shopper, oldest first"},
}}
ORDER_SCHEMA["required"] = list(ORDER_SCHEMA["properties"])
ORDER = json_response("The order", ORDER_SCHEMA)
CART_RESPONSES = {"200": CART, "401": ERROR, "403": ERROR}


def _json_body(properties: dict, required: list[str] | None = None) -> dict:
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


OPENAPI_PATHS = {
    "/auth/register": {"post": {
        "summary": "Sign a shopper up and issue a token (shown once)",
        "requestBody": _json_body({"email": {"type": "string"}, "password": {"type": "string", "minLength": 10},
                                   "display_name": {"type": "string"}, "language": QUERY["lang"]["schema"],
                                   "name": {"type": "string", "description": "A label for the token"}},
                                  ["email", "password"]),
        "responses": {"201": json_response("The token and the new user", obj({
            "token": STRING, "id": INTEGER, "name": STRING,
            "user": obj({"id": INTEGER, "email": STRING, "role": STRING, "display_name": STRING,
                         "language": STRING})})),
            "400": ERROR, "422": ERROR, "429": ERROR}}},
    "/cart/items": {
        "get": {"summary": "The shopper's cart, priced now", "security": SECURED,
                "parameters": [QUERY["lang"], QUERY["currency"]], "responses": {**CART_RESPONSES, "422": ERROR}},
        "post": {"summary": "Add units of a product; the server sets the price", "security": SECURED,
                 "parameters": [QUERY["lang"], QUERY["currency"]],
                 "requestBody": _json_body({"product_id": {"type": "integer"},
                                            "quantity": {"type": "integer", "minimum": 1, "default": 1}},
                                           ["product_id"]),
                 "responses": {"201": CART, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR}},
    },
    "/cart/items/{product_id}": {
        "patch": {"summary": "Set a line's quantity (0 removes it)", "security": SECURED,
                  "parameters": [PRODUCT_ID, QUERY["lang"], QUERY["currency"]],
                  "requestBody": _json_body({"quantity": {"type": "integer", "minimum": 0}}, ["quantity"]),
                  "responses": {**CART_RESPONSES, "404": ERROR, "409": ERROR, "422": ERROR}},
        "delete": {"summary": "Take a line out of the cart", "security": SECURED,
                   "parameters": [PRODUCT_ID, QUERY["lang"], QUERY["currency"]],
                   "responses": {**CART_RESPONSES, "404": ERROR}},
    },
    "/checkout": {"post": {
        "summary": "Place an order from the cart: reserves every unit at the prices quoted",
        "description": "409 `sold_out` (the error carries `lines`: product_id, name, problem, available) or "
                       "`prices_changed` (the total is not `expected_total`); nothing is reserved. 503 "
                       "`payment_unavailable` when the payment service cannot be reached. While a festival's "
                       "waiting room holds checkouts of its open wave back: 429 `waiting_room` with `Retry-After` "
                       "and the error's `ticket`, `ahead` (shoppers before this one) and `wait_seconds`; send the "
                       "ticket in `Admission-Ticket` after Retry-After until the order is placed. 403 "
                       "`ticket_refused` for a ticket altered, expired, used or another shopper's or festival's; "
                       "409 `sold_out` when the deals waited for sold out. Nothing is reserved in any of these.",
        "security": SECURED,
        "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"},
                        "description": "Instead of idempotency_key in the body"},
                       {"name": "Admission-Ticket", "in": "header", "schema": {"type": "string"},
                        "description": "The waiting room's ticket from an earlier 429 `waiting_room`"}],
        "requestBody": _json_body({
            "idempotency_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$",
                                "description": "New for each order; a retry with it returns the same order"},
            "destination": {"type": "object", "properties": {name: {"type": "string"} for name in DESTINATION_NAMES},
                            "description": "An address typed in another script needs its *_latin version for the "
                                           "label (Chinese gets pinyin when it is left empty)"},
            "expected_total": {**MONEY_INPUT, "description": "The cart's `total` as the shopper saw it"},
            "shipping": {"type": "object", "additionalProperties": {"type": "integer"},
                         "description": "The shipping method chosen per store id (GET /cart/shipping), e.g. "
                                        "{\"12\": 34}; a store left out ships by its cheapest method"},
            "lang": QUERY["lang"]["schema"]}),
        "responses": {"201": ORDER, "200": {**ORDER, "description": "The order placed earlier with this key"},
                      "401": ERROR, "403": ERROR, "409": ERROR, "422": ERROR, "429": ERROR, "503": ERROR}}},
    "/orders": {"get": {"summary": "The shopper's orders, newest first", "security": SECURED,
                        "parameters": [QUERY["page"], QUERY["lang"]],
                        "responses": {"200": json_response("A page of orders", obj({
                            "items": array(ORDER_SUMMARY), "total": INTEGER, "page": INTEGER, "pages": INTEGER})),
                            "401": ERROR, "403": ERROR, "422": ERROR}}},
    "/orders/{reference}": {"get": {
        "summary": "One of the shopper's orders (an order awaiting payment whose payment page was never opened "
                   "gets one now, or its units back once its reservation has ended)", "security": SECURED,
        "parameters": [REFERENCE, QUERY["lang"]],
        "responses": {"200": ORDER, "401": ERROR, "403": ERROR, "404": ERROR, "503": ERROR}}},
    "/orders/{reference}/cancel": {"post": {
        "summary": "Cancel an order awaiting online payment (its units come back at once)", "security": SECURED,
        "description": "409 when it is no longer awaiting payment; 503 `payment_unavailable` when the payment "
                       "service cannot be reached (nothing changed).",
        "parameters": [REFERENCE, QUERY["lang"]],
        "responses": {"200": ORDER, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "503": ERROR}}},
}
