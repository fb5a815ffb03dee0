"""The waiting room in front of the checkout page and the API's checkout, without either knowing of it.

`before_request` looks only at those two endpoints: a shopper whose turn has not come is sent to the
waiting page (or answered 429 with Retry-After under `/api/v1`), one whose deals sold out while they
waited is told so, and one admitted goes on to the checkout unchanged. `after_request` records the
ticket as used when the checkout answered with an order, so it cannot buy a second time.
"""
from __future__ import annotations

import random
import secrets

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from campaigns.festivals.waiting_room.services import Admission, Turn, admit, spend_ticket
from campaigns.festivals.waiting_room.tickets import TicketRefused
from marketplace.accounts.models import Role, User
from marketplace.core import clock
from marketplace.core.errors import Conflict, DomainError

PAGE_ENDPOINT, API_ENDPOINT = "orders.checkout", "api_shop.checkout"
SESSION_TICKET, SESSION_HOLDER = "waiting_ticket", "waiting_holder"
TICKET_HEADER = "Admission-Ticket"
MAX_RETRY_SECONDS = 30  # a client asks again at least this often, so a sell-out is heard soon


class InWaitingRoom(DomainError):
    """The API client's turn has not come: send the ticket again after Retry-After."""

    code = "waiting_room"
    status = 429

    def __init__(self, admission: Admission, retry_after: int) -> None:
        super().__init__(ngettext("You are in the waiting room: %(num)d shopper is ahead of you.",
                                  "You are in the waiting room: %(num)d shoppers are ahead of you.",
                                  admission.ahead))
        self.admission, self.retry_after = admission, retry_after

    def json_extra(self) -> dict[str, object]:
        """The ticket to send back in the Admission-Ticket header, the place and the expected wait."""
        return {"ticket": self.admission.signed, "ahead": self.admission.ahead,
                "wait_seconds": self.admission.wait_seconds}

    def json_headers(self) -> dict[str, str]:
        """When to ask again."""
        return {"Retry-After": str(self.retry_after)}


class DealsSoldOut(Conflict):
    """Every festival deal the shopper waited for sold out before their turn."""

    code = "sold_out"


def retry_after(admission: Admission) -> int:
    """Seconds before asking again: the wait (at most MAX_RETRY_SECONDS), spread by a little jitter so
    shoppers who arrived together do not all ask again in the same second."""
    return max(1, min(admission.wait_seconds, MAX_RETRY_SECONDS)) + random.randint(0, 3)  # noqa: S311


def page_holder(user: User) -> str:
    """Who a page's ticket belongs to: this shopper in this browser session."""
    nonce = session.get(SESSION_HOLDER)
    if not nonce:
        nonce = session[SESSION_HOLDER] = secrets.token_hex(12)
    return f"s.{user.id}.{nonce}"


def page_admission(user: User) -> Admission | None:
    """The shopper's place for the page checkout, joining the line again when their ticket was refused."""
    at = clock.now()
    holder = page_holder(user)
    try:
        admission = admit(user, holder, session.get(SESSION_TICKET), at)
    except TicketRefused as refused:
        session.pop(SESSION_TICKET, None)
        admission = admit(user, holder, None, at)
        if admission is not None and admission.turn is Turn.WAITING:
            flash(refused.message + " " + _("You have joined the line again."), "info")
    if admission is None or admission.turn is Turn.SOLD_OUT:
        session.pop(SESSION_TICKET, None)
    elif admission.signed != session.get(SESSION_TICKET):
        session[SESSION_TICKET] = admission.signed
    return admission


def _shopper_of_page() -> User | None:
    if current_user.is_authenticated and current_user.role == Role.SHOPPER:
        return current_user
    return None


def _shopper_of_api() -> User | None:
    from marketplace.api.tokens import token_user

    try:
        user = token_user()
    except DomainError:
        return None  # the view answers the missing or bad token itself
    return user if user.role == Role.SHOPPER else None


def _api_language() -> None:
    from marketplace.api.edge import use_language

    body = request.get_json(silent=True)
    sent = body.get("lang") if isinstance(body, dict) else None
    use_language(sent if sent is not None else request.args.get("lang"))


def guard_checkout() -> Response | None:
    """Before the checkout page or API checkout runs: let the admitted through, hold back the rest."""
    if request.endpoint == PAGE_ENDPOINT:
        user = _shopper_of_page()
        if user is None:
            return None
        admission = page_admission(user)
        if admission is None:
            return None
        if admission.turn is Turn.ADMITTED:
            g.waiting_ticket, g.waiting_shopper = admission.ticket, user.id
            return None
        return redirect(url_for("waiting_room.waiting", slug=admission.gate.slug), 303)
    if request.endpoint == API_ENDPOINT and request.method == "POST":
        user = _shopper_of_api()
        if user is None:
            return None
        _api_language()
        sent = request.headers.get(TICKET_HEADER, "").strip()
        admission = admit(user, f"u.{user.id}", sent or None, clock.now())
        if admission is None:
            return None
        if admission.turn is Turn.SOLD_OUT:
            raise DealsSoldOut(_("The festival deals you were waiting for are sold out."))
        if admission.turn is Turn.WAITING:
            raise InWaitingRoom(admission, retry_after(admission))
        g.waiting_ticket, g.waiting_shopper = admission.ticket, user.id
    return None


def spend_after_checkout(response: Response) -> Response:
    """After a checkout that answered with an order, record its ticket as used."""
    ticket = g.pop("waiting_ticket", None)
    if ticket is None:
        return response
    placed = (response.status_code in (200, 201) if request.endpoint == API_ENDPOINT
              else request.method == "POST" and response.status_code in (302, 303)
              and not response.location.endswith(url_for("orders.cart")))
    if placed:
        try:
            spend_ticket(ticket, g.waiting_shopper)
        except TicketRefused:
            pass  # a double click's second answer repeats the first order: its ticket is used already
        if request.endpoint == PAGE_ENDPOINT:
            session.pop(SESSION_TICKET, None)
    return response


def init_app(app: Flask) -> None:
    """Put the waiting room in front of both checkouts."""
    app.before_request(guard_checkout)
    app.after_request(spend_after_checkout)
