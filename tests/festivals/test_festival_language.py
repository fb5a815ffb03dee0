"""Festival texts in the reader's language: themes per language with fallback, countdowns in each
language's word order, and festival times with the zone named, never its id."""
from __future__ import annotations

import re

import pytest

from campaigns.festivals.models import Festival
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db
from tests.festivals.conftest import REGISTRATION_OPENS, SECOND, WARMUP_STARTS, WAVE1

HARVEST = {"en": "Harvest", "fr": "Récolte", "zh": "丰收"}


def test_themes_are_per_language_with_the_readers_fallback(client, make_festival):
    festival = make_festival(names={"en": "Coffee & Tea Week", "fr": "Semaine du café", "zh": "咖啡与茶周"},
                             themes=HARVEST)
    with clock.freeze(WARMUP_STARTS + SECOND):
        url = f"/{{}}/festivals/{festival.slug}"
        assert '<span>丰收</span>' in client.get(url.format("zh")).text
        assert '<span>Récolte</span>' in client.get(url.format("fr")).text
        swahili = client.get(url.format("sw"), headers={"Accept-Language": "sw"}).text
        assert '<span lang="en" dir="ltr">Harvest</span>' in swahili
        french_too = client.get(url.format("sw"), headers={"Accept-Language": "sw, fr;q=0.8"}).text
        assert '<span lang="fr" dir="ltr">Récolte</span>' in french_too
        arabic = client.get(url.format("ar")).text
        assert '<span lang="en" dir="ltr">Harvest</span>' in arabic
        assert '<span lang="en" dir="ltr">Harvest</span>' in client.get("/ar/festivals/").text
        api = client.get(f"/api/v1/festivals/{festival.slug}?lang=fr").get_json()["festival"]
        assert (api["theme"], api["theme_language"]) == ("Récolte", "fr")


def test_a_text_without_a_theme_falls_back_to_one_that_has_it(client, make_festival):
    festival = make_festival(names={"en": "Coffee & Tea Week", "zh": "咖啡与茶周"}, themes={"en": "Harvest"})
    with clock.freeze(WARMUP_STARTS + SECOND):
        assert '<span lang="en" dir="ltr">Harvest</span>' in client.get(f"/zh/festivals/{festival.slug}").text


def test_staff_enter_a_theme_per_language(client, login, make_user):
    login(make_user(role=Role.STAFF))
    data = {
        "name_en": "Harvest Week", "name_fr": "Semaine de la récolte", "original_language": "en",
        "time_zone": "Africa/Nairobi", "theme_en": "Harvest", "theme_fr": "Récolte", "theme_zh": "丰收",
        "registration_opens": "2031-05-01T09:00", "registration_closes": "2031-05-10T18:00",
        "warmup_starts": "2031-05-15T09:00", "wave_0_starts": "2031-05-20T20:00", "wave_0_ends": "2031-05-22T20:00",
    }
    with clock.freeze(REGISTRATION_OPENS):
        refused = client.post("/en/staff/festivals/new", data=data)
        assert refused.status_code == 422
        assert "Give the festival a name in this language too" in refused.text
        assert 'value="丰收"' in refused.text  # the typed input is kept
        assert db.session.query(Festival).count() == 0
        assert client.post("/en/staff/festivals/new", data={**data, "theme_zh": ""}).status_code == 302
    festival = db.session.query(Festival).one()
    assert {t.language: t.theme for t in festival.texts} == {"en": "Harvest", "fr": "Récolte"}
    edit = client.get(f"/en/staff/festivals/{festival.id}/edit").text
    assert 'name="theme_fr" type="text" value="Récolte"' in edit


@pytest.mark.parametrize(("lang", "days"), [("sw", "siku 1"), ("en", "1d"), ("fr", "1j"), ("zh", "1天")])
def test_countdown_days_in_each_languages_word_order(client, make_festival, lang, days):
    festival = make_festival()
    with clock.freeze(WAVE1[0] - 86400 * SECOND - 3600 * SECOND):  # warm-up, a day and an hour to go
        page = client.get(f"/{lang}/festivals/{festival.slug}").text
    assert re.search(r"<span data-cd-days>([^<]*)</span>", page).group(1) == days


def test_festival_times_name_the_festivals_zone_and_the_readers(client, make_festival):
    festival = make_festival(zone="Africa/Nairobi")
    with clock.freeze(WARMUP_STARTS + SECOND):
        client.post("/sw/festivals/settings/time-zone", data={"tz": "Asia/Shanghai"})
        page = client.get(f"/sw/festivals/{festival.slug}").text
        waves = " ".join(re.findall(r'<span class="when">([^<]*)</span>', page))
        assert "Saa za Nairobi" in waves and "saa zako" in waves
        zh = client.get(f"/zh/festivals/{festival.slug}").text
        assert "内罗毕时间" in zh and "Africa/Nairobi" not in zh.replace('value="Africa/Nairobi"', "")


def test_reminder_emails_name_the_zone_in_the_readers_language(app, make_festival, make_user):
    from campaigns.festivals import reminders
    from marketplace.mail import get_mailer

    outbox = get_mailer().outbox
    outbox.clear()
    festival = make_festival(zone="Africa/Nairobi")
    with clock.freeze(WARMUP_STARTS + SECOND):
        reminders.remind_festival(make_user(), festival, "sw")
    assert reminders.send_due_reminders(WAVE1[0] - 3600 * SECOND) == 1
    assert "Saa za Nairobi" in outbox[0].body and "Africa/Nairobi" not in outbox[0].body
