"""Festival banners: one uploaded picture, cut to a 3:1 strip around its centre, rendered like product photos.

The upload goes through the media pipeline's checks (format by content, size, decompression bombs,
EXIF orientation, metadata stripped), is cropped to the banner shape, and becomes WebP renditions at
the pipeline's widths plus a JPEG fallback, named by content. Renditions are made in memory while the
rest of the festival is validated and written to the image store only once everything is accepted,
so a refusal stores nothing; the files a replaced or removed banner leaves behind are deleted after
the commit unless something else still shows them.

Cropping rather than fitting: a letterboxed strip would show bands of padding on every page, while a
centred crop keeps the banner a clean 3:1 whatever staff upload (the form tells them so).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import func, select

from campaigns.festivals.models import BannerImage, Festival
from marketplace.catalog.models import ProductImage
from marketplace.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.media.pipeline import (
    RENDITION_WIDTHS,
    ImageRejected,
    ProcessedImage,
    delete_renditions,
    inspect_upload,
    open_upload,
    renditions,
    store_renditions,
)
from marketplace.vendors.backoffice.photos import rejection_message
from marketplace.vendors.models import Store

if TYPE_CHECKING:  # only for the annotation: the pipeline is the one module that loads Pillow
    from PIL.Image import Image

BANNER_ASPECT = 3  # width : height
MIN_BANNER_WIDTH = 480  # the middle rendition: anything smaller looks blurred across a phone or a page
MAX_BANNER_BYTES = 10 * 1024 * 1024  # below the site's MAX_CONTENT_LENGTH, so the form can say why
FIELD = "banner"


@dataclass(frozen=True)
class BannerLimits:
    """What the staff form tells staff about the file they may choose."""

    megabytes: int = MAX_BANNER_BYTES // (1024 * 1024)
    width: int = MIN_BANNER_WIDTH
    height: int = MIN_BANNER_WIDTH // BANNER_ASPECT


LIMITS = BannerLimits()


def _refused(message: str) -> ValidationError:
    return ValidationError(message, {FIELD: message})


def crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The largest exactly 3:1 box centred in a `width` × `height` picture, as (left, top, right, bottom)."""
    if width >= height * BANNER_ASPECT:
        crop_width, crop_height = height * BANNER_ASPECT, height
    else:
        crop_width = width - width % BANNER_ASPECT  # a multiple of 3, so every rendition stays exactly 3:1
        crop_height = crop_width // BANNER_ASPECT
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return left, top, left + crop_width, top + crop_height


def banner_renditions(image: Image) -> ProcessedImage:
    """Renditions of `image` cut to the banner shape, in memory (nothing is stored yet)."""
    return renditions(image.crop(crop_box(*image.size)))


def prepare_banner(data: bytes) -> ProcessedImage:
    """Check an uploaded banner and make its renditions in memory; ValidationError on "banner" when refused."""
    if len(data) > MAX_BANNER_BYTES:
        raise _refused(_("This file is larger than %(megabytes)d MB.", megabytes=MAX_BANNER_BYTES // (1024 * 1024)))
    try:
        header = inspect_upload(data)
        # The widest rendition needs a strip that wide, so a strip that high: a panorama is decoded
        # at a scale that keeps its height, not its width.
        widest = RENDITION_WIDTHS[-1]
        image = open_upload(data, least=(widest, -(-widest // BANNER_ASPECT)))
    except ImageRejected as exc:
        raise _refused(rejection_message(exc.reason)) from exc
    # The pipeline may decode a JPEG at 1/2 … 1/8 scale; judge the crop at the size staff uploaded.
    # The long side does not change when EXIF turns the picture upright, so it gives the scale.
    scale = max(header.width, header.height) / max(image.size)
    left, _top, right, _bottom = crop_box(*image.size)
    if (right - left) * scale < MIN_BANNER_WIDTH:
        raise _refused(_("This picture is too small for a banner: it needs at least %(width)d × %(height)d pixels.",
                         width=MIN_BANNER_WIDTH, height=MIN_BANNER_WIDTH // BANNER_ASPECT))
    return banner_renditions(image)


def check_choice(upload: bytes | None, remove: bool) -> None:
    """ValidationError on "banner" when staff both chose a new banner and asked to remove the banner."""
    if upload is not None and remove:
        raise _refused(_("Choose a new banner or remove the current one, not both."))


def store_banner(processed: ProcessedImage) -> None:
    """Write an accepted banner's renditions to the image store (before the commit that points at them)."""
    store_renditions(processed, get_image_store())


def attach_banner(festival: Festival, processed: ProcessedImage | None) -> None:
    """Point `festival` at `processed`'s renditions, or at no banner when None (the caller commits)."""
    festival.banner_key = processed.key if processed else None
    festival.banner_width = processed.width if processed else 0
    festival.banner_height = processed.height if processed else 0
    festival.banner_widths = ",".join(map(str, processed.widths)) if processed else ""
    festival.banner_fallback_width = processed.fallback_width if processed else 0


def _still_shown(key: str) -> bool:
    # Names are content hashes: the same picture uploaded elsewhere shares these very files.
    festivals = db.session.scalar(select(func.count(Festival.id)).where(Festival.banner_key == key))
    photos = db.session.scalar(select(func.count(ProductImage.id)).where(ProductImage.key == key))
    logos = db.session.scalar(select(func.count(Store.id)).where(Store.logo_key.like(f"{key}-%")))
    return bool(festivals or photos or logos)


def forget_banner(banner: BannerImage | None) -> None:
    """Delete a replaced or removed banner's files, after the commit, unless anything still shows them."""
    if banner is not None and not _still_shown(banner.key):
        delete_renditions(banner.key, banner.widths, banner.fallback_width, get_image_store())
