"""Staff start at one home that counts the work waiting in every queue; every back-office page has one menu."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
from marketplace.accounts.models import Role
from marketplace.catalog.models import ProductStatus
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, new_checkout_key, place_order
from marketplace.orders.models import PaymentState
from marketplace.vendors.models import PayableEntry, PayableKind, StoreStatus

WORK_ITEM = re.compile(r'<li class="[a-z-]+" data-work="([^"]+)">\s*<a href="([^"]+)"><strong class="count">(\d+)</strong>')


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


def festival(slug: str, staff, opens, waves, name: str) -> Festival:
    day = timedelta(days=1)
    made = Festival(slug=slug, registration_opens_at=opens, registration_closes_at=opens + 2 * day,
                    warmup_starts_at=opens + 2 * day, created_by_id=staff.id,
                    texts=[FestivalText(language="en", name=name)],
                    waves=[Wave(starts_at=s, ends_at=e) for s, e in waves])
    db.session.add(made)
    db.session.commit()
    return made


def order_of(product, buyer):
    carts.add_item(buyer, None, product.id, 1)
    return place_order(buyer, Destination(recipient_name="Li Wei", phone="+86 138 0013 8000", country_code="CN",
                                          city="Shanghai", postal_code="200120", address_line="88 Century Avenue"),
                       new_checkout_key(), "en")


@pytest.fixture
def busy_campaign(staff, make_store, make_product, make_user):
    """Two applications, three products, two festival entries, one refund and one balance waiting for staff."""
    for name in ("Kivu Coffee", "Tamale Shea"):
        store = make_store(name=name, status=StoreStatus.SUBMITTED)
        store.submitted_at = clock.now()
    make_store(name="Draft Coop", status=StoreStatus.DRAFT)
    db.session.commit()
    waiting = [make_product(name=f"Waiting {n}", status=ProductStatus.PENDING_REVIEW) for n in range(3)]
    now, day = clock.now(), timedelta(days=1)
    live = festival("harvest", staff, now - 5 * day, [(now - day, now + day)], "Harvest Festival")
    coming = festival("ramadan-fair", staff, now - day / 24, [(now + 3 * day, now + 4 * day)], "Ramadan Fair")
    for product, status in ((waiting[0], DealStatus.PROPOSED), (make_product(), DealStatus.PROPOSED),
                            (make_product(), DealStatus.APPROVED)):
        db.session.add(Deal(festival_id=coming.id, wave_id=coming.waves[0].id, product_id=product.id,
                            store_id=product.store_id, price_amount=500, currency="USD", cap=5, status=status))
    buyer = make_user(role=Role.SHOPPER)
    sold = make_product(name="Kente stole")
    refund = order_of(sold, buyer)
    refund.payment_state = PaymentState.REFUND_DUE
    settled_order = order_of(sold, buyer)
    vendor_order = settled_order.vendor_orders[0]
    db.session.add(PayableEntry(store_id=vendor_order.store_id, vendor_order_id=vendor_order.id,
                                kind=PayableKind.SALE, currency="USD", gross_amount=1000, commission_amount=100,
                                amount=900, commission_rate="0.10"))
    db.session.commit()
    return {"refund": refund.reference, "store": sold.store.name, "live": live, "coming": coming}


def work_items(page: str) -> dict[str, tuple[str, int]]:
    return {key: (unescape(url), int(count)) for key, url, count in WORK_ITEM.findall(page)}


def test_staff_home_counts_each_queue_and_links_to_it(client, login, staff, busy_campaign):
    login(staff)
    response = client.get("/en/staff/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    items = work_items(page)
    coming = busy_campaign["coming"]
    assert items == {
        "applications": ("/en/staff/vendors/?status=submitted", 2),
        "products": ("/en/staff/products/", 3),
        f"festival-entries-{coming.id}": (f"/en/staff/festivals/{coming.id}", 2),
        "refunds": ("/en/staff/orders/?state=refund_due", 1),
        "refunds-waiting": ("/en/staff/refunds/", 0),
        "settlements": ("/en/staff/payables/", 1),
    }
    assert "Festival entries to approve: Ramadan Fair" in page
    # Each queue shows the waiting things the count promised.
    queues = {key: client.get(url).get_data(as_text=True) for key, (url, _count) in items.items()}
    assert "Kivu Coffee" in queues["applications"] and "Tamale Shea" in queues["applications"]
    assert "Draft Coop" not in queues["applications"]
    assert all(f"Waiting {n}" in queues["products"] for n in range(3))
    assert queues[f"festival-entries-{coming.id}"].count("/approve") >= 2
    assert busy_campaign["refund"] in queues["refunds"]
    assert busy_campaign["store"] in queues["settlements"]
    # Campaign progress and the live and next festivals.
    assert "campaign stores" in page and "campaign products" in page
    festivals = page.split('id="festivals-now-title"')[1]
    live_now, following = festivals.split("<dt>Coming next</dt>")
    assert "Harvest Festival" in live_now and "Ramadan Fair" not in live_now
    assert "Ramadan Fair" in following and "Vendor registration" in following


def test_an_empty_campaign_shows_zero_everywhere(client, login, staff):
    login(staff)
    page = client.get("/en/staff/").get_data(as_text=True)
    items = work_items(page)
    assert {count for _url, count in items.values()} == {0}
    assert items["festival-entries"] == ("/en/staff/festivals/", 0)
    assert "None scheduled" in page


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.VENDOR])
def test_only_staff_reach_the_staff_home(client, login, make_user, role):
    assert "/account/login" in client.get("/en/staff/").headers["Location"]
    login(make_user(role=role))
    assert client.get("/en/staff/").status_code == 403


def test_the_staff_link_in_the_header_opens_the_staff_home(client, login, staff):
    login(staff)
    page = client.get("/en/").get_data(as_text=True)
    assert '<a href="/en/staff/">' in page


STAFF_NAV = re.compile(r'<nav class="backoffice-nav" aria-label="Staff">(.*?)</nav>', re.S)
VENDOR_NAV = re.compile(r'<nav class="backoffice-nav" aria-label="Back office">(.*?)</nav>', re.S)
STAFF_AREAS = ["/en/staff/", "/en/staff/dashboard/", "/en/staff/vendors/", "/en/staff/products/", "/en/staff/festivals/",
               "/en/staff/lectures/", "/en/staff/orders/", "/en/staff/reviews/", "/en/staff/payables/",
               "/en/staff/rates/", "/en/staff/duties/"]


def one_menu(page: str, pattern: re.Pattern) -> tuple[list[str], str]:
    """The menu's links and its current one; fails unless the page has exactly one such menu."""
    menus = pattern.findall(page)
    assert len(menus) == 1, f"{len(menus)} menus"
    links = re.findall(r'href="([^"]+)"', menus[0])
    current = re.findall(r'href="([^"]+)" aria-current="page"', menus[0])
    assert len(current) == 1
    return links, current[0]


