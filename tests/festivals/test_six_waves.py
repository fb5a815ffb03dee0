"""The staff form offers the six waves the scheduling service accepts; each wave's refusal names its slot."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from campaigns.festivals.models import Festival
from marketplace.core import clock
from marketplace.extensions import db
from tests.festivals.conftest import REGISTRATION_OPENS, WAVE1, WAVE2
from tests.festivals.staff_form import form_fields, local_field
from tests.festivals.test_scheduling import gap_and_fold

FORMAT = "%Y-%m-%dT%H:%M"
FIRST_WAVE = datetime(2031, 5, 20, 20, 0)  # Nairobi wall-clock time
DAY = timedelta(days=1)


def six_waves(first: datetime = FIRST_WAVE) -> list[tuple[datetime, datetime]]:
    """Six one-day waves, two days apart."""
    return [(first + 2 * i * DAY, first + (2 * i + 1) * DAY) for i in range(6)]


def new_form(waves: list[tuple[datetime, datetime] | None], zone: str = "Africa/Nairobi",
             warmup: datetime = datetime(2031, 5, 15, 9, 0)) -> dict:
    """The new-festival form with one wave per slot (None leaves the slot empty)."""
    data = {
        "name_en": "Six Waves Festival", "original_language": "en", "time_zone": zone, "theme_en": "Waves",
        "registration_opens": (warmup - 14 * DAY).strftime(FORMAT),
        "registration_closes": (warmup - 5 * DAY).strftime(FORMAT), "warmup_starts": warmup.strftime(FORMAT),
    }
    for slot, wave in enumerate(waves):
        if wave is not None:
            data[f"wave_{slot}_starts"], data[f"wave_{slot}_ends"] = (w.strftime(FORMAT) for w in wave)
    return data


def field_error(page: str, name: str) -> str | None:
    """The error message the form shows under field `name`, if any."""
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    return match[1] if match else None


def festivals() -> list[Festival]:
    db.session.expire_all()
    return list(db.session.scalars(select(Festival)))


@pytest.fixture
def staff_client(client, login, staff):
    login(staff)
    return client


def test_the_form_offers_six_wave_slots(staff_client):
    page = staff_client.get("/en/staff/festivals/new").get_data(as_text=True)
    assert all(f'name="wave_{slot}_starts"' in page and f'name="wave_{slot}_ends"' in page for slot in range(6))
    assert "Wave 6 opens" in page and 'name="wave_6_starts"' not in page


def test_six_waves_are_saved_and_shown(app, staff_client):
    with clock.freeze(REGISTRATION_OPENS):
        assert staff_client.post("/en/staff/festivals/new", data=new_form(six_waves())).status_code == 302
        (festival,) = festivals()
        starts = [clock.to_utc(w.starts_at) for w in sorted(festival.waves, key=lambda w: w.starts_at)]
        # Nairobi is UTC+3 all year
        assert starts == [datetime(2031, 5, 20 + 2 * i, 17, 0, tzinfo=UTC) for i in range(6)]
        edit_page = staff_client.get(f"/en/staff/festivals/{festival.id}/edit").get_data(as_text=True)
        assert 'name="wave_5_starts" type="datetime-local" value="2031-05-30T20:00"' in edit_page
        # saving the edit form as shown keeps all six (three slots used to drop the rest)
        response = staff_client.post(f"/en/staff/festivals/{festival.id}/edit",
                                     data=form_fields(festival, theme_en="Six waves"))
        assert response.status_code == 302
        (festival,) = festivals()
        assert len(festival.waves) == 6 and {t.language: t.theme for t in festival.texts}["en"] == "Six waves"
    with clock.freeze(datetime(2031, 5, 16, tzinfo=UTC)):  # warm-up: shoppers see it
        landing = app.test_client().get(f"/en/festivals/{festival.slug}").get_data(as_text=True)
        api = app.test_client().get(f"/api/v1/festivals/{festival.slug}").get_json()
    assert "Wave 6:" in landing and "Wave 7" not in landing
    assert [w["starts_at"] for w in api["festival"]["waves"]][-1] == "2031-05-30T17:00:00Z"


def test_empty_slots_are_ignored(staff_client):
    waves = six_waves()
    with clock.freeze(REGISTRATION_OPENS):
        data = new_form([waves[0], None, waves[2], None, None, waves[5]])
        assert staff_client.post("/en/staff/festivals/new", data=data).status_code == 302
    (festival,) = festivals()
    assert [clock.to_utc(w.starts_at).day for w in festival.waves] == [20, 24, 30]


def test_a_message_lands_on_the_slot_staff_filled_even_after_an_empty_one(staff_client):
    waves = six_waves()
    overlapping = (waves[0][0] + timedelta(hours=2), waves[0][1] + timedelta(hours=2))
    with clock.freeze(REGISTRATION_OPENS):
        response = staff_client.post("/en/staff/festivals/new", data=new_form([waves[0], None, None, None, overlapping]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "wave_4_starts") == "This wave starts before the previous wave ends."
    assert field_error(page, "wave_1_starts") is None and festivals() == []


@pytest.mark.parametrize(("sixth", "field", "message"), [
    ((FIRST_WAVE + 8 * DAY + timedelta(hours=12), FIRST_WAVE + 11 * DAY), "wave_5_starts",
     "This wave starts before the previous wave ends."),
    ((FIRST_WAVE + 11 * DAY, FIRST_WAVE + 10 * DAY), "wave_5_ends", "A wave must end after it starts."),
    ((FIRST_WAVE - 40 * DAY, FIRST_WAVE - 39 * DAY), "wave_5_starts",
     "The first wave starts after the warm-up begins."),
])
def test_a_bad_sixth_wave_is_refused_with_its_message(staff_client, sixth, field, message):
    waves = [*six_waves()[:5], sixth]
    with clock.freeze(REGISTRATION_OPENS):
        response = staff_client.post("/en/staff/festivals/new", data=new_form(waves))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and field_error(page, field) == message
    assert all(field_error(page, f"wave_{slot}_starts") is None for slot in range(5))
    assert 'value="Six Waves Festival"' in page, "what staff typed stays in the form"
    assert festivals() == []


def test_a_sixth_wave_at_a_time_that_does_not_exist_is_refused_by_name(staff_client):
    zone = "Africa/Cairo"
    gap, _fold = gap_and_fold(zone, 2031)
    first = gap - 12 * DAY
    waves = [*six_waves(first)[:5], (gap, gap + DAY)]
    with clock.freeze(datetime(2031, 1, 5, tzinfo=UTC)):
        response = staff_client.post("/en/staff/festivals/new",
                                     data=new_form(waves, zone=zone, warmup=first - 3 * DAY))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "wave_5_starts") == (
        f"{gap.strftime('%Y-%m-%d %H:%M')} does not exist in {zone} (the clocks jump forward then).")
    assert festivals() == []


@pytest.mark.parametrize("slot", [5, 0])
def test_a_sixth_wave_cannot_move_into_the_past(staff_client, slot):
    """The latest wave typed in the last slot, or in the first with the first wave's times in the last."""
    waves = six_waves()
    with clock.freeze(REGISTRATION_OPENS):
        assert staff_client.post("/en/staff/festivals/new", data=new_form(waves)).status_code == 302
    (festival,) = festivals()
    fifth_ended = datetime(2031, 5, 29, 17, 0, tzinfo=UTC) + timedelta(hours=6)  # Nairobi is UTC+3
    fields = form_fields(festival)
    if slot == 0:  # the sixth wave shown in the first slot, the first in the last
        for end in ("id", "starts", "ends"):
            fields[f"wave_0_{end}"], fields[f"wave_5_{end}"] = fields[f"wave_5_{end}"], fields[f"wave_0_{end}"]
    with clock.freeze(fifth_ended):
        earlier = (fifth_ended + timedelta(hours=3) - timedelta(hours=1)).replace(tzinfo=None)  # an hour ago, local
        fields[f"wave_{slot}_starts"] = earlier.strftime(FORMAT)
        response = staff_client.post(f"/en/staff/festivals/{festival.id}/edit", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, f"wave_{slot}_starts") == (
        "Times that have passed cannot change, and none can move into the past.")
    assert field_error(page, f"wave_{5 - slot}_starts") is None
    (festival,) = festivals()
    assert max(clock.to_utc(w.starts_at) for w in festival.waves) == datetime(2031, 5, 30, 17, 0, tzinfo=UTC)


