"""Staff operations on lectures and series: schedule, edit, move and cancel, each one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from campaigns.festivals.scheduling import get_zone, local_to_utc
from campaigns.lectures.models import (
    Audience,
    Lecture,
    LectureSeries,
    LectureSeriesText,
    LectureSpeaker,
    LectureStatus,
    LectureText,
    Registration,
    RegistrationStatus,
)
from campaigns.lectures.speaker_photos import carry_photos, forget_unused, photos_by_name
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.i18n import LANGUAGES
from marketplace.core.page_cache import mark_catalogue_changed
from marketplace.extensions import db

MAX_CAPACITY = 100_000
MAX_MINUTES = 600
MIN_MINUTES = 5
MAX_ID = 2**31 - 1  # no row has a bigger id; SQLite refuses integers beyond 64 bits outright
ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED, RegistrationStatus.WAITING)


@dataclass
class SpeakerInput:
    name: str
    role: str = ""
    bio: str = ""


@dataclass
class SeriesInput:
    titles: dict[str, str]
    descriptions: dict[str, str]
    original_language: str = "en"
    festival_preparation: bool = False


@dataclass
class LectureInput:
    titles: dict[str, str]
    abstracts: dict[str, str]
    original_language: str
    series_id: int | None
    spoken_language: str
    interpretation_languages: list[str]
    duration_minutes: int | None
    capacity: int | None
    audience: str
    join_url: str
    recording_url: str = ""
    speakers: list[SpeakerInput] = field(default_factory=list)
    starts_local: datetime | None = None  # read only when scheduling; a scheduled lecture is moved instead
    time_zone: str = ""


def get_lecture(lecture_id: int) -> Lecture:
    """The lecture with this id; NotFound otherwise."""
    lecture = db.session.get(Lecture, lecture_id) if 0 < lecture_id <= MAX_ID else None
    if lecture is None:
        raise NotFound(_("There is no such lecture."))
    return lecture


def get_series(series_id: int) -> LectureSeries:
    """The series with this id; NotFound otherwise."""
    series = db.session.get(LectureSeries, series_id) if 0 < series_id <= MAX_ID else None
    if series is None:
        raise NotFound(_("There is no such series."))
    return series


def all_series() -> list[LectureSeries]:
    """Every series, oldest first."""
    return list(db.session.scalars(select(LectureSeries).order_by(LectureSeries.id)))


def all_lectures() -> list[Lecture]:
    """Every lecture, latest start first (what staff look after)."""
    return list(db.session.scalars(select(Lecture).order_by(Lecture.starts_at.desc(), Lecture.id.desc())))


def _texts_errors(titles: dict[str, str], original: str, field_prefix: str) -> dict[str, str]:
    if original not in LANGUAGES:
        return {"original_language": _("Choose one of the site's languages.")}
    if not titles.get(original, "").strip():
        return {f"{field_prefix}_{original}": _("Write the title in the original language (%(language)s).",
                                                language=LANGUAGES[original].native_name)}
    return {}


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)


def save_series(user: User, data: SeriesInput, series: LectureSeries | None = None) -> LectureSeries:
    """Create a series, or replace an existing one's texts; ValidationError without a title in its original
    language."""
    _refuse(_texts_errors(data.titles, data.original_language, "title"))
    series = series or LectureSeries()
    series.original_language = data.original_language
    series.festival_preparation = data.festival_preparation
    existing = {text.language: text for text in series.texts}
    for code in LANGUAGES:
        title, description = data.titles.get(code, "").strip(), data.descriptions.get(code, "").strip()
        if title:
            text = existing.get(code) or LectureSeriesText(language=code)
            text.title, text.description = title, description
            if code not in existing:
                series.texts.append(text)
        elif code in existing:
            series.texts.remove(existing[code])
    db.session.add(series)
    db.session.commit()
    return series


def _web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _check(data: LectureInput, lecture: Lecture | None) -> dict[str, str]:
    """Every field error of `data` (empty when it may be saved)."""
    errors = _texts_errors(data.titles, data.original_language, "title")
    if data.series_id is not None and db.session.get(LectureSeries, data.series_id) is None:
        errors["series_id"] = _("There is no such series.")
    if data.spoken_language not in LANGUAGES:
        errors["spoken_language"] = _("Choose one of the site's languages.")
    if any(code not in LANGUAGES for code in data.interpretation_languages):
        errors["interpretation_languages"] = _("Choose one of the site's languages.")
    if data.duration_minutes is None or not MIN_MINUTES <= data.duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = _("A lecture lasts between %(low)d and %(high)d minutes.",
                                       low=MIN_MINUTES, high=MAX_MINUTES)
    taken = lecture.seats_taken if lecture else 0
    if data.capacity is None or not max(1, taken) <= data.capacity <= MAX_CAPACITY:
        errors["capacity"] = (_("%(count)d seats are taken already: the capacity cannot be lower.", count=taken)
                              if data.capacity is not None and 0 < data.capacity < taken else
                              _("Enter a number of seats between 1 and %(high)d.", high=MAX_CAPACITY))
    if data.audience not in {a.value for a in Audience}:
        errors["audience"] = _("Choose who may attend.")
    if not _web_address(data.join_url.strip()):
        errors["join_url"] = _("Enter the meeting's full web address, starting with https://.")
    if data.recording_url.strip() and not _web_address(data.recording_url.strip()):
        errors["recording_url"] = _("Enter the recording's full web address, starting with https://.")
    for index, speaker in enumerate(data.speakers):
        if (speaker.role.strip() or speaker.bio.strip()) and not speaker.name.strip():
            errors[f"speaker_{index}_name"] = _("Give the speaker's name.")
    return errors


def _start(local: datetime | None, zone: str, now: datetime) -> tuple[datetime | None, dict[str, str]]:
    """The UTC start of a local time in `zone`, or the errors that refuse it (unknown zone, a time that does
    not exist or happens twice, a time already past)."""
    try:
        get_zone(zone.strip())
    except ValidationError as exc:
        return None, dict(exc.fields)
    if local is None:
        return None, {"starts_local": _("Enter the start (local time).")}
    try:
        starts_at = local_to_utc(local, zone.strip(), "starts_local")
    except ValidationError as exc:
        return None, dict(exc.fields)
    if starts_at <= now:
        return None, {"starts_local": _("The start must be in the future.")}
    return starts_at, {}


def _apply(lecture: Lecture, data: LectureInput) -> None:
    lecture.original_language = data.original_language
    lecture.series_id = data.series_id
    lecture.spoken_language = data.spoken_language
    lecture.interpretation_languages = ",".join(
        code for code in LANGUAGES if code in data.interpretation_languages and code != data.spoken_language)
    lecture.duration_minutes = data.duration_minutes or 0
    lecture.capacity = data.capacity or 0
    lecture.audience = Audience(data.audience)
    lecture.join_url = data.join_url.strip()
    lecture.recording_url = data.recording_url.strip()
    existing = {text.language: text for text in lecture.texts}
    for code in LANGUAGES:
        title, abstract = data.titles.get(code, "").strip(), data.abstracts.get(code, "").strip()
        if title:
            text = existing.get(code) or LectureText(language=code)
            text.title, text.abstract = title, abstract
            if code not in existing:
                lecture.texts.append(text)
        elif code in existing:
            lecture.texts.remove(existing[code])
    photos = photos_by_name(lecture.speakers)
    lecture.speakers.clear()
    db.session.flush()  # the old speakers' places are free before the new ones take them
    for position, speaker in enumerate(s for s in data.speakers if s.name.strip()):
        lecture.speakers.append(LectureSpeaker(position=position, name=speaker.name.strip(),
                                               role=speaker.role.strip(), bio=speaker.bio.strip()))
    carry_photos(lecture.speakers, photos)


def create_lecture(user: User, data: LectureInput) -> Lecture:
    """Schedule a lecture starting at a future local time in a named zone; ValidationError naming each
    bad field, and nothing saved."""
    starts_at, errors = _start(data.starts_local, data.time_zone, clock.now())
    errors = {**_check(data, None), **errors}
    _refuse(errors)
    lecture = Lecture(starts_at=starts_at, time_zone=data.time_zone.strip(), created_by_id=user.id, seats_taken=0)
    _apply(lecture, data)
    db.session.add(lecture)
    mark_catalogue_changed(db.session)
    db.session.commit()
    return lecture


def update_lecture(user: User, lecture: Lecture, data: LectureInput) -> Lecture:
    """Change a lecture's texts, speakers, seats and links (its start changes only by moving it);
    Conflict when it is cancelled, ValidationError naming each bad field."""
    if lecture.status == LectureStatus.CANCELLED:
        raise Conflict(_("This lecture is cancelled and can no longer be changed."))
    _refuse(_check(data, lecture))
    photos_before = [speaker.photo for speaker in lecture.speakers if speaker.photo is not None]
    _apply(lecture, data)
    mark_catalogue_changed(db.session)
    db.session.commit()
    forget_unused(photos_before)  # a speaker taken off the lecture leaves no files behind
    from campaigns.lectures.seats import fill_free_seats

    fill_free_seats(lecture.id)  # more seats: the people waiting longest get them first
    return lecture


def people_to_tell(lecture: Lecture) -> list[Registration]:
    """The registrations whose people hear about a change: seated, holding a seat, or waiting."""
    return list(db.session.scalars(select(Registration).where(
        Registration.lecture_id == lecture.id, Registration.status.in_(ACTIVE)).order_by(Registration.position)))


def _shorten_holds(lecture: Lecture, starts_at: datetime) -> None:
    """Seats held for promoted people end no later than the rule allows for the new start."""
    from campaigns.lectures.seats import promotion_deadline

    latest = promotion_deadline(starts_at, clock.now())
    for registration in db.session.scalars(select(Registration).where(
            Registration.lecture_id == lecture.id, Registration.status == RegistrationStatus.OFFERED)):
        if registration.promotion_deadline is None or clock.to_utc(registration.promotion_deadline) > latest:
            registration.promotion_deadline = latest


def cancel_lecture(user: User, lecture: Lecture) -> int:
    """Cancel a lecture and e-mail everyone registered or waiting, each in their language; returns how many
    were told. Conflict when it is already cancelled or over."""
    from campaigns.lectures import notices

    if lecture.status == LectureStatus.CANCELLED:
        raise Conflict(_("This lecture is already cancelled."))
    if lecture.ends_at <= clock.now():
        raise Conflict(_("This lecture is over and can no longer be cancelled."))
    lecture.status = LectureStatus.CANCELLED
    lecture.cancelled_at = clock.now()
    lecture.sequence += 1
    mark_catalogue_changed(db.session)
    db.session.commit()
    return notices.tell_everyone(lecture, people_to_tell(lecture), notices.lecture_cancelled)


def move_lecture(user: User, lecture: Lecture, starts_local: datetime | None, time_zone: str) -> int:
    """Move a lecture to a future local time in a named zone and e-mail everyone registered or waiting with
    the new time; returns how many were told. ValidationError for a bad time, Conflict when it is cancelled
    or over."""
    from campaigns.lectures import notices

    if lecture.status == LectureStatus.CANCELLED:
        raise Conflict(_("This lecture is cancelled and can no longer be changed."))
    if lecture.ends_at <= clock.now():
        raise Conflict(_("This lecture is over and can no longer be moved."))
    starts_at, errors = _start(starts_local, time_zone, clock.now())
    _refuse(errors)
    if starts_at == clock.to_utc(lecture.starts_at) and time_zone.strip() == lecture.time_zone:
        raise ValidationError(_("That is the lecture's current start."),
                              {"starts_local": _("That is the lecture's current start.")})
    lecture.starts_at, lecture.time_zone = starts_at, time_zone.strip()
    lecture.sequence += 1
    _shorten_holds(lecture, starts_at)
    mark_catalogue_changed(db.session)
    db.session.commit()
    return notices.tell_everyone(lecture, people_to_tell(lecture), notices.lecture_moved, notices.remove_link)


def waiting_counts() -> dict[int, int]:
    """How many people wait for a seat, per lecture id (lectures nobody waits for are left out)."""
    from sqlalchemy import func

    rows = db.session.execute(select(Registration.lecture_id, func.count(Registration.id)).where(
        Registration.status == RegistrationStatus.WAITING).group_by(Registration.lecture_id))
    return {lecture_id: count for lecture_id, count in rows}
