"""The vendor back office for mobile clients: `/api/v1/vendor/products`, the same services as the pages.

Prices go out in the API's one money shape (`marketplace.api.money`) and come in as {"amount": minor
units, "currency"}; until version 2 a decimal in major units beside `currency` (the 1.0 form) is read too.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from marketplace.api.edge import use_language
from marketplace.api.money import MONEY, MONEY_INPUT, money_from_json, money_json
from marketplace.api.schemas import ERROR, INTEGER, SECURED, STRING, array, json_response, nullable, obj
from marketplace.api.tokens import bp, json_body, vendor_user
from marketplace.catalog.models import Product, ProductStatus
from marketplace.core.errors import DomainError, ValidationError
from marketplace.core.i18n import LANGUAGES
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name
from marketplace.vendors.backoffice import services
from marketplace.vendors.backoffice.photos import PhotoUpload, add_photos
from marketplace.vendors.backoffice.product_input import MAX_PRICE_MINOR, MAX_STOCK
from marketplace.vendors.backoffice.stock_edits import SeenFrom
from marketplace.vendors.services import owned_product

SCALAR_FIELDS = ("original_language", "category_id", "stock", "weight_grams", "origin", "sku")


def product_json(product: Product, language: str) -> dict:
    """The product as the vendor's app reads it, its price as Money formatted for a reader of `language`."""
    store = get_image_store()
    return {
        "id": product.id,
        "slug": product.slug,
        "status": product.status.value,
        "original_language": product.original_language,
        "category_id": product.category_id,
        "price": money_json(product.price, language),
        "stock": product.stock,
        "weight_grams": product.weight_grams,
        "origin": product.origin,
        "sku": product.sku,
        "texts": {t.language: {"name": t.name, "description": t.description} for t in product.texts},
        "completeness": {k: v.value for k, v in services.completeness(product.texts).items()},
        "photos": [
            {"id": image.id, "status": image.status, "position": image.position,
             "url": store.url(rendition_name(image.key, image.widths[-1], "webp")) if image.status == "ready" else None}
            for image in product.images
        ],
        "review_note": product.review_note,
    }


