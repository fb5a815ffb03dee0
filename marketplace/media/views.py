"""Serving image renditions from the local store with year-long caching (names are content hashes)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, send_file

from marketplace.media import get_image_store

bp = Blueprint("media", __name__)


@bp.get("/media/<name>")
def serve(name: str) -> Response:
    """A stored rendition; 404 for anything else."""
    store = get_image_store()
    path = store.file_path(name) if hasattr(store, "file_path") else None
    if path is None:
        abort(404)
    mimetype = "image/webp" if name.endswith(".webp") else "image/jpeg"
    response = send_file(path, mimetype=mimetype, max_age=current_app.config["ASSET_MAX_AGE"], etag=True)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['ASSET_MAX_AGE']}, immutable"
    return response
