"""Lecture files: anyone downloads a lecture's PDF materials; staff add and remove them and set speakers'
photos from the staff lecture page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from campaigns.lectures import materials, services, speaker_photos
from campaigns.lectures.forms import MaterialForm, SpeakerPhotoForm
from campaigns.lectures.models import Lecture
from marketplace.accounts.auth import staff_required
from marketplace.core.errors import NotFound, ValidationError
from marketplace.vendors.forms import ConfirmForm

bp = Blueprint("lecture_files", __name__, url_prefix="/<lang:lang_code>")
LECTURE = "<int(max=2147483647):lecture_id>"
ITEM = "<int(max=2147483647):item_id>"


def _lecture_or_404(lecture_id: int) -> Lecture:
    try:
        return services.get_lecture(lecture_id)
    except NotFound:
        abort(404)


def _staff_page(lecture_id: int) -> Response:
    return redirect(url_for("lecture_staff.edit", lecture_id=lecture_id, _anchor="files"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Response | RequestEntityTooLarge:
    """Files past the upload form's limit: back to the staff page with the reason (nothing was stored). Other
    refusals (form text too long, which the edge words itself) keep their own page."""
    lecture_id = (request.view_args or {}).get("lecture_id")
    if request.endpoint != "lecture_files.upload" or lecture_id is None or getattr(error, "shown_to_user", False):
        return error
    flash(_("The file is larger than %(size)d MB. Nothing was changed.",
            size=materials.MAX_MATERIAL_BYTES // (1024 * 1024)), "error")
    return _staff_page(lecture_id)


@bp.get(f"/lectures/{LECTURE}/materials/{ITEM}")
def download(lecture_id: int, item_id: int) -> Response:
    """A lecture's PDF, as an attachment with its type stated and never sniffed."""
    lecture = _lecture_or_404(lecture_id)
    try:
        material = materials.get_material(lecture, item_id)
    except NotFound:
        abort(404)
    path = materials.material_path(material)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="application/pdf", as_attachment=True, download_name=material.filename,
                         max_age=current_app.config.get("PAGE_CACHE_SECONDS", 30), etag=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _first_error(exc: ValidationError) -> str:
    return next(iter(exc.fields.values()), exc.message)


@bp.post(f"/staff/lectures/{LECTURE}/materials")
@staff_required
def upload(lecture_id: int) -> Response:
    """Add a PDF to the lecture's materials; a refused file is named with the reason and nothing is stored."""
    lecture = _lecture_or_404(lecture_id)
    form = MaterialForm()
    upload_file = form.file.data
    if not form.validate_on_submit():
        expired = not form.errors or "csrf_token" in form.errors
        flash(_("The form had expired. Please try again.") if expired
              else next(e for errors in form.errors.values() for e in errors), "error")
    elif not upload_file or not getattr(upload_file, "filename", ""):
        flash(_("Choose a PDF file to upload."), "error")
    else:
        try:
            material = materials.add_material(current_user, lecture, upload_file.read(), upload_file.filename,
                                              form.title.data or "")
        except ValidationError as exc:
            flash(_("%(file)s was not added: %(reason)s", file=upload_file.filename, reason=_first_error(exc)),
                  "error")
        else:
            flash(_("%(title)s is added to the lecture's materials.", title=material.title), "success")
    return _staff_page(lecture.id)


@bp.post(f"/staff/lectures/{LECTURE}/materials/{ITEM}/remove")
@staff_required
def remove(lecture_id: int, item_id: int) -> Response:
    """Remove one of the lecture's materials."""
    lecture = _lecture_or_404(lecture_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return _staff_page(lecture.id)
    try:
        materials.remove_material(current_user, lecture, item_id)
    except NotFound:
        abort(404)
    flash(_("The file is removed."), "success")
    return _staff_page(lecture.id)


@bp.post(f"/staff/lectures/{LECTURE}/speakers/{ITEM}/photo")
@staff_required
def speaker_photo(lecture_id: int, item_id: int) -> Response:
    """Give a speaker a photo; a refused picture is named with the reason and nothing changes."""
    lecture = _lecture_or_404(lecture_id)
    form = SpeakerPhotoForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return _staff_page(lecture.id)
    upload_file = form.photo.data
    data = upload_file.read() if upload_file and getattr(upload_file, "filename", "") else b""
    try:
        speaker = speaker_photos.set_photo(current_user, lecture, item_id, data)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash(_first_error(exc), "error")
    else:
        flash(_("%(name)s's photo is saved.", name=speaker.name), "success")
    return _staff_page(lecture.id)


@bp.post(f"/staff/lectures/{LECTURE}/speakers/{ITEM}/photo/remove")
@staff_required
def remove_speaker_photo(lecture_id: int, item_id: int) -> Response:
    """Take a speaker's photo away."""
    lecture = _lecture_or_404(lecture_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return _staff_page(lecture.id)
    try:
        speaker_photos.remove_photo(current_user, lecture, item_id)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash(_first_error(exc), "error")
    else:
        flash(_("The photo is removed."), "success")
    return _staff_page(lecture.id)
