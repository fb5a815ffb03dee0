"""Every JSON API blueprint answers its errors in one shape, {"error": {"code", "message", "fields"}},
through one registration; the festivals API may only be CSRF-exempt while it is GET-only."""
from __future__ import annotations

import pytest
from flask import Blueprint, jsonify

from marketplace.api import edge
from marketplace.core.errors import DomainError
from tests.factories import PASSWORD

# blueprint: (a request its views refuse with a DomainError, its status), a request answered 404
CASES = {
    "api": (("GET", "/api/v1/search/suggest?limit=99", 422), "/api/v1/search/nothing-here"),
    "api_tokens": (("POST", "/api/v1/auth/token", 400), "/api/v1/auth/nothing-here"),
    "api_shop": (("GET", "/api/v1/cart/items", 401), "/api/v1/orders/NOSUCHORDER"),
    "festivals_api": (("GET", "/api/v1/festivals?status=someday", 422), "/api/v1/festivals/no-such-festival"),
    "lectures_api": (("GET", "/api/v1/lectures?lang=xx", 422), "/api/v1/lectures/987654"),
    "tourism_api": (("GET", "/api/v1/experiences?country=Kenya", 422), "/api/v1/experiences/no-such/departures"),
    "api_reviews": (("POST", "/api/v1/reviews", 401), "/api/v1/products/no-such-product/reviews"),
}


def shopper_token(client) -> str:
    response = client.post("/api/v1/auth/register", json={"email": "edge@example.com", "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def test_every_api_blueprint_is_covered(app):
    api_blueprints = {name for name, bp in app.blueprints.items() if (bp.url_prefix or "").startswith("/api/")}
    assert api_blueprints == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_api_blueprint_answers_errors_in_the_one_shape(app, client, name):
    handlers = app.error_handler_spec[name][None]
    assert handlers[DomainError] is edge.domain_error and handlers[edge.HTTPException] is edge.http_error
    (method, url, status), missing = CASES[name]
    assert_error_shape(client.open(url, method=method), status)
    headers = {"Authorization": f"Bearer {shopper_token(client)}"} if name == "api_shop" else {}
    assert assert_error_shape(client.get(missing, headers=headers), 404)["code"] == "not_found"


def test_a_domain_error_adds_its_own_fields_and_headers_through_the_one_handler(app):
    class Crowded(DomainError):
        code, status = "crowded", 409

        def json_extra(self) -> dict[str, object]:
            return {"lines": [{"product_id": 7}]}

        def json_headers(self) -> dict[str, str]:
            return {"Retry-After": "30"}

    with app.test_request_context("/api/v1/x"):
        response, status = edge.domain_error(Crowded("Too many people.", {"quantity": "Fewer."}))
    assert status == 409 and response.headers["Retry-After"] == "30"
    assert response.get_json() == {"error": {"code": "crowded", "message": "Too many people.",
                                             "fields": {"quantity": "Fewer."}, "lines": [{"product_id": 7}]}}


def test_the_festivals_api_is_refused_at_start_up_with_a_state_changing_route(make_app, monkeypatch):
    from campaigns.festivals import api

    writes = Blueprint("festivals_api", api.__name__, url_prefix="/api/v1/festivals")
    writes.add_url_rule("/<slug>/join", "join", lambda slug: jsonify(), methods=["POST"])
    monkeypatch.setattr(api, "bp", writes)
    with pytest.raises(RuntimeError, match="festivals_api.join"):
        make_app()
