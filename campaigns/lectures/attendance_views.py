"""Attendance pages: checking in with the speaker's code, the certificate (PDF) and its public verification
page, and staff's attendance page (the code shown large, the participant-list import and who attended)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from campaigns.lectures import certificate_pdf, certificates, checkin, participants, services
from campaigns.lectures.attendance_forms import CertificateNameForm, CheckInForm, ParticipantImportForm
from campaigns.lectures.display import lecture_title, series_title
from campaigns.lectures.models import Lecture, Registration, RegistrationStatus
from marketplace.accounts.auth import staff_required
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language, text_direction
from marketplace.extensions import db, limiter
from marketplace.vendors.forms import ConfirmForm

bp = Blueprint("lecture_attendance", __name__, url_prefix="/<lang:lang_code>")
log = logging.getLogger(__name__)

CHECKIN_LIMIT = "10 per 10 minutes"  # per person: a speaker's code is typed once or twice


def _lecture_or_404(lecture_id: int) -> Lecture:
    try:
        return services.get_lecture(lecture_id)
    except NotFound:
        abort(404)


def _font_dir() -> str | None:
    return current_app.config.get("CERTIFICATE_FONT_DIR") or None


def _person_key() -> str:
    user_id = current_user.get_id() if current_user.is_authenticated else None
    return f"lecture-checkin:{user_id or request.remote_addr}"


@bp.post("/lectures/<int:lecture_id>/check-in")
@login_required
@limiter.limit(CHECKIN_LIMIT, key_func=_person_key)
def check_in(lecture_id: int) -> Response:
    """Mark the visitor as attending with the code the speaker gave; a clear message when it cannot be."""
    lecture = _lecture_or_404(lecture_id)
    back = url_for("lectures.detail", lecture_id=lecture.id) + "#attendance"
    form = CheckInForm()
    if not form.validate_on_submit():
        flash(form.code.errors[0] if form.code.errors else _("The form had expired. Please try again."), "error")
        return redirect(back)
    try:
        checkin.check_in(current_user, lecture, form.code.data or "", clock.now())
    except (ValidationError, Conflict) as exc:
        flash(exc.message, "error")
    else:
        flash(_("You are checked in. Welcome!"), "success")
    return redirect(back)


@bp.post("/lectures/<int:lecture_id>/certificate")
@login_required
def issue_certificate(lecture_id: int) -> Response:
    """Issue the visitor's certificate with the name they typed, then download it."""
    lecture = _lecture_or_404(lecture_id)
    back = url_for("lectures.detail", lecture_id=lecture.id) + "#attendance"
    form = CertificateNameForm()
    if not form.validate_on_submit():
        message = form.name.errors[0] if form.name.errors else _("The form had expired. Please try again.")
        flash(message, "error")
        return redirect(back)
    name = form.name.data or ""
    try:
        missing = certificate_pdf.unprintable(name, current_language().code, _font_dir())
    except certificate_pdf.CertificateFontMissing:
        missing = ""  # the download says so, in the reader's language
    if missing:
        flash(_("The certificate cannot print these characters: %(characters)s. Please type the name without them.",
                characters=" ".join(missing)), "error")
        return redirect(back)
    try:
        certificates.issue(current_user, lecture, name)
    except (ValidationError, Conflict, PermissionDenied, NotFound) as exc:
        flash(exc.message, "error")
        return redirect(back)
    return redirect(url_for("lecture_attendance.certificate_file", lecture_id=lecture.id))


def certificate_text(registration: Registration, language: str) -> certificate_pdf.CertificateText:
    """What an issued certificate says, for a reader of `language`."""
    lecture = registration.lecture
    return certificate_pdf.CertificateText(
        language=language, direction=text_direction(language), name=registration.certificate_name,
        lecture_title=lecture_title(lecture, language).text, series_title=series_title(lecture.series, language).text,
        speakers=", ".join(speaker.name for speaker in lecture.speakers), starts_at=clock.to_utc(lecture.starts_at),
        zone=lecture.time_zone, minutes=registration.attended_minutes or lecture.duration_minutes,
        code=registration.certificate_code or "",
        verify_url=url_for("lecture_attendance.verify", code=registration.certificate_code, _external=True))


@bp.get("/lectures/<int:lecture_id>/certificate.pdf")
@login_required
def certificate_file(lecture_id: int) -> Response | tuple[str, int]:
    """The visitor's certificate as PDF in the page's language; 404 without a registration, 403 without
    attendance (each with a message), and the lecture page while no name is chosen yet."""
    lecture = _lecture_or_404(lecture_id)
    try:
        registration = certificates.certificate_for(current_user, lecture, clock.now())
    except (NotFound, PermissionDenied, Conflict) as exc:
        status = 404 if isinstance(exc, NotFound) else 403
        return render_template("lectures/certificate_refused.html", lecture=lecture, message=exc.message), status
    if not registration.certificate_code:
        flash(_("Enter the name to print on your certificate."), "info")
        return redirect(url_for("lectures.detail", lecture_id=lecture.id) + "#attendance")
    language = current_language().code
    try:
        body = certificate_pdf.render(certificate_text(registration, language), _font_dir())
    except certificate_pdf.CertificateFontMissing as exc:
        log.error("certificate not made: %s", exc)
        return render_template("lectures/certificate_refused.html", lecture=lecture, message=_(
            "Certificates cannot be made right now: a font is missing on the server. The organisers have "
            "been told; please try again later.")), 503
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-lecture-{lecture.id}-{language}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates/<code>")
def verify(code: str) -> tuple[str, int] | str:
    """Anyone can check a certificate: the name, lecture, date and whether it is valid; 404 when unknown."""
    try:
        registration = certificates.by_code(code)
    except NotFound as exc:
        return render_template("lectures/certificate_verify.html", registration=None, message=exc.message), 404
    return render_template("lectures/certificate_verify.html", registration=registration, message=None,
                           lecture=registration.lecture, valid=certificates.is_valid(registration))


