"""Experiences through their services: creating, prices per traveller, and every bad input refused whole."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaigns.tourism import experiences, options
from campaigns.tourism.experiences import ExperienceWords
from campaigns.tourism.models import Experience, UnitKind
from campaigns.tourism.options import UnitChanges
from marketplace.accounts.models import Role
from marketplace.catalog.models import Product, ProductKind
from marketplace.core.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.vendors.backoffice import services as product_services
from marketplace.vendors.backoffice.services import LocaleText, ProductChanges
from tests.tourism.conftest import facts


def test_an_experience_is_a_product_without_stock_priced_from_its_cheapest_adult_seat(make_experience):
    experience = make_experience()
    product = experience.product
    assert product.kind == ProductKind.EXPERIENCE and product.is_experience
    assert product.stock == 0
    assert (product.price_amount, product.currency) == (65000, "MAD")  # the adult price, in the store's currency
    assert experience.languages == ["en", "fr"]  # in the list's order
    assert [unit.kind for unit in experience.options[0].units] == [UnitKind.ADULT, UnitKind.CHILD]
    assert experience.options[0].units[1].requires_adult


@pytest.mark.parametrize(("changes", "field"), [
    ({"meeting_lat": "91"}, "meeting_lat"),
    ({"meeting_lon": "-181"}, "meeting_lon"),
    ({"meeting_lon": ""}, "meeting_lon"),  # a latitude without a longitude
    ({"meeting_lat": "nan"}, "meeting_lat"),
    ({"guide_languages": []}, "guide_languages"),
    ({"guide_languages": ["fr", "klingon"]}, "guide_languages"),
    ({"time_zone": "Africa/Atlantis"}, "time_zone"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"minimum_age": -1}, "minimum_age"),
    ({"late_refund_percent": 101}, "late_refund_percent"),
    ({"free_cancel_hours": None}, "free_cancel_hours"),
])
def test_bad_facts_create_nothing(make_experience, changes, field):
    with pytest.raises(ValidationError) as refused:
        make_experience(**changes)
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(Experience.id))) == 0
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_a_missing_name_and_category_are_named(vendor, category):
    with pytest.raises(ValidationError) as refused:
        experiences.create_experience(vendor, name=" ", description="", original_language="xx", category_id="99999",
                                      facts=facts(), words=ExperienceWords())
    assert {"name", "description", "original_language", "category_id"} <= refused.value.fields.keys()


@pytest.mark.parametrize(("changes", "field"), [
    (UnitChanges("adult", "650", 5, 2), "max_per_booking"),  # least above most
    (UnitChanges("adult", "-5", 1, 2), "price"),
    (UnitChanges("adult", "12.345", 1, 2), "price"),  # MAD has two decimals
    (UnitChanges("adult", "abc", 1, 2), "price"),
    (UnitChanges("pilot", "10", 1, 2), "kind"),
    (UnitChanges("adult", "10", None, 2), "min_per_booking"),
    (UnitChanges("adult", "10", 0, 100), "max_per_booking"),
])
def test_bad_prices_change_nothing(make_experience, vendor, changes, field):
    experience = make_experience()
    option = experience.options[0]
    with pytest.raises(ValidationError) as refused:
        options.set_unit(vendor, option.id, changes)
    assert field in refused.value.fields
    db.session.expire_all()
    adult = next(unit for unit in option.units if unit.kind == UnitKind.ADULT)
    assert (adult.price_amount, adult.min_per_booking, adult.max_per_booking) == (65000, 1, 6)


def test_changing_a_price_keeps_the_product_price_at_the_cheapest_adult_seat(make_experience, vendor):
    experience = make_experience()
    option = options.add_option(vendor, experience.product_id, "fr", "Tente privée")
    options.set_unit(vendor, option.id, UnitChanges("adult", "500", 1, 2))
    options.set_unit(vendor, option.id, UnitChanges("infant", "0", 0, 1))  # a free seat is a price
    assert experience.product.price_amount == 50000
    options.remove_unit(vendor, option.id, option.units[0].id)
    assert experience.product.price_amount == 65000


def test_another_vendors_experience_option_and_price_are_not_found(make_experience, make_user, make_store):
    experience = make_experience()
    other = make_user(role=Role.VENDOR)
    make_store(owner=other)
    option = experience.options[0]
    for attempt in (
        lambda: experiences.owned_experience(other, experience.product_id),
        lambda: options.add_option(other, experience.product_id, "fr", "Volée"),
        lambda: options.set_unit(other, option.id, UnitChanges("adult", "1", 1, 2)),
        lambda: options.remove_unit(other, option.id, option.units[0].id),
        lambda: experiences.update_experience(other, experience.product_id, facts(), "fr", ExperienceWords()),
    ):
        with pytest.raises(NotFound):
            attempt()


def test_texts_per_language_with_an_empty_set_removing_one(make_experience, vendor):
    experience = make_experience()
    experiences.update_experience(vendor, experience.product_id, facts(), "zh",
                                  ExperienceWords(itinerary="第一天：骑骆驼。", meeting_point="梅尔祖卡"))
    assert {t.language for t in experience.texts} == {"fr", "zh"}
    experiences.update_experience(vendor, experience.product_id, facts(), "zh", ExperienceWords())
    assert {t.language for t in experience.texts} == {"fr"}


def test_the_product_editor_cannot_stock_or_reprice_an_experience(make_experience, vendor, category):
    experience = make_experience()
    product = experience.product
    product_services.update_product(vendor, product.id, ProductChanges(
        original_language="fr", category_id=str(category.id), price="1", currency="USD", stock="50",
        stock_seen="0", texts={"fr": LocaleText("Bivouac", "Deux jours.")}))
    db.session.expire_all()
    assert (product.stock, product.price_amount, product.currency) == (0, 65000, "MAD")


def test_a_stock_change_by_file_or_api_is_refused_for_an_experience(make_experience):
    from marketplace.vendors.backoffice.stock_edits import SeenFrom, apply_stock_change

    experience = make_experience()
    with pytest.raises(ValidationError) as refused:
        apply_stock_change(experience.product_id, 0, 5, SeenFrom.FILE)
    assert "stock" in refused.value.fields


def test_an_experience_without_a_price_cannot_enter_a_festival(app, vendor, category):
    from datetime import timedelta

    from campaigns.festivals.entries import EntryInput, propose_deal
    from campaigns.festivals.models import Deal, Festival, FestivalText, Wave
    from campaigns.tourism import experiences
    from marketplace.catalog.models import ProductStatus
    from marketplace.core import clock
    from tests.tourism.conftest import facts

    experience = experiences.create_experience(
        vendor, name="Sans prix", description="Pas encore de tarif.", original_language="fr",
        category_id=str(category.id), facts=facts(), words=experiences.ExperienceWords())
    experience.product.status = ProductStatus.PUBLISHED
    now, day = clock.now(), timedelta(days=1)
    festival = Festival(slug="tourism-week", registration_opens_at=now - day / 24,
                        registration_closes_at=now + 2 * day, warmup_starts_at=now + 2 * day,
                        texts=[FestivalText(language="en", name="Tourism Week")],
                        waves=[Wave(starts_at=now + 3 * day, ends_at=now + 4 * day)])
    db.session.add(festival)
    db.session.commit()
    with pytest.raises(ValidationError, match="price for adults") as refused:
        propose_deal(vendor, festival, EntryInput(festival.waves[0].id, experience.product_id, "500", 2))
    assert "product_id" in refused.value.fields
    assert db.session.scalar(select(func.count(Deal.id))) == 0
