"""Small image files for the back-office tests, made with Pillow (some deliberately broken or lying)."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def picture(size: tuple[int, int] = (96, 64), color: tuple[int, int, int] = (200, 40, 30)) -> Image.Image:
    """A two-colour picture, so orientation can be checked: the left half is `color`, the right half white."""
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste(color, (0, 0, size[0] // 2, size[1]))
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(size: tuple[int, int] = (96, 64), color: tuple[int, int, int] = (200, 40, 30), **options) -> bytes:
    return encode(picture(size, color), "JPEG", quality=90, **options)


def png(size: tuple[int, int] = (96, 64)) -> bytes:
    image = picture(size).convert("RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    return encode(image, "PNG")


def webp(size: tuple[int, int] = (96, 64)) -> bytes:
    return encode(picture(size, (30, 120, 60)), "WEBP")


def phone_jpeg(orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: a camera make, GPS coordinates, a comment and an orientation tag."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "SecretPhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (5.0, 33.0, 12.0), "W", (0.0, 12.0, 3.0)
    return encode(picture((120, 60)), "JPEG", exif=exif.tobytes(), comment=b"secret comment")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few dozen bytes whose PNG header claims width × height pixels: decoding it would take gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
GIF = encode(picture(), "GIF")


def truncated_jpeg() -> bytes:
    data = encode(Image.effect_noise((160, 120), 60).convert("RGB"), "JPEG", quality=95)
    return data[: len(data) // 2]
