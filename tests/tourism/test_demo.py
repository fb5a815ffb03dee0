"""The demo's tourism: 25+ experiences in 10+ countries with departures over 90 days, one across Morocco's
Ramadan clock change, some nearly full; a second run adds nothing; their pages render in Chinese and Arabic."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import distinct, func, select

from campaigns.demo.seed import seed_demo
from campaigns.tourism.models import Departure, Experience, ExperienceText
from marketplace.catalog.models import Product, ProductKind, ProductText
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.vendors.models import Store


def count(query) -> int:
    return db.session.scalar(query)


def test_demo_seeds_experiences_once(app, client):
    report = seed_demo(stores=12, products=24)
    assert report.experiences >= 25
    experiences = select(Product).where(Product.kind == ProductKind.EXPERIENCE)
    assert count(select(func.count()).select_from(experiences.subquery())) >= 25
    assert count(select(func.count(distinct(Store.country_code))).join(Product, Product.store_id == Store.id)
                 .where(Product.kind == ProductKind.EXPERIENCE)) >= 10
    # experiences are never stocked goods
    assert count(select(func.max(Product.stock)).where(Product.kind == ProductKind.EXPERIENCE)) == 0
    assert count(select(func.min(Product.price_amount)).where(Product.kind == ProductKind.EXPERIENCE)) > 0
    # texts in the operators' languages, with Chinese for some
    languages = set(db.session.scalars(select(distinct(Product.original_language)).where(
        Product.kind == ProductKind.EXPERIENCE)))
    assert {"en", "fr", "ar", "sw", "pt"} <= languages
    assert count(select(func.count(distinct(ExperienceText.experience_id))).where(ExperienceText.language == "zh")) > 5
    assert count(select(func.count(distinct(ProductText.product_id))).join(Product).where(
        Product.kind == ProductKind.EXPERIENCE, ProductText.language == "zh")) > 5
    # departures over the next 90 days, some nearly full, some sold out
    now = clock.now()
    latest = db.session.scalar(select(func.max(Departure.starts_at)))
    assert clock.to_utc(latest) <= now + timedelta(days=92)
    assert count(select(func.count(Departure.id)).where(Departure.seats_sold == Departure.capacity - 1)) > 0
    assert count(select(func.count(Departure.id)).where(Departure.seats_sold == Departure.capacity)) > 0
    # the desert camp in Africa/Casablanca has departures on both sides of a change of UTC offset
    camp = db.session.scalar(select(Experience).where(Experience.time_zone == "Africa/Casablanca").order_by(
        Experience.id))
    starts = db.session.scalars(select(Departure).where(Departure.experience_id == camp.id)).all()
    offsets = {(d.local_time.hour * 60 + d.local_time.minute)
               - (clock.to_utc(d.starts_at).hour * 60 + clock.to_utc(d.starts_at).minute) for d in starts}
    assert len(offsets) == 2, "the Merzouga departures straddle Morocco's Ramadan clock change"

    again = seed_demo(stores=12, products=24)
    assert again.experiences == 0

    slug = db.session.scalar(select(Product.slug).where(Product.kind == ProductKind.EXPERIENCE).order_by(Product.id))
    for lang in ("zh", "ar"):
        page = client.get(f"/{lang}/experiences/{slug}")
        assert page.status_code == 200
        landing = client.get(f"/{lang}/visit-africa/")
        assert landing.status_code == 200 and slug in landing.get_data(as_text=True)
