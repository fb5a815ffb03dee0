"""The shop for mobile clients: sign-up, the cart, checkout and the shopper's own orders.

A blueprint of its own, `api_shop`, under `/api/v1`. Like `api_tokens` it reads only the
`Authorization: Bearer …` header and never the session cookie, so a page on another site cannot
make a browser call it, and it is CSRF-exempt for that reason. It is kept apart from `api_tokens`
because every route but sign-up is for shopper accounts only (vendor and staff tokens get 403,
like the checkout page refuses them), and because it answers in the language the client asks for.
"""
from __future__ import annotations

from dataclasses import fields as dataclass_fields

from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import register_user
from marketplace.accounts.tokens import issue_token
from marketplace.api.edge import register_json_errors, use_language
from marketplace.api.money import money_from_json
from marketplace.api.shop_json import OPENAPI_PATHS, cart_json, order_json, order_summary_json
from marketplace.api.tokens import json_body, token_limit, token_user
from marketplace.core.errors import NotFound, PermissionDenied, ValidationError
from marketplace.core.i18n import reading_order
from marketplace.core.money import Money, MoneyError, normalise_currency
from marketplace.core.site import site_url
from marketplace.extensions import db, limiter
from marketplace.orders import cart as carts
from marketplace.orders.checkout import (
    KEY_PATTERN,
    Destination,
    cancel_unpaid_order,
    find_order_by_key,
    place_order,
)
from marketplace.orders.models import Order, VendorOrder
from marketplace.orders.payment_start import resume_payment

bp = Blueprint("api_shop", __name__, url_prefix="/api/v1")
register_json_errors(bp)
ORDERS_PER_PAGE = 20
MAX_PAGE = 10_000
MAX_ID = 2**31 - 1  # SQLite refuses bigger integers outright; no row has such an id anyway
DESTINATION_FIELDS = tuple(f.name for f in dataclass_fields(Destination) if f.name != "errors")


def shopper_user() -> User:
    """The token's user when it is a shopper; AuthenticationFailed without a token, PermissionDenied otherwise."""
    user = token_user()
    if user.role != Role.SHOPPER:
        raise PermissionDenied(_("Vendor and staff accounts cannot buy. Please use a shopper account."))
    return user


def display_currency() -> str | None:
    """The `?currency=` for approximate totals, or None; ValidationError for an unknown code."""
    code = request.args.get("currency", "")
    if not code:
        return None
    try:
        return normalise_currency(code)
    except MoneyError as exc:
        message = _("Unknown currency code.")
        raise ValidationError(message, {"currency": message}) from exc


def whole_number(body: dict, name: str, default: int | None = None) -> int:
    """`body[name]` when it is a JSON integer (not a boolean, float or text); ValidationError otherwise."""
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        message = _("Send a whole number.")
        raise ValidationError(message, {name: message})
    return value


def text_field(body: dict, name: str) -> str:
    """`body[name]` as text ("" when absent or null); ValidationError for any other JSON type."""
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        message = _("This value has the wrong type.")
        raise ValidationError(message, {name: message})
    return value


def priced_cart_response(user: User, status: int = 200) -> ResponseReturnValue:
    """The shopper's cart priced now, in `?lang=` and with an approximate total in `?currency=`."""
    language = use_language(request.args.get("lang"))
    currency = display_currency()
    priced = carts.price_cart(carts.find_cart(user, None), user, reading_order(language), currency)
    return jsonify(cart_json(priced, language)), status


