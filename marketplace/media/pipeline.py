"""The image pipeline, the only code that imports Pillow: checks, orientation, renditions.

An accepted image is decoded once, turned upright by its EXIF orientation, stripped of all
metadata (nothing is copied across, so GPS never reaches a shopper), and written as WebP at up to
three widths plus one JPEG fallback, under a name derived from the content.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from PIL import Image, ImageOps

from marketplace.media.port import ImageStore

RENDITION_WIDTHS = (240, 480, 960)
FALLBACK_WIDTH = 480
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # a 12-megapixel phone photo is well inside; a bomb is refused unread
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRejected(ValueError):
    """The upload is not an image we accept; `reason` is a stable code the caller translates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ProcessedImage:
    key: str
    width: int
    height: int
    widths: list[int]
    fallback_width: int
    files: dict[str, bytes] = field(default_factory=dict)


def rendition_name(key: str, width: int, ext: str) -> str:
    return f"{key}-{width}.{ext}"


def open_upload(data: bytes) -> Image.Image:
    """The upright image in `data`; ImageRejected when it is not a sound JPEG, PNG or WebP."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected("format")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ImageRejected("too_large")
        image = Image.open(io.BytesIO(data))
        image.load()
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_large") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("unreadable") from exc
    return ImageOps.exif_transpose(image)


def renditions(image: Image.Image) -> ProcessedImage:
    """WebP renditions at the standard widths (never upscaled) and a JPEG fallback, metadata-free."""
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    width, height = image.size
    key = hashlib.sha256(image.tobytes()).hexdigest()[:32]
    widths = [w for w in RENDITION_WIDTHS if w < width] + [min(width, RENDITION_WIDTHS[-1])]
    widths = sorted(set(widths))
    result = ProcessedImage(key, width, height, widths, min(FALLBACK_WIDTH, width))
    for target in widths:
        resized = _resize(image, target)
        buffer = io.BytesIO()
        resized.save(buffer, "WEBP", quality=78, method=4)
        result.files[rendition_name(key, target, "webp")] = buffer.getvalue()
    buffer = io.BytesIO()
    _resize(image, result.fallback_width).save(buffer, "JPEG", quality=80, optimize=True, progressive=True)
    result.files[rendition_name(key, result.fallback_width, "jpg")] = buffer.getvalue()
    return result


def _resize(image: Image.Image, width: int) -> Image.Image:
    if width >= image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def process_upload(data: bytes, store: ImageStore) -> ProcessedImage:
    """Check, normalise and store an uploaded photo's renditions; ImageRejected when unacceptable."""
    processed = renditions(open_upload(data))
    store_renditions(processed, store)
    return processed


def store_renditions(processed: ProcessedImage, store: ImageStore) -> None:
    for name, body in processed.files.items():
        store.save(name, body)
