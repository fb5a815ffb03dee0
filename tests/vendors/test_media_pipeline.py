"""The Pillow pipeline on its own: formats judged by content, bombs refused unread, metadata stripped."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from marketplace.media.pipeline import ImageRejected, inspect_upload, open_upload, renditions
from tests.vendors import photo_files


@pytest.mark.parametrize(("data", "reason"), [
    (photo_files.PDF, "format"),
    (photo_files.HTML, "format"),
    (photo_files.GIF, "format"),
    (b"", "empty"),
    (b"\xff\xd8\xff", "format"),  # a JPEG signature and nothing more: not an image at all
    (photo_files.jpeg((20, 20)), "too_small"),
    (photo_files.jpeg((900, 100)), "shape"),
])
def test_refused_by_content(data, reason):
    with pytest.raises(ImageRejected) as caught:
        open_upload(data)
    assert caught.value.reason == reason


def test_a_truncated_image_is_refused():
    data = photo_files.truncated_jpeg()
    assert inspect_upload(data).format == "JPEG"  # the header alone looks fine
    with pytest.raises(ImageRejected) as caught:
        open_upload(data)
    assert caught.value.reason == "unreadable"


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(monkeypatch):
    bomb = photo_files.png_bomb(50_000, 50_000)
    assert len(bomb) < 200

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    with pytest.raises(ImageRejected) as caught:
        open_upload(bomb)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize("make", [photo_files.jpeg, photo_files.png, photo_files.webp])
def test_jpeg_png_and_webp_are_accepted(make):
    processed = renditions(open_upload(make()))
    assert processed.width == 96 and processed.height == 64
    assert set(processed.files) == {f"{processed.key}-96.webp", f"{processed.key}-96.jpg"}


def test_orientation_is_applied_then_every_bit_of_metadata_removed():
    data = photo_files.phone_jpeg(orientation=6)  # stored 120×60, to be shown rotated a quarter turn
    assert b"SecretPhoneMaker" in data and b"secret comment" in data
    processed = renditions(open_upload(data))
    assert (processed.width, processed.height) == (60, 120)
    for name, body in processed.files.items():
        image = Image.open(io.BytesIO(body))
        assert image.size == (60, 120), name
        assert dict(image.getexif()) == {}, name
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info), name
        assert b"Exif" not in body and b"SecretPhoneMaker" not in body and b"secret comment" not in body, name
    # rotated clockwise: the red left half is now the top half
    top = Image.open(io.BytesIO(processed.files[f"{processed.key}-60.jpg"])).convert("RGB").getpixel((30, 10))
    assert top[0] > 150 and top[1] < 100


def test_large_jpegs_are_decoded_at_a_reduced_scale_but_keep_the_widest_rendition():
    data = photo_files.jpeg((3000, 2000))
    image = open_upload(data)
    assert 960 <= image.width < 3000
    assert renditions(image).widths == [240, 480, 960]
