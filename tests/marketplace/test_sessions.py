"""A signed-in session's cookie is sent again when the session changed or its signature is an hour old, not
on every response (bytes on every page for shoppers on mobile data); the session still slides."""
from __future__ import annotations

from marketplace.core import sessions

COOKIE = "srm_session"


def sets_session_cookie(response) -> bool:
    return any(header.startswith(f"{COOKIE}=") for header in response.headers.getlist("Set-Cookie"))


def test_the_cookie_is_sent_again_only_when_changed_or_an_hour_old(client, login, make_user, make_product,
                                                                   monkeypatch):
    shopper, product = make_user(), make_product()
    assert sets_session_cookie(login(shopper))
    assert sets_session_cookie(client.get("/en/cart")), "the log-in's message is shown, and so taken out"
    page = client.get("/en/cart")
    assert page.status_code == 200 and not sets_session_cookie(page), "an unchanged session signed again"
    assert "Cookie" in page.headers.get("Vary", "")
    added = client.post("/en/cart/items", data={"product_id": product.id, "quantity": "1"})
    assert sets_session_cookie(added), "a changed session (its \"Added to your cart\" message) must reach the browser"
    assert "Added to your cart." in client.get("/en/cart").text
    signed = sessions.now()
    monkeypatch.setattr(sessions, "now", lambda: signed + sessions.REFRESH_SECONDS + 1)
    later = client.get("/en/cart")
    assert sets_session_cookie(later), "an hour later the cookie is signed again, so the session slides"
    assert "Expires=" in next(h for h in later.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}="))
    assert client.get("/en/orders/").status_code == 200, "still signed in"


def test_a_visitor_without_a_session_gets_no_cookie(client):
    assert not sets_session_cookie(client.get("/en/"))
