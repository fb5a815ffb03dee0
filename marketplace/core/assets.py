"""Static files under fingerprinted names with year-long caching, and gzip for text responses.

`asset_url("css/site.css")` gives `/assets/css/site.3f2a9c1b.css`; the content hash changes when the
file does, so browsers on costly mobile data keep a copy for a year and never fetch a stale one.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request, url_for

bp = Blueprint("assets", __name__)
COMPRESSIBLE = ("text/html", "text/css", "application/javascript", "text/javascript",
                "application/json", "image/svg+xml", "text/csv", "text/plain")


@dataclass(frozen=True)
class Asset:
    path: Path
    digest: str
    body: bytes
    gzipped: bytes
    mimetype: str


class AssetManifest:
    """Content hashes of the files under static/, read once per process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.by_name: dict[str, Asset] = {}
        self.by_url: dict[str, Asset] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            body = path.read_bytes()
            name = path.relative_to(root).as_posix()
            digest = hashlib.sha256(body).hexdigest()[:12]
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if mimetype == "text/javascript":
                mimetype = "application/javascript"
            asset = Asset(path, digest, body, gzip.compress(body, 9, mtime=0), mimetype)
            stem, dot, suffix = name.rpartition(".")
            fingerprinted = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
            self.by_name[name] = asset
            self.by_url[fingerprinted] = asset

    def url_name(self, name: str) -> str:
        asset = self.by_name.get(name)
        if asset is None:
            raise KeyError(f"no static file {name!r}")
        stem, dot, suffix = name.rpartition(".")
        return f"{stem}.{asset.digest}.{suffix}" if dot else f"{name}.{asset.digest}"


def asset_url(name: str) -> str:
    """The fingerprinted URL of the static file `name` (relative to static/)."""
    return url_for("assets.serve", filename=current_app.extensions["asset_manifest"].url_name(name))


def accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


@bp.get("/assets/<path:filename>")
def serve(filename: str) -> Response:
    """A fingerprinted static file, gzipped when the client accepts it; 404 for unknown names."""
    asset = current_app.extensions["asset_manifest"].by_url.get(filename)
    if asset is None:
        abort(404)
    compress = asset.mimetype in COMPRESSIBLE and accepts_gzip()
    response = Response(asset.gzipped if compress else asset.body, mimetype=asset.mimetype)
    if compress:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['ASSET_MAX_AGE']}, immutable"
    response.headers["ETag"] = f'"{asset.digest}"'
    return response


def gzip_response(response: Response) -> Response:
    """Compress text responses for clients that accept gzip: slow, costly links pay for every byte."""
    if (
        response.direct_passthrough
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or not accepts_gzip()
    ):
        return response
    body = response.get_data()
    if len(body) < 1024:
        return response
    response.set_data(gzip.compress(body, 6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def init_app(app: Flask) -> None:
    app.extensions["asset_manifest"] = AssetManifest(Path(app.static_folder))
    app.jinja_env.globals["asset_url"] = asset_url
    app.register_blueprint(bp)
    app.after_request(gzip_response)
