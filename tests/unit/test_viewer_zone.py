"""The zone a viewer reads times in, when they have not chosen one: their country's main zone."""
from __future__ import annotations

import pytest

from marketplace.core.zones import MAIN_ZONES, country_zone, known_zones, viewer_zone


@pytest.mark.parametrize(("country", "zone"), [
    ("US", "America/New_York"), ("CD", "Africa/Kinshasa"), ("PT", "Europe/Lisbon"), ("ES", "Europe/Madrid"),
    ("BR", "America/Sao_Paulo"), ("RU", "Europe/Moscow"), ("cn", "Asia/Shanghai"), ("KE", "Africa/Nairobi"),
])
def test_a_country_with_several_zones_is_read_in_the_one_most_of_its_people_live_in(country, zone):
    assert country_zone(country) == zone


def test_every_main_zone_is_a_zone_of_its_own_country():
    from babel.core import get_global

    territories = get_global("territory_zones")
    for country, zone in MAIN_ZONES.items():
        assert zone in known_zones(), zone
        assert zone in territories[country] or get_global("zone_aliases").get(zone) in territories[country], country


def test_unknown_countries_have_no_zone():
    assert country_zone("XX") is None and country_zone(None) is None


def test_a_browser_asking_for_american_english_reads_new_york_time_not_the_aleutians(app):
    with app.test_request_context("/en/lectures/", headers={"Accept-Language": "en-US,en;q=0.9"}):
        assert viewer_zone("Africa/Nairobi") == "America/New_York"
    with app.test_request_context("/zh/lectures/", headers={"Accept-Language": "zh-CN"}):
        assert viewer_zone("Africa/Nairobi") == "Asia/Shanghai"
