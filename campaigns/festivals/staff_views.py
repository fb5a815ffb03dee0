"""Campaign staff festival pages: the calendar, scheduling, pause/resume/extend, and entry curation."""
from __future__ import annotations

import calendar as calendar_module
import re
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from campaigns.festivals import announcements, banners, entries, phases, services
from campaigns.festivals.experience_deals import seats_sold
from campaigns.festivals.forms import FORM_WAVES, CapForm, ExtendForm, FestivalForm
from campaigns.festivals.scheduling import COMMON_ZONES, utc_to_local
from marketplace.accounts.auth import staff_required
from marketplace.catalog.services import all_countries, country_name
from marketplace.core import clock
from marketplace.core.errors import Conflict, DomainError, NotFound, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import LANGUAGES, current_language
from marketplace.vendors.forms import ConfirmForm, ReasonForm

bp = Blueprint("festival_staff", __name__, url_prefix="/<lang:lang_code>/staff/festivals")
WAVE_FIELD = re.compile(r"^wave_(\d+)_(starts|ends)$")  # the service names a wave by its place in the input


def _festival_or_404(festival_id: int):
    try:
        return services.get_festival_by_id(festival_id)
    except NotFound:
        abort(404)


def _month() -> tuple[int, int]:
    today = clock.now().date()
    try:
        year, month = (int(part) for part in request.args.get("month", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    return year, month


@bp.get("/")
@staff_required
def calendar() -> str:
    """All festivals, and a month's waves on a calendar (UTC days)."""
    year, month = _month()
    waves = services.calendar_month(year, month)
    weeks = calendar_module.Calendar().monthdayscalendar(year, month)
    previous = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    following = f"{year + (month == 12)}-{month % 12 + 1:02d}"
    return render_template(
        "festivals/staff/calendar.html", festivals=services.all_festivals(), waves=waves, weeks=weeks,
        year=year, month=month, previous=previous, following=following, now=clock.now(), phase_at=phases.phase_at,
    )


def _form(festival=None) -> FestivalForm:
    form = FestivalForm()
    language = current_language().code
    form.country_code.choices = [SelectChoice("", _("None"))] + sorted(
        (SelectChoice(c.code, country_name(c.code, language)) for c in all_countries()), key=lambda c: c.label)
    if request.method == "GET" and festival is not None:
        zone = festival.time_zone
        form.slug.data = festival.slug
        form.country_code.data, form.time_zone.data = festival.country_code or "", zone
        form.original_language.data = festival.original_language
        form.entrants_must_be_ready.data = festival.entrants_must_be_ready
        form.free_shipping.data = festival.free_shipping
        for name in ("registration_opens", "registration_closes", "warmup_starts"):
            getattr(form, name).data = utc_to_local(getattr(festival, f"{name}_at"), zone).replace(tzinfo=None)
        for index, wave in enumerate(entries.waves_of(festival)[:FORM_WAVES]):
            getattr(form, f"wave_{index}_id").data = str(wave.id)
            getattr(form, f"wave_{index}_starts").data = utc_to_local(wave.starts_at, zone).replace(tzinfo=None)
            getattr(form, f"wave_{index}_ends").data = utc_to_local(wave.ends_at, zone).replace(tzinfo=None)
        for text in festival.texts:
            getattr(form, f"name_{text.language}").data = text.name
            getattr(form, f"description_{text.language}").data = text.description
            getattr(form, f"theme_{text.language}").data = text.theme
    return form


def _input(form: FestivalForm) -> tuple[services.FestivalInput, list[int]]:
    """The service's input from the form, and the form slot of each wave passed on (empty slots are skipped)."""
    waves, slots = [], []
    for index in range(FORM_WAVES):
        starts, ends = getattr(form, f"wave_{index}_starts").data, getattr(form, f"wave_{index}_ends").data
        if starts or ends or index == 0:
            wave_id = (getattr(form, f"wave_{index}_id").data or "").strip()
            waves.append(services.WaveInput(starts, ends, int(wave_id) if wave_id.isascii() and wave_id.isdigit()
                                            else None))
            slots.append(index)
    upload = form.banner.data
    data = services.FestivalInput(
        names={code: getattr(form, f"name_{code}").data or "" for code in LANGUAGES},
        descriptions={code: getattr(form, f"description_{code}").data or "" for code in LANGUAGES},
        time_zone=(form.time_zone.data or "").strip(), registration_opens=form.registration_opens.data,
        registration_closes=form.registration_closes.data, warmup_starts=form.warmup_starts.data, waves=waves,
        themes={code: getattr(form, f"theme_{code}").data or "" for code in LANGUAGES},
        country_code=form.country_code.data or None,
        banner=upload.read() if upload else None, remove_banner=bool(form.remove_banner.data),
        original_language=form.original_language.data or "en", slug=form.slug.data or "",
        entrants_must_be_ready=bool(form.entrants_must_be_ready.data), free_shipping=bool(form.free_shipping.data),
    )
    return data, slots


def _refused(form: FestivalForm, error: DomainError, slots: list[int]) -> None:
    """Show a refusal on the form, each wave's message on the slot staff filled in (not its position)."""
    def slot_name(name: str) -> str:
        match = WAVE_FIELD.match(name)
        if match and int(match[1]) < len(slots):
            return f"wave_{slots[int(match[1])]}_{match[2]}"
        return name

    apply_errors(form, type(error)(error.message, {slot_name(k): v for k, v in error.fields.items()}))


def _form_page(form: FestivalForm, festival=None) -> str:
    if request.method == "POST" and form.banner.data and not form.banner.errors:
        # Refused for another reason: a browser cannot refill a file input, so say the picture must be chosen again.
        form.banner.errors = [*form.banner.errors, _("Nothing was saved: choose the banner picture again.")]
    return render_template("festivals/staff/form.html", form=form, festival=festival, zones=COMMON_ZONES,
                           waves=FORM_WAVES, languages_list=LANGUAGES, banner_limits=banners.LIMITS)


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new() -> Response | tuple[str, int] | str:
    """Schedule a festival."""
    form = _form()
    if form.validate_on_submit():
        data, slots = _input(form)
        try:
            festival = services.create_festival(current_user, data)
        except ValidationError as exc:
            _refused(form, exc, slots)
            return _form_page(form), 422
        flash(_("The festival is scheduled."), "success")
        if announcements.announce_open_registrations():
            flash(_("Its registration is open: approved vendors were told by e-mail."), "success")
        return redirect(url_for("festival_staff.entries_page", festival_id=festival.id))
    return _form_page(form)


@bp.route("/<int:festival_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(festival_id: int) -> Response | tuple[str, int] | str:
    """Change a festival's texts, banner and schedule (times already shown to shoppers stay as they are)."""
    festival = _festival_or_404(festival_id)
    form = _form(festival)
    if form.validate_on_submit():
        data, slots = _input(form)
        try:
            services.update_festival(current_user, festival, data)
        except (ValidationError, Conflict) as exc:
            _refused(form, exc, slots)
            return _form_page(form, festival), 422
        flash(_("The festival is saved."), "success")
        if announcements.announce_open_registrations():
            flash(_("Its registration is open: approved vendors were told by e-mail."), "success")
        return redirect(url_for("festival_staff.entries_page", festival_id=festival.id))
    return _form_page(form, festival)


@bp.get("/<int:festival_id>")
@staff_required
def entries_page(festival_id: int) -> str:
    """A festival's state, its controls, and every vendor entry to curate."""
    festival = _festival_or_404(festival_id)
    deals = entries.festival_entries(festival)
    return render_template(
        "festivals/staff/entries.html", festival=festival, deals=deals,
        seats_sold=seats_sold(deal.id for deal in deals if deal.product.is_experience),
        phase=phases.phase_at(festival, clock.now()), confirm_form=ConfirmForm(), reason_form=ReasonForm(),
        cap_form=CapForm(), extend_form=ExtendForm(), waves=entries.waves_of(festival),
    )


@bp.post("/<int:festival_id>/<any(pause, resume):action>")
@staff_required
def pause_or_resume(festival_id: int, action: str) -> Response:
    """Stop every deal at once, or put them back on sale."""
    festival = _festival_or_404(festival_id)
    if ConfirmForm().validate_on_submit():
        try:
            (services.pause_festival if action == "pause" else services.resume_festival)(current_user, festival)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("The festival is paused.") if action == "pause" else _("The festival is live again."), "success")
    return redirect(url_for("festival_staff.entries_page", festival_id=festival.id))


@bp.post("/<int:festival_id>/extend")
@staff_required
def extend(festival_id: int) -> Response:
    """Move the festival's end later."""
    festival = _festival_or_404(festival_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            services.extend_festival(current_user, festival, form.ends_at.data)
        except (ValidationError, Conflict) as exc:
            flash(exc.message, "error")
        else:
            flash(_("The festival is extended."), "success")
    else:
        flash(_("Enter the new end."), "error")
    return redirect(url_for("festival_staff.entries_page", festival_id=festival.id))


@bp.post("/deals/<int:deal_id>/<any(approve, reject, cap):decision>")
@staff_required
def decide_deal(deal_id: int, decision: str) -> Response:
    """Approve an entry, reject it with a reason, or change its quantity cap."""
    try:
        deal = entries.get_deal(deal_id)
    except NotFound:
        abort(404)
    form = CapForm() if decision == "cap" else ReasonForm()
    if form.validate_on_submit():
        try:
            if decision == "approve":
                entries.approve_deal(current_user, deal)
            elif decision == "reject":
                entries.reject_deal(current_user, deal, form.reason.data or "")
            else:
                entries.set_deal_cap(current_user, deal, form.cap.data)
        except (ValidationError, Conflict) as exc:
            flash(exc.message, "error")
        else:
            flash({"approve": _("The deal is approved."), "reject": _("The entry is rejected."),
                   "cap": _("The quantity is changed.")}[decision], "success")
    else:
        flash(_("Check the form."), "error")
    return redirect(url_for("festival_staff.entries_page", festival_id=deal.festival_id))