WAVE3 = (WAVE2[1] + 2 * DAY, WAVE2[1] + 3 * DAY)


def windows(festival_id: int) -> dict[int, tuple[datetime, datetime]]:
    """Each wave's (start, end) in UTC by wave id, read afresh."""
    db.session.expire_all()
    festival = db.session.get(Festival, festival_id)
    return {w.id: (clock.to_utc(w.starts_at), clock.to_utc(w.ends_at)) for w in festival.waves}


def cleared(fields: dict, slot: int) -> dict:
    return {k: ("" if k.startswith(f"wave_{slot}_") else v) for k, v in fields.items()}


def test_clearing_a_middle_slot_removes_that_wave_and_later_deals_keep_their_window(staff_client, make_festival,
                                                                                     make_deal):
    festival = make_festival(waves=(WAVE1, WAVE2, WAVE3))
    deal = make_deal(festival, wave_index=2)
    with clock.freeze(REGISTRATION_OPENS):
        response = staff_client.post(f"/en/staff/festivals/{festival.id}/edit",
                                     data=cleared(form_fields(festival), 1))
    assert response.status_code == 302
    assert sorted(windows(festival.id).values()) == [WAVE1, WAVE3]
    assert windows(festival.id)[deal.wave_id] == WAVE3  # not moved onto the second wave's times


