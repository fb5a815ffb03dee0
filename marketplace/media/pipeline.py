"""The image pipeline, the only code that imports Pillow: checks, orientation, renditions.

An upload is first judged by its header alone (`inspect_upload`: format by content, never by name;
pixel count, so a decompression bomb is refused before anything is decoded). An accepted image is
then decoded once (JPEGs straight at the smallest scale the renditions need), turned upright by its
EXIF orientation, converted to sRGB, stripped of all metadata (nothing is copied across, so GPS never
reaches a shopper), and written as WebP at up to three widths plus one JPEG fallback, under a name
derived from the content.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from marketplace.media.port import ImageStore

RENDITION_WIDTHS = (240, 480, 960)
FALLBACK_WIDTH = 480
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}  # MPO: the multi-picture JPEG some phones write
OPENERS = ("JPEG", "PNG", "WEBP")  # the only Pillow plugins ever asked to read an upload
MAX_PIXELS = 40_000_000  # a 12-megapixel phone photo is well inside; a bomb is refused unread
MIN_SIDE = 32
MAX_ASPECT = 8  # the long side at most 8 times the short one: renditions stay within WebP's limits
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# EXIF orientations that swap width and height.
TRANSPOSING_ORIENTATIONS = {5, 6, 7, 8}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


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


@dataclass(frozen=True)
class UploadInfo:
    """What an upload's header says: its real format and size in pixels."""

    format: str
    width: int
    height: int


def inspect_upload(data: bytes) -> UploadInfo:
    """Format and size read from the header alone; ImageRejected when empty, not JPEG/PNG/WebP, or out of size."""
    if not data:
        raise ImageRejected("empty")
    try:
        with Image.open(io.BytesIO(data), formats=OPENERS) as probe:
            info = UploadInfo(probe.format or "", *probe.size)
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_large") from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected("format") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise ImageRejected("unreadable") from exc
    _check_header(info)
    return info


def _check_header(info: UploadInfo) -> None:
    if info.format not in ACCEPTED_FORMATS:
        raise ImageRejected("format")
    if info.width * info.height > MAX_PIXELS:
        raise ImageRejected("too_large")
    if min(info.width, info.height) < MIN_SIDE:
        raise ImageRejected("too_small")
    if max(info.width, info.height) > MAX_ASPECT * min(info.width, info.height):
        raise ImageRejected("shape")


def open_upload(data: bytes, least: tuple[int, int] = (RENDITION_WIDTHS[-1], 1)) -> Image.Image:
    """The upright image in `data`; ImageRejected when it is not a sound JPEG, PNG or WebP.

    A JPEG is decoded at 1/2, 1/4 or 1/8 scale when the upright result stays at least `least` (width,
    height): faster and far less memory. A caller that crops asks for the size its crop needs.
    """
    inspect_upload(data)
    try:
        image = Image.open(io.BytesIO(data), formats=OPENERS)
        _check_header(UploadInfo(image.format or "", *image.size))
        if image.format in ("JPEG", "MPO"):
            swapped = image.getexif().get(0x0112) in TRANSPOSING_ORIENTATIONS
            image.draft("RGB", least[::-1] if swapped else least)
        image.load()
        return ImageOps.exif_transpose(image)
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_large") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, ZeroDivisionError) as exc:
        raise ImageRejected("unreadable") from exc


def _plain_srgb(image: Image.Image) -> Image.Image:
    """`image` as RGB pixels in sRGB with no metadata at all: no EXIF, XMP, ICC profile or comment."""
    given = image
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB,
                                              outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: keep the pixels as they are
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    if image is given:
        image = image.copy()  # the caller's image keeps its metadata; ours has none
    image.info = {}
    return image


def renditions(image: Image.Image) -> ProcessedImage:
    """WebP renditions at the standard widths (never upscaled) and a JPEG fallback, metadata-free."""
    image = _plain_srgb(image)
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
    """Save every rendition of `processed` in `store`."""
    for name, body in processed.files.items():
        store.save(name, body)


def delete_renditions(key: str, widths: list[int], fallback_width: int, store: ImageStore) -> None:
    """Remove the renditions of the image `key` from `store`; missing files are not an error."""
    for width in widths:
        store.delete(rendition_name(key, width, "webp"))
    if fallback_width:
        store.delete(rendition_name(key, fallback_width, "jpg"))
