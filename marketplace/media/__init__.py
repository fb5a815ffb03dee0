"""Media: product photos through one Pillow pipeline into an ImageStore chosen by config."""
from __future__ import annotations

from flask import Flask, current_app

from marketplace.media.port import ImageStore


def _local_store(app: Flask) -> ImageStore:
    from marketplace.media.local_store import LocalImageStore

    return LocalImageStore(app.config["MEDIA_ROOT"])


IMAGE_STORES = {"local": _local_store}


def init_app(app: Flask) -> None:
    name = app.config["MEDIA_STORE"]
    if name not in IMAGE_STORES:
        raise RuntimeError(f"MEDIA_STORE must be one of {', '.join(IMAGE_STORES)}")
    app.extensions["image_store"] = IMAGE_STORES[name](app)


def get_image_store() -> ImageStore:
    """The application's image store."""
    return current_app.extensions["image_store"]
