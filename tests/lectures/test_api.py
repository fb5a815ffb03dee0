"""The lectures API: list and detail with seats left, and registering or cancelling with a bearer token."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaigns.lectures.models import Audience, Registration, RegistrationStatus
from marketplace.accounts.tokens import issue_token
from marketplace.core import clock
from marketplace.extensions import db
from tests.factories import PASSWORD
from tests.lectures.conftest import JOIN_URL, START

NOW = START - timedelta(days=10)


def bearer(user) -> dict:
    token, _row = issue_token(user.email, PASSWORD)
    return {"Authorization": f"Bearer {token}"}


def test_list_and_detail_with_seats_left_and_no_join_link(client, make_lecture, make_series):
    series = make_series()
    lecture = make_lecture(capacity=10, series=series, titles={"en": "Pricing", "fr": "Les prix"})
    lecture.seats_taken = 9
    make_lecture(titles={"en": "Old clinic"}, starts_at=NOW - timedelta(days=3),
                 recording="https://video.example.org/clinic")
    db.session.commit()
    with clock.freeze(NOW):
        listed = client.get("/api/v1/lectures?lang=fr")
        detail = client.get(f"/api/v1/lectures/{lecture.id}?lang=fr")
        missing = client.get("/api/v1/lectures/999999999999")
        bad_language = client.get("/api/v1/lectures?lang=xx")
    body = listed.get_json()
    assert [item["title"] for item in body["upcoming"]] == ["Les prix"]
    assert body["upcoming"][0]["seats_left"] == 1 and body["upcoming"][0]["limited"] is True
    assert body["upcoming"][0]["series"]["title"] == "Selling to China"
    assert body["past"][0]["recording_url"] == "https://video.example.org/clinic"
    one = detail.get_json()["lecture"]
    assert one["seats_left"] == 1 and one["speakers"][0]["name"] == "Amina Yusuf"
    assert one["starts_at"] == "2031-05-20T09:00:00Z" and one["time_zone"] == "Africa/Nairobi"
    assert JOIN_URL not in listed.text and JOIN_URL not in detail.text
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert bad_language.status_code == 422
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get"} <= paths["/lectures/{lecture_id}"].keys()
    assert {"post", "delete"} <= paths["/lectures/{lecture_id}/registration"].keys()


def test_register_and_cancel_with_a_token(client, make_lecture, make_user):
    lecture = make_lecture(capacity=1)
    first, second = make_user(), make_user()
    url = f"/api/v1/lectures/{lecture.id}/registration"
    with clock.freeze(NOW):
        assert client.post(url).status_code == 401
        seated = client.post(url, headers=bearer(first))
        waiting = client.post(url + "?lang=fr", headers=bearer(second))
        assert seated.status_code == 201 and seated.get_json()["registration"]["status"] == "registered"
        assert waiting.get_json()["registration"] == {"status": "waiting", "waiting_ahead": 0, "hold_until": None}
        assert waiting.get_json()["lecture"]["seats_left"] == 0
        left = client.delete(url, headers=bearer(first))
        assert left.status_code == 200
        again = client.delete(url, headers=bearer(first))
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    held = db.session.scalars(select(Registration).where(Registration.user_id == second.id)).one()
    assert held.status == RegistrationStatus.OFFERED and held.language == "fr"


def test_refusals_come_as_json_in_the_clients_language(client, make_lecture, make_user):
    lecture = make_lecture(audience=Audience.VENDORS)
    shopper = make_user()
    with clock.freeze(NOW):
        refused = client.post(f"/api/v1/lectures/{lecture.id}/registration?lang=fr", headers=bearer(shopper))
    assert refused.status_code == 403
    assert "réservée aux vendeurs" in refused.get_json()["error"]["message"]
    with clock.freeze(START):
        late = client.post(f"/api/v1/lectures/{lecture.id}/registration", headers=bearer(make_user()))
    assert late.status_code in (403, 409)
    assert db.session.scalars(select(Registration)).all() == []
