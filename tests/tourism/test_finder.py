"""Finding experiences: words in any language, and the country, length, month and guide-language facets.

Each facet filters and is counted under the others; a month counts only departures that still take
bookings and have seats; values that are not understood are said and left out; pages past the last are 404.
"""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from campaigns.tourism import departures as departure_service
from campaigns.tourism.departures import DepartureSpec
from campaigns.tourism.finder import FinderQuery, find_experiences, parse_finder
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.search.services import reindex_products
from tests.tourism.conftest import DAY, NOW


@pytest.fixture
def world(app, frozen, vendor, make_user, make_store, make_experience):
    """A two-day Moroccan desert camp with a February date, a Kenyan half-day walk (guides in Swahili and
    English) with a full March date, and a Kenyan day-long coffee farm visit with no date at all."""
    kenyan = make_user(role=Role.VENDOR, email="kenya@example.com")
    make_store(owner=kenyan, country_code="KE", language="en")
    camp = make_experience()
    walk = make_experience(owner=kenyan, name="Nairobi forest walk", duration_minutes=180,
                           guide_languages=["sw", "en"], time_zone="Africa/Nairobi")
    farm = make_experience(owner=kenyan, name="Kiambu coffee farm visit", duration_minutes=480,
                           guide_languages=["en"], time_zone="Africa/Nairobi")
    departure_service.add_departure(vendor, camp.options[0].id, DAY, time(7, 30), DepartureSpec(10, 48))
    full = departure_service.add_departure(kenyan, walk.options[0].id, DAY + timedelta(days=20), time(9, 0),
                                           DepartureSpec(4, 24))
    full.seats_sold = 4
    db.session.commit()
    reindex_products([camp.product_id, walk.product_id, farm.product_id])
    return camp, walk, farm


def names(result) -> list[str]:
    return sorted(card.name.text for card in result.cards)


def find(**asked):
    query = FinderQuery(**asked)
    return find_experiences(query, clock.now(), NOW.date(), "en", None, None)


def counts(result, facet: str) -> dict[str, int]:
    return {choice.value: choice.count for choice in result.facets[facet] if choice.count}


def test_each_facet_filters_and_counts_under_the_others(world):
    everything = find()
    assert everything.total == 3
    assert counts(everything, "country") == {"MA": 1, "KE": 2}
    assert counts(everything, "duration") == {"short": 1, "day": 1, "days": 1}
    assert counts(everything, "guide") == {"en": 3, "fr": 1, "sw": 1}
    assert counts(everything, "month") == {"2027-02": 1}  # the walk's March date is full, the farm has none

    kenya = find(country="KE")
    assert names(kenya) == ["Kiambu coffee farm visit", "Nairobi forest walk"]
    assert counts(kenya, "country") == {"MA": 1, "KE": 2}  # a facet is counted without its own choice
    assert counts(kenya, "guide") == {"en": 2, "sw": 1}
    assert names(find(country="KE", guide="sw")) == ["Nairobi forest walk"]
    assert names(find(duration="days")) == ["Bivouac à Merzouga"]
    assert names(find(month="2027-02")) == ["Bivouac à Merzouga"]
    assert find(month="2027-03").total == 0


def test_a_month_stops_counting_once_its_only_date_has_closed(world):
    from campaigns.tourism.models import Departure

    assert find(month="2027-02").total == 1
    [date] = db.session.query(Departure).filter_by(experience_id=world[0].id).all()
    with clock.freeze(clock.to_utc(date.closes_at) + timedelta(minutes=1)):
        assert find(month="2027-02").total == 0


def test_words_in_another_language_find_the_experience(world):
    assert names(find(text="coffee")) == ["Kiambu coffee farm visit"]
    assert names(find(text="Merzouga", country="MA")) == ["Bivouac à Merzouga"]
    assert find(text="Merzouga", country="KE").total == 0


def test_the_page_shows_facets_and_says_what_it_did_not_understand(client, world):
    page = client.get("/en/visit-africa/find?country=K1&duration=forever&month=1999-01&guide=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "That country is not one we know" in html and "That length is not one of the choices" in html
    assert "Choose a month from this one to a year ahead" in html
    assert "Nairobi forest walk" in html and "Kiambu coffee farm visit" in html  # guide=en kept, the rest dropped
    chosen = client.get("/en/visit-africa/find?country=KE&guide=sw").get_data(as_text=True)
    assert "Nairobi forest walk" in chosen and "Kiambu coffee farm visit" not in chosen
    assert "Guide speaks: Swahili" in chosen  # the chosen filter, removable
    assert client.get("/en/visit-africa/find?page=2").status_code == 404
    assert client.get("/en/visit-africa/find?page=zero").status_code == 404
    zh = client.get("/zh/visit-africa/find").get_data(as_text=True)
    assert "肯尼亚" in zh  # countries named in the page's language


def test_parse_finder_leaves_out_values_it_does_not_understand():
    query, notes = parse_finder({"country": "ke", "month": "2027-13", "guide": "<script>", "q": "  safari   tent "},
                                NOW.date())
    assert query == FinderQuery(text="safari tent", country="KE")
    assert len(notes) == 2
