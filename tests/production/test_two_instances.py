"""Two machines, really: two gunicorn instances (their own ports and instance folders) sharing the test
PostgreSQL and Redis, behind a real nginx on 127.0.0.1. A price changed through one instance shows through
the other at once (both page caches invalidated), a product renamed through one is found by search through
the other as soon as the edit is answered (the shared PostgreSQL search backend, updated after the commit),
a log-in limit counts each real client across both, and 200 buyers racing for 50 units through nginx buy
exactly 50.
"""
from __future__ import annotations

import os
import secrets
import threading
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.accounts.tokens import issue_token
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.orders.models import Order
from tests.factories import PASSWORD
from tests.orders.test_checkout_races import fill_carts, make_shoppers
from tests.production.servers import Answer, app_environment, call, gunicorn, nginx

pytestmark = [
    pytest.mark.production,
    pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")),
                       reason="two instances share PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL"),
    pytest.mark.parametrize("app_session", ["postgresql"], indirect=True),
]

ADDRESS = {"recipient_name": "Li Wei", "phone": "+86 138 0013 8000", "country_code": "CN", "city": "Shanghai",
           "address_line": "88 Century Avenue, Pudong", "postal_code": "200120"}
BUYERS, UNITS = 200, 50
MAX_ATTEMPTS = 8  # a buyer sends a shed checkout again after its Retry-After, like a browser or the app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """nginx on 127.0.0.1 in front of two gunicorn instances of the shop, sharing the database and Redis, with
    Redis key prefixes of this run alone so that nothing another run left there counts here."""
    folder = tmp_path_factory.mktemp("two-instances")
    run = uuid.uuid4().hex[:12]
    shared = {
        "REDIS_URL": os.environ["TEST_REDIS_URL"], "SECRET_KEY": secrets.token_hex(32), "TRUSTED_PROXIES": "1",
        "LOGIN_RATE_LIMIT": "3 per minute", "RATELIMIT_KEY_PREFIX": f"test-{run}", "PAGE_CACHE_PREFIX": f"test-{run}:",
        "PAGE_CACHE_SECONDS": "300", "RQ_QUEUE": f"test-{run}", "MAIL_QUEUE": "inline", "IMAGE_JOBS": "inline",
        "SEARCH_QUEUE": "inline", "SEARCH_BACKEND": "postgres", "DATABASE_LOCK_TIMEOUT": "30", "WEB_WORKERS": "2", "WEB_THREADS": "4",
        "SEARCH_INDEX_DIR": str(folder / "search-index"), "MEDIA_ROOT": str(folder / "media"),
        "PRIVATE_UPLOAD_DIR": str(folder / "private"),
    }
    database = os.environ["TEST_DATABASE_URL"]
    with (gunicorn(app_environment(database, folder / "instance-a", **shared), folder / "a.log") as first,
          gunicorn(app_environment(database, folder / "instance-b", **shared), folder / "b.log") as second,
          nginx([first.url, second.url], folder / "nginx") as proxy):
        yield {"proxy": proxy.url, "instances": [first.url, second.url]}


def served_by(answer: Answer) -> str:
    """The instance nginx passed the request to (the test's nginx names it in X-Upstream)."""
    return answer.headers["X-Upstream"]


def test_both_instances_are_ready_behind_nginx(app, site):
    answers = [call(site["proxy"] + "/readyz") for _ in range(4)]
    assert all(a.status == 200 and a.json()["checks"]["redis"]["ok"] for a in answers), [a.text for a in answers]
    assert {served_by(a) for a in answers} == {url.removeprefix("http://") for url in site["instances"]}
    assert all(len(a.headers["X-Request-ID"]) == 32 for a in answers), "nginx's request id reaches the app"


def test_a_price_changed_through_one_instance_shows_through_the_other(app, site, make_product):
    product = make_product(name="Kente stole", price=432_100, stock=5)
    first, second = site["instances"]
    page = f"/en/products/{product.slug}"
    for instance in (first, second):  # both keep the page in their cache
        for _ in range(2):
            answer = call(instance + page)
            assert answer.status == 200 and "4,321.00" in answer.text, answer.status
    vendor_token, _record = issue_token(product.store.owner.email, PASSWORD)
    changed = call(first + f"/api/v1/vendor/products/{product.id}", "PATCH",
                   {"price": {"amount": 876_500, "currency": "USD"}}, {"Authorization": f"Bearer {vendor_token}"})
    assert changed.status == 200, changed.text
    for instance in (second, first):
        shown = call(instance + page).text
        assert "8,765.00" in shown and "4,321.00" not in shown, f"{instance} served the old price from its cache"


def test_a_product_renamed_through_one_instance_is_found_through_the_other(app, site, make_product):
    product = make_product(name="Kente stole", price=432_100, stock=5)
    first, second = site["instances"]
    word = f"zanzibarclove{secrets.token_hex(3)}"  # a word no other product of the shared database has

    def found(instance: str, query: str, lang: str = "en") -> list[int]:
        answer = call(instance + f"/api/v1/search?q={query}&lang={lang}")
        assert answer.status == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert product.id not in found(second, word)
    vendor_token, _record = issue_token(product.store.owner.email, PASSWORD)
    changed = call(first + f"/api/v1/vendor/products/{product.id}", "PATCH",
                   {"texts": {"en": {"name": f"Spiced {word} honey", "description": "Raw honey from Pemba."}}},
                   {"Authorization": f"Bearer {vendor_token}"})
    assert changed.status == 200, changed.text
    assert found(second, word) == [product.id], "the other instance's search does not see the edit"
    assert product.id in found(second, "asali", "sw"), "Swahili 'honey' finds the English name through the other"
    page = call(second + f"/zh/search?q={word}")
    assert page.status == 200 and f"Spiced {word} honey" in page.text


def test_the_log_in_limit_counts_each_real_client_across_both_instances(app, site, make_user):
    shopper = make_user()
    guesser, neighbour = f"127.{secrets.randbelow(250) + 2}.0.2", f"127.{secrets.randbelow(250) + 2}.0.3"
    token_url = site["proxy"] + "/api/v1/auth/token"
    wrong = [call(token_url, "POST", {"email": "nobody@example.com", "password": "not it"}, source=guesser)
             for _ in range(3)]
    assert [a.status for a in wrong] == [401, 401, 401]
    assert len({served_by(a) for a in wrong}) == 2, "the attempts went to both instances"
    refused = [call(token_url, "POST", {"email": shopper.email, "password": PASSWORD}, source=guesser)
               for _ in range(2)]
    assert [a.status for a in refused] == [429, 429], "an instance counted only its own attempts"
    assert all(int(a.headers["Retry-After"]) > 0 for a in refused)
    assert len({served_by(a) for a in refused}) == 2, "both instances refuse"
    # Another visitor on the same network, behind the same nginx, is not locked out.
    other = call(token_url, "POST", {"email": shopper.email, "password": PASSWORD}, source=neighbour)
    assert other.status == 201, other.text


def test_200_buyers_through_nginx_buy_exactly_the_stock(app, site, make_product):
    product = make_product(name="Shea butter", price=1250, stock=UNITS)
    shoppers = make_shoppers(BUYERS)
    fill_carts(shoppers, product)
    tokens = [issue_token(email, PASSWORD)[0]
              for email in db.session.scalars(select(User.email).where(User.id.in_(shoppers)))]
    assert len(tokens) == BUYERS
    answers: list[Answer] = []
    shed: list[Answer] = []
    guard, barrier = threading.Lock(), threading.Barrier(BUYERS)

    def buy(token: str) -> None:
        """Check out once; a 503 (an instance shed the request, nothing changed) is sent again after its
        Retry-After with the same idempotency key."""
        key = uuid.uuid4().hex
        barrier.wait()
        for _attempt in range(MAX_ATTEMPTS):
            answer = call(site["proxy"] + "/api/v1/checkout", "POST", {"idempotency_key": key, "destination": ADDRESS},
                          {"Authorization": f"Bearer {token}"}, timeout=120)
            if answer.status != 503:
                break
            with guard:
                shed.append(answer)
            time.sleep(int(answer.headers["Retry-After"]))
        with guard:
            answers.append(answer)

    threads = [threading.Thread(target=buy, args=(token,), daemon=True) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(MAX_ATTEMPTS * 130)
    assert len(answers) == BUYERS, "a buyer never got an answer"
    statuses = Counter(a.status for a in answers)
    assert statuses == {201: UNITS, 409: BUYERS - UNITS}, (statuses, [a.text for a in answers if a.status >= 500][:3])
    assert all(a.json()["error"]["code"] == "service_unavailable" for a in shed), "a 503 that was not load shedding"
    assert len({served_by(a) for a in answers}) == 2, "both instances sold"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id))) == UNITS
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 0