@bp.post("/auth/register")
@limiter.limit(token_limit)
def register() -> ResponseReturnValue:
    """Sign a shopper up and issue a token (201); 422 with field messages for a used e-mail or weak password."""
    body = json_body()
    language = use_language(body.get("language"), "language")
    email, password = text_field(body, "email"), text_field(body, "password")
    display_name, token_name = text_field(body, "display_name"), text_field(body, "name")
    if len(token_name.strip()) > 80:  # checked before the account exists, so a refusal leaves none behind
        message = _("Use at most %(count)d characters.", count=80)
        raise ValidationError(message, {"name": message})
    # Always a shopper: a `role` in the body is ignored, vendors sign up through onboarding, staff by CLI.
    user = register_user(email, password, display_name, language, role=Role.SHOPPER)
    token, row = issue_token(email, password, token_name)
    return jsonify(token=token, id=row.id, name=row.name, user={
        "id": user.id, "email": user.email, "role": user.role.value, "display_name": user.display_name,
        "language": user.preferred_language}), 201


@bp.get("/cart/items")
def cart() -> ResponseReturnValue:
    """The shopper's cart priced now: lines, per-store subtotals, total in the charge currency."""
    user = shopper_user()
    return priced_cart_response(user)


@bp.post("/cart/items")
def add_to_cart() -> ResponseReturnValue:
    """Add units of a product (201 with the cart); any price in the body is ignored, the server prices."""
    user = shopper_user()
    use_language(request.args.get("lang"))
    body = json_body()
    product_id = whole_number(body, "product_id")
    quantity = whole_number(body, "quantity", 1)
    try:
        if not 1 <= product_id <= MAX_ID:
            raise NotFound(_("This product is not for sale."))
        carts.add_item(user, None, product_id, quantity)
    except NotFound as error:
        raise NotFound(error.message, {"product_id": error.message}) from error
    return priced_cart_response(user, 201)


@bp.patch("/cart/items/<product_id>")
def update_cart_item(product_id: str) -> ResponseReturnValue:
    """Set a line's quantity (0 removes it); 404 when the product is not in the cart."""
    user = shopper_user()
    use_language(request.args.get("lang"))
    quantity = whole_number(json_body(), "quantity")
    carts.set_quantity(user, None, product_id, quantity)
    return priced_cart_response(user)


@bp.delete("/cart/items/<product_id>")
def remove_cart_item(product_id: str) -> ResponseReturnValue:
    """Take a line out of the cart (200 with the cart); 404 when it is not there."""
    user = shopper_user()
    use_language(request.args.get("lang"))
    carts.remove_item(user, None, product_id)
    return priced_cart_response(user)


def idempotency_key(body: dict) -> str:
    """The checkout key from the body or the `Idempotency-Key` header; ValidationError when missing or bad."""
    sent = body.get("idempotency_key")
    header = request.headers.get("Idempotency-Key", "").strip()
    message = _("Send an idempotency key of 8 to 64 letters, digits, “-” or “_”, new for each order.")
    if sent is not None and not isinstance(sent, str):
        raise ValidationError(message, {"idempotency_key": message})
    if sent and header and sent != header:
        different = _("The Idempotency-Key header and the body's idempotency_key differ.")
        raise ValidationError(different, {"idempotency_key": different})
    key = sent or header
    if not KEY_PATTERN.match(key):
        raise ValidationError(message, {"idempotency_key": message})
    return key


def shipping_choices_from(value: object) -> dict[int, int]:
    """The shipping method chosen per store, {"<store id>": method id}; ValidationError for another shape."""
    if value is None:
        return {}
    message = _("Send shipping as an object of store ids and method ids, e.g. {\"12\": 34}.")
    if not isinstance(value, dict) or len(value) > 50 or not all(
            isinstance(store, str) and store.isdecimal() and len(store) <= 10 and isinstance(method, int)
            and not isinstance(method, bool) and 0 < method <= MAX_ID for store, method in value.items()):
        raise ValidationError(message, {"shipping": message})
    return {int(store): method for store, method in value.items()}


