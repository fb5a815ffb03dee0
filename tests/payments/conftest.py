"""Payment fixtures: a fake Stripe API on 127.0.0.1, the app switched to the Stripe gateway, signed events.

The fake answers the few Checkout Session and Refund calls the gateway makes, records every request as
it arrived (form fields flattened as Stripe encodes them, headers), and can be told to fail. Like Stripe,
it replays the first answer for a repeated idempotency key and refuses a refund larger than what is left
of the payment.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from marketplace import payments
from marketplace.core import clock
from marketplace.mail import get_mailer
from marketplace.orders.checkout import place_order
from marketplace.orders.models import Order
from tests.festivals.conftest import make_deal, make_festival, staff  # noqa: F401 - festival fixtures for late deal payments
from tests.orders import conftest as order_fixtures

SECRET_KEY = "sk_test_silkroad"
WEBHOOK_SECRET = "whsec_test_silkroad"
STRIPE_SETTINGS = ("PAYMENT_GATEWAY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
                   "STRIPE_MAX_NETWORK_RETRIES")
_numbers = itertools.count(1)
# The order tests' fixtures, shared here (conftest fixtures reach only their own folder).
shopper, destination, fill_cart, checkout_key = (order_fixtures.shopper, order_fixtures.destination,
                                                 order_fixtures.fill_cart, order_fixtures.checkout_key)


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]


class FakeStripe:
    """The Checkout Sessions part of Stripe's API, kept in memory."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict] = {}  # in creation order
        self.by_idempotency_key: dict[str, str] = {}
        self.requests: list[Recorded] = []
        self.fail_status: int | None = None  # answer every request with this error status
        self.page_size: int | None = None  # smaller list pages than asked for, to exercise paging
        self.refunds: dict[str, dict] = {}
        self.refund_keys: dict[str, str] = {}
        self.refund_status = "succeeded"  # what a new refund answers (cards are refunded at once)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # A short poll interval: shutdown() waits for the next poll.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def created(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/checkout/sessions"]

    def refund_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/refunds"]

    def complete(self, session_id: str, payment_status: str = "paid") -> dict:
        """The shopper paid on Stripe's page: the session as Stripe would now show it."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status=payment_status,
                       payment_intent=f"pi_{session_id.removeprefix('cs_')}")
        return dict(session)

    def settle_refund(self, refund_id: str, status: str, failure_reason: str | None = None) -> dict:
        """Stripe finished a refund: the refund as Stripe would now show it (and send in `refund.updated`)."""
        refund = self.refunds[refund_id]
        refund.update(status=status, failure_reason=failure_reason)
        return dict(refund)

    def create_refund(self, form: dict[str, str], key: str | None) -> tuple[int, dict]:
        if key and key in self.refund_keys:
            return 200, self.refunds[self.refund_keys[key]]
        intent = form.get("payment_intent", "")
        session = next((s for s in self.sessions.values() if s.get("payment_intent") == intent), None)
        if session is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such payment_intent."}}
        amount = int(form.get("amount") or session["amount_total"])
        taken = sum(r["amount"] for r in self.refunds.values()
                    if r["payment_intent"] == intent and r["status"] in ("pending", "succeeded"))
        if taken + amount > session["amount_total"]:
            return 400, {"error": {"type": "invalid_request_error", "code": "amount_too_large",
                                   "message": "Refund amount is greater than the amount left on the charge."}}
        refund_id = f"re_test_{next(_numbers):06d}"
        self.refunds[refund_id] = {
            "id": refund_id, "object": "refund", "amount": amount, "currency": session["currency"],
            "payment_intent": intent, "status": self.refund_status, "failure_reason": None,
            "metadata": {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")},
        }
        if key:
            self.refund_keys[key] = refund_id
        return 200, self.refunds[refund_id]

    def expire(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        session.update(status="expired")
        return dict(session)

    # Requests, answered on the server thread.
    def create_session(self, form: dict[str, str], key: str | None) -> dict:
        if key and key in self.by_idempotency_key:  # Stripe replays the first answer for a repeated key
            return self.sessions[self.by_idempotency_key[key]]
        session_id = f"cs_test_{next(_numbers):06d}"
        count = len({k.split("]")[0] for k in form if k.startswith("line_items[")})
        lines = [(int(form[f"line_items[{i}][quantity]"]), int(form[f"line_items[{i}][price_data][unit_amount]"]))
                 for i in range(count)]
        session = {
            "id": session_id, "object": "checkout.session", "mode": form.get("mode"),
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "amount_total": sum(q * u for q, u in lines), "currency": form.get("line_items[0][price_data][currency]"),
            "metadata": {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "client_reference_id": form.get("client_reference_id"), "customer_email": form.get("customer_email"),
            "expires_at": int(form["expires_at"]), "created": int(clock.now().timestamp()),
            "payment_status": "unpaid", "status": "open",
        }
        self.sessions[session_id] = session
        if key:
            self.by_idempotency_key[key] = session_id
        return session

    def list_sessions(self, query: dict[str, str]) -> dict:
        since = int(query.get("created[gte]", 0))
        newest_first = [s for s in reversed(list(self.sessions.values())) if s["created"] >= since]
        after = query.get("starting_after")
        if after:
            ids = [s["id"] for s in newest_first]
            newest_first = newest_first[ids.index(after) + 1:]
        limit = min(int(query.get("limit", 10)), self.page_size or 100)
        return {"object": "list", "url": "/v1/checkout/sessions", "data": newest_first[:limit],
                "has_more": len(newest_first) > limit}


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_call(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            form = dict(parse_qsl(body or parts.query, keep_blank_values=True))
            with fake.lock:
                fake.requests.append(Recorded(method, parts.path, form, dict(self.headers.items())))
                if fake.fail_status:
                    return self.answer(fake.fail_status, {"error": {"type": "api_error", "message": "Boom."}})
                segments = parts.path.strip("/").split("/")
                if segments[:2] == ["v1", "refunds"]:
                    if method == "POST" and len(segments) == 2:
                        return self.answer(*fake.create_refund(form, self.headers.get("Idempotency-Key")))
                    refund = fake.refunds.get(segments[2]) if len(segments) == 3 else None
                    if refund is None:
                        return self.answer(404, {"error": {"type": "invalid_request_error",
                                                           "message": "No such refund."}})
                    return self.answer(200, refund)
                if segments[:3] != ["v1", "checkout", "sessions"]:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "message": "No such path."}})
                if method == "POST" and len(segments) == 3:
                    return self.answer(200, fake.create_session(form, self.headers.get("Idempotency-Key")))
                if method == "GET" and len(segments) == 3:
                    return self.answer(200, fake.list_sessions(form))
                session = fake.sessions.get(segments[3])
                if session is None:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "message": "No such session."}})
                if method == "POST" and segments[4:] == ["expire"]:
                    if session["status"] != "open":
                        return self.answer(400, {"error": {"type": "invalid_request_error",
                                                           "message": "This session is not open."}})
                    session["status"] = "expired"
                return self.answer(200, session)

        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            self.handle_call("GET")

        def do_POST(self) -> None:  # noqa: N802
            self.handle_call("POST")

    return Handler


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    fake.thread.join(5)


def use_stripe(app, api_base: str) -> None:
    """Switch `app` to the Stripe gateway talking to `api_base`."""
    app.config.update(PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=api_base, STRIPE_MAX_NETWORK_RETRIES=0)
    payments.init_app(app)


@pytest.fixture
def stripe_app(app, fake_stripe):
    """The test app with the Stripe gateway pointed at the fake; the session-wide app is put back after."""
    saved = {name: app.config.get(name) for name in STRIPE_SETTINGS}
    use_stripe(app, fake_stripe.url)
    yield app
    app.config.update(saved)
    payments.init_app(app)


def closed_port_url() -> str:
    """A local address where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def outbox(app) -> list:
    mailer = get_mailer()
    mailer.outbox.clear()
    return mailer.outbox


@pytest.fixture
def place_stripe_order(stripe_app, shopper, fill_cart, destination, checkout_key, make_product):
    """Place a pending Stripe order for `products` (one made when none are given) and return it."""

    def place(*products, quantity: int = 1, buyer=None) -> Order:
        buyer = buyer or shopper
        fill_cart(buyer, *(products or (make_product(price=1250, stock=5),)), quantity=quantity)
        return place_order(buyer, destination, checkout_key(), "en", base_url="https://shop.test")

    return place


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header, computed the way Stripe documents it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(kind: str, session: dict, event_id: str | None = None) -> bytes:
    """A webhook body for an event about `session` (a Checkout Session, a Refund or a Charge)."""
    return json.dumps({
        "id": event_id or f"evt_test_{next(_numbers):06d}", "object": "event", "type": kind,
        "created": int(time.time()), "livemode": False, "data": {"object": session},
    }).encode()


def post_event(client, payload: bytes, signature: str | None = None):
    """POST `payload` to the webhook endpoint, signed unless a signature is given."""
    return client.post("/webhooks/stripe", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sign(payload) if signature is None else signature})
