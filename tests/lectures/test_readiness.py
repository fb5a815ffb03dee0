"""Festival-ready stores: the owner attended a lecture of a festival-preparation series. The badge on the
store page and the vendor's pages, and a festival's "only festival-ready stores" switch refusing others with
a link to the next festival-preparation lecture."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.festivals import entries, services
from campaigns.festivals.entries import EntryInput
from campaigns.festivals.entry_rules import EntryRefused
from campaigns.festivals.models import Deal, Festival, FestivalText, Wave
from campaigns.lectures.models import LectureStatus, Registration, RegistrationStatus
from campaigns.lectures.readiness import next_preparation_lecture, ready_store_ids, store_is_festival_ready
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db
from tests.lectures.conftest import START

OPENS = datetime(2031, 3, 10, 12, 0, tzinfo=UTC)
NOW = OPENS + timedelta(hours=1)
PAST = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def festival(app, staff):
    made = Festival(slug="harvest-week", registration_opens_at=OPENS, registration_closes_at=OPENS + timedelta(days=3),
                    warmup_starts_at=OPENS + timedelta(days=5), created_by_id=staff.id, entrants_must_be_ready=True,
                    texts=[FestivalText(language="en", name="Harvest Week")],
                    waves=[Wave(starts_at=OPENS + timedelta(days=7), ends_at=OPENS + timedelta(days=8))])
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def preparation(make_series, make_lecture):
    """A festival-preparation series with a past lecture and the next one; another series' past lecture."""
    series = make_series({"en": "Festival preparation"})
    series.festival_preparation = True
    other = make_series({"en": "Selling to China"})
    db.session.commit()
    past = make_lecture(starts_at=PAST, series=series, titles={"en": "Getting ready for Harvest Week"})
    upcoming = make_lecture(starts_at=START, series=series, titles={"en": "Festival pricing clinic"})
    unrelated = make_lecture(starts_at=PAST, series=other, titles={"en": "Photographing tea"})
    return past, upcoming, unrelated


@pytest.fixture
def vendor_product(make_user, make_store, make_product):
    vendor = make_user(role=Role.VENDOR)
    product = make_product(store=make_store(owner=vendor), price=10000, currency="KES", stock=40)
    return vendor, product


def attended(lecture, user, at=PAST + timedelta(minutes=10)) -> Registration:
    registration = Registration(lecture_id=lecture.id, user_id=user.id, status=RegistrationStatus.REGISTERED,
                                position=lecture.arrivals + 1, attended_at=at)
    lecture.arrivals += 1
    db.session.add(registration)
    db.session.commit()
    return registration


def test_a_store_is_ready_only_when_its_owner_attended_a_preparation_lecture(preparation, vendor_product,
                                                                              make_user):
    past, _upcoming, unrelated = preparation
    vendor, product = vendor_product
    store_id = product.store_id
    assert not store_is_festival_ready(store_id)
    attended(unrelated, vendor)  # another series does not count
    registered_only = attended(past, make_user(role=Role.VENDOR), at=None)  # registered, never seen
    assert not store_is_festival_ready(store_id) and registered_only.attended_at is None
    attended(past, vendor)
    assert store_is_festival_ready(store_id)
    assert ready_store_ids([store_id, store_id + 1]) == {store_id}


def test_the_badge_shows_on_the_store_page_and_the_vendors_pages(client, login, preparation, vendor_product):
    past, _upcoming, _unrelated = preparation
    vendor, product = vendor_product
    store = product.store
    assert "Festival-ready" not in client.get(f"/en/stores/{store.slug}").text
    attended(past, vendor)  # the test settings cache no pages
    assert '<span class="badge festival-ready"' in client.get(f"/en/stores/{store.slug}").text
    assert "Prêt pour les festivals" in client.get(f"/fr/stores/{store.slug}").text
    login(vendor)
    assert "Festival-ready" in client.get("/en/vendor/products/").text
    assert "Festival-ready" in client.get("/en/vendor/festivals/").text


