"""The waiting room in front of checkout at a wave's opening: first come first served at the staff's rate,
signed tickets bound to the shopper and festival, sold out told at once, the same rules for the API."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.festivals.models import Festival
from campaigns.festivals.waiting_room.line import DatabaseLine, RedisLine
from campaigns.festivals.waiting_room.tickets import ADMISSION_SECONDS
from marketplace.accounts.models import Role
from marketplace.accounts.tokens import issue_token
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import Order
from tests.factories import PASSWORD
from tests.festivals.conftest import WAVE1
from tests.orders.conftest import ADDRESS

OPENING = WAVE1[0] + timedelta(seconds=5)
RATE = 6  # a minute: one admission every 10 seconds


@pytest.fixture
def opening(make_festival, make_deal):
    """A festival with its waiting room on at 6 checkouts a minute, and a live deal of 5 units."""
    festival = make_festival()
    festival.waiting_room, festival.waiting_room_rate = True, RATE
    db.session.commit()
    return festival, make_deal(festival, cap=5)


def shopper_in_cart(app, make_user, deal):
    """A logged-in client of a new shopper with one unit of the deal in the cart."""
    user = make_user(role=Role.SHOPPER)
    client = app.test_client()
    assert client.post("/en/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    client.post("/en/cart/items", data={"product_id": deal.product_id, "quantity": "1"})
    return user, client


def checkout_form(page: str) -> dict:
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page).group(1)
    total = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page).group(1)
    return {"key": key, "expected_total": total, **ADDRESS}


def test_off_by_default_nobody_waits(app, make_festival, make_deal, make_user):
    festival = make_festival()
    deal = make_deal(festival, cap=5)
    assert db.session.get(Festival, festival.id).waiting_room is False
    with clock.freeze(OPENING):
        clients = [shopper_in_cart(app, make_user, deal)[1] for _ in range(3)]
        assert [c.get("/en/checkout").status_code for c in clients] == [200, 200, 200]


def test_shoppers_beyond_the_rate_wait_their_turn_in_arrival_order(app, opening, make_user):
    festival, deal = opening
    with clock.freeze(OPENING):
        first, second, third = (shopper_in_cart(app, make_user, deal)[1] for _ in range(3))
        assert first.get("/en/checkout").status_code == 200  # the line was empty: straight through
        held = second.get("/en/checkout")
        assert held.status_code == 303 and held.headers["Location"].endswith(
            f"/en/festivals/{festival.slug}/waiting-room")
        page = second.get(held.headers["Location"])
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        assert "1 shopper is ahead of you." in html and "about 10 seconds" in html
        refresh = int(re.search(r'<meta http-equiv="refresh" content="(\d+)">', html).group(1))
        assert 10 <= refresh <= 14  # the wait, plus jitter so arrivals do not all reload together
        third.get("/en/checkout")
        assert "2 shoppers are ahead of you." in third.get(
            f"/en/festivals/{festival.slug}/waiting-room").get_data(as_text=True)
        reloaded = second.get(f"/en/festivals/{festival.slug}/waiting-room").get_data(as_text=True)
        assert "1 shopper is ahead of you." in reloaded  # reloading keeps the place
    with clock.freeze(OPENING + timedelta(seconds=10)):
        assert third.get("/en/checkout").status_code == 303  # still one ahead
        admitted = second.get(f"/en/festivals/{festival.slug}/waiting-room")
        assert admitted.status_code == 302 and admitted.headers["Location"].endswith("/en/checkout")
        page = second.get("/en/checkout")
        assert page.status_code == 200
        placed = second.post("/en/checkout", data=checkout_form(page.get_data(as_text=True)))
        assert "/en/orders/" in placed.headers["Location"]
    assert db.session.scalars(select(Order)).one()


def test_the_waiting_page_speaks_the_shoppers_language(app, opening, make_user):
    festival, deal = opening
    with clock.freeze(OPENING):
        shopper_in_cart(app, make_user, deal)[1].get("/zh/checkout")
        _user, client = shopper_in_cart(app, make_user, deal)
        client.get("/zh/checkout")
        html = client.get(f"/ar/festivals/{festival.slug}/waiting-room").get_data(as_text=True)
        assert 'dir="rtl"' in html and "غرفة الانتظار" in html
        html = client.get(f"/zh/festivals/{festival.slug}/waiting-room").get_data(as_text=True)
        assert "候场" in html or "等候室" in html


def test_a_waiting_shopper_hears_at_once_when_the_deal_sells_out(app, opening, make_user):
    festival, deal = opening
    with clock.freeze(OPENING):
        shopper_in_cart(app, make_user, deal)[1].get("/en/checkout")
        _user, waiting = shopper_in_cart(app, make_user, deal)
        assert waiting.get("/en/checkout").status_code == 303
        deal.sold = deal.cap
        db.session.commit()
        page = waiting.get(f"/en/festivals/{festival.slug}/waiting-room")
        html = page.get_data(as_text=True)
        assert page.status_code == 409 and "are sold out" in html and 'http-equiv="refresh"' not in html
        # Nothing left to wait for: the checkout now goes on at the regular price, with no line.
        assert waiting.get("/en/checkout").status_code == 200


def test_an_expired_admission_joins_the_line_again(app, opening, make_user):
    festival, deal = opening
    with clock.freeze(OPENING):
        _user, client = shopper_in_cart(app, make_user, deal)
        assert client.get("/en/checkout").status_code == 200
    with clock.freeze(OPENING + timedelta(seconds=ADMISSION_SECONDS + 1)):
        assert shopper_in_cart(app, make_user, deal)[1].get("/en/checkout").status_code == 200  # came first now
        held = client.get("/en/checkout")
        assert held.status_code == 303
        html = client.get(held.headers["Location"]).get_data(as_text=True)
        assert "This waiting-room ticket has expired. You have joined the line again." in html
        assert "1 shopper is ahead of you." in html


def api_shopper(client, make_user, deal) -> dict:
    user = make_user(role=Role.SHOPPER)
    token, _record = issue_token(user.email, PASSWORD)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/cart/items", json={"product_id": deal.product_id}, headers=headers).status_code == 201
    return headers


def api_checkout(client, headers: dict, ticket: str | None = None, lang: str = "en"):
    extra = {"Admission-Ticket": ticket} if ticket else {}
    return client.post(f"/api/v1/checkout?lang={lang}", headers={**headers, **extra},
                       json={"idempotency_key": f"key-{headers['Authorization'][-12:]}", "destination": ADDRESS})


def test_the_api_answers_429_with_a_ticket_and_admits_it_in_turn(app, client, opening, make_user):
    _festival, deal = opening
    with clock.freeze(OPENING):
        first, second = api_shopper(client, make_user, deal), api_shopper(client, make_user, deal)
        assert api_checkout(client, first).status_code == 201
        waiting = api_checkout(client, second, lang="fr")
        body = waiting.get_json()["error"]
        assert waiting.status_code == 429 and body["code"] == "waiting_room" and body["fields"] == {}
        assert body["ahead"] == 1 and body["wait_seconds"] == 10 and "attente" in body["message"]
        assert 10 <= int(waiting.headers["Retry-After"]) <= 13
        again = api_checkout(client, second, body["ticket"])
        assert again.status_code == 429 and again.get_json()["error"]["ticket"] == body["ticket"]
        # Without its ticket the client still holds its one place: asking again cannot stretch the line.
        assert api_checkout(client, second).get_json()["error"]["ahead"] == 1
        assert api_checkout(client, api_shopper(client, make_user, deal)).get_json()["error"]["ahead"] == 2
    with clock.freeze(OPENING + timedelta(seconds=10)):
        placed = api_checkout(client, second, body["ticket"])
        assert placed.status_code == 201, placed.get_json()
        # The ticket bought its checkout: with the deal in the cart again it is refused, nothing placed.
        client.post("/api/v1/cart/items", json={"product_id": deal.product_id}, headers=second)
        replayed = client.post("/api/v1/checkout", headers={**second, "Admission-Ticket": body["ticket"]},
                               json={"idempotency_key": "another-order-1", "destination": ADDRESS})
        assert replayed.status_code == 403 and replayed.get_json()["error"]["code"] == "ticket_refused"
        assert "used already" in replayed.get_json()["error"]["message"]
    assert len(db.session.scalars(select(Order)).all()) == 2


def test_the_api_refuses_forged_foreign_and_expired_tickets(app, client, opening, make_user, make_festival,
                                                             make_deal):
    festival, deal = opening
    other = make_festival(slug="beads-week")
    other.waiting_room, other.waiting_room_rate = True, RATE
    db.session.commit()
    other_deal = make_deal(other, cap=5)
    with clock.freeze(OPENING):
        api_checkout(client, api_shopper(client, make_user, deal))
        holder = api_shopper(client, make_user, deal)
        ticket = api_checkout(client, holder).get_json()["error"]["ticket"]
        api_checkout(client, api_shopper(client, make_user, other_deal))
        elsewhere = api_shopper(client, make_user, other_deal)
        foreign = api_checkout(client, elsewhere).get_json()["error"]["ticket"]
        stranger = api_shopper(client, make_user, deal)
        cases = {"forged": (holder, ticket[:-3] + ("AAA" if not ticket.endswith("AAA") else "BBB"), "not valid"),
                 "another festival": (holder, foreign, "another festival"),
                 "another shopper": (stranger, ticket, "another shopper")}
        for name, (headers, sent, message) in cases.items():
            answer = api_checkout(client, headers, sent)
            error = answer.get_json()["error"]
            assert answer.status_code == 403 and error["code"] == "ticket_refused", name
            assert message in error["message"], name
    with clock.freeze(OPENING + timedelta(seconds=10 + ADMISSION_SECONDS)):
        expired = api_checkout(client, holder, ticket)
        assert expired.status_code == 403 and "expired" in expired.get_json()["error"]["message"]
    assert len(db.session.scalars(select(Order)).all()) == 2  # only the two shoppers who came first


def test_a_waiting_api_client_hears_sold_out(app, client, opening, make_user):
    _festival, deal = opening
    with clock.freeze(OPENING):
        api_checkout(client, api_shopper(client, make_user, deal))
        headers = api_shopper(client, make_user, deal)
        ticket = api_checkout(client, headers).get_json()["error"]["ticket"]
        deal.sold = deal.cap
        db.session.commit()
        answer = api_checkout(client, headers, ticket)
        assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "sold_out"


def test_staff_turn_the_waiting_room_on_with_a_rate(app, client, login, make_festival, staff, shopper):
    festival = make_festival()
    url = f"/en/staff/festivals/{festival.id}/waiting-room"
    login(shopper)
    assert client.post(url, data={"enabled": "y", "rate": "100"}).status_code == 403
    login(staff)
    page = client.get(f"/en/staff/festivals/{festival.id}").get_data(as_text=True)
    assert f'action="{url}"' in page and "Checkouts let through a minute" in page
    for bad in ("0", "abc", "1000001", ""):
        answer = client.post(url, data={"enabled": "y", "rate": bad}, follow_redirects=True)
        assert "from 1 to 100,000." in answer.get_data(as_text=True), bad
        db.session.expire_all()
        assert (festival.waiting_room, festival.waiting_room_rate) == (False, 600), bad
    answer = client.post(url, data={"enabled": "y", "rate": "1200"}, follow_redirects=True)
    assert "The waiting room is on: 1,200 checkouts a minute." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert (festival.waiting_room, festival.waiting_room_rate) == (True, 1200)
    client.post(url, data={"rate": "1200"})
    db.session.expire_all()
    assert festival.waiting_room is False


def places_taken_at_once(app, line, wave_id: int, shopper_ids: list[int]) -> list[int]:
    slots: list[int] = []
    barrier = threading.Barrier(len(shopper_ids))

    def take(shopper_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                slots.append(line.take_place(wave_id, shopper_id, 1_000_000, 100, KEEP_MS))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(shopper_id,)) for shopper_id in shopper_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(slots)


KEEP_MS = ADMISSION_SECONDS * 1000


def check_line(app, line, wave_id: int, shopper_ids: list[int]) -> None:
    """Arrivals at one instant get turns one interval apart; a shopper keeps one place until it is let go."""
    assert places_taken_at_once(app, line, wave_id, shopper_ids) == [1_000_000 + 100 * n for n in range(12)]
    first = shopper_ids[0]
    with app.app_context():
        held = line.take_place(wave_id, first, 1_000_500, 100, KEEP_MS)
        assert held < 1_000_000 + 1200  # asking again finds the place held, the line does not grow
        assert line.take_place(wave_id, shopper_ids[1], 1_000_500, 100, KEEP_MS) != held
        line.let_go(wave_id, first)
        assert line.take_place(wave_id, first, 1_000_600, 100, KEEP_MS) == 1_000_000 + 1200  # back of the line
        # A place kept past its admission time is gone: a new one, and an idle line starts at now.
        assert line.take_place(wave_id, first, 5_000_000 + KEEP_MS, 100, KEEP_MS) == 5_000_000 + KEEP_MS


def test_the_database_line_gives_each_arrival_its_own_turn(app, make_app, make_festival, make_user):
    wave_id = make_festival().waves[0].id
    shoppers = [make_user(role=Role.SHOPPER).id for _ in range(12)]
    check_line(make_app(DATABASE_LOCK_TIMEOUT=30), DatabaseLine(), wave_id, shoppers)


@pytest.mark.skipif("not __import__('os').environ.get('TEST_REDIS_URL')", reason="needs TEST_REDIS_URL")
def test_the_redis_line_gives_each_arrival_its_own_turn(app):
    import os
    import uuid

    line = RedisLine(os.environ["TEST_REDIS_URL"], f"test-{uuid.uuid4().hex}:")
    check_line(app, line, 7, list(range(100, 112)))
    with app.app_context():
        expires = clock.now() + timedelta(minutes=5)
        assert line.spend("abc", expires) is True and line.spend("abc", expires) is False and line.was_spent("abc")
