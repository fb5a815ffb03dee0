"""Verification documents: checked by content, kept in private storage, never served publicly."""
from __future__ import annotations

import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from marketplace.core.errors import ValidationError
from marketplace.media.pipeline import ImageRejected, open_upload

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class CheckedDocument:
    data: bytes
    content_type: str
    filename: str


def document_dir() -> Path:
    return Path(current_app.config["PRIVATE_UPLOAD_DIR"]) / "documents"


def clean_filename(name: str | None, content_type: str) -> str:
    """A display name safe to show and to offer in a download header."""
    stem = Path(name or "").stem
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-.")[:80] or "document"
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[content_type]
    return f"{stem}.{extension}"


def check_document(data: bytes, filename: str | None) -> CheckedDocument:
    """The document if it really is a PDF, JPEG or PNG (judged by content); ValidationError otherwise."""
    field = "document"
    if not data:
        raise ValidationError(_("The file is empty."), {field: _("The file is empty.")})
    if len(data) > MAX_DOCUMENT_BYTES:
        message = _("The file is larger than %(size)d MB.", size=MAX_DOCUMENT_BYTES // (1024 * 1024))
        raise ValidationError(message, {field: message})
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            message = _("This PDF is incomplete or damaged.")
            raise ValidationError(message, {field: message})
        content_type = "application/pdf"
    elif data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        try:
            open_upload(data)
        except ImageRejected as exc:
            message = _("This image is damaged or too large to read.")
            raise ValidationError(message, {field: message}) from exc
        content_type = "image/jpeg" if data.startswith(b"\xff\xd8") else "image/png"
    else:
        message = _("Upload a PDF, JPEG or PNG file.")
        raise ValidationError(message, {field: message})
    return CheckedDocument(data, content_type, clean_filename(filename, content_type))


def store_document(document: CheckedDocument) -> str:
    """Write the document under a new random key and return the key."""
    key = secrets.token_urlsafe(24)
    folder = document_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(document.data)
    os.replace(tmp, folder / key)
    return key


def document_path(key: str) -> Path | None:
    """The file behind a stored key, or None."""
    if not KEY_PATTERN.match(key):
        return None
    path = document_dir() / key
    return path if path.is_file() else None


def delete_document_file(key: str) -> None:
    path = document_path(key)
    if path is not None:
        path.unlink(missing_ok=True)
