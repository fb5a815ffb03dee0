"""Tourism pages through the client: the experience page and its calendar in Chinese and Arabic, "Visit
Africa", the pavilion section, no stock on cards, and the vendor's pages (own experiences only)."""
from __future__ import annotations

import re
from datetime import date, time

from sqlalchemy import func, select

from campaigns.tourism import departures, options
from campaigns.tourism.departures import DepartureSpec
from campaigns.tourism.models import Departure, Experience, ExperienceOption
from marketplace.accounts.models import Role
from marketplace.catalog.models import ProductStatus
from marketplace.core import clock
from marketplace.extensions import db


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def with_departures(make_experience, vendor, **changes):
    experience = make_experience(owner=vendor, **changes)
    option = experience.options[0]
    spec = DepartureSpec(10, 24)
    first = departures.add_departure(vendor, option.id, date(2027, 2, 10), time(9, 0), spec)
    full = departures.add_departure(vendor, option.id, date(2027, 2, 12), time(9, 0), spec)
    full.seats_sold = 10
    db.session.commit()
    return experience, first, full


def test_the_experience_page_in_chinese_shows_the_calendar_prices_and_policy(frozen, client, make_experience, vendor):
    experience, first, full = with_departures(make_experience, vendor)
    slug = experience.product.slug
    html = page(client, f"/zh/experiences/{slug}?month=2027-02&departure={first.id}")
    assert "2027年2月" in html
    assert f"departure={first.id}" in html and f"departure={full.id}" not in html  # a sold-out day is no link
    assert "Auberge Mohayut" in html  # the meeting point in the vendor's words (no Chinese text yet)
    assert "MAD" in html or "650" in html  # the adult price per seat
    assert 'name="units-adult"' in html and 'name="units-child"' in html
    assert "in stock" not in html and 'name="quantity"' not in html


def test_the_experience_page_in_arabic_is_right_to_left(frozen, client, make_experience, vendor):
    experience, first, _full = with_departures(make_experience, vendor)
    html = page(client, f"/ar/experiences/{experience.product.slug}?month=2027-02")
    assert 'dir="rtl"' in html


def test_the_total_is_worked_out_by_the_server_and_bad_counts_are_explained(frozen, client, make_experience, vendor):
    experience, first, _full = with_departures(make_experience, vendor)
    base = f"/en/experiences/{experience.product.slug}?month=2027-02&departure={first.id}&quote=1"
    html = page(client, f"{base}&units-adult=2&units-child=1")
    assert "Total:" in html and "1,700.00" in html
    html = page(client, f"{base}&units-adult=0&units-child=2")
    assert "At least 1 per booking." in html and "Total:" not in html
    html = page(client, f"{base}&units-adult=-3&units-child=abc")  # unreadable counts read as none
    assert "At least 1 per booking." in html


def test_tampered_ids_and_months_never_fail(frozen, client, make_experience, vendor, make_user, make_store):
    experience, _first, _full = with_departures(make_experience, vendor)
    other_vendor = make_user(role=Role.VENDOR)
    make_store(owner=other_vendor, country_code="MA")
    other, other_first, _ = with_departures(make_experience, other_vendor, name="Autre bivouac")
    slug = experience.product.slug
    html = page(client, f"/en/experiences/{slug}?departure={other_first.id}&month=2027-02")
    assert 'id="chosen"' not in html  # another experience's departure is not shown here
    for query in ("departure=abc", "departure=99999999999", "month=1999-01", "month=x", "month=2027-02&units-adult=9999"):
        page(client, f"/en/experiences/{slug}?{query}")


def test_the_product_page_of_an_experience_sends_to_the_experience_page(frozen, client, make_experience, vendor):
    experience = make_experience()
    response = client.get(f"/en/products/{experience.product.slug}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/en/experiences/{experience.product.slug}")


def test_a_draft_experience_is_not_found(frozen, client, make_experience):
    experience = make_experience(published=False)
    page(client, f"/en/experiences/{experience.product.slug}", 404)
    page(client, "/en/experiences/no-such-thing", 404)


def test_visit_africa_and_the_pavilion_list_experiences_without_stock(frozen, client, make_experience, vendor):
    experience, first, _full = with_departures(make_experience, vendor)
    html = page(client, "/en/visit-africa/")
    assert experience.product.slug in html and f"departure={first.id}" in html
    assert "Sold out" not in html and "Experience" in html
    pavilion = page(client, "/en/pavilions/MA")
    assert f"/en/experiences/{experience.product.slug}" in pavilion
    assert "Visit Morocco" in pavilion
    assert "Visit Africa" in page(client, "/en/categories/")  # in the main menu