def test_a_store_without_the_badge_is_refused_with_a_link_to_the_next_lecture(app, client, login, festival,
                                                                               preparation, vendor_product):
    past, upcoming, _unrelated = preparation
    vendor, product = vendor_product
    wave_id = festival.waves[0].id
    with clock.freeze(NOW):
        assert next_preparation_lecture() == upcoming
        with app.test_request_context("/en/"), pytest.raises(EntryRefused) as refused:
            entries.propose_deal(vendor, festival, EntryInput(wave_id, product.id, "80", 5))
        assert "Festival pricing clinic" in refused.value.message
        assert refused.value.refusal.link_url == f"/en/lectures/{upcoming.id}"
        login(vendor)
        page = client.get(f"/en/vendor/festivals/{festival.slug}/enter").text
        assert "Only festival-ready stores may enter this festival" in page
        assert f'href="/en/lectures/{upcoming.id}"' in page and 'name="price"' not in page
        posted = client.post(f"/en/vendor/festivals/{festival.slug}/enter",
                             data={"wave_id": wave_id, "product_id": product.id, "price": "80", "cap": 5})
        assert posted.status_code == 422 and f'href="/en/lectures/{upcoming.id}"' in posted.text
        index = client.get("/en/vendor/festivals/").text
        assert f'href="/en/lectures/{upcoming.id}"' in index
        assert db.session.scalar(select(func.count(Deal.id))) == 0
        attended(past, vendor)
        entries.propose_deal(vendor, festival, EntryInput(wave_id, product.id, "80", 5))
    assert db.session.scalar(select(func.count(Deal.id))) == 1


def test_without_an_upcoming_preparation_lecture_the_refusal_links_to_the_list(app, festival, preparation,
                                                                              vendor_product):
    _past, upcoming, _unrelated = preparation
    upcoming.status = LectureStatus.CANCELLED
    db.session.commit()
    vendor, product = vendor_product
    with clock.freeze(NOW), app.test_request_context("/en/"), pytest.raises(EntryRefused) as refused:
        entries.propose_deal(vendor, festival, EntryInput(festival.waves[0].id, product.id, "80", 5))
    assert refused.value.refusal.link_url == "/en/lectures/" and "None is scheduled" in refused.value.message


def test_festivals_without_the_switch_take_any_approved_store(festival, preparation, vendor_product):
    festival.entrants_must_be_ready = False
    db.session.commit()
    vendor, product = vendor_product
    with clock.freeze(NOW):
        entries.propose_deal(vendor, festival, EntryInput(festival.waves[0].id, product.id, "80", 5))
    assert db.session.scalar(select(func.count(Deal.id))) == 1


def test_staff_switch_the_requirement_and_mark_a_series(client, login, staff, make_series):
    login(staff)
    series = make_series()
    answer = client.post(f"/en/staff/lectures/series/{series.id}", data={
        "original_language": "en", "title_en": "Festival preparation", "festival_preparation": "y"})
    assert answer.status_code == 302
    db.session.refresh(series)
    assert series.festival_preparation
    assert "Festival preparation" in client.get("/en/staff/lectures/").text
    form = client.get("/en/staff/festivals/new").text
    assert 'name="entrants_must_be_ready"' in form
    data = services.FestivalInput(
        names={"en": "Ready Week"}, time_zone="Africa/Nairobi", registration_opens=datetime(2031, 6, 1, 9),
        registration_closes=datetime(2031, 6, 3, 9), warmup_starts=datetime(2031, 6, 4, 9),
        waves=[services.WaveInput(datetime(2031, 6, 5, 9), datetime(2031, 6, 6, 9))], entrants_must_be_ready=True)
    with clock.freeze(datetime(2031, 5, 1, tzinfo=UTC)):
        made = services.create_festival(staff, data)
    assert made.entrants_must_be_ready
