"""Campaign staff lecture pages: the list, series, scheduling, editing, moving and cancelling."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from campaigns.festivals.scheduling import COMMON_ZONES, utc_to_local
from campaigns.lectures import materials, services
from campaigns.lectures.display import series_title
from campaigns.lectures.forms import SPEAKER_SLOTS, LectureForm, MoveForm, SeriesForm
from campaigns.lectures.models import Lecture, LectureSeries
from marketplace.accounts.auth import staff_required
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import LANGUAGES, current_language
from marketplace.vendors.forms import ConfirmForm

bp = Blueprint("lecture_staff", __name__, url_prefix="/<lang:lang_code>/staff/lectures")


def _lecture_or_404(lecture_id: int) -> Lecture:
    try:
        return services.get_lecture(lecture_id)
    except NotFound:
        abort(404)


def _series_or_404(series_id: int) -> LectureSeries:
    try:
        return services.get_series(series_id)
    except NotFound:
        abort(404)


@bp.get("/")
@staff_required
def index() -> str:
    """Every lecture with its seats and waiting list, and every series."""
    return render_template("lectures/staff/index.html", lectures=services.all_lectures(),
                           series=services.all_series(), now=clock.now(), waiting=services.waiting_counts())


def _series_form(series: LectureSeries | None = None) -> SeriesForm:
    form = SeriesForm()
    if request.method == "GET" and series is not None:
        form.original_language.data = series.original_language
        form.festival_preparation.data = series.festival_preparation
        for text in series.texts:
            getattr(form, f"title_{text.language}").data = text.title
            getattr(form, f"description_{text.language}").data = text.description
    return form


@bp.route("/series/new", methods=["GET", "POST"], endpoint="new_series")
@bp.route("/series/<int:series_id>", methods=["GET", "POST"], endpoint="edit_series")
@staff_required
def series_page(series_id: int | None = None) -> Response | tuple[str, int] | str:
    """Create a series or change its texts."""
    series = _series_or_404(series_id) if series_id is not None else None
    form = _series_form(series)
    if form.validate_on_submit():
        data = services.SeriesInput(
            titles={code: getattr(form, f"title_{code}").data or "" for code in LANGUAGES},
            descriptions={code: getattr(form, f"description_{code}").data or "" for code in LANGUAGES},
            original_language=form.original_language.data or "en",
            festival_preparation=bool(form.festival_preparation.data))
        try:
            services.save_series(current_user, data, series)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("The series is saved."), "success")
            return redirect(url_for("lecture_staff.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("lectures/staff/series_form.html", form=form, series=series,
                           languages_list=LANGUAGES), status


def _lecture_form(lecture: Lecture | None = None) -> LectureForm:
    form = LectureForm()
    language = current_language().code
    form.series_id.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(str(s.id), series_title(s, language).text) for s in services.all_series()]
    if request.method == "GET" and lecture is not None:
        form.original_language.data = lecture.original_language
        form.series_id.data = str(lecture.series_id or "")
        form.spoken_language.data = lecture.spoken_language
        form.interpretation_languages.data = lecture.interpretations
        form.duration_minutes.data, form.capacity.data = lecture.duration_minutes, lecture.capacity
        form.audience.data = lecture.audience.value
        form.join_url.data, form.recording_url.data = lecture.join_url, lecture.recording_url
        for text in lecture.texts:
            getattr(form, f"title_{text.language}").data = text.title
            getattr(form, f"abstract_{text.language}").data = text.abstract
        for index, speaker in enumerate(lecture.speakers[:SPEAKER_SLOTS]):
            getattr(form, f"speaker_{index}_name").data = speaker.name
            getattr(form, f"speaker_{index}_role").data = speaker.role
            getattr(form, f"speaker_{index}_bio").data = speaker.bio
    return form


def _input(form: LectureForm) -> services.LectureInput:
    series = form.series_id.data or ""
    return services.LectureInput(
        titles={code: getattr(form, f"title_{code}").data or "" for code in LANGUAGES},
        abstracts={code: getattr(form, f"abstract_{code}").data or "" for code in LANGUAGES},
        original_language=form.original_language.data or "", series_id=int(series) if series.isdigit() else None,
        spoken_language=form.spoken_language.data or "",
        interpretation_languages=list(form.interpretation_languages.data or []),
        duration_minutes=form.duration_minutes.data, capacity=form.capacity.data,
        audience=form.audience.data or "", join_url=form.join_url.data or "",
        recording_url=form.recording_url.data or "",
        speakers=[services.SpeakerInput(getattr(form, f"speaker_{i}_name").data or "",
                                        getattr(form, f"speaker_{i}_role").data or "",
                                        getattr(form, f"speaker_{i}_bio").data or "") for i in range(SPEAKER_SLOTS)],
        starts_local=form.starts_local.data, time_zone=form.time_zone.data or "",
    )


def _form_page(form: LectureForm, lecture: Lecture | None = None) -> tuple[str, int]:
    status = 422 if request.method == "POST" else 200
    return render_template("lectures/staff/form.html", form=form, lecture=lecture, zones=COMMON_ZONES,
                           languages_list=LANGUAGES, speakers=SPEAKER_SLOTS, confirm_form=ConfirmForm(),
                           materials=materials.of_lecture(lecture) if lecture else [],
                           material_megabytes=materials.MAX_MATERIAL_BYTES // (1024 * 1024)), status


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new() -> Response | tuple[str, int]:
    """Schedule a lecture."""
    form = _lecture_form()
    if form.validate_on_submit():
        try:
            services.create_lecture(current_user, _input(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("The lecture is scheduled."), "success")
            return redirect(url_for("lecture_staff.index"))
    return _form_page(form)


@bp.route("/<int:lecture_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(lecture_id: int) -> Response | tuple[str, int]:
    """Change a lecture's texts, speakers, seats and links."""
    lecture = _lecture_or_404(lecture_id)
    form = _lecture_form(lecture)
    if form.validate_on_submit():
        try:
            services.update_lecture(current_user, lecture, _input(form))
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        else:
            flash(_("The lecture is saved."), "success")
            return redirect(url_for("lecture_staff.index"))
    return _form_page(form, lecture)


@bp.route("/<int:lecture_id>/move", methods=["GET", "POST"])
@staff_required
def move(lecture_id: int) -> Response | tuple[str, int]:
    """Move a lecture to another start; everyone registered or waiting is told by e-mail."""
    lecture = _lecture_or_404(lecture_id)
    form = MoveForm()
    if request.method == "GET":
        form.time_zone.data = lecture.time_zone
        form.starts_local.data = utc_to_local(lecture.starts_at, lecture.time_zone).replace(tzinfo=None)
    elif form.validate_on_submit():
        try:
            told = services.move_lecture(current_user, lecture, form.starts_local.data, form.time_zone.data or "")
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        else:
            flash(_("The lecture is moved; %(count)d people were told by e-mail.", count=told), "success")
            return redirect(url_for("lecture_staff.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("lectures/staff/move.html", form=form, lecture=lecture, zones=COMMON_ZONES), status


@bp.post("/<int:lecture_id>/cancel")
@staff_required
def cancel(lecture_id: int) -> Response:
    """Cancel a lecture; everyone registered or waiting is told by e-mail."""
    lecture = _lecture_or_404(lecture_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("lecture_staff.edit", lecture_id=lecture.id))
    try:
        told = services.cancel_lecture(current_user, lecture)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("lecture_staff.edit", lecture_id=lecture.id))
    flash(_("The lecture is cancelled; %(count)d people were told by e-mail.", count=told), "success")
    return redirect(url_for("lecture_staff.index"))
