"""Image renditions as files on local disk, served by the `media.serve` route."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import url_for

# Only names the pipeline makes: content hash, width, format. Nothing a client could aim elsewhere.
RENDITION_NAME = re.compile(r"^[0-9a-f]{16,64}-[0-9]{2,5}\.(webp|jpg)$")


class InvalidName(ValueError):
    pass


class LocalImageStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if not RENDITION_NAME.match(name):
            raise InvalidName(name)
        return self.root / name[:2] / name

    def save(self, name: str, data: bytes) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def read(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except (InvalidName, FileNotFoundError):
            return None

    def exists(self, name: str) -> bool:
        try:
            return self._path(name).is_file()
        except InvalidName:
            return False

    def delete(self, name: str) -> None:
        try:
            self._path(name).unlink(missing_ok=True)
        except InvalidName:
            pass

    def file_path(self, name: str) -> Path | None:
        """The file behind `name`, for the serving route; None when absent or not a valid name."""
        try:
            path = self._path(name)
        except InvalidName:
            return None
        return path if path.is_file() else None

    def url(self, name: str) -> str:
        return url_for("media.serve", name=name)
