"""Questions to a lecture's speakers: registrants ask before and during the lecture, others upvote once each,
staff hide (moderate) and mark answered.

Votes are rows with a unique (question, person) pair, counted when the board is read: two votes at once from
the same person cannot both land, and there is no counter to drift. Asking is rate-limited in the database
(shared by every worker): a few seconds between two questions of one person, and a cap per lecture.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaigns.lectures.models import (
    Lecture,
    LectureQuestion,
    LectureStatus,
    QuestionStatus,
    QuestionVote,
    Registration,
    RegistrationStatus,
)
from marketplace.accounts.models import Role, User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.forms import has_control_characters
from marketplace.extensions import db

MAX_LENGTH = 500
MAX_PER_PERSON = 10  # questions one person may ask at one lecture, hidden ones included
SECONDS_BETWEEN = 20  # between two questions of one person at one lecture
MAX_ID = 2**31 - 1
MODERATORS = (Role.STAFF, Role.ADMIN)
ASKING = (RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED, RegistrationStatus.WAITING)


class Moderation(enum.StrEnum):
    HIDE = "hide"
    SHOW = "show"
    ANSWERED = "answered"
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class QuestionLine:
    """A question as the board shows it to one reader."""

    question: LectureQuestion
    votes: int
    voted: bool  # the reader upvoted it
    mine: bool  # the reader asked it

    @property
    def hidden(self) -> bool:
        return self.question.status == QuestionStatus.HIDDEN

    @property
    def answered(self) -> bool:
        return self.question.answered_at is not None


def questions_open(lecture: Lecture, now: datetime | None = None) -> bool:
    """Whether questions and votes are taken: the lecture is scheduled and has not ended."""
    return lecture.status == LectureStatus.SCHEDULED and (now or clock.now()) < lecture.ends_at


def _registration(lecture: Lecture, user: User, lock: bool = False) -> Registration | None:
    query = select(Registration).where(Registration.lecture_id == lecture.id, Registration.user_id == user.id,
                                       Registration.status.in_(ASKING))
    return db.session.scalar(query.with_for_update() if lock else query)


def may_take_part(lecture: Lecture, user: User | None) -> bool:
    """Whether `user` may ask and vote: signed in with a seat, a held seat or a place on the waiting list."""
    return user is not None and user.is_authenticated and _registration(lecture, user) is not None


def _require_open_and_registered(lecture: Lecture, user: User, lock: bool = False) -> None:
    if not questions_open(lecture):
        raise Conflict(_("Questions are closed: the lecture is over or cancelled."))
    if _registration(lecture, user, lock) is None:
        raise PermissionDenied(_("Register for the lecture to ask questions and vote."))


def check_body(body: str) -> str:
    """The question's text, trimmed; ValidationError on "body" when empty, too long or holding control
    characters."""
    text = (body or "").strip()
    if not text:
        message = _("Write your question.")
    elif len(text) > MAX_LENGTH:
        message = _("A question has at most %(count)d characters.", count=MAX_LENGTH)
    elif has_control_characters(text, multiline=True):
        message = _("Remove the control characters (line breaks or invisible characters) from this field.")
    else:
        return text
    raise ValidationError(message, {"body": message})


def ask(lecture: Lecture, user: User, body: str, language: str) -> LectureQuestion:
    """Post a question; ValidationError for bad text or a repeat, PermissionDenied without a registration,
    Conflict when questions are closed or the person asks too often (nothing saved)."""
    text = check_body(body)
    _require_open_and_registered(lecture, user, lock=True)  # the lock serialises one person's questions
    now = clock.now()
    asked = db.session.execute(
        select(func.count(LectureQuestion.id), func.max(LectureQuestion.created_at))
        .where(LectureQuestion.lecture_id == lecture.id, LectureQuestion.user_id == user.id)).one()
    if asked[0] >= MAX_PER_PERSON:
        db.session.rollback()
        raise Conflict(_("You have asked %(count)d questions at this lecture, the most one person may ask.",
                         count=MAX_PER_PERSON))
    if asked[1] is not None and now - clock.to_utc(asked[1]) < timedelta(seconds=SECONDS_BETWEEN):
        db.session.rollback()
        raise Conflict(_("You asked a question a moment ago. Please wait %(seconds)d seconds before the next.",
                         seconds=SECONDS_BETWEEN))
    repeated = db.session.scalar(select(LectureQuestion.id).where(
        LectureQuestion.lecture_id == lecture.id, LectureQuestion.user_id == user.id,
        LectureQuestion.body == text).limit(1))
    if repeated is not None:
        db.session.rollback()
        message = _("You have already asked this question.")
        raise ValidationError(message, {"body": message})
    question = LectureQuestion(lecture_id=lecture.id, user_id=user.id, body=text, language=language,
                               created_at=now)
    db.session.add(question)
    db.session.commit()
    return question


def _question(lecture: Lecture, question_id: int, staff_view: bool = False) -> LectureQuestion:
    question = db.session.get(LectureQuestion, question_id) if 0 < question_id <= MAX_ID else None
    if question is None or question.lecture_id != lecture.id or (
            question.status == QuestionStatus.HIDDEN and not staff_view):
        raise NotFound(_("There is no such question."))
    return question


def upvote(lecture: Lecture, question_id: int, user: User) -> None:
    """Add the person's vote to a question, once; NotFound for a hidden or unknown question, Conflict for a
    second vote, one's own question or closed questions, PermissionDenied without a registration."""
    question = _question(lecture, question_id)
    _require_open_and_registered(lecture, user)
    if question.user_id == user.id:
        raise Conflict(_("You cannot vote for your own question."))
    db.session.add(QuestionVote(question_id=question.id, user_id=user.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("You have already voted for this question.")) from None


def withdraw_vote(lecture: Lecture, question_id: int, user: User) -> None:
    """Take back the person's vote; Conflict when they had none or questions are closed."""
    question = _question(lecture, question_id)
    _require_open_and_registered(lecture, user)
    vote = db.session.scalar(select(QuestionVote).where(QuestionVote.question_id == question.id,
                                                         QuestionVote.user_id == user.id))
    if vote is None:
        raise Conflict(_("You have not voted for this question."))
    db.session.delete(vote)
    db.session.commit()


def moderate(staff: User, lecture: Lecture, question_id: int, action: str) -> LectureQuestion:
    """Hide or show a question, or mark it answered or not (staff only, at any time); PermissionDenied for
    anyone else, NotFound for a question of another lecture, ValidationError for an unknown action."""
    if staff.role not in MODERATORS:
        raise PermissionDenied(_("Only campaign staff moderate questions."))
    question = _question(lecture, question_id, staff_view=True)
    try:
        chosen = Moderation(action)
    except ValueError:
        raise ValidationError(_("Choose what to do with the question.")) from None
    if chosen in (Moderation.HIDE, Moderation.SHOW):
        question.status = QuestionStatus.HIDDEN if chosen == Moderation.HIDE else QuestionStatus.SHOWN
    else:
        question.answered_at = clock.now() if chosen == Moderation.ANSWERED else None
    question.moderated_by_id = staff.id
    db.session.commit()
    return question


def board(lecture: Lecture, reader: User | None) -> list[QuestionLine]:
    """The lecture's questions for `reader`, most votes first (older first among equals), answered ones
    after the open ones; hidden ones only for staff."""
    staff_view = reader is not None and reader.is_authenticated and reader.role in MODERATORS
    reader_id = reader.id if reader is not None and reader.is_authenticated else None
    votes = (select(QuestionVote.question_id, func.count(QuestionVote.id).label("votes"))
             .join(LectureQuestion, LectureQuestion.id == QuestionVote.question_id)
             .where(LectureQuestion.lecture_id == lecture.id)
             .group_by(QuestionVote.question_id).subquery())
    query = (select(LectureQuestion, func.coalesce(votes.c.votes, 0))
             .outerjoin(votes, votes.c.question_id == LectureQuestion.id)
             .where(LectureQuestion.lecture_id == lecture.id))
    if not staff_view:
        query = query.where(LectureQuestion.status == QuestionStatus.SHOWN)
    rows = list(db.session.execute(query))
    voted: set[int] = set()
    if reader_id is not None and rows:
        voted = set(db.session.scalars(select(QuestionVote.question_id).where(
            QuestionVote.user_id == reader_id, QuestionVote.question_id.in_([q.id for q, _n in rows]))))
    lines = [QuestionLine(q, int(n), q.id in voted, q.user_id == reader_id) for q, n in rows]
    return sorted(lines, key=lambda line: (line.answered, -line.votes, line.question.id))
