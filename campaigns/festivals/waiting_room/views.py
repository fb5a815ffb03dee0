"""The waiting page shoppers see while their turn comes, and staff's waiting-room settings."""
from __future__ import annotations

import random

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from campaigns.festivals import services as festival_services
from campaigns.festivals.waiting_room.forms import WaitingRoomForm
from campaigns.festivals.waiting_room.gate import MAX_RETRY_SECONDS, page_admission
from campaigns.festivals.waiting_room.services import Turn, configure_waiting_room, rate_range_message
from marketplace.accounts.auth import staff_required
from marketplace.accounts.models import Role
from marketplace.core.errors import NotFound, ValidationError

bp = Blueprint("waiting_room", __name__, url_prefix="/<lang:lang_code>")
MIN_REFRESH_SECONDS = 3


@bp.get("/festivals/<slug>/waiting-room")
@login_required
def waiting(slug: str) -> Response | tuple[str, int, dict[str, str]]:
    """The shopper's place in the festival's line, reloading itself (no script needed) until their turn."""
    if current_user.role != Role.SHOPPER:
        return redirect(url_for("orders.cart"))
    admission = page_admission(current_user)
    if admission is None or admission.turn is Turn.ADMITTED:
        return redirect(url_for("orders.checkout"))
    if admission.gate.slug != slug:
        return redirect(url_for(".waiting", slug=admission.gate.slug))
    festival = festival_services.get_festival(slug)
    # Shoppers who arrived together must not all reload in the same second: a few seconds of jitter.
    refresh = max(MIN_REFRESH_SECONDS, min(admission.wait_seconds, MAX_RETRY_SECONDS)) + random.randint(0, 4)  # noqa: S311
    status = 200 if admission.turn is Turn.WAITING else 409
    return (render_template("festivals/waiting_room/waiting.html", festival=festival, admission=admission,
                            refresh=refresh, sold_out=admission.turn is Turn.SOLD_OUT),
            status, {"Cache-Control": "no-store"})


@bp.post("/staff/festivals/<int:festival_id>/waiting-room")
@staff_required
def settings(festival_id: int) -> Response:
    """Turn a festival's waiting room on or off and set how many checkouts a minute it lets through."""
    try:
        festival = festival_services.get_festival_by_id(festival_id)
    except NotFound:
        abort(404)
    form = WaitingRoomForm()
    if form.validate_on_submit():
        try:
            configure_waiting_room(current_user, festival, form.enabled.data, form.rate.data)
        except ValidationError as error:
            flash(error.message, "error")
        else:
            flash(_("The waiting room is on: %(rate)s checkouts a minute.",
                    rate=format_decimal(festival.waiting_room_rate))
                  if festival.waiting_room else _("The waiting room is off."), "success")
    else:
        flash(rate_range_message(), "error")
    return redirect(url_for("festival_staff.entries_page", festival_id=festival.id))