def test_a_cleared_slot_whose_wave_has_deals_is_refused_and_nothing_changes(staff_client, make_festival, make_deal):
    festival = make_festival(waves=(WAVE1, WAVE2, WAVE3))
    make_deal(festival, wave_index=1)
    before = windows(festival.id)
    with clock.freeze(REGISTRATION_OPENS):
        response = staff_client.post(f"/en/staff/festivals/{festival.id}/edit",
                                     data=cleared(form_fields(festival), 1))
    assert response.status_code == 422
    assert "A wave with deals cannot be removed." in response.get_data(as_text=True)
    assert windows(festival.id) == before


def test_a_wave_moved_after_another_takes_its_deals_with_it(staff_client, make_festival, make_deal):
    festival = make_festival(waves=(WAVE1, WAVE2))
    deal = make_deal(festival, wave_index=0)
    later = (WAVE2[1] + DAY, WAVE2[1] + 2 * DAY)
    fields = form_fields(festival, wave_0_starts=local_field(later[0], festival.time_zone),
                         wave_0_ends=local_field(later[1], festival.time_zone))
    with clock.freeze(REGISTRATION_OPENS):
        assert staff_client.post(f"/en/staff/festivals/{festival.id}/edit", data=fields).status_code == 302
    assert windows(festival.id)[deal.wave_id] == later
    form = staff_client.get(f"/en/staff/festivals/{festival.id}/edit").get_data(as_text=True)
    assert f'name="wave_1_id" type="hidden" value="{deal.wave_id}"' in form  # now the second slot


def test_a_wave_id_of_another_festival_changes_nothing_there(staff_client, make_festival):
    festival = make_festival(waves=(WAVE1,))
    other = make_festival(slug="other", waves=(WAVE2,))
    other_before = windows(other.id)
    fields = form_fields(festival, wave_1_id=str(other.waves[0].id),
                         wave_1_starts=local_field(WAVE3[0], festival.time_zone),
                         wave_1_ends=local_field(WAVE3[1], festival.time_zone))
    with clock.freeze(REGISTRATION_OPENS):
        assert staff_client.post(f"/en/staff/festivals/{festival.id}/edit", data=fields).status_code == 302
    assert windows(other.id) == other_before
    assert sorted(windows(festival.id).values()) == [WAVE1, WAVE3]  # a new wave of this festival


def test_a_wave_that_has_opened_cannot_be_removed_and_a_new_one_cannot_start_in_the_past(staff_client,
                                                                                         make_festival):
    festival = make_festival(waves=(WAVE1, WAVE2))
    before = windows(festival.id)
    with clock.freeze(WAVE1[0] + timedelta(hours=1)):
        fields = form_fields(festival)
        removed = {**fields, "wave_0_id": fields["wave_1_id"], "wave_0_starts": fields["wave_1_starts"],
                   "wave_0_ends": fields["wave_1_ends"], "wave_1_id": "", "wave_1_starts": "", "wave_1_ends": ""}
        page = staff_client.post(f"/en/staff/festivals/{festival.id}/edit", data=removed)
        assert page.status_code == 422
        assert "A wave that has opened cannot be removed." in page.get_data(as_text=True)
        added = form_fields(festival, wave_2_starts=local_field(WAVE1[0] - DAY, festival.time_zone),
                            wave_2_ends=local_field(WAVE1[0] - DAY / 2, festival.time_zone))
        page = staff_client.post(f"/en/staff/festivals/{festival.id}/edit", data=added)
        assert page.status_code == 422
        assert field_error(page.get_data(as_text=True), "wave_2_starts") == "This time is in the past."
    assert windows(festival.id) == before
