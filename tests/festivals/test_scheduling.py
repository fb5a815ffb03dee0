"""Staff scheduling: local times in named zones (DST edges included), windows, overlaps, live edits."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from campaigns.festivals import scheduling, services
from campaigns.festivals.models import Festival, Wave
from campaigns.festivals.pricing_rule import festival_price_rule
from campaigns.festivals.services import FestivalInput, WaveInput
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.festivals.conftest import SECOND, WAVE1

NOW = datetime(2031, 1, 5, 8, 0, tzinfo=UTC)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text)


def festival_input(zone: str = "Africa/Nairobi", waves=(("2031-02-01 10:00", "2031-02-02 10:00"),),
                   **changes) -> FestivalInput:
    """A valid festival input; `changes` replace fields (waves may be WaveInputs or text pairs)."""
    values = dict(
        names={"en": "Quality African Products Festival", "fr": "Festival des produits africains"},
        time_zone=zone, registration_opens=local("2031-01-06 09:00"),
        registration_closes=local("2031-01-20 18:00"), warmup_starts=local("2031-01-25 09:00"),
        waves=[w if isinstance(w, WaveInput) else WaveInput(local(w[0]), local(w[1])) for w in waves],
        themes={"en": "Quality African Products"},
    )
    values.update({k: v for k, v in changes.items() if k != "waves"})
    return FestivalInput(**values)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_local_times_are_stored_as_utc(staff):
    with clock.freeze(NOW):
        festival = services.create_festival(staff, festival_input(
            zone="Asia/Shanghai", waves=(("2031-02-01 20:00", "2031-02-02 20:00"),)))
    db.session.expire_all()
    wave = db.session.get(Festival, festival.id).waves[0]
    assert clock.to_utc(wave.starts_at) == datetime(2031, 2, 1, 12, 0, tzinfo=UTC)
    assert festival.slug == "quality-african-products-festival"


@pytest.mark.parametrize(("changes", "field"), [
    ({"waves": [WaveInput(local("2031-02-02 10:00"), local("2031-02-01 10:00"))]}, "wave_0_ends"),
    ({"waves": [WaveInput(local("2031-02-02 10:00"), local("2031-02-02 10:00"))]}, "wave_0_ends"),
    ({"waves": [WaveInput(local("2030-12-01 10:00"), local("2030-12-02 10:00"))]}, "wave_0_starts"),
    ({"registration_closes": local("2031-01-06 08:00")}, "registration_closes"),
    ({"warmup_starts": local("2031-01-19 08:00")}, "warmup_starts"),
    ({"waves": [WaveInput(local("2031-02-01 10:00"), local("2031-02-03 10:00")),
                WaveInput(local("2031-02-02 10:00"), local("2031-02-04 10:00"))]}, "waves"),
    ({"waves": []}, "waves"),
    ({"names": {"fr": "Seulement en français"}}, "name_en"),
])
def test_bad_windows_are_refused_and_nothing_is_saved(staff, changes, field):
    with clock.freeze(NOW), pytest.raises(ValidationError) as caught:
        services.create_festival(staff, festival_input(**changes))
    assert field in caught.value.fields
    assert count(Festival) == 0 and count(Wave) == 0


def test_an_unknown_zone_is_named_in_the_refusal(staff):
    with clock.freeze(NOW), pytest.raises(ValidationError, match="Africa/Atlantis"):
        services.create_festival(staff, festival_input(zone="Africa/Atlantis"))


def test_only_staff_schedule(make_user):
    with clock.freeze(NOW), pytest.raises(PermissionDenied):
        services.create_festival(make_user(), festival_input())


def gap_and_fold(zone_name: str, year: int) -> tuple[datetime, datetime]:
    """A wall-clock time that does not exist and one that occurs twice in the zone in `year`,
    found from zoneinfo's own transitions (never hard-coded)."""
    zone = ZoneInfo(zone_name)
    gap = fold = None
    for instant in scheduling.transitions(zone_name, year):
        before = (instant - SECOND).astimezone(zone).replace(tzinfo=None)
        after = instant.astimezone(zone).replace(tzinfo=None)
        if after > before + timedelta(minutes=1) and gap is None:
            gap = (before + (after - before) / 2).replace(second=0, microsecond=0)
        elif after < before and fold is None:
            fold = (after + (before - after) / 2).replace(second=0, microsecond=0)
    assert gap and fold, f"{zone_name} has no DST in {year} according to zoneinfo"
    return gap, fold


@pytest.mark.parametrize("zone", ["Africa/Cairo", "Africa/Casablanca"])
def test_times_that_do_not_exist_or_occur_twice_are_refused_by_name(staff, zone):
    gap, fold = gap_and_fold(zone, 2031)
    with pytest.raises(ValidationError, match="does not exist") as skipped:
        scheduling.local_to_utc(gap, zone)
    assert gap.strftime("%Y-%m-%d %H:%M") in skipped.value.message and zone in skipped.value.message
    with pytest.raises(ValidationError, match="happens twice") as repeated:
        scheduling.local_to_utc(fold, zone)
    assert fold.strftime("%Y-%m-%d %H:%M") in repeated.value.message
    # One minute either side of the odd hour is fine and lands on the right side of the change.
    for ok in (gap - timedelta(hours=1), fold - timedelta(hours=2), fold + timedelta(hours=2)):
        assert scheduling.utc_to_local(scheduling.local_to_utc(ok, zone), zone).replace(tzinfo=None) == ok
    start = gap - timedelta(hours=3)
    data = festival_input(zone=zone, registration_opens=start - timedelta(days=30),
                          registration_closes=start - timedelta(days=20), warmup_starts=start - timedelta(days=10),
                          waves=[WaveInput(start, gap)])
    with clock.freeze(start.replace(tzinfo=UTC) - timedelta(days=40)), pytest.raises(ValidationError) as caught:
        services.create_festival(staff, data)
    assert "wave_0_ends" in caught.value.fields and zone in caught.value.message
    assert count(Festival) == 0


