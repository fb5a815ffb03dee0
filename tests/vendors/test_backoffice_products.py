"""The vendor back office for products: list, editor, field errors, publishing rules and duplication."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from marketplace.catalog.models import Product, ProductImage, ProductStatus
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.vendors.models import StoreStatus

BASE = "/en/vendor/products"


@pytest.fixture
def shop(client, login, make_store, make_category):
    store = make_store(name="Kisii Carvers", country_code="KE", language="en")
    login(store.owner)
    return SimpleNamespace(store=store, vendor=store.owner, category=make_category("crafts"))


def editor_data(category, **changes) -> dict:
    data = {
        "original_language": "en", "category_id": str(category.id), "price": "12.50", "currency": "USD",
        "stock": "7", "weight_grams": "250", "origin": "Tabaka hills",
        "texts-en-name": "Soapstone bowl", "texts-en-description": "Carved by hand from Kisii soapstone.",
    }
    data.update(changes)
    return data


def product_count() -> int:
    return db.session.scalar(select(func.count(Product.id)))


def test_list_searches_names_in_every_language_and_filters_status_and_stock(client, shop, make_product):
    make_product(store=shop.store, texts={"en": "Soapstone chess set", "fr": "Jeu d'échecs en stéatite"}, stock=40)
    make_product(store=shop.store, name="Sisal basket", stock=3, status=ProductStatus.DRAFT)
    make_product(store=shop.store, name="Wooden giraffe", stock=0)
    make_product(name="Someone else's soapstone vase")  # another vendor's store

    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "Soapstone chess set" in page and "Sisal basket" in page and "Wooden giraffe" in page
    assert "Someone else" not in page

    found = client.get(f"{BASE}/?q=échecs").get_data(as_text=True)
    assert "Soapstone chess set" in found and "Sisal basket" not in found
    found = client.get(f"{BASE}/?q=SOAPSTONE").get_data(as_text=True)
    assert "Soapstone chess set" in found and "Someone else" not in found
    assert "Sisal basket" in client.get(f"{BASE}/?status=draft").get_data(as_text=True)
    assert "Wooden giraffe" not in client.get(f"{BASE}/?status=draft").get_data(as_text=True)
    low = client.get(f"{BASE}/?stock=low").get_data(as_text=True)
    assert "Sisal basket" in low and "Soapstone chess set" not in low and "Wooden giraffe" not in low
    out = client.get(f"{BASE}/?stock=out").get_data(as_text=True)
    assert "Wooden giraffe" in out and "Sisal basket" not in out
    in_stock = client.get(f"{BASE}/?stock=in_stock").get_data(as_text=True)
    assert "Sisal basket" in in_stock and "Wooden giraffe" not in in_stock
    # nonsense filters and pages are ignored, never an error
    assert client.get(f"{BASE}/?status=bogus&stock=zz&page=999999999999&q=" + "x" * 5000).status_code == 200
    assert client.get(f"{BASE}/?stock=%00").status_code == 400  # a NUL byte is refused before any view
    assert client.get(f"{BASE}/?q=100%25_").status_code == 200


def test_create_a_draft_with_a_translation(client, shop):
    data = editor_data(shop.category, **{"texts-fr-name": "Bol en stéatite", "texts-fr-description": "",
                                         "texts-sw-name": "", "texts-sw-description": ""})
    response = client.post(f"{BASE}/new", data=data)
    assert response.status_code == 302
    product = db.session.scalars(select(Product)).one()
    assert response.headers["Location"].endswith(f"{BASE}/{product.id}")
    assert product.store_id == shop.store.id and product.status == ProductStatus.DRAFT
    assert (product.price_amount, product.currency, product.stock) == (1250, "USD", 7)
    assert (product.weight_grams, product.origin, product.category_id) == (250, "Tabaka hills", shop.category.id)
    assert product.slug.startswith("soapstone-bowl-") and product.first_approved_at is None
    assert {t.language: t.name for t in product.texts} == {"en": "Soapstone bowl", "fr": "Bol en stéatite"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Complete" in page and "Name only" in page and "Not written" in page


def test_new_product_starts_in_the_store_language_and_currency(client, login, make_store):
    store = make_store(country_code="SN", language="fr")
    login(store.owner)
    page = client.get(f"{BASE}/new").get_data(as_text=True)
    assert '<option selected value="fr">' in page or '<option value="fr" selected>' in page
    assert 'value="XOF" selected' in page or 'selected value="XOF"' in page


BAD_VALUES = [
    ({"price": "12.345"}, "price", "at most 2 decimals"),
    ({"price": "1500.5", "currency": "XOF"}, "price", "whole numbers"),
    ({"price": "-5"}, "price", "more than zero"),
    ({"price": "0"}, "price", "more than zero"),
    ({"price": "99999999999"}, "price", "too high"),
    ({"price": "NaN"}, "price", "like 12.50"),
    ({"price": "1e400000"}, "price", "too high"),
    ({"price": "12 dollars"}, "price", "like 12.50"),
    ({"price": "9" * 100_000}, "price", "like 12.50"),
    ({"currency": "ABC"}, "currency", "known currency"),
    ({"currency": "€"}, "currency", "known currency"),
    ({"stock": "-1"}, "stock", "cannot be negative"),
    ({"stock": "2.5"}, "stock", "whole number"),
    ({"stock": "1_000"}, "stock", "whole number"),
    ({"stock": "5000000"}, "stock", "from 0 to 1,000,000"),
    ({"stock": ""}, "stock", "whole number"),
    ({"weight_grams": "-3"}, "weight_grams", "cannot be negative"),
    ({"weight_grams": "0"}, "weight_grams", "from 1 to"),
    ({"origin": "x" * 500}, "origin", "at most 120 characters"),
    ({"texts-en-name": ""}, "texts-en-name", "name in its original language"),
    ({"texts-en-name": "n" * 161}, "texts-en-name", "at most 160 characters"),
    ({"texts-en-description": "d" * 5001}, "texts-en-description", "at most 5000 characters"),
    ({"texts-fr-description": "Sans nom"}, "texts-fr-name", "Add a name in this language"),
    ({"category_id": "abc"}, "category_id", "Choose a category"),
    ({"category_id": "999999999999999999999"}, "category_id", "Choose a category"),
    ({"original_language": "zh"}, "original_language", "Choose the language"),
    ({"original_language": "xx"}, "original_language", "Choose the language"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_VALUES, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_VALUES)])
def test_every_bad_value_is_a_field_error_and_nothing_is_saved(client, shop, make_product, changes, field, message):
    product = make_product(store=shop.store, name="Original name", price=900, stock=3, status=ProductStatus.PUBLISHED)
    before = (product.price_amount, product.currency, product.stock, product.weight_grams, product.origin,
              {t.language: (t.name, t.description) for t in product.texts})
    # a good change to the name travels with the bad value: it must not be saved either
    data = editor_data(shop.category, **{"texts-en-name": "Changed name", **changes})
    response = client.post(f"{BASE}/{product.id}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert before == (product.price_amount, product.currency, product.stock, product.weight_grams, product.origin,
                      {t.language: (t.name, t.description) for t in product.texts})
    assert product.status == ProductStatus.PUBLISHED
    assert client.post(f"{BASE}/new", data=data).status_code == 422
    assert product_count() == 1


def test_malformed_requests_never_fail_with_500(client, shop, make_product):
    product = make_product(store=shop.store)
    weird = {"price": ["1", "2"], "stock": "\x07", "texts-zz-name": "x", "currency": "", "category_id": "-1"}
    assert client.post(f"{BASE}/{product.id}", data=weird).status_code == 422
    assert client.post(f"{BASE}/new", data={}).status_code == 422
    form = "application/x-www-form-urlencoded"
    body = b"texts-en-name=%ff%fe%ed%a0%80&texts-en-description=%07&price=%ff&stock=%e2%80%ae1"
    assert client.post(f"{BASE}/{product.id}", data=body, content_type=form).status_code == 422
    # a body that is no form at all leaves every field as it was
    for body, kind in ((b"\xff\xfe", "application/octet-stream"), (b"{}", "application/json")):
        assert client.post(f"{BASE}/{product.id}", data=body, content_type=kind).status_code == 302
    db.session.expire_all()
    assert (product.price_amount, product.stock, product.texts[0].name) == (1000, 10, product.texts[0].name)
    assert client.get(f"{BASE}/99999999999999999999").status_code == 404
    assert client.get(f"{BASE}/-1").status_code == 404


def test_control_characters_are_refused_in_texts_with_a_message(client, shop, make_product):
    product = make_product(store=shop.store, name="Bowl")
    data = editor_data(shop.category, **{"texts-en-name": "Bowl with\x07 lid", "origin": "Kisii\x1b"})
    response = client.post(f"{BASE}/{product.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and page.count("Remove the control characters") == 2
    db.session.expire_all()
    assert [t.name for t in product.texts] == ["Bowl"] and product.origin != "Kisii"
    lines = editor_data(shop.category, **{"texts-en-description": "Carved by hand.\r\nFrom Kisii."})
    assert client.post(f"{BASE}/{product.id}", data=lines).status_code == 302, "line breaks stay in descriptions"


def test_messages_follow_the_page_language(client, shop, make_product):
    product = make_product(store=shop.store)
    page = client.post(f"/fr/vendor/products/{product.id}", data=editor_data(shop.category, origin="x" * 200))
    assert "Utilisez au plus 120 caractères." in page.get_data(as_text=True)


def test_fields_outside_the_form_are_ignored(client, shop, make_product, make_store):
    other = make_store()
    product = make_product(store=shop.store, status=ProductStatus.DRAFT)
    data = editor_data(shop.category, store_id=str(other.id), status="published", is_campaign="y", featured="y",
                       owner=str(other.owner_id), owner_id=str(other.owner_id), first_approved_at="2020-01-01",
                       slug="hijacked", id="1", review_note="ok")
    assert client.post(f"{BASE}/{product.id}", data=data).status_code == 302
    assert client.post(f"{BASE}/new", data=data).status_code == 302
    db.session.expire_all()
    for saved in db.session.scalars(select(Product)):
        assert saved.store_id == shop.store.id
        assert saved.status == ProductStatus.DRAFT
        assert not saved.is_campaign and not saved.featured and saved.first_approved_at is None
        assert saved.slug != "hijacked" and saved.review_note == ""


def test_first_publication_waits_for_staff_then_the_vendor_unpublishes_and_republishes(client, shop, make_product):
    product = make_product(store=shop.store, status=ProductStatus.DRAFT)
    client.post(f"{BASE}/{product.id}/publish")
    db.session.expire_all()
    assert product.status == ProductStatus.PENDING_REVIEW
    client.post(f"{BASE}/{product.id}/unpublish")  # withdraw from review
    db.session.expire_all()
    assert product.status == ProductStatus.DRAFT

    product.first_approved_at = clock.now()  # what the staff queue does on approval
    db.session.commit()
    client.post(f"{BASE}/{product.id}/publish")
    db.session.expire_all()
    assert product.status == ProductStatus.PUBLISHED and product.published_at is not None
    assert client.get(f"/en/products/{product.slug}").status_code == 200
    client.post(f"{BASE}/{product.id}/unpublish")
    db.session.expire_all()
    assert product.status == ProductStatus.DRAFT
    assert client.get(f"/en/products/{product.slug}").status_code == 404
    client.post(f"{BASE}/{product.id}/publish")
    db.session.expire_all()
    assert product.status == ProductStatus.PUBLISHED


def test_edits_to_a_live_product_stay_live(client, shop, make_product):
    product = make_product(store=shop.store, first_approved_at=clock.now())
    response = client.post(f"{BASE}/{product.id}", data=editor_data(shop.category, price="15.00"))
    assert response.status_code == 302
    db.session.expire_all()
    assert product.status == ProductStatus.PUBLISHED and product.price_amount == 1500


@pytest.mark.parametrize("status", [StoreStatus.DRAFT, StoreStatus.SUBMITTED, StoreStatus.SUSPENDED])
def test_only_an_approved_store_publishes_but_any_store_keeps_drafts(client, login, make_store, make_category,
                                                                     make_product, status):
    store = make_store(status=status)
    login(store.owner)
    category = make_category()
    assert client.post(f"{BASE}/new", data=editor_data(category)).status_code == 302
    product = db.session.scalars(select(Product).where(Product.store_id == store.id)).one()
    product.first_approved_at = clock.now()
    db.session.commit()
    page = client.post(f"{BASE}/{product.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "once your store is approved" in page
    db.session.expire_all()
    assert product.status == ProductStatus.DRAFT


def test_publishing_needs_a_complete_original_text(client, shop, make_product):
    product = make_product(store=shop.store, status=ProductStatus.DRAFT)
    product.texts[0].description = ""
    db.session.commit()
    page = client.post(f"{BASE}/{product.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "Add a name and a description" in page
    db.session.expire_all()
    assert product.status == ProductStatus.DRAFT


def test_duplicate_copies_texts_price_category_and_photos_into_an_empty_draft(client, shop, make_product):
    source = make_product(store=shop.store, texts={"en": "Soapstone bowl", "fr": "Bol"}, price=2500, stock=12,
                          is_campaign=True, featured=True, first_approved_at=clock.now(), weight_grams=300)
    db.session.add_all([
        ProductImage(product=source, position=0, key="a" * 32, width=100, height=100, rendition_widths="100",
                     fallback_width=100),
        ProductImage(product=source, position=1, key="b" * 64, status="pending"),
    ])
    db.session.commit()
    response = client.post(f"{BASE}/{source.id}/duplicate")
    copy = db.session.scalars(select(Product).where(Product.id != source.id)).one()
    assert response.headers["Location"].endswith(f"{BASE}/{copy.id}")
    assert copy.slug != source.slug and copy.store_id == shop.store.id
    assert (copy.price_amount, copy.currency, copy.category_id, copy.weight_grams) == (2500, "USD", source.category_id, 300)
    assert {t.language: t.name for t in copy.texts} == {"en": "Soapstone bowl", "fr": "Bol"}
    assert copy.stock == 0 and copy.status == ProductStatus.DRAFT and copy.first_approved_at is None
    assert not copy.is_campaign and not copy.featured
    assert [(i.key, i.position, i.status) for i in copy.images] == [("a" * 32, 0, "ready")]
    assert len(source.images) == 2


def test_a_vendor_without_a_store_is_told_to_set_one_up(client, login, make_user):
    from marketplace.accounts.models import Role

    login(make_user(role=Role.VENDOR))
    assert "no store yet" in client.get(f"{BASE}/").get_data(as_text=True)
    response = client.get(f"{BASE}/new")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/")
    assert client.get(f"{BASE}/export.csv").status_code == 302


def test_every_form_carries_its_csrf_token(make_app, make_store, make_product, make_category):
    import re

    store = make_store()
    product = make_product(store=store, first_approved_at=clock.now(), status=ProductStatus.DRAFT)
    category = make_category()
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/en/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/en/account/login", data={"email": store.owner.email, "password": "correct horse battery",
                                           "csrf_token": token})
    editor = client.get(f"{BASE}/{product.id}").get_data(as_text=True)
    tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', editor))
    assert len(tokens) == 1 and editor.count('name="csrf_token"') == 4  # log-out, the editor, publish, duplicate
    (token,) = tokens
    assert client.post(f"{BASE}/{product.id}", data=editor_data(category)).status_code == 400
    assert client.post(f"{BASE}/{product.id}/publish").status_code == 400
    assert client.post(f"{BASE}/{product.id}", data={**editor_data(category), "csrf_token": token}).status_code == 302
    assert client.post(f"{BASE}/{product.id}/publish", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert product.status == ProductStatus.PUBLISHED
    for url in (f"{BASE}/{product.id}/photos", f"{BASE}/bulk-update", f"{BASE}/new"):
        assert 'name="csrf_token"' in client.get(url).get_data(as_text=True), url
