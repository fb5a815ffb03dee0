"""Lecture materials: PDF slides and handouts, judged by content, kept out of public folders, downloaded as
attachments.

A file is a PDF when it starts with `%PDF-`, ends with `%%EOF` and a PDF parser finds its pages; its name is
only used for the name offered on download. Files live under PRIVATE_UPLOAD_DIR with random names, written
whole then renamed, and are only ever sent by the download route with the PDF type, `nosniff` and as an
attachment.
"""
from __future__ import annotations

import io
import logging
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import func, select

from campaigns.lectures.models import Lecture, LectureMaterial
from marketplace.accounts.models import Role, User
from marketplace.core.errors import NotFound, PermissionDenied, ValidationError
from marketplace.core.forms import has_control_characters
from marketplace.extensions import db
from marketplace.vendors.documents import clean_filename

MAX_MATERIAL_BYTES = 20 * 1024 * 1024
UPLOAD_LIMIT = MAX_MATERIAL_BYTES + 1024 * 1024  # the whole form: the file, its title and the multipart framing
MAX_PAGES = 2000
MAX_PER_LECTURE = 20
MAX_ID = 2**31 - 1
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
FIELD = "file"
MANAGERS = (Role.STAFF, Role.ADMIN)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedPdf:
    data: bytes
    pages: int


def _refused(message: str) -> ValidationError:
    return ValidationError(message, {FIELD: message})


def check_pdf(data: bytes) -> CheckedPdf:
    """The upload when it is a readable PDF of at most 20 MB; ValidationError on "file" saying why not."""
    if not data:
        raise _refused(_("The file is empty."))
    if len(data) > MAX_MATERIAL_BYTES:
        raise _refused(_("The file is larger than %(size)d MB.", size=MAX_MATERIAL_BYTES // (1024 * 1024)))
    if not data.startswith(b"%PDF-"):
        raise _refused(_("This file is not a PDF. Upload the slides as a PDF file."))
    if b"%%EOF" not in data[-2048:]:
        raise _refused(_("This PDF is incomplete or damaged."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refused(_("This PDF is protected by a password. Upload a copy anyone can open."))
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, AssertionError,
            RecursionError, OSError, ZeroDivisionError) as exc:
        log.info("lecture material refused: %s", exc.__class__.__name__)
        raise _refused(_("This PDF is incomplete or damaged.")) from exc
    if pages < 1:
        raise _refused(_("This PDF is incomplete or damaged."))
    if pages > MAX_PAGES:
        raise _refused(_("This PDF has more than %(count)d pages.", count=MAX_PAGES))
    return CheckedPdf(data, pages)


def material_dir() -> Path:
    return Path(current_app.config["PRIVATE_UPLOAD_DIR"]) / "lecture-materials"


def _write(data: bytes) -> str:
    key = secrets.token_urlsafe(24)
    folder = material_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, folder / key)
    return key


def material_path(material: LectureMaterial) -> Path | None:
    """The stored file of `material`, or None when it is missing."""
    if not KEY_PATTERN.match(material.storage_key):
        return None
    path = material_dir() / material.storage_key
    return path if path.is_file() else None


def _delete_file(key: str) -> None:
    if KEY_PATTERN.match(key):
        (material_dir() / key).unlink(missing_ok=True)


def _check_title(title: str, filename: str) -> str:
    text = (title or "").strip()
    if len(text) > 160:
        message = _("A title has at most %(count)d characters.", count=160)
        raise ValidationError(message, {"title": message})
    if has_control_characters(text):
        message = _("Remove the control characters (line breaks or invisible characters) from this field.")
        raise ValidationError(message, {"title": message})
    return text or filename.removesuffix(".pdf").replace("-", " ").replace("_", " ")


def _require_manager(user: User) -> None:
    if user.role not in MANAGERS:
        raise PermissionDenied(_("Only campaign staff manage lecture materials."))


def of_lecture(lecture: Lecture) -> list[LectureMaterial]:
    """The lecture's materials, in the order they were added."""
    return list(db.session.scalars(select(LectureMaterial).where(LectureMaterial.lecture_id == lecture.id)
                                   .order_by(LectureMaterial.id)))


def get_material(lecture: Lecture, material_id: int) -> LectureMaterial:
    """The material of this lecture; NotFound otherwise."""
    material = db.session.get(LectureMaterial, material_id) if 0 < material_id <= MAX_ID else None
    if material is None or material.lecture_id != lecture.id:
        raise NotFound(_("There is no such file."))
    return material


def add_material(user: User, lecture: Lecture, data: bytes, filename: str | None, title: str = "") -> LectureMaterial:
    """Check a PDF and add it to the lecture's materials; ValidationError saying why a file is refused
    (nothing is stored then), PermissionDenied for anyone but staff."""
    _require_manager(user)
    checked = check_pdf(data)
    name = clean_filename(filename, "application/pdf")
    shown = _check_title(title, name)
    count = db.session.scalar(select(func.count(LectureMaterial.id)).where(LectureMaterial.lecture_id == lecture.id))
    if (count or 0) >= MAX_PER_LECTURE:
        raise _refused(_("A lecture has at most %(count)d files. Remove one first.", count=MAX_PER_LECTURE))
    key = _write(checked.data)
    material = LectureMaterial(lecture_id=lecture.id, title=shown, filename=name, storage_key=key,
                               size=len(checked.data), pages=checked.pages, uploaded_by_id=user.id)
    db.session.add(material)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        _delete_file(key)  # no row points at it: leave nothing behind
        raise
    return material


def remove_material(user: User, lecture: Lecture, material_id: int) -> None:
    """Remove a material and its file; NotFound for another lecture's, PermissionDenied for anyone but staff."""
    _require_manager(user)
    material = get_material(lecture, material_id)
    key = material.storage_key
    db.session.delete(material)
    db.session.commit()
    _delete_file(key)
