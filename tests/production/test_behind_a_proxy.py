"""Behind a reverse proxy: forwarded headers are believed for exactly TRUSTED_PROXIES hops, rate limits
count each real client (or signed-in person), every 429 says when to come back, and links sent by e-mail
come from SITE_URL whatever Host or X-Forwarded-Host a request carried."""
from __future__ import annotations

import re
import secrets
import uuid

import pytest
from flask_login import login_user, logout_user

from marketplace.accounts.models import Role
from marketplace.core.proxy import check_proxy_binds, is_reachable_from_outside
from marketplace.core.rate_limits import rate_limit_key
from marketplace.core.site import external_url, page_link
from marketplace.extensions import limiter
from marketplace.vendors.models import StoreStatus
from tests.factories import PASSWORD

WRONG = "wrong password"


def address(prefix: str = "198.18") -> str:
    """An address no other test counts against: the limiter object, and so its Redis keys, outlive each app."""
    return f"{prefix}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


@pytest.fixture
def nginx() -> str:
    """The address a proxy on this machine forwards from (the only one a server behind it sees)."""
    return address("127.0")


@pytest.fixture
def limited_app(make_app, rate_limit_storage, monkeypatch):
    """An app with a log-in limit of 3 a minute, on memory and (in CI) Redis, for TRUSTED_PROXIES hops."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # one limiter object serves every app

    def make(hops: int):
        return make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", TRUSTED_PROXIES=hops,
                        RATELIMIT_STORAGE_URI=rate_limit_storage, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")

    return make


def log_in(client, user, nginx: str, forwarded_for: str, password: str = WRONG):
    """Send the log-in form through a proxy on this machine that says the visitor is `forwarded_for`; a
    wrong password goes to an unknown address, so only the per-address limit counts it."""
    email = user.email if password == PASSWORD else "nobody@example.com"
    return client.post("/en/account/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": nginx})


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_limit(limited_app, make_user, nginx):
    app, user = limited_app(0), make_user()
    client = app.test_client()
    for _ in range(3):
        assert log_in(client, user, nginx, address()).status_code == 200
    refused = log_in(client, user, nginx, address(), PASSWORD)
    assert refused.status_code == 429, "a made-up X-Forwarded-For bought a fresh count"
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.get_data(as_text=True)


def test_behind_one_proxy_each_real_client_has_its_own_log_in_limit(limited_app, make_user, nginx):
    app, user, visitor = limited_app(1), make_user(), address()
    client = app.test_client()
    for _ in range(3):
        assert log_in(client, user, nginx, visitor).status_code == 200
    refused = log_in(client, user, nginx, visitor, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # Another visitor behind the same proxy is not locked out by the first one's attempts.
    other = log_in(app.test_client(), user, nginx, address(), PASSWORD)
    assert other.status_code == 302, "one visitor's attempts locked out everyone behind the proxy"
    # Only the last hop is believed: a client prepending addresses of its own is still counted as itself.
    forged = log_in(app.test_client(), user, nginx, f"{address()}, {visitor}", PASSWORD)
    assert forged.status_code == 429


def test_the_proxy_sets_scheme_and_host_only_when_trusted(make_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example.org", "X-Forwarded-For": "198.51.100.7"}

    def hreflang_of(app) -> str:
        page = app.test_client().get("/fr/categories/", headers=forwarded).get_data(as_text=True)
        return re.search(r'hreflang="en" href="([^"]+)"', page).group(1)

    assert hreflang_of(make_app(TRUSTED_PROXIES=0)) == "http://localhost/en/categories/"
    assert hreflang_of(make_app(TRUSTED_PROXIES=1)) == "https://shop.example.org/en/categories/"


def test_a_signed_in_person_is_counted_as_themselves_from_any_address(app, make_user):
    first, second = make_user(), make_user()
    keys = []
    for user, address in ((first, "198.51.100.7"), (second, "198.51.100.7"), (first, "203.0.113.5")):
        with app.test_request_context("/en/", environ_base={"REMOTE_ADDR": address}):
            login_user(user)
            keys.append(rate_limit_key())
            logout_user()  # the test's app context outlives the request: sign out as the request ends
    assert keys == [f"user:{first.id}", f"user:{second.id}", f"user:{first.id}"]
    with app.test_request_context("/en/", environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        assert rate_limit_key() == "addr:198.51.100.7"


def test_an_api_rate_limit_answer_carries_retry_after(limited_app, nginx):
    client, visitor = limited_app(1).test_client(), address()
    answers = [client.post("/api/v1/auth/token", json={"email": "nobody@example.com", "password": "x"},
                           headers={"X-Forwarded-For": visitor}, environ_base={"REMOTE_ADDR": nginx})
               for _ in range(4)]
    assert answers[-1].status_code == 429
    assert answers[-1].get_json()["error"]["code"] == "too_many_requests"
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_a_forged_host_never_reaches_an_e_mail_link(make_app, make_user, make_store):
    shop = make_app(SITE_URL="https://shop.example.org", TRUSTED_PROXIES=1)
    staff = make_user(role=Role.STAFF)
    store = make_store(status=StoreStatus.SUBMITTED, language="fr")
    client = shop.test_client()
    forged = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "http"}
    assert client.post("/en/account/login", data={"email": staff.email, "password": PASSWORD},
                       headers=forged).status_code == 302
    assert client.post(f"/en/staff/vendors/{store.id}/approve", headers=forged).status_code == 302
    [message] = shop.extensions["mailer"].outbox
    assert "https://shop.example.org/fr/vendor/" in message.body
    assert "attacker" not in message.body


def test_links_made_outside_a_request_come_from_site_url(make_app):
    shop = make_app(SITE_URL="https://shop.example.org")
    with shop.app_context():  # a job or a command: no request, no Host header at all
        assert page_link("vendors.application", "sw") == "https://shop.example.org/sw/vendor/application"
        assert external_url("core.health") == "https://shop.example.org/healthz"
    with make_app().app_context():
        assert page_link("vendors.application", "sw") == "", "without SITE_URL no address is made up"


@pytest.mark.parametrize(("bind", "outside"), [
    ("127.0.0.1:8001", False), ("[::1]:8001", False), ("localhost:8001", False), ("unix:/run/silkroad.sock", False),
    ("0.0.0.0:8000", True), ("[::]:8000", True), ("192.0.2.10:8000", True), (":8000", True),
    ("shop.example.org:8000", True),
])
def test_which_bind_addresses_clients_can_reach_without_the_proxy(bind, outside):
    assert is_reachable_from_outside(bind) is outside


def test_trusting_a_proxy_is_refused_on_a_server_reachable_without_it():
    check_proxy_binds(["0.0.0.0:8000"], 0)  # nothing is believed: any address is fine
    check_proxy_binds(["127.0.0.1:8001", "unix:/run/silkroad.sock"], 1)
    with pytest.raises(RuntimeError, match=r"TRUSTED_PROXIES=1 but gunicorn binds 0\.0\.0\.0:8000"):
        check_proxy_binds(["127.0.0.1:8001", "0.0.0.0:8000"], 1)
