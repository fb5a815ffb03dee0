"""Shopper festival pages: the index, a festival's landing page, reminders and saved deals.

The index and a festival's page are page-cached: countdowns, units left, the viewer's reminder and
saved deals are filled in as each response is served (see festivals/page_cache.py).
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from campaigns.festivals import display, intents, phases, reminders, services
from campaigns.festivals.entries import festival_results, get_deal
from campaigns.festivals.forms import TimeZoneForm
from campaigns.festivals.models import DealStatus
from campaigns.festivals.phases import SHOPPER_VISIBLE, Phase
from campaigns.festivals.scheduling import COMMON_ZONES, get_zone
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.i18n import current_language, reading_order
from marketplace.core.page_cache import cached_page
from marketplace.core.site import safe_next_url
from marketplace.core.zones import known_zones, viewer_zone, zone_name
from marketplace.vendors.forms import ConfirmForm

bp = Blueprint("festivals", __name__, url_prefix="/<lang:lang_code>/festivals")


def shopper():
    return current_user if current_user.is_authenticated else None


def shopper_zone(festival_zone: str) -> str:
    """The zone the shopper reads times in (chosen, or guessed from their browser), else the festival's own."""
    return viewer_zone(festival_zone)


def _visible_festival_or_404(slug: str):
    try:
        festival = services.get_festival(slug)
    except NotFound:
        abort(404)
    phase = phases.phase_at(festival, clock.now())
    if phase not in SHOPPER_VISIBLE and not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    return festival, phase


@bp.get("/")
@cached_page
def index() -> str:
    """Live, upcoming (in warm-up) and past festivals."""
    now = clock.now()
    return render_template("festivals/index.html", groups=services.festivals_by_status(now), now=now,
                           zone=viewer_zone(""))


@bp.get("/<slug>")
@cached_page
def landing(slug: str) -> str:
    """A festival's page: countdown, its times in two zones, and its deals (prices only while live); kept by
    the page cache, with each viewer's reminder and saved deals and the units left filled in per response."""
    festival, phase = _visible_festival_or_404(slug)
    now = clock.now()
    user = shopper()
    cards = display.deal_cards(festival, user, reading_order(), now, reminders.saved_deal_ids(user, festival))
    return render_template(
        "festivals/landing.html", festival=festival, phase=phase, Phase=Phase, now=now, cards=cards,
        target=phases.countdown_at(festival, now), zone=shopper_zone(festival.time_zone),
        results=festival_results(festival) if phase == Phase.ENDED else None,
    )


@bp.post("/<slug>/remind")
def remind(slug: str) -> Response:
    """Ask for an e-mail before the festival opens; a visitor is asked to log in first and it is done then."""
    festival, _phase = _visible_festival_or_404(slug)
    back = url_for("festivals.landing", slug=festival.slug)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(back)
    if not current_user.is_authenticated:
        return _after_log_in("remind", festival.id)
    _complete(current_user, "remind", festival.id)
    return redirect(back)


@bp.post("/deals/<int:deal_id>/save")
def save(deal_id: int) -> Response:
    """Save a deal and be reminded before it opens; a visitor is asked to log in first and it is done then."""
    try:
        deal = get_deal(deal_id)
    except NotFound:
        abort(404)
    back = url_for("festivals.landing", slug=deal.festival.slug)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(back)
    if not current_user.is_authenticated:
        return _after_log_in("save", deal.id)
    _complete(current_user, "save", deal.id)
    return redirect(back)


@bp.route("/continue/<token>", methods=["GET", "POST"])
@login_required
def resume(token: str) -> Response | str:
    """Finish what a visitor asked for before logging in: at once in the browser that asked, else after
    the user confirms; an expired or altered token is refused with a message and nothing is saved."""
    try:
        intent = intents.read_intent(token)
        festival = _intent_festival(intent)
    except (ValidationError, NotFound) as exc:
        flash(exc.message, "error")
        return _forget_intent(redirect(url_for("festivals.index")))
    back = url_for("festivals.landing", slug=festival.slug)
    form = ConfirmForm()
    if request.method == "POST" and not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
    elif request.method == "POST" or intent.matches(request.cookies.get(intents.COOKIE)):
        _complete(current_user, intent.action, intent.subject_id)
        return _forget_intent(redirect(back))
    deal = get_deal(intent.subject_id) if intent.action == "save" else None
    return render_template("festivals/confirm_intent.html", festival=festival, deal=deal, intent=intent,
                           form=form, back=back)


