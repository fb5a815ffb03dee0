"""GET /api/v1/openapi.json: the OpenAPI 3 description of the API."""
from __future__ import annotations

import copy

from flask import Flask, current_app, jsonify

from marketplace.api.edge import bp
from marketplace.api.money import MONEY, MONEY_INPUT_SCHEMA, MONEY_SCHEMA
from marketplace.api.schemas import BOOLEAN, ERROR, INTEGER, STRING, array, json_response, nullable, obj
from marketplace.core.i18n import LANGUAGES
from marketplace.search.documents import PRICE_BANDS
from marketplace.search.port import FACETS, SortOrder


def _parameter(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


LANG = _parameter("lang", "The shopper's language: names and formatted amounts come in it, and products written "
                          "in it rank higher (the Accept-Language header is not read here).",
                  {"type": "string", "enum": list(LANGUAGES), "default": "en"})
VERSION = "1.3.0"
# What changed in each version of the document, newest first, so client authors can see what to update.
CHANGES = [
    {"version": "1.3.0", "changes": [
        "GET /experiences/{slug}/departures: each departure's `festival` is new, null unless a festival deal "
        "on the experience is on sale: {seats_left (festival seats left on that date), ends_at, units: [{kind, "
        "price}]}. A booking of more travellers than `seats_left` pays the regular prices.",
        "GET /festivals/{slug}: each deal's `kind` is new, goods or experience (an experience is booked by date; "
        "its `cap` and `left` count the seats of each date at the festival price).",
        "GET /cart/shipping?destination=CN is new: each store's shipping options for the cart (price, delivery "
        "estimate in working days, tracked or pick-up), why a store cannot ship there, and the duties note.",
        "POST /checkout: `shipping` ({\"<store id>\": method id}) picks each store's method; the order's "
        "total and each vendor order's `subtotal` now include the shipping, locked at checkout.",
        "Orders: `vendor_orders[].shipping` is new ({method, kind, tracked, price, min_days, max_days}, or null).",
        "POST /checkout: while a festival's waiting room holds checkouts back, 429 `waiting_room` with "
        "`Retry-After` and a `ticket` to send back in the new `Admission-Ticket` header; 403 `ticket_refused` "
        "for a bad ticket; 409 `sold_out` when the deals waited for sold out.",
        "Reviews are new: GET /products/{slug}/reviews (a product's shown reviews, newest first, with its rating) "
        "and POST /reviews (a shopper reviews one delivered line of their order, once; 409 for a line not "
        "delivered or already reviewed).",
        "GET /search: `rating` (1 to 5) keeps products rated at least that many stars, `sort=rating` orders by "
        "mean rating, `facets.rating` counts the products rated 4 stars and up (value \"4\"), and each item "
        "has `rating` {average (null before any review), count}.",
        "Every operation lists the answers any request may get before its own work: 400 (the request cannot be "
        "read: a NUL character, a body that is not a JSON object) and 503 (the database is busy just now; "
        "nothing was changed; `Retry-After` says when to try again), and every operation reading `lang` lists "
        "422 (a language the site does not have). All are the usual error body.",
        "POST /auth/token lists 422 (control characters in a field); every /vendor/products/{id} operation "
        "lists 403 (the token is not a vendor's).",
    ]},
    {"version": "1.2.0", "changes": [
        "GET /orders/{reference} (and the order in POST /checkout and POST /orders/{reference}/cancel): `refunds` "
        "is new, the order's refunds oldest first, each with `store_id` (null for the whole payment), `amount` "
        "(Money), `state` (requested, pending, to_pay_out, succeeded, failed), `state_label`, `reason`, "
        "`created_at` and `completed_at`.",
        "Tourism is new: GET /experiences, GET /experiences/{slug}/departures (a month of departures with seats "
        "left and each option's prices) and POST /cart/bookings (a departure and its travellers in the cart).",
        "Cart items and order lines: `booking` is new, null for goods; for a booking {kind, id, seats, units, "
        "detail}, the line's `quantity` is 1 and its price the whole booking's.",
    ]},
    {"version": "1.1.0", "changes": [
        "Every money field of every response is one shape, the `Money` schema: {\"amount\": integer in the "
        "currency's minor unit, \"currency\": ISO 4217 code, \"formatted\": text for display}.",
        "GET /search: `items[].price.amount` was a decimal string in major units (\"9.00\"); it is now an "
        "integer in minor units (900). `items[].regular_price` (Money) is new.",
        "/vendor/products (every response): `price` was a decimal string in major units (\"12.50\") beside a "
        "top-level `currency`; it is now Money ({\"amount\": 1250, \"currency\": \"GHS\", …}) and the "
        "top-level `currency` is gone from responses.",
        "POST /vendor/products and PATCH /vendor/products/{id}: `price` is sent as {\"amount\": minor units, "
        "\"currency\"}. The old form, `price` as a decimal string (or number) in major units with `currency` "
        "beside it, is still read during a deprecation period and will be refused in version 2.",
        "/vendor/products: `?lang=` (else the Accept-Language header) sets the language of messages and of "
        "`price.formatted`.",
        "GET /festivals/{slug}: `regular_price` and `festival_price` gain `formatted`.",
        "The document is OpenAPI 3.1: a field that may be null lists \"null\" among its types.",
    ]},
    {"version": "1.0.0", "changes": ["First version."]},
]
DESCRIPTION = (
    "The Silk Road Market's JSON API. Errors come as {\"error\": {\"code\", \"message\", \"fields\"}} "
    "in the request's language. Money is always the `Money` schema: an exact integer `amount` in the "
    "currency's minor unit (XOF, XAF, RWF, UGX … have none), its `currency`, and `formatted` for display in "
    "the response's language (the `lang` query parameter; where an operation reads it, the Accept-Language "
    "header; else English). Version 1.1.0 changed the money fields of GET /search and of /vendor/products: "
    "see `x-changes`."
)


def document() -> dict:
    """The OpenAPI document."""
    search_parameters = [
        _parameter("q", "Words in any of the six languages; empty lists the catalogue. No query syntax.",
                   {"type": "string", "maxLength": 200}),
        LANG,
        _parameter("country", "ISO 3166 country code of the store.", {"type": "string", "pattern": "^[A-Za-z]{2}$"}),
        _parameter("category", "Category slug.", {"type": "string"}),
        _parameter("min_price", "Lowest price in US dollars (approximate, at stored rates).", {"type": "number"}),
        _parameter("max_price", "Highest price in US dollars.", {"type": "number"}),
        _parameter("band", "Price band.", {"type": "string", "enum": [b[0] for b in PRICE_BANDS]}),
        _parameter("festival", "1: only products in a festival; 0: only those not.", {"type": "string",
                                                                                        "enum": ["0", "1"]}),
        _parameter("rating", "Only products whose mean rating is at least this many stars.",
                   {"type": "integer", "minimum": 1, "maximum": 5}),
        _parameter("sort", "Order of the results.", {"type": "string", "enum": [s.value for s in SortOrder],
                                                     "default": "relevance"}),
        _parameter("page", "Page number.", {"type": "integer", "minimum": 1, "maximum": 100, "default": 1}),
        _parameter("per_page", "Results per page.", {"type": "integer", "minimum": 1, "maximum": 50}),
    ]
    item = obj({
        "id": INTEGER, "slug": STRING, "name": STRING, "name_language": STRING,
        "store": obj({"name": STRING, "slug": STRING}),
        "country": obj({"code": STRING, "name": STRING}),
        "price": {**MONEY, "description": "What the shopper pays now (the festival price during a deal)"},
        "regular_price": {**MONEY, "description": "The price without a festival deal"},
        "discounted": BOOLEAN, "in_stock": BOOLEAN,
        "image": nullable(STRING), "snippet": {"type": "string", "description": "HTML"},
        "rating": obj({"average": nullable({"type": "number"}), "count": INTEGER}),
    })
    facet = array(obj({"value": STRING, "count": INTEGER}))
    error = obj({"error": {"type": "object", "required": ["code", "message", "fields"],
                           "additionalProperties": True, "description": "Some errors add fields (e.g. `lines`)",
                           "properties": {"code": STRING, "message": STRING,
                                          "fields": {"type": "object", "additionalProperties": STRING}}}})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Silk Road Market API", "version": VERSION, "description": DESCRIPTION},
        "x-changes": CHANGES,
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/search": {"get": {
                "summary": "Search the catalogue in any of six languages",
                "parameters": search_parameters,
                "responses": {"200": json_response("Results", obj({
                    "query": STRING, "items": array(item),
                    "total": INTEGER, "page": INTEGER, "pages": INTEGER,
                    "facets": obj({name: facet for name in FACETS}, required=[]),
                    "suggestion": nullable({"type": "string", "description": "Did you mean: a corrected query"}),
                    "corrected": BOOLEAN, "partial": BOOLEAN,
                })), "404": ERROR, "422": ERROR},
            }},
            "/search/suggest": {"get": {
                "summary": "Completions for a search box",
                "parameters": [_parameter("q", "What has been typed so far.", {"type": "string"}, True), LANG,
                               _parameter("limit", "How many.", {"type": "integer", "minimum": 1, "maximum": 20})],
                "responses": {"200": json_response("Suggestions", obj({"query": STRING, "suggestions": array(STRING)})),
                              "422": ERROR},
            }},
        },
        "components": {
            "schemas": {"Money": MONEY_SCHEMA, "MoneyInput": MONEY_INPUT_SCHEMA},
            "responses": {"Error": json_response("An error", error), **edge_responses(error)},
        },
    }