def test_the_vendor_sees_only_its_own_experiences(frozen, client, login, make_experience, vendor, make_user,
                                                   make_store):
    experience = make_experience()
    other = make_user(role=Role.VENDOR)
    make_store(owner=other)
    login(other)
    assert experience.product.slug not in page(client, "/en/vendor/experiences/")
    page(client, f"/en/vendor/experiences/{experience.product_id}", 404)
    page(client, f"/en/vendor/experiences/options/{experience.options[0].id}", 404)
    response = client.post(f"/en/vendor/experiences/options/{experience.options[0].id}/units",
                           data={"kind": "adult", "price": "1", "min_per_booking": "0", "max_per_booking": "1"})
    assert response.status_code == 404
    db.session.expire_all()
    assert experience.options[0].units[0].price_amount == 65000
    login(vendor)
    html = page(client, "/en/vendor/experiences/")
    assert "Bivouac à Merzouga" in html
    page(client, f"/fr/vendor/experiences/{experience.product_id}")


def test_a_vendor_creates_an_experience_prices_it_and_adds_a_rule_of_departures(frozen, client, login, vendor,
                                                                               category):
    login(vendor)
    form = {"original_language": "fr", "name": "Cours de cuisine", "description": "Tajine et pastilla.",
            "category_id": str(category.id), "time_zone": "Africa/Casablanca", "duration_hours": "4",
            "duration_minutes": "0", "guide_languages": ["fr", "ar"], "minimum_age": "8", "refundable": "y",
            "free_cancel_hours": "24", "late_refund_percent": "0", "meeting_point": "Café des Épices"}
    bad = client.post("/fr/vendor/experiences/new", data={**form, "meeting_lat": "123", "meeting_lon": "5"})
    assert bad.status_code == 422 and "-90" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Experience.id))) == 0
    created = client.post("/fr/vendor/experiences/new", data=form)
    assert created.status_code == 302
    experience = db.session.scalar(select(Experience))
    add = client.post(f"/fr/vendor/experiences/{experience.product_id}/options", data={"name": "Groupe"})
    option = db.session.scalar(select(ExperienceOption))
    assert add.headers["Location"].endswith(f"/options/{option.id}")
    wrong = client.post(f"/fr/vendor/experiences/options/{option.id}/units",
                        data={"kind": "adult", "price": "450", "min_per_booking": "3", "max_per_booking": "1"})
    assert wrong.status_code == 422
    client.post(f"/fr/vendor/experiences/options/{option.id}/units",
                data={"kind": "adult", "price": "450", "min_per_booking": "1", "max_per_booking": "8"})
    rule = {"first": "2027-02-01", "last": "2027-02-28", "weekdays": ["0", "2"], "times": "10:00",
            "capacity": "8", "cutoff_hours": "24"}
    preview = client.post(f"/fr/vendor/experiences/options/{option.id}/rule", data={**rule, "action": "preview"})
    assert preview.status_code == 200 and len(re.findall(r"<li[^>]*>[^<]*10:00", preview.get_data(as_text=True))) == 8
    assert db.session.scalar(select(func.count(Departure.id))) == 0
    saved = client.post(f"/fr/vendor/experiences/options/{option.id}/rule", data={**rule, "action": "save"})
    assert saved.status_code == 302
    assert db.session.scalar(select(func.count(Departure.id))) == 8
    huge = client.post(f"/fr/vendor/experiences/options/{option.id}/rule",
                       data={**rule, "last": "2028-12-31", "times": "08:00 09:00 10:00", "weekdays": list("0123456"),
                             "action": "save"})
    assert huge.status_code == 422 and db.session.scalar(select(func.count(Departure.id))) == 8
    experience.product.status = ProductStatus.PUBLISHED
    db.session.commit()
    assert clock.now().year == 2027


def test_departures_of_an_option_without_prices_are_not_shown(frozen, client, make_experience, vendor):
    experience, first, _full = with_departures(make_experience, vendor)
    bare = options.add_option(vendor, experience.product_id, "fr", "Tente privée")
    hidden = departures.add_departure(vendor, bare.id, date(2027, 2, 11), time(9, 0), DepartureSpec(4, 24))
    html = page(client, f"/en/experiences/{experience.product.slug}?month=2027-02&departure={hidden.id}")
    assert f"departure={hidden.id}#chosen" not in html and 'id="chosen"' not in html
    assert f"departure={first.id}" in html


def test_an_experience_without_prices_cannot_be_published(frozen, vendor, category):
    from campaigns.tourism import experiences
    from campaigns.tourism.experiences import ExperienceWords
    from marketplace.core.errors import Conflict
    from marketplace.vendors.backoffice import services as product_services
    from tests.tourism.conftest import facts

    experience = experiences.create_experience(
        vendor, name="Sans prix", description="Rien encore.", original_language="fr", category_id=str(category.id),
        facts=facts(), words=ExperienceWords())
    try:
        product_services.publish_product(vendor, experience.product_id)
    except Conflict as refused:
        assert "prices" in refused.message
    else:
        raise AssertionError("an experience without prices was published")
    assert experience.product.status == ProductStatus.DRAFT