def destination_from(value: object) -> Destination:
    """A Destination from the body's object; only its known fields are read, each text (travellers may be a number)."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        message = _("Send the destination as an object.")
        raise ValidationError(message, {"destination": message})
    message = _("This value has the wrong type.")
    wrong = {name: message for name in DESTINATION_FIELDS if not (
        value.get(name) is None or isinstance(value[name], str)
        or (name == "travellers" and isinstance(value[name], int) and not isinstance(value[name], bool)))}
    if wrong:
        raise ValidationError(_("Please correct the highlighted fields."), wrong)
    return Destination(**{name: value.get(name) or "" for name in DESTINATION_FIELDS})


def expected_total_from(value: object) -> Money | None:
    """The total the shopper was shown, {"amount": minor units, "currency"}; None when not sent."""
    if value is None:
        return None
    return money_from_json(value, "expected_total",
                           _("Send the total as {\"amount\": minor units, \"currency\": \"USD\"}."))


@bp.post("/checkout")
def checkout() -> ResponseReturnValue:
    """Place an order from the cart (201), or return the order of a reused idempotency key (200).

    409 `sold_out` (with `lines`) or `prices_changed` with nothing reserved; 422 for an empty cart
    or a bad destination; 503 when the payment service cannot be reached.
    """
    user = shopper_user()
    body = json_body()
    language = use_language(body.get("lang", request.args.get("lang")))
    key = idempotency_key(body)
    destination = destination_from(body.get("destination"))
    expected = expected_total_from(body.get("expected_total"))
    earlier = find_order_by_key(user, key)
    order = place_order(user, destination, key, language, expected_total=expected,
                        base_url=site_url(), reading=reading_order(language),
                        shipping_choices=shipping_choices_from(body.get("shipping")))
    return jsonify(order_json(order, language)), 200 if earlier is not None else 201


def page_number() -> int:
    """The `?page=` asked for (1 when absent); ValidationError unless a whole number in range."""
    value = request.args.get("page", "1").strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        message = _("Send a page number from 1 to %(count)d.", count=MAX_PAGE)
        raise ValidationError(message, {"page": message})
    return int(value)


@bp.get("/orders")
def list_orders() -> ResponseReturnValue:
    """The shopper's orders, newest first, a page at a time (`?page=`)."""
    user = shopper_user()
    language = use_language(request.args.get("lang"))
    page = page_number()
    total = db.session.scalar(select(func.count(Order.id)).where(Order.shopper_id == user.id))
    orders = db.session.scalars(
        select(Order).where(Order.shopper_id == user.id).order_by(Order.created_at.desc(), Order.id.desc())
        .options(selectinload(Order.vendor_orders).selectinload(VendorOrder.store), selectinload(Order.lines))
        .limit(ORDERS_PER_PAGE).offset((page - 1) * ORDERS_PER_PAGE)
    ).all()
    return jsonify(items=[order_summary_json(order, language) for order in orders], total=total, page=page,
                   pages=max(1, -(-total // ORDERS_PER_PAGE)))


@bp.get("/orders/<reference>")
def order_detail(reference: str) -> ResponseReturnValue:
    """One of the shopper's orders; 404 for any other reference, so references cannot be probed."""
    user = shopper_user()
    language = use_language(request.args.get("lang"))
    order = db.session.scalars(
        select(Order).where(Order.reference == reference[:16], Order.shopper_id == user.id)
    ).first()
    if order is None:
        raise NotFound(_("There is no such order in your account."))
    resume_payment(order, site_url())  # its first start was cut short: open its page now (503 when it cannot)
    return jsonify(order_json(order, language))


@bp.post("/orders/<reference>/cancel")
def cancel_order(reference: str) -> ResponseReturnValue:
    """Cancel one of the shopper's orders awaiting online payment: its payment page is closed and its units
    come back at once. 409 when it is no longer awaiting payment, 503 when the payment service cannot be reached."""
    user = shopper_user()
    language = use_language(request.args.get("lang"))
    return jsonify(order_json(cancel_unpaid_order(user, reference[:16]), language))


def init_app(app: Flask) -> None:
    """Register the shop routes, CSRF-exempt (bearer-token only, see above), and describe them."""
    from marketplace.api.openapi import add_paths
    from marketplace.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)
    add_paths(app, OPENAPI_PATHS)