def _as_text(body: dict, name: str, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        message = _("This value has the wrong type.")
        raise ValidationError(message, {name: message})
    return str(value)


def changes_from(body: dict, product: Product | None = None) -> services.ProductChanges:
    """Editor input from a JSON body; for PATCH, fields left out keep the product's current values."""
    current = {}
    texts: dict[str, services.LocaleText] = {}
    if product is not None:
        current = {
            "original_language": product.original_language, "category_id": str(product.category_id),
            "price": str(product.price.to_decimal()), "currency": product.currency, "stock": str(product.stock),
            "weight_grams": "" if product.weight_grams is None else str(product.weight_grams), "origin": product.origin,
            "sku": product.sku or "",
        }
        texts = {t.language: services.LocaleText(t.name, t.description) for t in product.texts}
    values = {name: _as_text(body, name, current.get(name, "")) for name in SCALAR_FIELDS}
    values.update(_price_fields(body, current))
    if product is not None:
        values["stock"], values["stock_seen"] = _stock_edit(body, product.stock)
    sent_texts = body.get("texts", {})
    if not isinstance(sent_texts, dict):
        message = _("This value has the wrong type.")
        raise ValidationError(message, {"texts": message})
    for language, text in sent_texts.items():
        if language not in LANGUAGES or not (text is None or isinstance(text, dict)):
            message = _("Texts are keyed by a language code (en, fr, ar, pt, sw, zh).")
            raise ValidationError(message, {"texts": message})
        if text is None:
            texts.pop(language, None)  # null removes a translation
        else:
            texts[language] = services.LocaleText(_as_text(text, "name"), _as_text(text, "description"))
    return services.ProductChanges(texts=texts, **values)


def _price_fields(body: dict, current: dict[str, str]) -> dict[str, str]:
    """`price` (a decimal in major units, as the editor reads it) and `currency` from the body: `price` as
    {"amount": minor units, "currency"}, or, deprecated, a decimal in major units with `currency` beside it.
    Fields left out keep `current`; ValidationError naming the field for a price that cannot be one."""
    sent = body.get("price")
    if not isinstance(sent, dict):  # the 1.0 form (or no price at all): the editor's checks read it as typed
        return {"price": _as_text(body, "price", current.get("price", "")),
                "currency": _as_text(body, "currency", current.get("currency", ""))}
    shape = _("Send the price as {\"amount\": 1250, \"currency\": \"USD\"}: a whole number in the currency's "
              "minor unit (1250 is 12.50 US dollars; XOF has none, so 1250 XOF is 1,250 F CFA).")
    price = money_from_json(sent, "price", shape)
    beside = body.get("currency")
    if beside is not None and (not isinstance(beside, str) or beside.strip().upper() != price.currency):
        message = _("The price is in %(currency)s: send the currency once, inside the price.",
                    currency=price.currency)
        raise ValidationError(message, {"currency": message})
    if price.amount <= 0:
        message = _("The price must be more than zero.")
        raise ValidationError(message, {"price": message})
    if price.amount > MAX_PRICE_MINOR:
        message = _("This price is too high.")
        raise ValidationError(message, {"price": message})
    return {"price": str(price.to_decimal()), "currency": price.currency}


def _stock_edit(body: dict, now: int) -> tuple[str, str]:
    """(new stock, stock it was read as) for a PATCH: `stock` with `stock_seen`, or a signed `stock_change`.

    A bare `stock` is refused: written as it is, it would hand out again units sold since the client
    read the product. Neither field leaves the stock alone.
    """
    if "stock_change" in body:
        if "stock" in body:
            message = _("Send either stock with stock_seen, or stock_change, not both.")
            raise ValidationError(message, {"stock_change": message})
        change = body["stock_change"]
        if isinstance(change, bool) or not isinstance(change, int) or abs(change) > MAX_STOCK:
            message = _("Send stock_change as a whole number of units to add (or, below zero, to take away).")
            raise ValidationError(message, {"stock_change": message})
        if now + change < 0:
            message = _("Stock cannot be negative.")
            raise ValidationError(message, {"stock_change": message})
        return str(now + change), str(now)
    if "stock" not in body:
        return str(now), str(now)
    seen = body.get("stock_seen")
    if isinstance(seen, bool) or not isinstance(seen, int) or not 0 <= seen <= MAX_STOCK:
        message = _("Send stock_seen, the stock you read before changing it, with the new stock.")
        raise ValidationError(message, {"stock_seen": message})
    return _as_text(body, "stock"), str(seen)


@bp.get("/vendor/products")
def list_products():
    """The vendor's products, filtered like the back office list (q, status, stock, page)."""
    user = vendor_user()
    language = use_language(request.args.get("lang"))
    try:
        status = ProductStatus(request.args["status"]) if request.args.get("status") else None
        stock = services.StockFilter(request.args["stock"]) if request.args.get("stock") else None
    except ValueError as exc:
        raise DomainError(_("Unknown filter value."), {"status": _("Unknown filter value.")}) from exc
    page = services.vendor_products(user, search=request.args.get("q", ""), status=status, stock=stock,
                                    page=max(1, request.args.get("page", 1, type=int)))
    return jsonify(items=[product_json(p, language) for p in page.items], total=page.total, page=page.number,
                   pages=page.pages)


@bp.post("/vendor/products")
def create_product():
    """A new draft product (201), or 422 with a message per field and nothing saved."""
    user = vendor_user()
    language = use_language(request.args.get("lang"))
    product = services.create_product(user, changes_from(json_body()))
    return jsonify(product_json(product, language)), 201


@bp.get("/vendor/products/<int:product_id>")
def get_product(product_id: int):
    """One of the vendor's products; 404 for another vendor's."""
    user = vendor_user()
    return jsonify(product_json(owned_product(user, product_id), use_language(request.args.get("lang"))))


@bp.patch("/vendor/products/<int:product_id>")
def update_product(product_id: int):
    """Change some fields (stock alone, for a stock update); 404 for another vendor's product."""
    user = vendor_user()
    language = use_language(request.args.get("lang"))
    product = owned_product(user, product_id)
    updated = services.update_product(user, product.id, changes_from(json_body(), product), SeenFrom.API)
    return jsonify(product_json(updated, language))


@bp.post("/vendor/products/<int:product_id>/<any(publish, unpublish):action>")
def change_state(product_id: int, action: str):
    """Publish (or send for first approval) or unpublish a product."""
    user = vendor_user()
    language = use_language(request.args.get("lang"))
    change = services.publish_product if action == "publish" else services.unpublish_product
    return jsonify(product_json(change(user, product_id), language))


@bp.post("/vendor/products/<int:product_id>/photos")
def upload_photos(product_id: int):
    """Add photos sent as multipart `photo` files (up to eight a product); 422 naming each refused file."""
    user = vendor_user()
    language = use_language(request.args.get("lang"))
    files = request.files.getlist("photo")
    if not files:
        message = _("Choose at least one photo.")
        raise ValidationError(message, {"photo": message})
    add_photos(user, product_id, [PhotoUpload(f.filename or "", f.read()) for f in files])
    return jsonify(product_json(owned_product(user, product_id), language)), 201


PRICE_INPUT = {"oneOf": [
    {**MONEY_INPUT, "description": "The price in the currency's minor unit: {\"amount\": 1250, \"currency\": "
                                   "\"GHS\"} is 12.50 cedis; XOF has no minor unit, so 1250 XOF is 1,250 F CFA. A "
                                   "top-level `currency`, if sent too, must be the same."},
    {"type": ["string", "number"], "example": "12.50", "deprecated": True,
     "description": "Deprecated (the 1.0 form, read until version 2): a decimal in major units, in the "
                    "top-level `currency` (or the product's). No more decimals than the currency has: none for "
                    "XOF, XAF, RWF or UGX."},
]}
PRODUCT_SCHEMA = {"type": "object", "properties": {
    "original_language": {"type": "string", "enum": ["en", "fr", "ar", "pt", "sw"]},
    "category_id": {"type": "integer"}, "price": PRICE_INPUT,
    "currency": {"type": "string", "example": "GHS", "deprecated": True,
                 "description": "Only with the deprecated decimal `price`; the Money form carries its currency"},
    "stock": {"type": "integer", "minimum": 0},
    "weight_grams": {"type": ["integer", "null"]}, "origin": {"type": "string"},
    "sku": {"type": ["string", "null"], "maxLength": 40,
            "description": "The vendor's stock code, unique in the store; null or empty: none (the id is shown)"},
    "texts": {"type": "object", "description": "language -> {name, description}; null removes a translation",
              "additionalProperties": {"type": ["object", "null"], "properties": {
                  "name": {"type": "string"}, "description": {"type": "string"}}}},
}}
PATCH_SCHEMA = {"type": "object", "description": (
    "Fields left out keep their values. A new `stock` needs `stock_seen`, the stock the client read: the "
    "difference is added to the stock as it is now, so units sold in between stay sold (409 `stock_changed` "
    "when that would leave less than none). Or send `stock_change`, units to add (below zero: to take away)."),
    "properties": {**PRODUCT_SCHEMA["properties"],
                   "stock_seen": {"type": "integer", "minimum": 0, "description": "required with stock"},
                   "stock_change": {"type": "integer", "description": "instead of stock and stock_seen"}}}
PRODUCT_OUT = obj({
    "id": INTEGER, "slug": STRING, "status": STRING, "original_language": STRING, "category_id": INTEGER,
    "price": {**MONEY, "description": "Formatted for the `lang` query parameter (else Accept-Language)"},
    "stock": INTEGER, "weight_grams": nullable(INTEGER), "origin": STRING, "sku": nullable(STRING),
    "texts": {"type": "object", "description": "language -> {name, description}",
              "additionalProperties": obj({"name": STRING, "description": STRING})},
    "completeness": {"type": "object", "description": "language -> complete, partial or missing",
                     "additionalProperties": STRING},
    "photos": array(obj({"id": INTEGER, "status": STRING, "position": INTEGER, "url": nullable(STRING)})),
    "review_note": STRING,
})
PRODUCT = json_response("The product", PRODUCT_OUT)
LANG = {"name": "lang", "in": "query", "description": "Language of messages and of `price.formatted` (default: "
        "Accept-Language, else en)", "schema": {"type": "string", "enum": ["en", "fr", "ar", "pt", "sw", "zh"]}}
PRODUCT_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
OPENAPI_PATHS = {
    "/auth/token": {
        "post": {"summary": "Issue a personal token for e-mail and password", "requestBody": {"content": {
            "application/json": {"schema": {"type": "object", "required": ["email", "password"], "properties": {
                "email": {"type": "string"}, "password": {"type": "string"}, "name": {"type": "string"}}}}}},
            "responses": {"201": json_response("The token, shown once", obj({
                "token": STRING, "id": INTEGER, "name": STRING,
                "user": obj({"id": INTEGER, "email": STRING, "role": STRING})})),
                "400": ERROR, "401": ERROR, "422": ERROR, "429": ERROR}},
        "delete": {"summary": "Revoke the presented token", "security": SECURED,
                   "responses": {"204": {"description": "Revoked"}, "401": ERROR}},
    },
    "/vendor/products": {
        "get": {"summary": "The vendor's products (q, status, stock, page)", "security": SECURED,
                "parameters": [LANG] + [{"name": name, "in": "query", "schema": {"type": kind}} for name, kind in
                                        (("q", "string"), ("status", "string"), ("stock", "string"),
                                         ("page", "integer"))],
                "responses": {"200": json_response("A page of products", obj({
                    "items": array(PRODUCT_OUT), "total": INTEGER, "page": INTEGER, "pages": INTEGER})),
                    "400": ERROR, "401": ERROR, "403": ERROR}},
        "post": {"summary": "Create a draft product", "security": SECURED, "parameters": [LANG],
                 "requestBody": {"content": {"application/json": {"schema": PRODUCT_SCHEMA}}},
                 "responses": {"201": PRODUCT, "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR}},
    },
    "/vendor/products/{id}": {
        "get": {"summary": "One of the vendor's products", "security": SECURED, "parameters": [PRODUCT_ID, LANG],
                "responses": {"200": PRODUCT, "401": ERROR, "403": ERROR, "404": ERROR}},
        "patch": {"summary": "Change some fields (e.g. stock alone, as a difference from what was read)",
                  "security": SECURED, "parameters": [PRODUCT_ID, LANG],
                  "requestBody": {"content": {"application/json": {"schema": PATCH_SCHEMA}}},
                  "responses": {"200": PRODUCT, "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR,
                                "422": ERROR}},
    },
    "/vendor/products/{id}/publish": {"post": {
        "summary": "Publish, or send for staff approval the first time", "security": SECURED,
        "parameters": [PRODUCT_ID, LANG],
        "responses": {"200": PRODUCT, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR}}},
    "/vendor/products/{id}/unpublish": {"post": {
        "summary": "Take off the site", "security": SECURED, "parameters": [PRODUCT_ID, LANG],
        "responses": {"200": PRODUCT, "401": ERROR, "403": ERROR, "404": ERROR}}},
    "/vendor/products/{id}/photos": {"post": {
        "summary": "Add photos (multipart field `photo`, JPEG, PNG or WebP; up to 8 a product)", "security": SECURED,
        "parameters": [PRODUCT_ID, LANG],
        "responses": {"201": json_response("The product with its photos", PRODUCT_OUT), "401": ERROR, "403": ERROR,
                      "404": ERROR, "422": ERROR}}},
}