def test_every_staff_page_has_the_one_staff_menu(client, login, staff, busy_campaign, make_store):
    login(staff)
    store = make_store()
    pages = {
        "/en/staff/": "/en/staff/",
        "/en/staff/vendors/": "/en/staff/vendors/",
        f"/en/staff/vendors/{store.id}": "/en/staff/vendors/",
        "/en/staff/products/": "/en/staff/products/",
        "/en/staff/festivals/": "/en/staff/festivals/",
        "/en/staff/festivals/new": "/en/staff/festivals/",
        f"/en/staff/festivals/{busy_campaign['coming'].id}": "/en/staff/festivals/",
        f"/en/staff/festivals/{busy_campaign['coming'].id}/edit": "/en/staff/festivals/",
        "/en/staff/lectures/": "/en/staff/lectures/",
        "/en/staff/lectures/new": "/en/staff/lectures/",
        "/en/staff/lectures/series/new": "/en/staff/lectures/",
        "/en/staff/orders/": "/en/staff/orders/",
        "/en/staff/payables/": "/en/staff/payables/",
        "/en/staff/rates/": "/en/staff/rates/",
        "/en/staff/dashboard/": "/en/staff/dashboard/",
        "/en/staff/reviews/": "/en/staff/reviews/",
        "/en/staff/duties/": "/en/staff/duties/",
    }
    from marketplace.orders.models import Order

    some_order = db.session.query(Order).first()
    pages[f"/en/staff/orders/{some_order.id}"] = "/en/staff/orders/"
    for url, active in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        links, current = one_menu(response.get_data(as_text=True), STAFF_NAV)
        assert links == STAFF_AREAS, url
        assert current == active, url


def test_every_vendor_page_has_the_one_vendor_menu(client, login, make_user, make_store, make_product, staff):
    vendor = make_user(role=Role.VENDOR)
    store = make_store(owner=vendor)
    product = make_product(store=store)
    buyer = make_user(role=Role.SHOPPER)
    vendor_order = order_of(product, buyer).vendor_orders[0]
    now, day = clock.now(), timedelta(days=1)
    registering = festival("coming", staff, now - day / 24, [(now + 3 * day, now + 4 * day)], "Coming")
    login(vendor)
    menu = ["/en/vendor/products/", "/en/vendor/shipping/", "/en/vendor/orders/", "/en/vendor/festivals/",
            "/en/vendor/reviews/", "/en/vendor/experiences/", "/en/vendor/insights/",
            "/en/vendor/orders/#payables-title", "/en/vendor/application"]
    pages = {
        "/en/vendor/products/": menu[0],
        "/en/vendor/products/new": menu[0],
        f"/en/vendor/products/{product.id}": menu[0],
        f"/en/vendor/products/{product.id}/photos": menu[0],
        "/en/vendor/products/bulk-update": menu[0],
        "/en/vendor/shipping/": menu[1],
        "/en/vendor/orders/": menu[2],
        f"/en/vendor/orders/{vendor_order.id}": menu[2],
        "/en/vendor/festivals/": menu[3],
        f"/en/vendor/festivals/{registering.slug}/enter": menu[3],
        "/en/vendor/reviews/": menu[4],
        "/en/vendor/experiences/": menu[5],
        "/en/vendor/experiences/new": menu[5],
        "/en/vendor/insights/": menu[6],
        "/en/vendor/application": menu[8],
        "/en/vendor/onboarding/payout": menu[8],
    }
    for url, active in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        links, current = one_menu(response.get_data(as_text=True), VENDOR_NAV)
        assert links == menu, url
        assert current == active, url