def lecture_attendance(lecture: Lecture) -> dict[str, Any]:
    """The lecture page's attendance block for the visitor: check-in while it is open, the certificate after."""
    if not current_user.is_authenticated:
        return {}
    registration = db.session.scalar(select(Registration).where(
        Registration.lecture_id == lecture.id, Registration.user_id == current_user.id))
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        return {}
    now = clock.now()
    return {
        "registration": registration,
        "checkin_open": checkin.is_open(lecture, now) and registration.attended_at is None,
        "checkin_opens": checkin.window(lecture)[0],
        "certificate_ready": registration.attended_at is not None and now >= lecture.ends_at,
        "checkin_form": CheckInForm(),
        "name_form": CertificateNameForm(name=current_user.display_name),
    }


# Staff


def _attendees(lecture: Lecture) -> list[tuple[Registration, User]]:
    rows = db.session.execute(
        select(Registration, User).join(User, User.id == Registration.user_id)
        .where(Registration.lecture_id == lecture.id, Registration.status == RegistrationStatus.REGISTERED)
        .order_by(Registration.attended_at.is_(None), User.email)).all()
    return [(row[0], row[1]) for row in rows]


def _staff_page(lecture: Lecture, form: ParticipantImportForm, report: participants.ImportReport | None = None,
                status: int = 200) -> tuple[str, int]:
    return render_template("lectures/staff/attendance.html", lecture=lecture, form=form, report=report,
                           attendees=_attendees(lecture), code_form=ConfirmForm(), now=clock.now(),
                           window=checkin.window(lecture),
                           minimum=participants.default_minimum(lecture)), status


@bp.get("/staff/lectures/<int:lecture_id>/attendance")
@staff_required
def staff_attendance(lecture_id: int) -> tuple[str, int]:
    """The check-in code (large, for the speaker to read out), the participant-list import and who attended."""
    lecture = _lecture_or_404(lecture_id)
    form = ParticipantImportForm()
    form.minimum_minutes.data = participants.default_minimum(lecture)
    return _staff_page(lecture, form)


@bp.post("/staff/lectures/<int:lecture_id>/attendance/code")
@staff_required
def new_code(lecture_id: int) -> Response:
    """Make a new check-in code for the lecture (the old one stops working)."""
    lecture = _lecture_or_404(lecture_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
    else:
        try:
            checkin.new_checkin_code(current_user, lecture)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("The new check-in code is shown below."), "success")
    return redirect(url_for("lecture_attendance.staff_attendance", lecture_id=lecture.id))


@bp.post("/staff/lectures/<int:lecture_id>/attendance/import")
@staff_required
def import_attendance(lecture_id: int) -> Response | tuple[str, int]:
    """Mark attendance from the meeting tool's participant list: all lines or none, with a report."""
    lecture = _lecture_or_404(lecture_id)
    form = ParticipantImportForm()
    if not form.validate_on_submit():
        return _staff_page(lecture, form, status=422)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [*form.file.errors, _("Choose the participant list (CSV) to upload.")]
        return _staff_page(lecture, form, status=422)
    raw = upload.stream.read(participants.MAX_BYTES + 1)
    try:
        report = participants.import_participants(current_user, lecture, raw, form.minimum_minutes.data)
    except participants.ParticipantFileRefused as exc:
        apply_errors(form, exc)
        return _staff_page(lecture, form, exc.report, status=422)
    except (ValidationError, Conflict) as exc:
        apply_errors(form, exc)
        return _staff_page(lecture, form, status=422)
    flash(ngettext("Attendance imported: %(num)d person newly marked as attending.",
                   "Attendance imported: %(num)d people newly marked as attending.", report.marked), "success")
    return _staff_page(lecture, form, report)


@bp.post("/staff/lectures/<int:lecture_id>/attendance/<int:registration_id>")
@staff_required
def mark_attendance(lecture_id: int, registration_id: int) -> Response:
    """Mark one person as attending by hand (someone the code or the list missed), or withdraw it."""
    lecture = _lecture_or_404(lecture_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
    else:
        attended = request.form.get("attended") == "yes"
        try:
            registration = checkin.set_attendance(current_user, lecture, registration_id, attended, clock.now())
        except NotFound:
            abort(404)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("%(email)s is marked as attending.", email=registration.user.email) if attended else
                  _("%(email)s is no longer marked as attending; a certificate already issued is now shown as "
                    "not valid.", email=registration.user.email), "success")
    return redirect(url_for("lecture_attendance.staff_attendance", lecture_id=lecture.id) + "#attended")
