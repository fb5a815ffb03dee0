"""The vendor back office for mobile clients: `/api/v1/vendor/products`, the same services as the pages."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from marketplace.api.tokens import bp, json_body, vendor_user
from marketplace.catalog.models import Product, ProductStatus
from marketplace.core.errors import DomainError, ValidationError
from marketplace.core.i18n import LANGUAGES
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name
from marketplace.vendors.backoffice import services
from marketplace.vendors.backoffice.photos import PhotoUpload, add_photos
from marketplace.vendors.backoffice.product_input import MAX_STOCK
from marketplace.vendors.backoffice.stock_edits import SeenFrom
from marketplace.vendors.services import owned_product

SCALAR_FIELDS = ("original_language", "category_id", "price", "currency", "stock", "weight_grams", "origin", "sku")


def product_json(product: Product) -> dict:
    store = get_image_store()
    return {
        "id": product.id,
        "slug": product.slug,
        "status": product.status.value,
        "original_language": product.original_language,
        "category_id": product.category_id,
        "price": str(product.price.to_decimal()),
        "currency": product.currency,
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
    try:
        status = ProductStatus(request.args["status"]) if request.args.get("status") else None
        stock = services.StockFilter(request.args["stock"]) if request.args.get("stock") else None
    except ValueError as exc:
        raise DomainError(_("Unknown filter value."), {"status": _("Unknown filter value.")}) from exc
    page = services.vendor_products(user, search=request.args.get("q", ""), status=status, stock=stock,
                                    page=max(1, request.args.get("page", 1, type=int)))
    return jsonify(items=[product_json(p) for p in page.items], total=page.total, page=page.number, pages=page.pages)


@bp.post("/vendor/products")
def create_product():
    """A new draft product (201), or 422 with a message per field and nothing saved."""
    user = vendor_user()
    product = services.create_product(user, changes_from(json_body()))
    return jsonify(product_json(product)), 201


@bp.get("/vendor/products/<int:product_id>")
def get_product(product_id: int):
    return jsonify(product_json(owned_product(vendor_user(), product_id)))


@bp.patch("/vendor/products/<int:product_id>")
def update_product(product_id: int):
    """Change some fields (stock alone, for a stock update); 404 for another vendor's product."""
    user = vendor_user()
    product = owned_product(user, product_id)
    updated = services.update_product(user, product.id, changes_from(json_body(), product), SeenFrom.API)
    return jsonify(product_json(updated))


@bp.post("/vendor/products/<int:product_id>/<any(publish, unpublish):action>")
def change_state(product_id: int, action: str):
    """Publish (or send for first approval) or unpublish a product."""
    user = vendor_user()
    change = services.publish_product if action == "publish" else services.unpublish_product
    return jsonify(product_json(change(user, product_id)))


@bp.post("/vendor/products/<int:product_id>/photos")
def upload_photos(product_id: int):
    """Add photos sent as multipart `photo` files (up to eight a product); 422 naming each refused file."""
    user = vendor_user()
    files = request.files.getlist("photo")
    if not files:
        message = _("Choose at least one photo.")
        raise ValidationError(message, {"photo": message})
    add_photos(user, product_id, [PhotoUpload(f.filename or "", f.read()) for f in files])
    return jsonify(product_json(owned_product(user, product_id))), 201


PRODUCT_SCHEMA = {"type": "object", "properties": {
    "original_language": {"type": "string", "enum": ["en", "fr", "ar", "pt", "sw"]},
    "category_id": {"type": "integer"}, "price": {"type": "string", "example": "12.50"},
    "currency": {"type": "string", "example": "GHS"}, "stock": {"type": "integer", "minimum": 0},
    "weight_grams": {"type": "integer", "nullable": True}, "origin": {"type": "string"},
    "sku": {"type": "string", "nullable": True, "maxLength": 40,
            "description": "The vendor's stock code, unique in the store; null or empty: none (the id is shown)"},
    "texts": {"type": "object", "description": "language -> {name, description}; null removes a translation",
              "additionalProperties": {"type": "object", "nullable": True, "properties": {
                  "name": {"type": "string"}, "description": {"type": "string"}}}},
}}
PATCH_SCHEMA = {"type": "object", "description": (
    "Fields left out keep their values. A new `stock` needs `stock_seen`, the stock the client read: the "
    "difference is added to the stock as it is now, so units sold in between stay sold (409 `stock_changed` "
    "when that would leave less than none). Or send `stock_change`, units to add (below zero: to take away)."),
    "properties": {**PRODUCT_SCHEMA["properties"],
                   "stock_seen": {"type": "integer", "minimum": 0, "description": "required with stock"},
                   "stock_change": {"type": "integer", "description": "instead of stock and stock_seen"}}}
SECURED = [{"bearer": []}]
ERR = {"$ref": "#/components/responses/Error"}
OPENAPI_PATHS = {
    "/auth/token": {
        "post": {"summary": "Issue a personal token for e-mail and password", "requestBody": {"content": {
            "application/json": {"schema": {"type": "object", "required": ["email", "password"], "properties": {
                "email": {"type": "string"}, "password": {"type": "string"}, "name": {"type": "string"}}}}}},
            "responses": {"201": {"description": "The token, shown once"}, "400": ERR,
                          "401": ERR, "429": {"description": "Too many attempts"}}},
        "delete": {"summary": "Revoke the presented token", "security": SECURED,
                   "responses": {"204": {"description": "Revoked"}, "401": ERR}},
    },
    "/vendor/products": {
        "get": {"summary": "The vendor's products (q, status, stock, page)", "security": SECURED,
                "responses": {"200": {"description": "A page of products"}, "401": ERR,
                              "403": ERR}},
        "post": {"summary": "Create a draft product", "security": SECURED,
                 "requestBody": {"content": {"application/json": {"schema": PRODUCT_SCHEMA}}},
                 "responses": {"201": {"description": "The product"}, "422": ERR}},
    },
    "/vendor/products/{id}": {
        "get": {"summary": "One of the vendor's products", "security": SECURED,
                "responses": {"200": {"description": "The product"}, "404": ERR}},
        "patch": {"summary": "Change some fields (e.g. stock alone, as a difference from what was read)",
                  "security": SECURED,
                  "requestBody": {"content": {"application/json": {"schema": PATCH_SCHEMA}}},
                  "responses": {"200": {"description": "The product"}, "404": ERR,
                                "409": ERR, "422": ERR}},
    },
    "/vendor/products/{id}/publish": {"post": {
        "summary": "Publish, or send for staff approval the first time", "security": SECURED,
        "responses": {"200": {"description": "The product"}, "409": ERR}}},
    "/vendor/products/{id}/unpublish": {"post": {
        "summary": "Take off the site", "security": SECURED, "responses": {"200": {"description": "The product"}}}},
    "/vendor/products/{id}/photos": {"post": {
        "summary": "Add photos (multipart field `photo`, JPEG, PNG or WebP; up to 8 a product)", "security": SECURED,
        "responses": {"201": {"description": "The product with its photos"},
                      "422": ERR}}},
}
