"""Shipping for mobile clients: each store's shipping options for the shopper's cart and a destination,
with prices (the one money shape), delivery estimates, why a store cannot ship there, and the duties note.

Routes join the shop blueprint (`api_shop`: bearer-token shoppers only, answers in `?lang=`).
"""
from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.api.edge import use_language
from marketplace.api.money import MONEY, OPTIONAL_MONEY, money_json
from marketplace.api.schemas import BOOLEAN, ERROR, INTEGER, SECURED, STRING, array, json_response, nullable, obj
from marketplace.api.shop import bp, display_currency, shopper_user
from marketplace.api.shop_json import QUERY
from marketplace.core.errors import ValidationError
from marketplace.core.i18n import reading_order
from marketplace.orders import cart as carts
from marketplace.orders.checkout import shipping_countries
from marketplace.orders.priced_cart import VendorGroup
from marketplace.shipping.duties import cart_duty_advice


def group_shipping_json(group: VendorGroup, language: str) -> dict:
    """One store's shipping to the destination: its options cheapest first, the one chosen, or why none."""
    shipping = group.shipping
    return {
        "store": {"id": group.store_id, "name": group.store_name, "slug": group.store_slug,
                  "country_code": group.country_code},
        "ships": shipping is not None and not shipping.problem,
        "has_profile": shipping is not None and shipping.profiled,
        "problem": (shipping.problem or None) if shipping else None,
        "options": [{
            "method_id": option.method_id, "name": option.name, "kind": option.kind.value, "tracked": option.tracked,
            "price": money_json(option.price, language), "regular_price": money_json(option.regular, language),
            "free_by": option.free_by or None, "min_days": option.min_days, "max_days": option.max_days,
        } for option in (shipping.options if shipping else [])],
        "chosen_method_id": shipping.chosen.method_id if shipping and shipping.chosen else None,
        "charge": money_json(group.shipping_charge, language),
    }


@bp.get("/cart/shipping")
def shipping_options() -> ResponseReturnValue:
    """Each store's shipping options for the shopper's cart sent to `?destination=` (a country code), the
    cart's total with the cheapest (or `?method=<store id>:<method id>`-chosen) options, and the duties note."""
    user = shopper_user()
    language = use_language(request.args.get("lang"))
    destination = request.args.get("destination", "").strip().upper()[:2]
    if destination not in shipping_countries():
        message = _("Choose the country the order goes to.")
        raise ValidationError(message, {"destination": message})
    choices = {}
    for pick in request.args.getlist("method")[:50]:
        store, _sep, method = pick.partition(":")
        if not (store.isdecimal() and method.isdecimal() and len(store) <= 10 and len(method) <= 10):
            message = _("Send each method as <store id>:<method id>.")
            raise ValidationError(message, {"method": message})
        choices[int(store)] = int(method)
    priced = carts.price_cart(carts.find_cart(user, None), user, reading_order(language), display_currency(),
                              destination=destination, shipping_choices=choices)
    advice = cart_duty_advice(priced, language)
    return jsonify({
        "destination": destination,
        "stores": [group_shipping_json(group, language) for group in priced.groups if group.shipping is not None],
        "total": money_json(priced.total, language),
        "duties": {"who_pays": advice.who_pays, "payer": advice.payer.value, "note": advice.note or None,
                   "note_language": advice.note_language} if advice else None,
    })


OPTION = obj({
    "method_id": {**INTEGER, "description": "Send it back as `shipping` at checkout"},
    "name": {**STRING, "description": "The carrier, or where to pick the order up"},
    "kind": {"type": "string", "enum": ["carrier", "pickup"]}, "tracked": BOOLEAN,
    "price": {**MONEY, "description": "In the store's currency; 0 when free"},
    "regular_price": {**MONEY, "description": "Before a free-shipping threshold or deal"},
    "free_by": nullable({"type": "string", "description": "free_over (the store's threshold) or the deal's source"}),
    "min_days": {**INTEGER, "description": "Working days"}, "max_days": INTEGER,
})
OPENAPI_PATHS = {
    "/cart/shipping": {"get": {
        "summary": "Each store's shipping options for the cart and a destination, and the duties note",
        "security": SECURED,
        "parameters": [
            {"name": "destination", "in": "query", "required": True, "description": "ISO 3166 alpha-2 country",
             "schema": {"type": "string", "example": "CN"}},
            {"name": "method", "in": "query", "description": "A chosen method as <store id>:<method id> (repeat "
             "per store; default: the cheapest)", "schema": {"type": "string"}},
            QUERY["lang"], QUERY["currency"]],
        "responses": {"200": json_response("The shipping per store", obj({
            "destination": STRING,
            "stores": array(obj({
                "store": obj({"id": INTEGER, "name": STRING, "slug": STRING, "country_code": STRING}),
                "ships": {**BOOLEAN, "description": "False: `problem` says why the store cannot ship there"},
                "has_profile": {**BOOLEAN, "description": "False: the store arranges delivery itself, free here"},
                "problem": nullable(STRING), "options": array(OPTION), "chosen_method_id": nullable(INTEGER),
                "charge": {**OPTIONAL_MONEY, "description": "The chosen option in the charge currency"},
            })),
            "total": {**MONEY, "description": "The cart's total with the chosen shipping, in the charge currency"},
            "duties": nullable(obj({"who_pays": STRING, "payer": {"type": "string", "enum": ["shopper", "seller"]},
                                    "note": nullable(STRING), "note_language": STRING})),
        })), "401": ERROR, "403": ERROR, "422": ERROR}}},
}
