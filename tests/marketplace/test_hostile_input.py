"""Hostile bytes are refused at the edge on every route: NUL characters (PostgreSQL cannot store them in
text), JSON nested tens of thousands deep (Python's parser recurses), oversized API and form bodies."""
from __future__ import annotations

import pytest

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.marketplace.test_access_matrix import (  # noqa: F401 - `world` is the matrix's fixture
    RULES,
    SHOPPER,
    STAFF,
    VENDOR,
    filled,
    visitor,
    world,
)

NUL_FIELDS = {name: "a\x00b" for name in ("email", "password", "display_name", "name", "q", "reason", "quantity",
                                          "title", "description", "store_name", "slug", "reference", "currency")}
DEEP_JSON = "[" * 50_000 + "]" * 50_000
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def visitor_for(endpoint: str) -> str:
    """The kind of visitor the route is for, so the request gets as far as the route's own code."""
    if "staff" in endpoint:
        return STAFF
    if "vendor" in endpoint:
        return VENDOR
    return SHOPPER


def with_nul_in_path(url: str) -> str:
    path, _, query = url.partition("?")
    return path.rstrip("/") + "%00x" + ("/" if path.endswith("/") and path != "/" else "") + (
        "?" + query if query else "")


def with_nul_in_query(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "q=caf%00e&page=1%00"


def body_methods(app, endpoint: str) -> list[str]:
    methods = {m for rule in app.url_map.iter_rules() if rule.endpoint == endpoint for m in rule.methods}
    return sorted(methods.intersection(BODY_METHODS))


def assert_refused(response, status: int, what: str) -> None:
    assert response.status_code == status, f"{what}: {response.status_code}"
    if response.is_json:
        assert response.get_json()["error"]["message"], what


@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_hostile_bytes_on_every_route(app_session, world, endpoint):  # noqa: F811 - `world` is the matrix's fixture
    template, _expected = RULES[endpoint]
    app = app_session
    client = visitor(app, world, visitor_for(endpoint))  # the world is built once: nothing here may change it
    url = filled(template, world)
    with app.app_context():
        users_before = db.session.query(User).count()

    assert_refused(client.get(with_nul_in_path(url)), 404, f"NUL in the path of {url}")
    assert_refused(client.get(with_nul_in_query(url)), 400, f"NUL in the query of {url}")
    for method in body_methods(app, endpoint):
        send = getattr(client, method.lower())
        what = f"{method} {url}"
        assert_refused(send(url, data=NUL_FIELDS), 400, f"NUL in the form of {what}")
        assert_refused(send(url, json=NUL_FIELDS), 400, f"NUL in the JSON of {what}")
        assert_refused(send(url, json={"items": [{"name": "ok"}, {"note": ["x\x00"]}]}), 400, f"nested NUL, {what}")
        assert_refused(send(url, data=DEEP_JSON, content_type="application/json"), 400, f"deep JSON to {what}")
        if url.startswith("/api/"):
            big = '{"name": "' + "x" * (1024 * 1024 + 100_000) + '"}'
            assert_refused(send(url, data=big, content_type="application/json"), 413, f"1.1 MB JSON to {what}")
        else:
            assert_refused(send(url, data={"description": "x" * 600_000}), 413, f"600 KB form field to {what}")
    with app.app_context():
        assert db.session.query(User).count() == users_before, "nothing was created"
        db.session.remove()


def test_refusals_say_what_was_wrong_in_the_page_language(client):
    page = client.get("/zh/search?q=caf%00e").get_data(as_text=True)
    assert "请求中含有 NUL 字符" in page
    response = client.post("/api/v1/auth/register", data="[" * 100 + "]" * 100, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "The JSON body is nested more than 32 levels deep. Nothing was changed."
    response = client.post("/fr/account/signup", data={"display_name": "x" * 600_000})
    assert response.status_code == 413
    assert "Le texte de ce formulaire dépasse 500 Ko" in response.get_data(as_text=True)


def test_a_nul_in_a_header_is_refused(client):
    response = client.get("/api/v1/orders", headers={"Authorization": "Bearer abc\x00def"})
    assert response.status_code == 400
    assert "NUL" in response.get_json()["error"]["message"]


def test_ordinary_json_and_forms_still_pass(client):
    response = client.post("/api/v1/auth/register", json={
        "email": "ama@example.com", "password": "correct horse battery", "display_name": "Ama Mensah",
        "name": "phone", "language": "en"})
    assert response.status_code == 201
    response = client.post("/en/account/signup", data={
        "email": "kofi@example.com", "display_name": "Kofi " + "é" * 70, "password": "correct horse battery",
        "confirm": "correct horse battery"})
    assert response.status_code == 302