def test_a_wave_across_a_dst_change_lasts_its_real_length(staff):
    zone = "Africa/Cairo"
    gap, _fold = gap_and_fold(zone, 2031)
    start, end = gap - timedelta(hours=6), gap + timedelta(hours=6)
    data = festival_input(zone=zone, registration_opens=start - timedelta(days=30),
                          registration_closes=start - timedelta(days=20), warmup_starts=start - timedelta(days=10),
                          waves=[WaveInput(start, end)])
    with clock.freeze(datetime(2031, 1, 1, tzinfo=UTC)):
        festival = services.create_festival(staff, data)
    wave = festival.waves[0]
    assert clock.to_utc(wave.ends_at) - clock.to_utc(wave.starts_at) == timedelta(hours=11)


def test_live_edits_that_would_change_what_shoppers_saw_are_refused(staff, make_festival, make_deal):
    festival = make_festival(zone="UTC")
    deal = make_deal(festival)
    data = festival_input(zone="UTC")
    at = WAVE1[0] + timedelta(hours=1)
    data.registration_opens, data.registration_closes, data.warmup_starts = (
        clock.to_utc(festival.registration_opens_at).replace(tzinfo=None),
        clock.to_utc(festival.registration_closes_at).replace(tzinfo=None),
        clock.to_utc(festival.warmup_starts_at).replace(tzinfo=None))
    waves = [(clock.to_utc(w.starts_at).replace(tzinfo=None), clock.to_utc(w.ends_at).replace(tzinfo=None), w.id)
             for w in sorted(festival.waves, key=lambda w: w.starts_at)]
    later_start = [WaveInput(waves[0][0] + timedelta(hours=2), waves[0][1], waves[0][2]), WaveInput(*waves[1])]
    earlier_end = [WaveInput(waves[0][0], waves[0][1] - timedelta(minutes=30), waves[0][2]), WaveInput(*waves[1])]
    with clock.freeze(at):
        for bad in (later_start, earlier_end):
            data.waves = bad
            with pytest.raises(ValidationError):
                services.update_festival(staff, festival, data)
            db.session.expire_all()
            assert clock.to_utc(db.session.get(Wave, deal.wave_id).starts_at) == WAVE1[0]
        data.waves = [WaveInput(waves[0][0], waves[0][1] + timedelta(minutes=30), waves[0][2]),
                      WaveInput(*waves[1])]
        services.update_festival(staff, festival, data)  # extending is fine
        assert festival_price_rule([deal.product], None, WAVE1[1] + timedelta(minutes=10))


def test_pause_stops_deals_at_once_and_extend_moves_the_end(staff, make_festival, make_deal):
    festival = make_festival(zone="Africa/Lagos")
    deal = make_deal(festival, wave_index=1)
    at = festival.waves[1].starts_at + timedelta(hours=1)
    at = clock.to_utc(at)
    with clock.freeze(at):
        assert festival_price_rule([deal.product], None, at)
        services.pause_festival(staff, festival)
        assert festival_price_rule([deal.product], None, at) == {}
        with pytest.raises(Conflict):
            services.pause_festival(staff, festival)
        services.resume_festival(staff, festival)
        assert festival_price_rule([deal.product], None, at)
        end_local = scheduling.utc_to_local(clock.to_utc(festival.waves[1].ends_at), "Africa/Lagos")
        with pytest.raises(ValidationError):
            services.extend_festival(staff, festival, end_local.replace(tzinfo=None) - timedelta(hours=1))
        services.extend_festival(staff, festival, end_local.replace(tzinfo=None) + timedelta(hours=6))
    later = clock.to_utc(festival.ends_at) - SECOND
    assert festival_price_rule([deal.product], None, later)


def test_a_schedule_that_puts_a_product_on_two_deals_at_once_is_refused(staff, make_festival, make_deal):
    first = make_festival(slug="first", zone="UTC")
    second = make_festival(slug="second", zone="UTC", waves=((WAVE1[1] + timedelta(hours=1),
                                                              WAVE1[1] + timedelta(hours=5)),))
    deal = make_deal(first)
    make_deal(second, product=deal.product)
    data = festival_input(zone="UTC")
    data.registration_opens, data.registration_closes, data.warmup_starts = (
        clock.to_utc(getattr(second, name)).replace(tzinfo=None)
        for name in ("registration_opens_at", "registration_closes_at", "warmup_starts_at"))
    data.waves = [WaveInput(WAVE1[0].replace(tzinfo=None) + timedelta(hours=2),
                            WAVE1[1].replace(tzinfo=None) + timedelta(hours=5), second.waves[0].id)]
    with clock.freeze(WAVE1[0] - timedelta(days=1)), pytest.raises(Conflict, match="two deals"):
        services.update_festival(staff, second, data)
    db.session.expire_all()
    assert clock.to_utc(db.session.get(Festival, second.id).waves[0].starts_at) == WAVE1[1] + timedelta(hours=1)
