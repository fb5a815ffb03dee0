"""Product photos: upload (checked by content, processed inline or by a job), order, cover, delete.

An upload is judged by its header before anything else happens (format by content, pixel count
before decoding). With a job queue the original is kept in a private folder under a content-hash
name and the photo waits as "pending" until `process_pending_photo` has made its renditions;
without one the renditions are made during the upload. Position 0 is the cover.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductImage
from marketplace.core import jobs
from marketplace.core.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.media.pipeline import (
    MAX_ASPECT,
    MAX_PIXELS,
    MIN_SIDE,
    ImageRejected,
    ProcessedImage,
    UploadInfo,
    delete_renditions,
    inspect_upload,
    process_upload,
)
from marketplace.reviews.models import ReviewPhoto
from marketplace.vendors.services import owned_product

MAX_PHOTOS = 8
MAX_PHOTO_BYTES = 15 * 1024 * 1024
# With a queue (IMAGE_JOBS=rq, the default whenever REDIS_URL is set) photos are processed by the worker
# of RQ_QUEUE (`rq worker --url "$REDIS_URL" silkroad`); a 40-megapixel PNG takes a few seconds.
PHOTO_JOB = jobs.Policy(timeout=300)
PENDING, READY, FAILED = "pending", "ready", "failed"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoUpload:
    filename: str
    data: bytes


class PhotosRejected(ValidationError):
    """One or more uploaded files were refused; `messages` says why for each (nothing was saved)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages[0], {"photos": messages[0]})
        self.messages = messages


