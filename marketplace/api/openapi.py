"""GET /api/v1/openapi.json: the OpenAPI 3 description of the API."""
from __future__ import annotations

from flask import Flask, current_app, jsonify

from marketplace.api.edge import bp
from marketplace.core.i18n import LANGUAGES
from marketplace.search.documents import PRICE_BANDS
from marketplace.search.port import FACETS, SortOrder


def _parameter(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


LANG = _parameter("lang", "The shopper's language: names come in it, and products written in it rank higher.",
                  {"type": "string", "enum": list(LANGUAGES), "default": "en"})
ERROR = {"$ref": "#/components/responses/Error"}


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
        _parameter("sort", "Order of the results.", {"type": "string", "enum": [s.value for s in SortOrder],
                                                     "default": "relevance"}),
        _parameter("page", "Page number.", {"type": "integer", "minimum": 1, "maximum": 100, "default": 1}),
        _parameter("per_page", "Results per page.", {"type": "integer", "minimum": 1, "maximum": 50}),
    ]
    money = {"type": "object", "properties": {"amount": {"type": "string", "example": "12.50"},
                                               "currency": {"type": "string"}, "formatted": {"type": "string"}}}
    item = {"type": "object", "properties": {
        "id": {"type": "integer"}, "slug": {"type": "string"}, "name": {"type": "string"},
        "name_language": {"type": "string"},
        "store": {"type": "object", "properties": {"name": {"type": "string"}, "slug": {"type": "string"}}},
        "country": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "price": money, "discounted": {"type": "boolean"}, "in_stock": {"type": "boolean"},
        "image": {"type": "string", "nullable": True}, "snippet": {"type": "string", "description": "HTML"},
    }}
    facet = {"type": "array", "items": {"type": "object", "properties": {"value": {"type": "string"},
                                                                         "count": {"type": "integer"}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Silk Road Market API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/search": {"get": {
                "summary": "Search the catalogue in any of six languages",
                "parameters": search_parameters,
                "responses": {"200": {"description": "Results", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "query": {"type": "string"}, "items": {"type": "array", "items": item},
                        "total": {"type": "integer"}, "page": {"type": "integer"}, "pages": {"type": "integer"},
                        "facets": {"type": "object", "properties": {name: facet for name in FACETS}},
                        "suggestion": {"type": "string", "nullable": True,
                                       "description": "Did you mean: a corrected query"},
                        "corrected": {"type": "boolean"}, "partial": {"type": "boolean"},
                    }}}}},
                    "404": ERROR, "422": ERROR},
            }},
            "/search/suggest": {"get": {
                "summary": "Completions for a search box",
                "parameters": [_parameter("q", "What has been typed so far.", {"type": "string"}, True), LANG,
                               _parameter("limit", "How many.", {"type": "integer", "minimum": 1, "maximum": 20})],
                "responses": {"200": {"description": "Suggestions", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"query": {"type": "string"},
                                                     "suggestions": {"type": "array", "items": {"type": "string"}}},
                }}}}, "422": ERROR},
            }},
        },
        "components": {"responses": {"Error": {"description": "An error", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}}}}}},
    }


def add_paths(app: Flask, paths: dict) -> None:
    """Describe more API paths in the document (for resources registered outside this package)."""
    app.extensions.setdefault("openapi_paths", {}).update(paths)


def error_responses(*statuses: int) -> dict:
    return {str(status): ERROR for status in statuses}


@bp.get("/openapi.json")
def openapi_document():
    """This API's OpenAPI 3 document."""
    body = document()
    body["paths"].update(current_app.extensions.get("openapi_paths", {}))
    body["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer",
                                                        "description": "A token from POST /auth/token"}}
    return jsonify(body)
