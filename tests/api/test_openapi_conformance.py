"""Every API operation, called over a small demo campaign, answers what the OpenAPI document says, and every
amount of money in every answer is the one Money shape: {"amount": minor units, "currency", "formatted"}.

Each response body is validated against its operation's schema for that status, made strict here (an
object may hold no property the document does not name), so an undocumented field fails too. Money is
checked three ways: the schema of every money-named field is the Money schema, every value under such a
name is a Money object, and no answer carries an amount as a bare decimal string.
"""
from __future__ import annotations

import copy
import io
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from campaigns.demo.seed import DEMO_PASSWORD, seed_demo
from campaigns.festivals.models import Deal, Festival
from campaigns.festivals.phases import phase_at
from campaigns.lectures.models import Lecture
from campaigns.tourism.models import Departure
from marketplace.catalog.models import Category, Product, ProductKind, ProductStatus
from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.media.artwork import draw_product_artwork
from marketplace.orders.models import FulfilmentState, Order
from marketplace.orders.priced_cart import TOURISM_CATEGORY
from marketplace.search.services import rebuild_index

DOCUMENT = "urn:silkroad:openapi"
MONEY_REF = "#/components/schemas/Money"
# Field names that hold money wherever they appear; `total` does too, except as a paged list's count.
MONEY_NAME = re.compile(r"(^|_)(price|subtotal|total|approximate|amount|payable|fee|cost)$")
DECIMAL_TEXT = re.compile(r"^-?\d+[.,]\d+$")
ADDRESS = {"recipient_name": "Li Wei", "phone": "+86 138 0013 8000", "country_code": "CN", "city": "Shanghai",
           "address_line": "88 Century Avenue, Pudong", "postal_code": "200120"}
# Documented answers the walk cannot reach with the offline payment gateway of the tests, and why that is safe.
NOT_REACHED = {
    ("post", "/orders/{reference}/cancel", "200"): "needs an order awaiting online payment; the ORDER schema is "
                                                   "the one POST /checkout's 201 is held to",
}