def rejection_message(reason: str) -> str:
    """Why a photo was refused or failed, in the user's language, from the pipeline's reason code."""
    messages = {
        "empty": _("This file is empty."),
        "format": _("This file is not a JPEG, PNG or WebP picture."),
        "too_large": _("This picture has too many pixels (at most %(megapixels)d megapixels).",
                       megapixels=MAX_PIXELS // 1_000_000),
        "too_small": _("This picture is too small: it needs at least %(pixels)d pixels on each side.",
                       pixels=MIN_SIDE),
        "shape": _("This picture is too long and narrow: at most %(ratio)d times longer than wide.", ratio=MAX_ASPECT),
        "unreadable": _("This picture is damaged or incomplete. Please upload it again."),
        "file_too_big": _("This file is larger than %(megabytes)d MB.", megabytes=MAX_PHOTO_BYTES // (1024 * 1024)),
        "missing": _("The upload was lost before it could be processed. Please upload it again."),
    }
    return messages.get(reason, _("This picture could not be processed. Please upload it again."))


class OriginalsFolder:
    """Uploaded originals awaiting processing, in a private folder (never served), named by content hash."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root) / "photo-originals"

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(ch not in "0123456789abcdef" for ch in key):
            raise ValueError("not an original's key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        return key

    def read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (ValueError, FileNotFoundError):
            return None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except ValueError:
            pass


def originals_folder() -> OriginalsFolder:
    return OriginalsFolder(current_app.config["PRIVATE_UPLOAD_DIR"])


def _locked_product(user: User, product_id: int) -> Product:
    product = owned_product(user, product_id)
    # Two uploads at once must not both see room for the eighth photo (PostgreSQL; SQLite writes one at a time):
    # lock the product row, then read its photos as they are now.
    db.session.execute(select(Product.id).where(Product.id == product.id).with_for_update())
    db.session.refresh(product, ["images"])
    return product


def _check_uploads(product: Product, uploads: list[PhotoUpload]) -> list[UploadInfo]:
    if not uploads:
        raise PhotosRejected([_("Choose one or more photos to upload.")])
    room = MAX_PHOTOS - len(product.images)
    if len(uploads) > room:
        if room <= 0:
            message = _("A product can have at most %(count)d photos. Delete one to add another.", count=MAX_PHOTOS)
        else:
            message = _("A product can have at most %(count)d photos: you can add %(room)d more.",
                        count=MAX_PHOTOS, room=room)
        raise PhotosRejected([message])
    problems, infos = [], []
    for upload in uploads:
        try:
            if len(upload.data) > MAX_PHOTO_BYTES:
                raise ImageRejected("file_too_big")
            infos.append(inspect_upload(upload.data))
        except ImageRejected as exc:
            problems.append(_("%(file)s: %(problem)s", file=_shown_name(upload), problem=rejection_message(exc.reason)))
    if problems:
        raise PhotosRejected(problems)
    return infos


def _shown_name(upload: PhotoUpload) -> str:
    name = os.path.basename((upload.filename or "").replace("\\", "/")).strip()
    return (name[:60] + "…" if len(name) > 60 else name) or _("(no name)")


def add_photos(user: User, product_id: int, uploads: list[PhotoUpload]) -> list[ProductImage]:
    """Add photos after the current ones; PhotosRejected (nothing saved) for a bad file or past eight photos."""
    product = _locked_product(user, product_id)
    uploads = [u for u in uploads if u.filename or u.data]
    infos = _check_uploads(product, uploads)
    start = len(product.images)
    if jobs.queue_configured(current_app, "IMAGE_JOBS"):
        folder = originals_folder()
        # The header's size stands in until the renditions exist, so pages can reserve the space.
        added = [
            ProductImage(position=start + i, key=folder.save(upload.data), status=PENDING, width=info.width,
                         height=info.height)
            for i, (upload, info) in enumerate(zip(uploads, infos, strict=True))
        ]
        product.images.extend(added)
        db.session.commit()
        enqueue_photos([image.id for image in added])
        return added
    processed = _process_all(uploads)
    added = [ProductImage(position=start + i, status=READY, **_rendition_fields(p)) for i, p in enumerate(processed)]
    product.images.extend(added)
    db.session.commit()
    return added


def enqueue_photos(image_ids: list[int]) -> None:
    """Queue one processing job per pending photo; processes them here when the queue is unreachable."""
    from redis import RedisError

    try:
        for image_id in image_ids:
            jobs.enqueue(current_app, process_product_image, image_id, policy=PHOTO_JOB)
    except RedisError:
        log.exception("job queue unreachable: processing %d photo(s) during the upload", len(image_ids))
        for image_id in image_ids:
            _process_queued(image_id)


@jobs.job
def process_product_image(image_id: int) -> str:
    """The job: process pending photo `image_id`; returns its final status ("ready", "failed", or "gone")."""
    return _process_queued(image_id)


def _process_queued(image_id: int) -> str:
    try:
        image = process_pending_photo(image_id)
    except Exception:
        log.exception("processing photo %s failed", image_id)
        mark_photo_failed(image_id)
        raise
    return "gone" if image is None else image.status


def _process_all(uploads: list[PhotoUpload]) -> list[ProcessedImage]:
    store, done, problems = get_image_store(), [], []
    for upload in uploads:
        try:
            done.append(process_upload(upload.data, store))
        except ImageRejected as exc:
            problems.append(_("%(file)s: %(problem)s", file=_shown_name(upload), problem=rejection_message(exc.reason)))
    if problems:
        for processed in done:
            _forget_renditions(processed.key, processed.widths, processed.fallback_width)
        raise PhotosRejected(problems)
    return done


def _rendition_fields(processed: ProcessedImage) -> dict:
    return {
        "key": processed.key, "width": processed.width, "height": processed.height,
        "rendition_widths": ",".join(map(str, processed.widths)), "fallback_width": processed.fallback_width,
        "failure": "",
    }


def _forget_renditions(key: str, widths: list[int], fallback_width: int) -> None:
    """Delete a photo's renditions unless another photo row (a duplicate product's, a review's) still shows them."""
    in_use = db.session.scalar(
        select(func.count(ProductImage.id)).where(ProductImage.key == key, ProductImage.status == READY)
    ) or db.session.scalar(select(func.count(ReviewPhoto.id)).where(ReviewPhoto.key == key))
    if not in_use:
        delete_renditions(key, widths, fallback_width, get_image_store())


def _forget_original(key: str) -> None:
    waiting = db.session.scalar(
        select(func.count(ProductImage.id)).where(ProductImage.key == key, ProductImage.status == PENDING)
    )
    if not waiting:
        originals_folder().delete(key)


def process_pending_photo(image_id: int) -> ProductImage | None:
    """Make a pending photo's renditions from its kept original and mark it ready or failed (with the reason)."""
    image = db.session.get(ProductImage, image_id, populate_existing=True)
    if image is None or image.status != PENDING:
        return image
    original_key = image.key
    data = originals_folder().read(original_key)
    if data is None:
        values = {"status": FAILED, "failure": "missing"}
    else:
        try:
            values = {"status": READY, **_rendition_fields(process_upload(data, get_image_store()))}
        except ImageRejected as exc:
            values = {"status": FAILED, "failure": exc.reason}
    # Conditional: the vendor may have deleted the photo while it was being processed.
    db.session.execute(
        update(ProductImage)
        .where(ProductImage.id == image_id, ProductImage.status == PENDING, ProductImage.key == original_key)
        .values(**values)
    )
    db.session.commit()
    _forget_original(original_key)
    return db.session.get(ProductImage, image_id, populate_existing=True)


def mark_photo_failed(image_id: int, reason: str = "error") -> None:
    """Record that processing a pending photo broke down, so the vendor sees it and can upload again."""
    db.session.rollback()
    db.session.execute(
        update(ProductImage).where(ProductImage.id == image_id, ProductImage.status == PENDING)
        .values(status=FAILED, failure=reason)
    )
    db.session.commit()


def _photo(product: Product, image_id: int) -> ProductImage:
    image = next((image for image in product.images if image.id == image_id), None)
    if image is None:
        raise NotFound("no such photo")
    return image


def _renumber(images: list[ProductImage]) -> None:
    for position, image in enumerate(images):
        image.position = position


def move_photo(user: User, product_id: int, image_id: int, direction: str) -> None:
    """Move a photo one place up (towards the cover) or down; NotFound for others' photos, ValidationError."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a photo up or down."))
    product = _locked_product(user, product_id)
    image = _photo(product, image_id)
    images = sorted(product.images, key=lambda i: (i.position, i.id))
    index = images.index(image)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(images):
        images[index], images[target] = images[target], images[index]
    _renumber(images)
    db.session.commit()


def make_cover(user: User, product_id: int, image_id: int) -> None:
    """Put a photo first, as the product's cover; NotFound for others' photos."""
    product = _locked_product(user, product_id)
    image = _photo(product, image_id)
    images = sorted(product.images, key=lambda i: (i.position, i.id))
    images.remove(image)
    _renumber([image, *images])
    db.session.commit()


def delete_photo(user: User, product_id: int, image_id: int) -> None:
    """Remove a photo (and its files when no other product shows them); NotFound for others' photos."""
    product = _locked_product(user, product_id)
    image = _photo(product, image_id)
    key, status, widths, fallback = image.key, image.status, image.widths, image.fallback_width
    product.images.remove(image)
    _renumber(sorted(product.images, key=lambda i: (i.position, i.id)))
    db.session.commit()
    if status == READY:
        _forget_renditions(key, widths, fallback)
    elif status == PENDING:
        _forget_original(key)
