"""Speaker photos: one uploaded picture per speaker, cut to a square around its centre, through the media
pipeline (format by content, decompression bombs refused unread, EXIF orientation, metadata stripped) into
small WebP renditions and a JPEG fallback, named by content. Pages show them at thumbnail size, lazily.

Editing a lecture replaces its speaker rows; a photo stays with the speaker of the same name
(`carry_photos`).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from campaigns.festivals.models import Festival
from campaigns.lectures.models import Lecture, LectureSpeaker, SpeakerPhoto
from marketplace.accounts.models import Role, User
from marketplace.catalog.models import ProductImage
from marketplace.core.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.media.pipeline import (
    ImageRejected,
    ProcessedImage,
    delete_renditions,
    open_upload,
    renditions,
    store_renditions,
)
from marketplace.vendors.backoffice.photos import rejection_message
from marketplace.vendors.models import Store

MAX_PHOTO_BYTES = 5 * 1024 * 1024
LARGEST_SIDE = 480  # shown at 96 px; twice that for sharp screens is plenty, and renditions stay small
MIN_SIDE = 96
MAX_ID = 2**31 - 1
FIELD = "photo"
PHOTO_FIELDS = ("photo_key", "photo_width", "photo_height", "photo_widths", "photo_fallback_width")


def _refused(message: str) -> ValidationError:
    return ValidationError(message, {FIELD: message})


def _speaker(lecture: Lecture, speaker_id: int) -> LectureSpeaker:
    speaker = db.session.get(LectureSpeaker, speaker_id) if 0 < speaker_id <= MAX_ID else None
    if speaker is None or speaker.lecture_id != lecture.id:
        raise NotFound(_("There is no such speaker."))
    return speaker


def _require_staff(user: User) -> None:
    if user.role not in (Role.STAFF, Role.ADMIN):
        raise PermissionDenied(_("Only campaign staff change speakers."))


def _still_shown(key: str) -> bool:
    # Names are content hashes: the same picture used elsewhere shares these very files.
    uses = (
        select(func.count(LectureSpeaker.id)).where(LectureSpeaker.photo_key == key),
        select(func.count(ProductImage.id)).where(ProductImage.key == key),
        select(func.count(Festival.id)).where(Festival.banner_key == key),
        select(func.count(Store.id)).where(Store.logo_key.like(f"{key}-%")),
    )
    return any(db.session.scalar(query) for query in uses)


def _forget(photo: SpeakerPhoto | None) -> None:
    if photo is not None and not _still_shown(photo.key):
        delete_renditions(photo.key, photo.widths, photo.fallback_width, get_image_store())


def forget_unused(photos: list[SpeakerPhoto]) -> None:
    """After an edit: delete the files of photos no speaker (or anything else) shows any more."""
    for photo in {p.key: p for p in photos}.values():
        _forget(photo)


def set_photo(user: User, lecture: Lecture, speaker_id: int, data: bytes) -> LectureSpeaker:
    """Give a speaker a new photo; ValidationError on "photo" saying why a file is refused (nothing changes),
    NotFound for another lecture's speaker, PermissionDenied for anyone but staff."""
    _require_staff(user)
    speaker = _speaker(lecture, speaker_id)
    if not data:
        raise _refused(_("Choose a photo to upload."))
    if len(data) > MAX_PHOTO_BYTES:
        raise _refused(_("This file is larger than %(megabytes)d MB.", megabytes=MAX_PHOTO_BYTES // (1024 * 1024)))
    try:
        image = open_upload(data, least=(LARGEST_SIDE, LARGEST_SIDE))
    except ImageRejected as exc:
        raise _refused(rejection_message(exc.reason)) from exc
    side = min(image.size)
    if side < MIN_SIDE:
        raise _refused(_("This picture is too small: it needs at least %(pixels)d pixels on each side.",
                         pixels=MIN_SIDE))
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    square.thumbnail((LARGEST_SIDE, LARGEST_SIDE))
    processed = renditions(square)
    old = speaker.photo
    attach_photo(speaker, processed)
    db.session.commit()
    if old is not None and old.key != processed.key:
        _forget(old)
    return speaker


def attach_photo(speaker: LectureSpeaker, processed: ProcessedImage) -> None:
    """Store `processed`'s renditions and point `speaker` at them (the caller commits)."""
    store_renditions(processed, get_image_store())
    speaker.photo_key, speaker.photo_width, speaker.photo_height = processed.key, processed.width, processed.height
    speaker.photo_widths = ",".join(map(str, processed.widths))
    speaker.photo_fallback_width = processed.fallback_width


def remove_photo(user: User, lecture: Lecture, speaker_id: int) -> None:
    """Take a speaker's photo away; NotFound for another lecture's speaker, ValidationError when there is none."""
    _require_staff(user)
    speaker = _speaker(lecture, speaker_id)
    old = speaker.photo
    if old is None:
        raise _refused(_("This speaker has no photo."))
    for name in PHOTO_FIELDS:
        setattr(speaker, name, None if name == "photo_key" else ("" if name == "photo_widths" else 0))
    db.session.commit()
    _forget(old)


def photos_by_name(speakers: list[LectureSpeaker]) -> dict[str, dict[str, object]]:
    """Each named speaker's photo fields, keyed by the name as compared (trimmed, case-folded)."""
    return {s.name.strip().casefold(): {name: getattr(s, name) for name in PHOTO_FIELDS}
            for s in speakers if s.photo_key}


def carry_photos(speakers: list[LectureSpeaker], photos: dict[str, dict[str, object]]) -> None:
    """Give each new speaker row the photo the speaker of the same name had."""
    for speaker in speakers:
        for name, value in photos.get(speaker.name.strip().casefold(), {}).items():
            setattr(speaker, name, value)