def strict(schema: object) -> object:
    """A copy of `schema` in which an object with named properties allows no others."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) if key != "properties" else {name: strict(sub) for name, sub in value.items()}
              for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        result["additionalProperties"] = False
    return result


def pointer_part(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


def is_money_schema(schema: dict) -> bool:
    """Whether `schema` is the Money schema, or Money or null."""
    if schema.get("$ref") == MONEY_REF:
        return True
    options = schema.get("anyOf", [])
    return any(o.get("$ref") == MONEY_REF for o in options) and all(
        o.get("$ref") == MONEY_REF or o.get("type") == "null" for o in options)


def money_named(name: str, siblings: dict | list) -> bool:
    """Whether a field called `name` holds money (a paged list's `total`, beside `pages`, is a count)."""
    return bool(MONEY_NAME.search(name)) and not (name == "total" and "pages" in siblings)


def schema_fields(schema: object, where: str = "") -> Iterator[tuple[str, str, dict, dict]]:
    """(where, name, schema, its object's properties) for every named property inside `schema`."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from schema_fields(item, f"{where}[{index}]")
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    yield f"{where}.{name}", name, sub, value
                    yield from schema_fields(sub, f"{where}.{name}")
            else:
                yield from schema_fields(value, f"{where}/{key}")


def money_problems(value: object, language: str, where: str = "$") -> Iterator[str]:
    """Every place in a response body where money is not the Money shape, or is formatted for another reader."""
    if isinstance(value, dict):
        if "amount" in value:
            amount, currency = value.get("amount"), value.get("currency")
            if set(value) != {"amount", "currency", "formatted"}:
                yield f"{where}: money with fields {sorted(value)}"
            elif isinstance(amount, bool) or not isinstance(amount, int):
                yield f"{where}.amount: {amount!r} is not a whole number of minor units"
            elif not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
                yield f"{where}.currency: {currency!r}"
            elif value["formatted"] != Money(amount, currency).format(language):
                yield f"{where}.formatted: {value['formatted']!r} is not written for a reader of {language}"
            return
        for name, item in value.items():
            if name == "fields" and where.endswith(".error"):
                continue  # field name -> message: a message about a price is not a price
            if money_named(name, value) and not (item is None or isinstance(item, dict) and "amount" in item):
                yield f"{where}.{name}: {item!r} is money in another shape"
            yield from money_problems(item, language, f"{where}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from money_problems(item, language, f"{where}[{index}]")
    elif isinstance(value, str) and DECIMAL_TEXT.match(value):
        yield f"{where}: {value!r} looks like an amount written as text"


class Walk:
    """Calls API operations and holds each answer to the document."""

    def __init__(self, client, document: dict) -> None:
        self.client = client
        self.document = document
        self.registry = Registry().with_resource(DOCUMENT, Resource.from_contents(
            strict(document), default_specification=DRAFT202012))
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, method: str, template: str, url: str | None = None, *, token: str | None = None,
                 language: str = "en", expect: int | None = None, **kwargs):
        """Send `method` to `url` (the template filled in), check the answer, and return its JSON body."""
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open("/api/v1" + (url or template), method=method.upper(), headers=headers,
                                    **kwargs)
        status = str(response.status_code)
        label = f"{method.upper()} {url or template} -> {status}"
        if expect is not None:
            assert response.status_code == expect, (label, response.get_data(as_text=True)[:500])
        operation = self.document["paths"][template][method]
        assert status in operation["responses"], f"{label}: this status is not documented"
        self.seen.add((method, template, status))
        answer = operation["responses"][status]
        location = answer.get("$ref", f"#/paths/{pointer_part(template)}/{method}/responses/{status}")
        if response.status_code == 204:
            assert not response.get_data(), label
            return None
        body = response.get_json()
        assert body is not None, f"{label}: not JSON"
        resolved = self.registry.resolver(DOCUMENT).lookup(location).contents
        assert "content" in resolved, f"{label}: the document describes no body for this answer"
        schema = {"$ref": f"{DOCUMENT}{location}/content/application~1json/schema"}
        errors = sorted(Draft202012Validator(schema, registry=self.registry).iter_errors(body),
                        key=lambda e: list(e.absolute_path))
        assert not errors, f"{label}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5])
        problems = list(money_problems(body, language))
        assert not problems, f"{label}: " + "; ".join(problems[:5])
        return body


@pytest.fixture
def demo(app):
    seed_demo(stores=12, products=24)
    rebuild_index(full=True)
    db.session.commit()


def issue(walk: Walk, email: str) -> str:
    body = walk("post", "/auth/token", json={"email": email, "password": DEMO_PASSWORD, "name": "walk"}, expect=201)
    return body["token"]


def test_the_document_has_one_money_schema_that_every_money_field_uses(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1") and document["info"]["version"] == "1.3.0"
    money = document["components"]["schemas"]["Money"]
    assert money["required"] == ["amount", "currency", "formatted"]
    assert money["properties"]["amount"]["type"] == "integer"
    changes = {entry["version"]: " ".join(entry["changes"]) for entry in document["x-changes"]}
    assert list(changes)[0] == "1.3.0" and "`festival`" in changes["1.3.0"]
    assert "GET /cart/shipping" in changes["1.3.0"]
    assert "`waiting_room`" in changes["1.3.0"]
    assert "POST /reviews" in changes["1.3.0"] and "sort=rating" in changes["1.3.0"]
    assert list(changes)[:2] == ["1.3.0", "1.2.0"] and "`refunds`" in changes["1.2.0"]
    notes = changes["1.1.0"]
    assert "GET /search" in notes and "/vendor/products" in notes and '"9.00"' in notes and '"12.50"' in notes
    wrong = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                for where, name, schema, siblings in schema_fields(answer):
                    if money_named(name, siblings) and not is_money_schema(schema):
                        wrong.append(f"{method} {path} {status}{where}")
    assert not wrong, f"money fields not using the Money schema: {wrong}"
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # OpenAPI 3.1 schemas are JSON Schema 2020-12
    for operations in document["paths"].values():
        for operation in operations.values():
            for answer in operation["responses"].values():
                for content in answer.get("content", {}).values():
                    Draft202012Validator.check_schema(content["schema"])
            for content in operation.get("requestBody", {}).get("content", {}).values():
                Draft202012Validator.check_schema(content["schema"])
    other_money = [name for name, schema in document["components"]["schemas"].items()
                   if name not in ("Money", "MoneyInput") and set(schema.get("properties", {})) >= {"amount"}]
    assert not other_money


def test_every_api_route_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(method, re.sub(r"\{[^}]+\}", "{}", path)) for path, ops in document["paths"].items()
                  for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        paths = [rule.rule]
        choice = re.search(r"<any\(([^)]*)\):[^>]+>", rule.rule)
        if choice:
            paths = [rule.rule.replace(choice.group(0), option.strip()) for option in choice.group(1).split(",")]
        for path in paths:
            template = re.sub(r"<[^>]+>", "{}", path.removeprefix("/api/v1"))
            routes |= {(method.lower(), template) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations no route answers"


def test_every_operation_answers_as_documented_with_money_in_one_shape(client, demo):
    walk = Walk(client, client.get("/api/v1/openapi.json").get_json())

    # Search, in three languages: `formatted` follows `lang`.
    walk("get", "/search", "/search?q=", expect=200)
    found = walk("get", "/search", "/search?q=&lang=fr&sort=price&per_page=50", language="fr", expect=200)
    assert found["items"] and all(isinstance(item["price"]["amount"], int) for item in found["items"])
    walk("get", "/search", "/search?q=coffee&lang=ar", language="ar", expect=200)
    walk("get", "/search", "/search?q=x&lang=xx", expect=422)
    walk("get", "/search", "/search?q=&page=99", expect=404)
    walk("get", "/search/suggest", "/search/suggest?q=co&lang=sw", language="sw", expect=200)
    walk("get", "/search/suggest", "/search/suggest?q=co&limit=99", expect=422)

    # The vendor's back office.
    walk("post", "/auth/token", json={"email": "vendor@example.com", "password": "not the password"}, expect=401)
    walk("post", "/auth/token", data="not json", expect=400)
    vendor = issue(walk, "vendor@example.com")
    listed = walk("get", "/vendor/products", "/vendor/products?lang=zh", token=vendor, language="zh", expect=200)
    assert listed["items"]
    walk("get", "/vendor/products", "/vendor/products?status=lost", token=vendor, expect=400)
    category_id = db.session.scalar(select(Product.category_id).limit(1))
    body = {"original_language": "fr", "category_id": category_id, "price": {"amount": 4500, "currency": "XOF"},
            "stock": 12, "texts": {"fr": {"name": "Beurre de karité", "description": "Du Burkina Faso."}}}
    walk("post", "/vendor/products", json={**body, "price": {"amount": 45.5, "currency": "XOF"}}, token=vendor,
         expect=422)
    created = walk("post", "/vendor/products", "/vendor/products?lang=fr", json=body, token=vendor, language="fr",
                   expect=201)
    one = f"/vendor/products/{created['id']}"
    walk("get", "/vendor/products/{id}", one, token=vendor, expect=200)
    walk("patch", "/vendor/products/{id}", one + "?lang=pt", token=vendor, language="pt", expect=200,
         json={"price": {"amount": 5000, "currency": "XOF"}, "stock": 10, "stock_seen": 12})
    walk("patch", "/vendor/products/{id}", one, token=vendor, json={"stock_change": -99}, expect=422)
    walk("patch", "/vendor/products/{id}", one, token=vendor, json={"stock": 0, "stock_seen": 50}, expect=409)
    photo = io.BytesIO()
    draw_product_artwork(3, 3, size=320).save(photo, "JPEG")
    walk("post", "/vendor/products/{id}/photos", one + "/photos", token=vendor, expect=201,
         data={"photo": (io.BytesIO(photo.getvalue()), "shea.jpg")})
    walk("post", "/vendor/products/{id}/photos", one + "/photos", token=vendor, expect=422)
    walk("post", "/vendor/products/{id}/publish", one + "/publish", token=vendor, expect=200)
    walk("post", "/vendor/products/{id}/unpublish", one + "/unpublish", token=vendor, expect=200)
    walk("get", "/vendor/products/{id}", "/vendor/products/2147483000", token=vendor, expect=404)
    walk("get", "/vendor/products", expect=401)
    walk("post", "/vendor/products/{id}/unpublish", "/vendor/products/2147483000/unpublish", token=vendor,
         expect=404)

    # Festivals: a live one has deals with festival prices.
    now = clock.now()
    festivals = walk("get", "/festivals", expect=200)
    walk("get", "/festivals", "/festivals?status=someday", expect=422)
    live = next(f for f in db.session.scalars(select(Festival)) if phase_at(f, now).value == "live")
    detail = walk("get", "/festivals/{slug}", f"/festivals/{live.slug}?lang=fr", language="fr", expect=200)
    assert {f["slug"] for f in festivals["items"]} >= {live.slug}
    deals = [deal for wave in detail["festival"]["waves"] for deal in wave["deals"]]
    priced = [deal for deal in deals if deal["festival_price"] is not None]
    assert priced, "the live festival shows festival prices"
    walk("get", "/festivals/{slug}", "/festivals/no-such-festival", expect=404)

    # The shop: sign-up, cart (with a festival deal), checkout, orders.
    walk("post", "/auth/register", json={"email": f"walk-{uuid.uuid4().hex[:8]}@example.com",
                                         "password": "a long enough password", "language": "zh"}, expect=201)
    walk("post", "/auth/register", json={"email": "shopper@example.com", "password": "a long enough password"},
         expect=422)
    shopper = issue(walk, "shopper@example.com")
    walk("get", "/cart/items", token=shopper, expect=200)
    walk("get", "/cart/items", "/cart/items?currency=ZZZ", token=shopper, expect=422)
    walk("get", "/cart/items", token=vendor, expect=403)
    walk("get", "/cart/items", expect=401)
    goods = select(Product.id).join(Category).where(Category.slug != TOURISM_CATEGORY)
    deal_product = db.session.scalar(goods.where(Product.slug.in_([deal["product"] for deal in priced])))
    plain = db.session.scalar(goods.where(Product.status == ProductStatus.PUBLISHED, Product.stock > 2,
                                          Product.id != deal_product).limit(1))
    walk("post", "/cart/items", json={"product_id": 2147483000}, token=shopper, expect=404)
    walk("post", "/cart/items", json={"product_id": "one"}, token=shopper, expect=422)
    walk("post", "/cart/items", "/cart/items?lang=fr", json={"product_id": deal_product}, token=shopper,
         language="fr", expect=201)
    cart = walk("post", "/cart/items", "/cart/items?currency=CNY", json={"product_id": plain, "quantity": 1},
                token=shopper, expect=201)
    assert cart["approximate"] is not None and any(item["offer"] for item in cart["items"])
    walk("patch", "/cart/items/{product_id}", f"/cart/items/{plain}", json={"quantity": 2}, token=shopper,
         expect=200)
    walk("patch", "/cart/items/{product_id}", f"/cart/items/{plain}", json={"quantity": -1}, token=shopper,
         expect=422)
    walk("patch", "/cart/items/{product_id}", "/cart/items/2147483000", json={"quantity": 1}, token=shopper,
         expect=404)
    walk("delete", "/cart/items/{product_id}", "/cart/items/2147483000", token=shopper, expect=404)
    walk("delete", "/cart/items/{product_id}", f"/cart/items/{plain}", token=shopper, expect=200)
    walk("post", "/cart/items", json={"product_id": plain}, token=shopper, expect=201)
    # The cart's total with each store's shipping to China: what checkout charges for that address.
    cart = walk("get", "/cart/shipping", "/cart/shipping?destination=CN&lang=zh", token=shopper, language="zh",
                expect=200)
    assert cart["stores"] and all(store["ships"] for store in cart["stores"])
    walk("get", "/cart/shipping", "/cart/shipping?destination=ZZ", token=shopper, expect=422)
    walk("get", "/cart/shipping", "/cart/shipping?destination=CN&method=one", token=shopper, expect=422)
    walk("get", "/cart/shipping", "/cart/shipping?destination=CN", token=vendor, expect=403)
    walk("get", "/cart/shipping", "/cart/shipping?destination=CN", expect=401)
    key = uuid.uuid4().hex
    walk("post", "/checkout", json={"idempotency_key": "short"}, token=shopper, expect=422)
    walk("post", "/checkout", token=shopper, expect=409, json={
        "idempotency_key": uuid.uuid4().hex, "destination": ADDRESS,
        "expected_total": {"amount": cart["total"]["amount"] + 1, "currency": cart["total"]["currency"]}})
    walk("post", "/checkout", token=shopper, expect=422, json={
        "idempotency_key": uuid.uuid4().hex, "destination": ADDRESS, "shipping": {"one": "EMS"}})
    chosen = {str(store["store"]["id"]): store["chosen_method_id"] for store in cart["stores"]}
    checkout = {"idempotency_key": key, "destination": ADDRESS, "expected_total": cart["total"], "lang": "ar",
                "shipping": chosen}
    order = walk("post", "/checkout", json=checkout, token=shopper, language="ar", expect=201)
    assert order["total"]["amount"] == cart["total"]["amount"]
    walk("post", "/checkout", json=checkout, token=shopper, language="ar", expect=200)
    walk("post", "/checkout", json={**checkout, "idempotency_key": uuid.uuid4().hex}, token=shopper, expect=422)
    walk("post", "/checkout", json=checkout, token=vendor, expect=403)
    walk("post", "/checkout", json=checkout, expect=401)
    orders = walk("get", "/orders", "/orders?lang=sw", token=shopper, language="sw", expect=200)
    assert order["reference"] in {item["reference"] for item in orders["items"]}
    walk("get", "/orders", "/orders?page=0", token=shopper, expect=422)
    walk("get", "/orders", token=vendor, expect=403)
    walk("get", "/orders", expect=401)
    walk("get", "/orders/{reference}", f"/orders/{order['reference']}", token=shopper, expect=200)
    walk("get", "/orders/{reference}", "/orders/NOPE", token=shopper, expect=404)
    walk("get", "/orders/{reference}", f"/orders/{order['reference']}", token=vendor, expect=403)
    walk("get", "/orders/{reference}", f"/orders/{order['reference']}", expect=401)
    cancel = f"/orders/{order['reference']}/cancel"
    walk("post", "/orders/{reference}/cancel", cancel, token=shopper, expect=409)  # pay on delivery: nothing to cancel
    walk("post", "/orders/{reference}/cancel", "/orders/NOPE/cancel", token=shopper, expect=404)
    walk("post", "/orders/{reference}/cancel", cancel, token=vendor, expect=403)
    walk("post", "/orders/{reference}/cancel", cancel, expect=401)

    # Reviews: a delivered line of the order is reviewed once; the product's reviews list it.
    placed = db.session.scalars(select(Order).where(Order.reference == order["reference"])).one()
    line = placed.lines[0]
    review = {"line_id": line.id, "rating": 5, "language": "zh", "text": "很好", "translations": {"fr": "Très bien"}}
    walk("post", "/reviews", json=review, expect=401)
    walk("post", "/reviews", json=review, token=vendor, expect=403)
    walk("post", "/reviews", json=review, token=shopper, expect=409)  # not delivered yet
    walk("post", "/reviews", data="not json", token=shopper, expect=400)
    for vendor_order in placed.vendor_orders:
        vendor_order.status = FulfilmentState.DELIVERED
    db.session.commit()
    walk("post", "/reviews", json={**review, "line_id": 2147483000}, token=shopper, expect=404)
    walk("post", "/reviews", json={**review, "rating": 6}, token=shopper, expect=422)
    walk("post", "/reviews", json={**review, "text": "x" * (2 * 1024 * 1024)}, token=shopper, expect=413)
    written = walk("post", "/reviews", json={**review, "lang": "fr"}, token=shopper, language="fr", expect=201)
    assert written["text"] == "Très bien" and written["original_language"] == "zh"
    walk("post", "/reviews", json=review, token=shopper, expect=409)  # once per line
    slug = db.session.get(Product, line.product_id).slug
    reviews = walk("get", "/products/{slug}/reviews", f"/products/{slug}/reviews?lang=zh", language="zh", expect=200)
    assert reviews["rating"]["count"] >= 1 and written["id"] in {item["id"] for item in reviews["items"]}
    walk("get", "/products/{slug}/reviews", f"/products/{slug}/reviews?page=0", expect=422)
    walk("get", "/products/{slug}/reviews", "/products/no-such-product/reviews", expect=404)
    walk("get", "/search", "/search?q=&sort=rating&rating=4", expect=200)
    walk("get", "/search", "/search?q=&rating=9", expect=422)

    # Lectures, and taking then giving up a seat.
    upcoming = next(lecture for lecture in db.session.scalars(select(Lecture))
                    if clock.to_utc(lecture.starts_at) > now and lecture.seats_left > 0
                    and lecture.audience.value == "vendors")
    walk("get", "/lectures", "/lectures?lang=ar", expect=200)
    walk("get", "/lectures", "/lectures?lang=xx", expect=422)
    walk("get", "/lectures/{lecture_id}", f"/lectures/{upcoming.id}", expect=200)
    walk("get", "/lectures/{lecture_id}", "/lectures/2147483000", expect=404)
    seat = f"/lectures/{upcoming.id}/registration"
    walk("post", "/lectures/{lecture_id}/registration", seat, expect=401)
    walk("post", "/lectures/{lecture_id}/registration", seat, token=shopper, expect=403)  # for vendors
    walk("post", "/lectures/{lecture_id}/registration", seat, token=vendor, expect=201)
    walk("delete", "/lectures/{lecture_id}/registration", seat, token=vendor, expect=200)
    walk("delete", "/lectures/{lecture_id}/registration", seat, token=vendor, expect=409)
    walk("delete", "/lectures/{lecture_id}/registration", seat, expect=401)
    walk("post", "/lectures/{lecture_id}/registration", "/lectures/2147483000/registration", token=shopper,
         expect=404)
    walk("delete", "/lectures/{lecture_id}/registration", "/lectures/2147483000/registration", token=shopper,
         expect=404)

    # Tourism: experiences, a month of departures, a booking put in the cart (and taken out again).
    listed = walk("get", "/experiences", "/experiences?lang=zh", language="zh", expect=200)
    walk("get", "/experiences", "/experiences?country=Kenya", expect=422)
    slug = listed["items"][0]["slug"]
    month = walk("get", "/experiences/{slug}/departures", f"/experiences/{slug}/departures?lang=fr", language="fr",
                 expect=200)
    walk("get", "/experiences/{slug}/departures", f"/experiences/{slug}/departures?month=1999-01", expect=422)
    walk("get", "/experiences/{slug}/departures", "/experiences/no-such-trip/departures", expect=404)
    # While Tourism Week is on, its experiences' dates carry the festival price per traveller.
    week = db.session.scalar(select(Festival).where(Festival.slug == "tourism-week"))
    dealt = db.session.scalar(select(Product.slug).join(Deal, Deal.product_id == Product.id)
                              .where(Deal.festival_id == week.id, Product.kind == ProductKind.EXPERIENCE).limit(1))
    with clock.freeze(clock.to_utc(week.waves[0].starts_at) + timedelta(hours=1)):
        on_sale = walk("get", "/experiences/{slug}/departures", f"/experiences/{dealt}/departures", expect=200)
    assert any(d["festival"] and d["festival"]["units"] for d in on_sale["departures"])
    bookable = next(d for d in month["departures"] if d["state"] in ("available", "limited"))
    option = next(o for o in month["options"] if o["id"] == bookable["option_id"])
    first = option["units"][0]
    units = {first["kind"]: max(first["min_per_booking"], 1)}
    booking = {"departure_id": bookable["id"], "units": units}
    walk("post", "/cart/bookings", json=booking, expect=401)
    walk("post", "/cart/bookings", json=booking, token=vendor, expect=403)
    walk("post", "/cart/bookings", data="not json", token=shopper, expect=400)
    walk("post", "/cart/bookings", json={**booking, "units": {"adult": "two"}}, token=shopper, expect=422)
    walk("post", "/cart/bookings", json={**booking, "departure_id": 2147483000}, token=shopper, expect=404)
    cart = walk("post", "/cart/bookings", "/cart/bookings?lang=zh", json=booking, token=shopper, language="zh",
                expect=201)
    line = next(item for item in cart["items"] if item["booking"])
    assert line["booking"]["id"] == bookable["id"] and line["quantity"] == 1
    departure = db.session.get(Departure, bookable["id"])
    departure.seats_sold = departure.capacity - departure.seats_held
    db.session.commit()
    walk("post", "/cart/bookings", json=booking, token=shopper, expect=409)
    walk("delete", "/cart/items/{product_id}", f"/cart/items/{line['product_id']}", token=shopper, expect=200)

    walk("delete", "/auth/token", token=vendor, expect=204)
    walk("delete", "/auth/token", token=vendor, expect=401)

    documented = {(method, path, status) for path, operations in walk.document["paths"].items()
                  for method, operation in operations.items() for status in operation["responses"]
                  if status.startswith("2")}
    assert documented - walk.seen - NOT_REACHED.keys() == set(), "documented answers the walk never saw"
    called = {(method, path) for method, path, _status in walk.seen}
    assert {(method, path) for method, path, _status in documented} <= called


def test_the_waiting_room_answers_as_documented(client, demo):
    walk = Walk(client, client.get("/api/v1/openapi.json").get_json())
    live = next(f for f in db.session.scalars(select(Festival)) if phase_at(f, clock.now()).value == "live")
    live.waiting_room, live.waiting_room_rate = True, 1  # one checkout a minute: the second shopper waits
    db.session.commit()
    deal = next(deal for wave in live.waves for deal in wave.deals
                if deal.status.value == "approved" and deal.sold < deal.cap and clock.to_utc(wave.starts_at) <= clock.now() < clock.to_utc(wave.ends_at))
    shoppers = []
    for _ in range(2):
        email = f"queue-{uuid.uuid4().hex[:8]}@example.com"
        walk("post", "/auth/register", json={"email": email, "password": "a long enough password"}, expect=201)
        token = walk("post", "/auth/token", json={"email": email, "password": "a long enough password"},
                     expect=201)["token"]
        walk("post", "/cart/items", json={"product_id": deal.product_id}, token=token, expect=201)
        shoppers.append(token)
    order = {"destination": ADDRESS}
    walk("post", "/checkout", json={**order, "idempotency_key": uuid.uuid4().hex}, token=shoppers[0], expect=201)
    waiting = walk("post", "/checkout", json={**order, "idempotency_key": uuid.uuid4().hex}, token=shoppers[1],
                   language="zh", headers={"Accept-Language": "zh"}, expect=429)["error"]
    assert waiting["code"] == "waiting_room" and waiting["ahead"] == 1 and "等候室" in waiting["message"]
    # The signature's first character carries six bits of it, all read: another one is another signature (a
    # change to its last characters may only touch the padding bits base64 ignores, and still verify).
    payload, _dot, signature = waiting["ticket"].rpartition(".")
    forged = f"{payload}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    walk("post", "/checkout", json={**order, "idempotency_key": uuid.uuid4().hex}, token=shoppers[1],
         headers={"Admission-Ticket": forged}, expect=403)
    deal.sold = deal.cap
    db.session.commit()
    walk("post", "/checkout", json={**order, "idempotency_key": uuid.uuid4().hex}, token=shoppers[1],
         headers={"Admission-Ticket": waiting["ticket"]}, expect=409)


@pytest.mark.parametrize("body, problem", [
    ({"price": {"amount": "9.00", "currency": "USD", "formatted": "$9.00"}}, "not a whole number"),
    ({"price": "9.00"}, "another shape"),
    ({"price": 900}, "another shape"),
    ({"items": [{"total": {"amount": 900, "currency": "USD"}}]}, "fields"),
    ({"note": "12.50"}, "as text"),
    ({"price": {"amount": 900, "currency": "USD", "formatted": "900 USD"}}, "reader of en"),
])
def test_the_money_check_catches_other_shapes(body, problem):
    problems = list(money_problems(copy.deepcopy(body), "en"))
    assert problems and problem in problems[0]