def _intent_festival(intent: intents.Intent):
    """The festival the intent concerns, still shown to shoppers; NotFound (with a message) otherwise."""
    try:
        deal = get_deal(intent.subject_id) if intent.action == "save" else None
        festival = deal.festival if deal else services.get_festival_by_id(intent.subject_id)
    except NotFound:
        raise NotFound(_("That festival or deal no longer exists, so nothing was saved.")) from None
    if (deal is not None and deal.status != DealStatus.APPROVED) or \
            phases.phase_at(festival, clock.now()) not in SHOPPER_VISIBLE:
        raise NotFound(_("That festival or deal no longer exists, so nothing was saved."))
    return festival


def _after_log_in(action: str, subject_id: int) -> Response:
    """Send a visitor to log in (or sign up) with the signed intent, and mark this browser as the one that asked."""
    token, intent = intents.sign_intent(action, subject_id)
    flash(_("Log in or create an account, and we will finish this for you."), "info")
    response = redirect(url_for("accounts.login", next=url_for("festivals.resume", token=token)))
    response.set_cookie(intents.COOKIE, intent.nonce, max_age=intents.MAX_AGE_SECONDS, httponly=True,
                        samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _forget_intent(response: Response) -> Response:
    response.delete_cookie(intents.COOKIE, httponly=True, samesite="Lax",
                           secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _complete(user, action: str, subject_id: int) -> None:
    """Do the reminder or the save for `user`, with a message saying what happened."""
    language = current_language().code
    try:
        if action == "remind":
            reminders.remind_festival(user, services.get_festival_by_id(subject_id), language)
            flash(_("We will e-mail you before it opens."), "success")
        else:
            reminders.save_deal(user, get_deal(subject_id), language)
            flash(_("Deal saved: we will e-mail you before it opens."), "success")
    except (Conflict, NotFound) as exc:
        flash(exc.message, "error")


@bp.post("/settings/time-zone")
def set_time_zone() -> Response:
    """Remember the zone the shopper wants festival times in."""
    form = TimeZoneForm()
    if form.validate_on_submit():
        try:
            get_zone(form.tz.data, "tz")
        except ValidationError as exc:
            flash(exc.message, "error")
        else:
            session["time_zone"] = form.tz.data
    return redirect(safe_next_url(request.form.get("next")) or url_for("festivals.index"))


def zone_choices(chosen: str) -> list[tuple[str, str]]:
    """(zone id, its name in the page's language) for the "Show times in" list: the common zones, and the
    chosen one when it is not among them, in alphabetical order of their names."""
    language = current_language().code
    zones = set(COMMON_ZONES) | ({chosen} if chosen in known_zones() else set())
    return sorted(((zone, zone_name(zone, language)) for zone in zones), key=lambda choice: choice[1])


def init_templates(app: Flask) -> None:
    """Template helpers for festival pages and the product-page include."""
    app.add_template_global(display.product_festival, "product_festival")
    app.add_template_global(display.countdown_parts, "countdown_parts")
    app.add_template_global(phases.countdown_at, "festival_countdown_at")
    app.add_template_global(lambda days: display.days_text(days, current_language().code), "countdown_days")
    app.add_template_global(lambda instant, zone: display.time_in_zone(instant, zone, current_language().code),
                            "festival_time")
    app.add_template_global(
        lambda start, end, festival_zone, reader_zone: display.festival_times(
            start, end, festival_zone, reader_zone, current_language().code), "festival_times")
    app.add_template_global(zone_choices, "zone_choices")
    app.add_template_global(lambda festival: display.festival_name(festival, reading_order()), "festival_name")
    app.add_template_global(lambda festival: display.festival_theme(festival, reading_order()), "festival_theme")
    app.add_template_global(lambda festival: display.festival_description(festival, reading_order()),
                            "festival_description")
    app.add_template_global(clock.now, "server_now")
    app.add_template_global(display.deal_grid, "deal_grid")
    app.add_template_global(lambda percent: format_percent(-percent / 100), "discount_label")
