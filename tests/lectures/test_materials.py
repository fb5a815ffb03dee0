"""Lecture materials and speaker photos: PDFs judged by content (renamed programs, oversized, broken and
locked files refused with a clear message and nothing stored), safe downloads, and speakers' photos through
the media pipeline (bombs refused unread), kept across edits."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select

from campaigns.lectures import materials, speaker_photos
from campaigns.lectures.models import LectureMaterial, LectureSpeaker
from marketplace.core import clock
from marketplace.core.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.lectures.conftest import START
from tests.vendors import photo_files

BEFORE = START - timedelta(days=2)


def pdf(pages: int = 2, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=842, height=595)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def stored_files(app):
    """The material files stored since the test began (other tests' files are left out)."""
    from pathlib import Path

    folder = Path(app.config["PRIVATE_UPLOAD_DIR"]) / "lecture-materials"

    def files() -> set:
        return {p for p in folder.iterdir() if not p.name.startswith(".")} if folder.exists() else set()

    before = files()
    return lambda: sorted(files() - before)


def test_a_pdf_is_added_listed_and_downloaded_safely(stored_files, client, login, make_lecture, staff):
    lecture = make_lecture()
    login(staff)
    with clock.freeze(BEFORE):
        answer = client.post(f"/en/staff/lectures/{lecture.id}/materials", data={
            "file": (io.BytesIO(pdf(3)), "Pricing slides (final).pdf"), "title": ""},
            content_type="multipart/form-data", follow_redirects=True)
        assert "is added to the lecture" in answer.text
        material = db.session.scalar(select(LectureMaterial))
        assert (material.pages, material.filename, material.title) == (3, "Pricing-slides-final.pdf",
                                                                        "Pricing slides final")
        page = client.get(f"/fr/lectures/{lecture.id}").text
        assert "Pricing slides final" in page and "(PDF, 1\u202fko)" in page
        download = client.get(f"/en/lectures/{lecture.id}/materials/{material.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Pricing-slides-final.pdf" in download.headers["Content-Disposition"]
    assert client.get(f"/en/lectures/{lecture.id}/materials/{material.id + 1}").status_code == 404
    other = make_lecture()
    assert client.get(f"/en/lectures/{other.id}/materials/{material.id}").status_code == 404
    assert len(stored_files()) == 1
    removed = client.post(f"/en/staff/lectures/{lecture.id}/materials/{material.id}/remove", follow_redirects=True)
    assert "The file is removed." in removed.text
    assert stored_files() == [] and db.session.scalar(select(func.count(LectureMaterial.id))) == 0


@pytest.mark.parametrize("data, reason", [
    (b"MZ\x90\x00\x03" + b"\x00" * 2000, "not a PDF"),  # a Windows program renamed slides.pdf
    (b"", "empty"),
    (b"%PDF-1.7\nthis is not really a pdf at all\n%%EOF\n", "incomplete or damaged"),
    (pdf(4)[:700], "incomplete or damaged"),  # cut off half-way
    (photo_files.HTML, "not a PDF"),
])
def test_a_file_that_is_not_a_sound_pdf_is_refused_and_nothing_is_stored(stored_files, make_lecture, staff, data, reason):
    lecture = make_lecture()
    with pytest.raises(ValidationError, match=reason):
        materials.add_material(staff, lecture, data, "slides.pdf")
    assert stored_files() == [] and db.session.scalar(select(func.count(LectureMaterial.id))) == 0


def test_a_locked_or_oversized_pdf_is_refused(stored_files, make_lecture, staff):
    lecture = make_lecture()
    with pytest.raises(ValidationError, match="password"):
        materials.add_material(staff, lecture, pdf(1, password="secret"), "locked.pdf")
    padded = pdf(1) + b"%" + b" " * (materials.MAX_MATERIAL_BYTES) + b"\n%%EOF\n"
    with pytest.raises(ValidationError, match="larger than 20 MB"):
        materials.add_material(staff, lecture, padded, "huge.pdf")
    assert stored_files() == []


def test_only_staff_add_materials(make_lecture, make_user):
    with pytest.raises(PermissionDenied):
        materials.add_material(make_user(), make_lecture(), pdf(), "slides.pdf")


def test_a_25_megabyte_upload_gets_a_clear_message_through_the_page(stored_files, client, login, make_lecture, staff):
    lecture = make_lecture()
    login(staff)
    body = b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024)
    answer = client.post(f"/en/staff/lectures/{lecture.id}/materials",
                         data={"file": (io.BytesIO(body), "big.pdf")}, content_type="multipart/form-data")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/staff/lectures/{lecture.id}/edit#files")
    assert "larger than 20 MB" in client.get(answer.headers["Location"]).text
    twenty_one = pdf(1) + b"%" + b" " * (20 * 1024 * 1024 + 200_000) + b"\n%%EOF\n"  # within the form's limit
    refused = client.post(f"/en/staff/lectures/{lecture.id}/materials", data={"file": (io.BytesIO(twenty_one),
                          "big.pdf")}, content_type="multipart/form-data", follow_redirects=True)
    assert "big.pdf was not added: The file is larger than 20 MB." in refused.text
    assert stored_files() == []


def test_a_speaker_photo_is_cut_square_shown_small_and_lazy_and_kept_across_edits(app, client, login,
                                                                                   make_lecture, staff):
    lecture = make_lecture()
    speaker = lecture.speakers[0]
    login(staff)
    answer = client.post(f"/en/staff/lectures/{lecture.id}/speakers/{speaker.id}/photo",
                         data={"photo": (io.BytesIO(photo_files.jpeg((1200, 800))), "amina.exe")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "photo is saved" in answer.text
    db.session.refresh(speaker)
    assert (speaker.photo_width, speaker.photo_height) == (480, 480) and speaker.photo_widths == "240,480"
    page = client.get(f"/en/lectures/{lecture.id}").text
    assert 'alt="Photo of Amina Yusuf" width="96" height="96" loading="lazy"' in page
    assert f"/media/{speaker.photo_key}-240.webp 240w" in page
    key = speaker.photo_key
    from campaigns.lectures import services

    data = services.LectureInput(
        titles={"en": "Photographing products"}, abstracts={}, original_language="en", series_id=None,
        spoken_language="en", interpretation_languages=[], duration_minutes=90, capacity=50, audience="everyone",
        join_url="https://meet.example.org/room",
        speakers=[services.SpeakerInput("Kwame Mensah", "Shipping"), services.SpeakerInput(" amina yusuf ", "Photos")])
    with clock.freeze(BEFORE):
        services.update_lecture(staff, lecture, data)
    by_name = {s.name: s.photo_key for s in db.session.scalars(select(LectureSpeaker))}
    assert by_name == {"Kwame Mensah": None, "amina yusuf": key}
    from marketplace.media import get_image_store

    assert get_image_store().exists(f"{key}-240.webp")
    data.speakers = [services.SpeakerInput("Kwame Mensah", "Shipping")]  # Amina is no longer speaking
    with clock.freeze(BEFORE):
        services.update_lecture(staff, lecture, data)
    assert not get_image_store().exists(f"{key}-240.webp")


@pytest.mark.parametrize("data, reason", [
    (photo_files.png_bomb(50_000, 50_000), "too many pixels"),
    (b"MZ\x90\x00" + b"\x00" * 500, "not a JPEG, PNG or WebP"),
    (photo_files.truncated_jpeg(), "damaged"),
    (photo_files.jpeg((60, 60)), "too small"),
    (b"", "Choose a photo"),
])
def test_a_bad_speaker_photo_is_refused_and_nothing_changes(make_lecture, staff, data, reason):
    lecture = make_lecture()
    speaker_id = lecture.speakers[0].id
    with pytest.raises(ValidationError, match=reason):
        speaker_photos.set_photo(staff, lecture, speaker_id, data)
    assert db.session.get(LectureSpeaker, speaker_id).photo_key is None


def test_removing_a_photo_deletes_files_nothing_else_shows(app, make_lecture, staff):
    from marketplace.media import get_image_store

    lecture = make_lecture()
    speaker = speaker_photos.set_photo(staff, lecture, lecture.speakers[0].id, photo_files.jpeg((500, 500)))
    name = f"{speaker.photo_key}-240.webp"
    assert get_image_store().exists(name)
    speaker_photos.remove_photo(staff, lecture, speaker.id)
    assert speaker.photo is None and not get_image_store().exists(name)
    with pytest.raises(ValidationError, match="no photo"):
        speaker_photos.remove_photo(staff, lecture, speaker.id)
