"""The API answers what its OpenAPI document says for any request the document allows, and for many it
does not: schemathesis (property-based, over the app's WSGI interface, no network) generates requests for
every documented operation from the document itself and checks each answer.

For every operation, signed in as the shopper or the vendor the operation is for, it sends generated
requests (valid ones and, for operations that take input, invalid ones) and holds every answer to:
no 5xx; a status the operation documents; a JSON body of the documented shape for that status (made
strict, as in test_openapi_conformance.py: no undocumented field); the documented content type.

Runs are reproducible and bounded: hypothesis is derandomized (the same cases every run, no example
database), with a fixed number of examples per operation. Operations that would end the session the
walk depends on (revoking its own token) are called last.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.generation import GenerationMode

from campaigns.demo.seed import DEMO_PASSWORD, seed_demo
from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.search.services import rebuild_index
from tests.api.test_openapi_conformance import strict

EXAMPLES = 12  # generated requests per operation and mode: about a minute for the whole document on 2 cores
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
# Called after every other operation: each ends the token the other calls are signed in with.
LAST = {"DELETE /auth/token"}


@pytest.fixture
def document_schema(app):
    """The app's own document, loaded by schemathesis through WSGI, its object schemas made strict."""
    seed_demo(stores=6, products=12)
    rebuild_index(full=True)
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    document = schema.raw_schema
    for name, component in list(document.get("components", {}).get("schemas", {}).items()):
        document["components"]["schemas"][name] = strict(component)
    return schema


def token_for(client, role: Role) -> str:
    """A fresh API token of the demo's first user with `role`."""
    email = db.session.scalars(db.select(User.email).where(User.role == role).order_by(User.id)).first()
    response = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD, "name": "contract"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


def run_operation(operation, headers: dict[str, str], mode: GenerationMode) -> str | None:
    """Send the operation's generated requests in `mode`; the first failure described, or None."""
    failure: list[str] = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case) -> None:
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        finally:
            db.session.rollback()

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is reported, with its operation
        failure.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    return failure[0] if failure else None


def test_every_operation_answers_as_documented_for_generated_requests(app, client, document_schema):
    tokens = {role: token_for(client, role) for role in (Role.SHOPPER, Role.VENDOR)}
    operations = [result.ok() for result in document_schema.get_all_operations()]
    operations.sort(key=lambda op: op.label in LAST)
    failures = []
    for operation in operations:
        role = Role.VENDOR if operation.label.split()[1].startswith("/vendor/") else Role.SHOPPER
        # identity: the answers are read as they are, not gzip-compressed (compression is not the contract)
        headers = {"Authorization": f"Bearer {tokens[role]}", "Accept-Encoding": "identity"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            problem = run_operation(operation, headers, mode)
            if problem:
                failures.append(problem)
    assert not failures, "\n\n".join(failures)
