"""Public lecture pages: the list, a lecture's page, registering and cancelling, confirming a held seat,
the signed "remove me" link from e-mails, and the signed way into the meeting."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from campaigns.festivals.scheduling import COMMON_ZONES
from campaigns.festivals.views import shopper_zone
from campaigns.lectures import calendar, joining, listing, materials, questions, seats, services, tokens
from campaigns.lectures.forms import QuestionForm
from campaigns.lectures.models import Lecture, LectureStatus
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.i18n import LANGUAGES, current_language
from marketplace.core.page_cache import cached_page
from marketplace.vendors.forms import ConfirmForm

bp = Blueprint("lectures", __name__, url_prefix="/<lang:lang_code>/lectures")


def _lecture_or_404(lecture_id: int) -> Lecture:
    try:
        return services.get_lecture(lecture_id)
    except NotFound:
        abort(404)


@bp.get("/")
@cached_page
def index() -> str:
    """Upcoming lectures by date, filterable by series, language and audience; past ones with recordings."""
    filters = listing.Filters.from_args(request.args)
    return render_template("lectures/index.html", upcoming=listing.upcoming(filters),
                           past=listing.past_with_recordings(filters), filters=filters,
                           series=services.all_series(), languages_list=LANGUAGES,
                           limited=listing.seats_are_limited, now=clock.now())


@bp.get("/<int:lecture_id>")
def detail(lecture_id: int) -> str:
    """A lecture: its times in two zones, seats left, the visitor's place and what they can do."""
    return detail_page(lecture_id)


def detail_page(lecture_id: int, question_form: QuestionForm | None = None) -> str:
    """The lecture page, with `question_form` as the visitor left it when their question was refused."""
    seats.settle(lecture_id)
    lecture = _lecture_or_404(lecture_id)
    now = clock.now()
    user = current_user if current_user.is_authenticated else None
    place = seats.place_of(lecture.id, user)
    return render_template(
        "lectures/detail.html", lecture=lecture, now=now, place=place, form=ConfirmForm(),
        zone=shopper_zone(lecture.time_zone), zones=COMMON_ZONES, limited=listing.seats_are_limited(lecture),
        open_for_registration=lecture.status == LectureStatus.SCHEDULED and now < clock.to_utc(lecture.starts_at),
        join_link=joining.join_link(lecture, user, now), join_opens=joining.opens_at(lecture),
        languages_list=LANGUAGES, questions=questions.board(lecture, user),
        questions_open=questions.questions_open(lecture, now), may_ask=questions.may_take_part(lecture, user),
        question_form=question_form or QuestionForm(), materials=materials.of_lecture(lecture),
    )


def _act(lecture_id: int, action: str) -> Response:
    lecture = _lecture_or_404(lecture_id)
    back = url_for("lectures.detail", lecture_id=lecture.id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(back)
    if not current_user.is_authenticated:
        flash(_("Log in or create an account to register."), "info")
        return redirect(url_for("accounts.login", next=back))
    try:
        if action == "register":
            registration = seats.register(lecture.id, current_user, current_language().code)
            flash(_("You are registered.") if registration.status.value == "registered"
                  else _("The lecture is full: you are on the waiting list. We will e-mail you if a seat frees up."),
                  "success")
        elif action == "confirm":
            seats.confirm(lecture.id, current_user)
            flash(_("Your seat is confirmed."), "success")
        else:
            seats.cancel(lecture.id, current_user)
            flash(_("Your place is cancelled."), "success")
    except (Conflict, PermissionDenied, NotFound) as exc:
        flash(exc.message, "error")
    return redirect(back)


@bp.post("/<int:lecture_id>/register")
def register(lecture_id: int) -> Response:
    """Take a seat, or a place on the waiting list when the lecture is full."""
    return _act(lecture_id, "register")


@bp.post("/<int:lecture_id>/confirm")
def confirm(lecture_id: int) -> Response:
    """Take the seat held for a person promoted from the waiting list."""
    return _act(lecture_id, "confirm")


@bp.post("/<int:lecture_id>/cancel")
def cancel(lecture_id: int) -> Response:
    """Give up one's seat or place on the waiting list."""
    return _act(lecture_id, "cancel")


@bp.get("/<int:lecture_id>/calendar.ics")
@login_required
def calendar_file(lecture_id: int) -> Response:
    """The calendar file of the visitor's registration (404 without one); it never holds the meeting link."""
    lecture = _lecture_or_404(lecture_id)
    place = seats.place_of(lecture.id, current_user)
    if place is None:
        abort(404)
    language = current_language().code
    body = calendar.lecture_calendar(lecture, language, url_for("lectures.detail", lecture_id=lecture.id,
                                                                _external=True), request.host.split(":")[0])
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="lecture-{lecture.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/remove/<token>", methods=["GET", "POST"])
def remove(token: str) -> Response | tuple[str, int] | str:
    """The "remove me" link of lecture e-mails: no log-in needed. The link opens a page with one button,
    because mail scanners open links and must not remove anyone."""
    try:
        registration = tokens.read(token)
    except ValidationError as exc:
        return render_template("lectures/remove.html", error=exc.message, registration=None, form=None), 400
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form had expired. Please try again."), "error")
        else:
            try:
                seats.cancel(registration.lecture_id, registration.user)
            except Conflict:
                pass  # already removed: the page says so either way
            flash(_("Your place is cancelled."), "success")
            return redirect(url_for("lectures.detail", lecture_id=registration.lecture_id))
    return render_template("lectures/remove.html", error=None, registration=registration, form=form)


@bp.get("/<int:lecture_id>/join")
def join(lecture_id: int) -> Response | tuple[str, int]:
    """A registered person's own way into the meeting: redirects to the meeting only from 15 minutes before
    the start until the end, with a valid signed token of theirs."""
    lecture = _lecture_or_404(lecture_id)
    try:
        target = joining.meeting_for(lecture, request.args.get("t", ""), clock.now())
    except (ValidationError, Conflict) as exc:
        return render_template("lectures/join_refused.html", lecture=lecture, message=exc.message), 403
    response = redirect(target)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
