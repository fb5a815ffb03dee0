"""Certificates of attendance: PDFs in Arabic and Chinese hold the person's name and the lecture's title
(read back with pdftotext), a public verification page, and a clear refusal for everyone else."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.lectures import certificate_pdf, certificates, checkin, seats, services
from campaigns.lectures.models import Registration
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.lectures.conftest import START

BEFORE = START - timedelta(days=3)
DURING = START + timedelta(minutes=5)
AFTER = START + timedelta(hours=2)
TITLES = {"en": "Pricing in yuan", "ar": "التسعير باليوان للمتسوقين الصينيين", "zh": "用人民币定价"}
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")


@pytest.fixture
def attendee(make_lecture, make_user, staff):
    lecture = make_lecture(titles=TITLES)
    person = make_user(display_name="Amina Yusuf")
    with clock.freeze(BEFORE):
        seats.register(lecture.id, person, "ar")
    code = checkin.new_checkin_code(staff, lecture)
    checkin.check_in(person, lecture, code, DURING)
    return lecture, person


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    pdftotext = shutil.which("pdftotext")  # a full path, and the arguments are ours
    return subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True,  # noqa: S603
                          check=True, text=True).stdout


def squeezed(text: str) -> str:
    """pdftotext marks direction runs with invisible embedding characters: drop them and the spacing."""
    return re.sub(r"[\u202a-\u202e\u2066-\u2069\s]", "", text)


@needs_pdftotext
@pytest.mark.parametrize("lang, name", [("ar", "أمينة يوسف"), ("zh", "阿米娜·优素福"), ("sw", "Amina Yusuf")])
def test_the_pdf_holds_the_name_and_title_in_the_readers_language(client, login, attendee, tmp_path, lang, name):
    lecture, person = attendee
    login(person)
    with clock.freeze(AFTER):
        page = client.get(f"/{lang}/lectures/{lecture.id}").text
        assert 'value="Amina Yusuf"' in page  # the name field starts with the account's name
        issued = client.post(f"/{lang}/lectures/{lecture.id}/certificate", data={"name": name})
        assert issued.status_code == 302 and issued.headers["Location"].endswith("/certificate.pdf")
        response = client.get(f"/{lang}/lectures/{lecture.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = squeezed(text_of(response.data, tmp_path))
    assert squeezed(name) in text
    assert squeezed(TITLES.get(lang, TITLES["en"])) in text
    code = db.session.scalar(select(Registration.certificate_code).where(Registration.user_id == person.id))
    assert code in text and f"/certificates/{code}" in text


def test_the_verification_page_is_public_and_says_whether_it_is_valid(client, attendee, staff):
    lecture, person = attendee
    registration = certificates.issue(person, lecture, "  Amina   Yusuf ", AFTER)
    assert registration.certificate_name == "Amina Yusuf" and len(registration.certificate_code) == 24
    again = certificates.issue(person, lecture, "Someone Else", AFTER)
    assert again.certificate_name == "Amina Yusuf"  # fixed once issued
    page = client.get(f"/fr/certificates/{registration.certificate_code.upper()}")
    assert page.status_code == 200
    assert "Amina Yusuf" in page.text and "Pricing in yuan" in page.text and "Ce certificat est valide" in page.text
    assert person.email not in page.text
    assert client.get("/en/certificates/../../etc").status_code == 404
    for code in ("nope", "a" * 24, "x" * 300, "%3Cscript%3E"):
        missing = client.get(f"/en/certificates/{code}")
        assert missing.status_code == 404 and "There is no certificate with this number" in missing.text
    registration.attended_at = None  # attendance withdrawn by staff: the certificate no longer stands
    db.session.commit()
    assert "no longer valid" in client.get(f"/en/certificates/{registration.certificate_code}").text


def test_non_attendees_get_a_clear_refusal(client, login, attendee, make_user):
    lecture, person = attendee
    registered, stranger = make_user(), make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, registered, "en")
    with pytest.raises(PermissionDenied):
        certificates.issue(registered, lecture, "Bo", AFTER)
    with pytest.raises(NotFound):
        certificates.issue(stranger, lecture, "Chi", AFTER)
    with pytest.raises(Conflict, match="once the lecture has ended"):
        certificates.issue(person, lecture, "Amina", DURING)
    with pytest.raises(ValidationError):
        certificates.issue(person, lecture, "   ", AFTER)
    with clock.freeze(AFTER):
        login(registered)
        refused = client.get(f"/en/lectures/{lecture.id}/certificate.pdf")
        assert refused.status_code == 403 and "marked as attending" in refused.text
        assert client.post(f"/en/lectures/{lecture.id}/certificate", data={"name": "Bo"},
                           follow_redirects=True).status_code == 200
        login(stranger)
        refused = client.get(f"/en/lectures/{lecture.id}/certificate.pdf")
        assert refused.status_code == 404 and "not registered for this lecture" in refused.text
        login(person)  # an attendee who has not chosen the name yet is asked for it on the lecture page
        assert client.get(f"/en/lectures/{lecture.id}/certificate.pdf").headers["Location"].endswith("#attendance")
    assert db.session.scalar(select(Registration).where(Registration.certificate_code.is_not(None))) is None


def test_a_cancelled_lecture_has_no_certificates(attendee, staff):
    lecture, person = attendee
    with clock.freeze(BEFORE):
        services.cancel_lecture(staff, lecture)
    with pytest.raises(PermissionDenied):
        certificates.issue(person, lecture, "Amina", AFTER)


def test_a_missing_font_fails_with_a_clear_message(client, login, attendee, monkeypatch):
    lecture, person = attendee
    certificates.issue(person, lecture, "Amina Yusuf", AFTER)
    certificate_pdf.render.cache_clear()
    monkeypatch.setattr(certificate_pdf, "CJK", certificate_pdf.FontFile("cjk", "NoSuchFont.ttc", "fonts-noto-cjk"))
    with pytest.raises(certificate_pdf.CertificateFontMissing, match="fonts-noto-cjk"):
        certificate_pdf.font_path(certificate_pdf.CJK)
    login(person)
    with clock.freeze(AFTER):
        response = client.get(f"/zh/lectures/{lecture.id}/certificate.pdf")
    assert response.status_code == 503 and response.mimetype == "text/html"


@needs_pdftotext
def test_other_african_scripts_print_and_emoji_are_refused_in_names(client, login, make_lecture, make_user, staff,
                                                                    tmp_path):
    lecture = make_lecture(titles={"en": "Coffee from Sidama 🌍☕"})
    person = make_user()
    with clock.freeze(BEFORE):
        seats.register(lecture.id, person, "en")
    checkin.check_in(person, lecture, checkin.new_checkin_code(staff, lecture), DURING)
    login(person)
    with clock.freeze(AFTER):
        refused = client.post(f"/en/lectures/{lecture.id}/certificate", data={"name": "Abebe 🏃"},
                              follow_redirects=True).text
        assert "cannot print these characters: 🏃" in refused
        assert db.session.scalar(select(Registration.certificate_code)) is None
        client.post(f"/en/lectures/{lecture.id}/certificate", data={"name": "አበበ ቢቂላ"})
        response = client.get(f"/en/lectures/{lecture.id}/certificate.pdf")
    text = squeezed(text_of(response.data, tmp_path))
    assert squeezed("አበበ ቢቂላ") in text and "CoffeefromSidama" in text  # Ethiopic printed; the emoji left out
