"""The private calendar feed: the address calendar apps read, and making or turning off one's own feed
from the account page."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from campaigns.lectures import feed
from marketplace.accounts.models import User
from marketplace.core.i18n import current_language
from marketplace.extensions import limiter
from marketplace.vendors.forms import ConfirmForm

bp = Blueprint("calendar_feed", __name__, url_prefix="/<lang:lang_code>/me")

FEED_LIMIT = "60 per hour"  # calendar apps read a feed every 15 minutes to a few hours
FEED_MAX_AGE = 900


def _feed_key() -> str:
    """Rate-limit key: the token read (hashed) and the caller's address, so one leaked address cannot be
    hammered and one client cannot sweep tokens."""
    token = request.args.get("token", "")[:feed.MAX_TOKEN_LENGTH]
    return f"calendar-feed:{hashlib.sha256(token.encode()).hexdigest()[:16]}:{get_remote_address()}"


@bp.get("/calendar.ics")
@limiter.limit(FEED_LIMIT, key_func=_feed_key)
@limiter.limit("300 per hour")  # per address, whatever the token
def calendar() -> Response:
    """The person's lectures and the festivals' waves as a calendar; 404 (and no hint) for a wrong token."""
    owner = feed.owner_of(request.args.get("token", ""))
    if owner is None:
        abort(404)
    body = feed.person_calendar(
        owner, current_language().code, request.host.split(":")[0],
        lambda lecture: url_for("lectures.detail", lecture_id=lecture.id, _external=True),
        lambda festival: url_for("festivals.landing", slug=festival.slug, _external=True))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="silk-road-market.ics"'
    response.headers["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.post("/calendar-feed")
@login_required
def new_feed() -> Response | str:
    """Make a new private feed address (the old one stops working) and show it once."""
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("accounts.overview"))
    token = feed.issue_feed(current_user)
    address = url_for("calendar_feed.calendar", token=token, _external=True)
    webcal = address.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1)
    response = make_response(render_template("lectures/feed/created.html", address=address, webcal=webcal))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/calendar-feed/off")
@login_required
def revoke_feed() -> Response:
    """Turn the private feed off: calendar apps subscribed to it get nothing more."""
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
    elif feed.revoke_feed(current_user):
        flash(_("Your calendar link is turned off. Calendars subscribed to it no longer update."), "success")
    else:
        flash(_("You have no calendar link."), "info")
    return redirect(url_for("accounts.overview"))


def account_section(user: User) -> dict[str, Any]:
    """The account page's "Calendar feed" block: whether the person has a feed, and since when."""
    return {"feed": feed.feed_of(user), "form": ConfirmForm()}
