"""Review photos: up to three per review, through the media pipeline (format by content, decompression bombs
refused unread, EXIF orientation, metadata stripped) into WebP renditions and a JPEG fallback named by content.

Every photo of a review is checked and rendered before the review is written, so a refused photo leaves nothing
behind; renditions are stored just before the review's commit.
"""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from marketplace.core.errors import ValidationError
from marketplace.media import get_image_store
from marketplace.media.pipeline import ImageRejected, ProcessedImage, open_upload, renditions, store_renditions
from marketplace.reviews.models import ReviewPhoto
from marketplace.vendors.backoffice.photos import rejection_message

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 8 * 1024 * 1024  # a phone's photo; the form's whole request stays under MAX_CONTENT_LENGTH


def _refused(message: str) -> ValidationError:
    return ValidationError(message, {"photos": message})


def process_all(uploads: Sequence[bytes]) -> list[ProcessedImage]:
    """Renditions of every uploaded photo; ValidationError on "photos" saying why one is refused."""
    processed = []
    for data in uploads:
        if not data:
            continue  # an empty file input
        if len(data) > MAX_PHOTO_BYTES:
            raise _refused(_("This file is larger than %(megabytes)d MB.", megabytes=MAX_PHOTO_BYTES // (1024 * 1024)))
        try:
            processed.append(renditions(open_upload(data)))
        except ImageRejected as exc:
            raise _refused(rejection_message(exc.reason)) from exc
    return processed


def attach(processed: Sequence[ProcessedImage]) -> list[ReviewPhoto]:
    """Store the renditions and return the photo rows pointing at them, in upload order (the caller commits)."""
    store = get_image_store()
    rows = []
    for position, image in enumerate(processed):
        store_renditions(image, store)
        rows.append(ReviewPhoto(position=position, key=image.key, width=image.width, height=image.height,
                                rendition_widths=",".join(map(str, image.widths)),
                                fallback_width=image.fallback_width))
    return rows
