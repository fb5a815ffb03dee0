"""Questions on a lecture's page: asking, upvoting and taking a vote back, and staff moderation.

Plain forms and redirects, so they work without JavaScript; a refused question shows the page again with the
text kept and the reason beside it.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from campaigns.lectures import questions, services
from campaigns.lectures.forms import ModerationForm, QuestionForm
from campaigns.lectures.models import Lecture
from campaigns.lectures.views import detail_page
from marketplace.accounts.auth import staff_required
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.vendors.forms import ConfirmForm

bp = Blueprint("lecture_questions", __name__, url_prefix="/<lang:lang_code>/lectures/<int:lecture_id>/questions")
QUESTION = "<int(max=2147483647):question_id>"


def _lecture_or_404(lecture_id: int) -> Lecture:
    try:
        return services.get_lecture(lecture_id)
    except NotFound:
        abort(404)


def _board(lecture: Lecture) -> str:
    return url_for("lectures.detail", lecture_id=lecture.id, _anchor="questions")


def _signed_in_or_login(lecture: Lecture) -> Response | None:
    if current_user.is_authenticated:
        return None
    flash(_("Log in to ask questions and vote."), "info")
    return redirect(url_for("accounts.login", next=url_for("lectures.detail", lecture_id=lecture.id)))


@bp.post("/")
def ask(lecture_id: int) -> Response | tuple[str, int]:
    """Post a question; a refusal shows the lecture page again with the question kept."""
    lecture = _lecture_or_404(lecture_id)
    if (login := _signed_in_or_login(lecture)) is not None:
        return login
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            questions.ask(lecture, current_user, form.body.data or "", current_language().code)
        except ValidationError as exc:
            apply_errors(form, exc)
        except (Conflict, PermissionDenied) as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("Your question is posted."), "success")
            return redirect(_board(lecture))
    elif not form.errors or "csrf_token" in form.errors:
        form.form_errors.append(_("The form had expired. Please try again."))
    return detail_page(lecture.id, form), 422


def _vote(lecture_id: int, question_id: int, add: bool) -> Response:
    lecture = _lecture_or_404(lecture_id)
    if (login := _signed_in_or_login(lecture)) is not None:
        return login
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(_board(lecture))
    try:
        if add:
            questions.upvote(lecture, question_id, current_user)
        else:
            questions.withdraw_vote(lecture, question_id, current_user)
    except NotFound:
        abort(404)
    except (Conflict, PermissionDenied) as exc:
        flash(exc.message, "error")
    else:
        flash(_("Your vote is counted.") if add else _("Your vote is taken back."), "success")
    return redirect(_board(lecture))


@bp.post(f"/{QUESTION}/vote")
def vote(lecture_id: int, question_id: int) -> Response:
    """Upvote someone else's question, once."""
    return _vote(lecture_id, question_id, add=True)


@bp.post(f"/{QUESTION}/unvote")
def unvote(lecture_id: int, question_id: int) -> Response:
    """Take one's vote back."""
    return _vote(lecture_id, question_id, add=False)


@bp.post(f"/{QUESTION}/moderate")
@staff_required
def moderate(lecture_id: int, question_id: int) -> Response:
    """Staff: hide or show a question, or mark it answered or not."""
    lecture = _lecture_or_404(lecture_id)
    form = ModerationForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(_board(lecture))
    try:
        questions.moderate(current_user, lecture, question_id, form.action.data or "")
    except NotFound:
        abort(404)
    except (ValidationError, PermissionDenied) as exc:
        flash(exc.message, "error")
    else:
        flash(_("The question is updated."), "success")
    return redirect(_board(lecture))