def add_paths(app: Flask, paths: dict) -> None:
    """Describe more API paths in the document (for resources registered outside this package)."""
    app.extensions.setdefault("openapi_paths", {}).update(paths)


# Answers any operation may give, whatever it does: the request refused at the edge, or the database busy.
EDGE_ANSWERS = {"400": {"$ref": "#/components/responses/BadRequest"}, "503": {"$ref": "#/components/responses/Busy"}}


def edge_responses(error: dict) -> dict:
    """The components describing the answers of EDGE_ANSWERS, with the error body `error`."""
    return {
        "BadRequest": json_response("The request cannot be read (a NUL character anywhere, a body that is not a "
                                    "JSON object); nothing was changed", error),
        "Busy": {**json_response("The database is busy just now (a lock held too long, a connection lost); "
                                 "nothing was changed: try again after Retry-After seconds", error),
                 "headers": {"Retry-After": {"description": "Seconds to wait before trying again",
                                             "schema": INTEGER}}},
    }


def with_edge_answers(paths: dict) -> dict:
    """`paths` with EDGE_ANSWERS added to every operation that does not describe them itself, and 422 to every
    operation that reads `lang` (a language the site does not have is refused, naming the field)."""
    for operations in paths.values():
        for operation in operations.values():
            for status, answer in EDGE_ANSWERS.items():
                operation["responses"].setdefault(status, answer)
            if any(parameter.get("name") == "lang" for parameter in operation.get("parameters", [])):
                operation["responses"].setdefault("422", ERROR)
    return paths


@bp.get("/openapi.json")
def openapi_document():
    """This API's OpenAPI 3 document."""
    body = document()
    body["paths"].update(copy.deepcopy(current_app.extensions.get("openapi_paths", {})))
    with_edge_answers(body["paths"])
    body["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer",
                                                        "description": "A token from POST /auth/token"}}
    return jsonify(body)
