"""Campaign staff review applications and first publications, and assign the limited campaign slots."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product, ProductStatus
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.vendors import slots
from marketplace.vendors.models import SlotQuota, Store, StoreStatus


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


@pytest.fixture
def submitted(make_store):
    from marketplace.core import clock

    def make(**fields):
        store = make_store(status=StoreStatus.SUBMITTED, **fields)
        store.submitted_at = clock.now()
        db.session.commit()
        return store

    return make


def test_queue_lists_submitted_applications_oldest_first(client, login, staff, submitted):
    first, second = submitted(name="First Coop"), submitted(name="Second Coop")
    login(staff)
    page = client.get("/en/staff/vendors/").get_data(as_text=True)
    assert page.index("First Coop") < page.index("Second Coop")
    assert client.get(f"/en/staff/vendors/{first.id}").status_code == 200
    assert second.id


def test_approval_makes_the_store_public(client, login, staff, submitted):
    store = submitted(name="Kivu Coffee")
    assert client.get(f"/en/stores/{store.slug}").status_code == 404
    login(staff)
    client.post(f"/en/staff/vendors/{store.id}/approve")
    db.session.refresh(store)
    assert store.status == StoreStatus.APPROVED and store.reviewer_id == staff.id and store.approved_at
    assert client.get(f"/en/stores/{store.slug}").status_code == 200


def test_asking_for_changes_needs_a_reason_the_vendor_then_sees(app, client, login, staff, submitted):
    store = submitted()
    login(staff)
    response = client.post(f"/en/staff/vendors/{store.id}/request-changes", data={"reason": ""})
    assert response.status_code == 422
    db.session.refresh(store)
    assert store.status == StoreStatus.SUBMITTED
    client.post(f"/en/staff/vendors/{store.id}/request-changes", data={"reason": "Please upload a clearer certificate."})
    db.session.refresh(store)
    assert store.status == StoreStatus.CHANGES_REQUESTED
    vendor = app.test_client()
    vendor.post("/en/account/login", data={"email": store.owner.email, "password": "correct horse battery"})
    assert "Please upload a clearer certificate." in vendor.get("/en/vendor/application").get_data(as_text=True)


def test_a_decided_application_cannot_be_decided_again(client, login, staff, submitted):
    store = submitted()
    login(staff)
    client.post(f"/en/staff/vendors/{store.id}/reject", data={"reason": "Not an African business."})
    client.post(f"/en/staff/vendors/{store.id}/approve")
    db.session.refresh(store)
    assert store.status == StoreStatus.REJECTED


def test_document_download_is_an_attachment_for_staff_only(client, login, staff, submitted, make_user):
    from marketplace.vendors.documents import check_document, store_document
    from marketplace.vendors.models import StoreDocument

    store = submitted()
    pdf = check_document(b"%PDF-1.4\n%%EOF\n", "cert.pdf")
    document = StoreDocument(store=store, filename=pdf.filename, content_type=pdf.content_type, size=10,
                             storage_key=store_document(pdf))
    db.session.add(document)
    db.session.commit()
    url = f"/en/staff/vendors/{store.id}/documents/{document.id}"
    login(make_user(role=Role.VENDOR))
    assert client.get(url).status_code == 403
    login(staff)
    response = client.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/en/staff/vendors/{store.id}/documents/{document.id + 99}").status_code == 404


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.VENDOR])
def test_only_staff_can_decide(client, login, make_user, submitted, role):
    store = submitted()
    login(make_user(role=role))
    assert client.post(f"/en/staff/vendors/{store.id}/approve").status_code == 403
    assert client.post(f"/en/staff/vendors/{store.id}/campaign", data={"marked": "1"}).status_code == 403
    db.session.refresh(store)
    assert store.status == StoreStatus.SUBMITTED


def test_first_publication_needs_staff_approval(client, login, staff, make_product):
    product = make_product(status=ProductStatus.PENDING_REVIEW, texts={"en": "Kente stole"})
    assert client.get(f"/en/products/{product.slug}").status_code == 404
    login(staff)
    assert "Kente stole" in client.get("/en/staff/products/").get_data(as_text=True)
    client.post(f"/en/staff/products/{product.id}/approve")
    db.session.refresh(product)
    assert product.status == ProductStatus.PUBLISHED and product.first_approved_at is not None
    assert client.get(f"/en/products/{product.slug}").status_code == 200


def test_product_rejection_keeps_it_off_the_site_with_a_reason(client, login, staff, make_product):
    product = make_product(status=ProductStatus.PENDING_REVIEW)
    login(staff)
    client.post(f"/en/staff/products/{product.id}/reject", data={"reason": "The photo shows another product."})
    db.session.refresh(product)
    assert product.status == ProductStatus.REJECTED and product.review_note == "The photo shows another product."


def test_campaign_marks_move_the_home_page_counters(client, login, staff, make_store, make_product):
    store = make_store()
    product = make_product(store=store)
    slots.sync_quotas()
    login(staff)
    client.post(f"/en/staff/vendors/{store.id}/campaign", data={"marked": "1"})
    client.post(f"/en/staff/products/{product.id}/campaign", data={"marked": "1"})
    home = client.get("/en/").get_data(as_text=True)
    assert "<strong>1</strong> / 100" in home and "<strong>1</strong> / 1,000" in home
    assert db.session.get(SlotQuota, slots.STORE_SLOTS).used == 1
    client.post(f"/en/staff/vendors/{store.id}/campaign", data={"marked": "0"})
    db.session.expire_all()
    assert db.session.get(SlotQuota, slots.STORE_SLOTS).used == 0


def test_unapproved_stores_and_unpublished_products_get_no_slot(app, staff, make_store, make_product):
    slots.sync_quotas()
    with pytest.raises(Conflict):
        slots.set_campaign_store(make_store(status=StoreStatus.SUBMITTED), True, staff)
    with pytest.raises(Conflict):
        slots.set_campaign_product(make_product(status=ProductStatus.DRAFT), True, staff)
    assert db.session.get(SlotQuota, slots.STORE_SLOTS).used == 0


def test_campaign_slot_limit_holds_under_concurrent_staff(make_app, make_store, staff):
    """Eight staff members mark eight stores at once with three slots left: exactly three get one."""
    app = make_app(CAMPAIGN_STORE_TARGET=3)
    stores = [make_store().id for _ in range(8)]
    with app.app_context():
        slots.sync_quotas()
    results, barrier = [], threading.Barrier(len(stores))

    def mark(store_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                slots.set_campaign_store(db.session.get(Store, store_id), True, db.session.merge(staff))
                results.append("ok")
            except Conflict:
                results.append("full")

    threads = [threading.Thread(target=mark, args=(store_id,)) for store_id in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["full"] * 5 + ["ok"] * 3
    with app.app_context():
        assert db.session.scalar(select(func.count(Store.id)).where(Store.is_campaign)) == 3
        assert db.session.get(SlotQuota, slots.STORE_SLOTS).used == 3


def test_seeded_campaign_has_slots_left_for_staff(app):
    from campaigns.demo.seed import seed_demo

    seed_demo(stores=40, products=100)
    quota = db.session.get(SlotQuota, slots.PRODUCT_SLOTS)
    assert quota.used == db.session.scalar(select(func.count(Product.id)).where(Product.is_campaign))
    assert quota.slot_limit == 1000
