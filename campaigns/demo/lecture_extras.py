"""Demo additions to the lectures: the festival-preparation series marked as such, a few festival-ready stores
(their owners attended its past lecture), questions with votes on the upcoming lectures, speakers' photos
drawn locally, and the slides of the next festival-preparation lecture as a PDF written here.

Everything is added only when missing, so a second run adds nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaigns.lectures import materials, questions
from campaigns.lectures.models import (
    Lecture,
    LectureMaterial,
    LectureQuestion,
    LectureSeries,
    LectureSeriesText,
    LectureText,
    QuestionVote,
    Registration,
    RegistrationStatus,
)
from campaigns.lectures.speaker_photos import attach_photo
from marketplace.accounts.models import Role, User
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.media.artwork import draw_speaker_portrait
from marketplace.media.pipeline import renditions
from marketplace.vendors.models import Store, StoreStatus

PREPARATION_SERIES = "Festival preparation"  # its English title in campaigns/demo/lectures.py
PAST_PREPARATION = "Shipping to China step by step"
NEXT_PREPARATION = "Getting your festival entry right"
READY_STORES = 4
DEMO_VENDOR = "vendor@example.com"  # stays not yet festival-ready: the demo shows how a store becomes ready
QUESTIONS = {
    "Pricing in yuan without losing your margin": (
        ("en", "Should the festival price include shipping to Shanghai, or is it shown separately?", 3),
        ("fr", "Quel taux de change utiliser quand le festival dure deux semaines ?", 1),
        ("en", "How do you price a 250 g bag against a 1 kg bag for Chinese shoppers?", 0),
    ),
    NEXT_PREPARATION: (
        ("fr", "Combien de produits faut-il inscrire au minimum pour un premier festival ?", 2),
        ("ar", "هل يمكن تعديل كمية المهرجان بعد موافقة الفريق؟", 1),
    ),
}
SLIDES = (
    ("Réussir son entrée au festival", ("Silk Road E-Commerce · Préparer le festival", "Fatou Diop, Dakar")),
    ("1. Choisir ses produits", ("Des produits publiés, avec six photos et un texte en chinois.",
                                 "Un stock réel : la quantité du festival ne peut pas le dépasser.",
                                 "Des articles légers et solides, faciles à expédier.")),
    ("2. Fixer le prix du festival", ("En dessous du prix le plus bas des 30 derniers jours.",
                                      "Compter l'emballage, l'expédition et le change.",
                                      "Une limite par acheteur protège le stock.")),
    ("3. Préparer le stock et l'expédition", ("Emballer à l'avance les commandes les plus probables.",
                                              "Vérifier les papiers de douane avant la vague.",
                                              "Répondre aux commandes en moins de 24 heures.")),
)


def _pdf_text(text: str) -> bytes:
    return text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def slides_pdf(slides: tuple[tuple[str, tuple[str, ...]], ...]) -> bytes:
    """A landscape PDF with one page per slide (a title and its lines), in Helvetica, written by hand."""
    pages = len(slides)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(f"{4 + 2 * i} 0 R".encode() for i in range(pages))
        + f"] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for index, (title, lines) in enumerate(slides):
        body = b"BT /F1 30 Tf 60 500 Td (" + _pdf_text(title) + b") Tj /F1 18 Tf"
        for line in lines:
            body += b" 0 -44 Td (" + _pdf_text(line) + b") Tj"
        body += b" ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 3 0 R >> "
                       f">> /Contents {5 + 2 * index} 0 R >>".encode())
        objects.append(f"<< /Length {len(body)} >>\nstream\n".encode() + body + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _lecture(english_title: str) -> Lecture | None:
    return db.session.scalar(select(Lecture).join(LectureText).where(
        LectureText.language == "en", LectureText.title == english_title))


def _mark_preparation_series() -> None:
    series = db.session.scalar(select(LectureSeries).join(LectureSeriesText).where(
        LectureSeriesText.language == "en", LectureSeriesText.title == PREPARATION_SERIES))
    if series is not None and not series.festival_preparation:
        series.festival_preparation = True
        db.session.commit()


def _ready_stores() -> None:
    """A few approved stores' owners attended the past festival-preparation lecture."""
    lecture = _lecture(PAST_PREPARATION)
    if lecture is None or db.session.scalar(
            select(Registration.id).where(Registration.lecture_id == lecture.id).limit(1)):
        return  # a second run: the stores made since (tour operators) are not this lecture's audience
    owners = list(db.session.scalars(
        select(User).join(Store, Store.owner_id == User.id)
        .where(Store.status == StoreStatus.APPROVED, User.email != DEMO_VENDOR).order_by(Store.id.desc())
        .limit(READY_STORES)))
    seen_at = clock.to_utc(lecture.starts_at) + timedelta(minutes=4)
    for owner in owners:
        registration = db.session.scalar(select(Registration).where(
            Registration.lecture_id == lecture.id, Registration.user_id == owner.id))
        if registration is None and lecture.seats_taken < lecture.capacity:
            lecture.arrivals += 1
            lecture.seats_taken += 1
            registration = Registration(lecture_id=lecture.id, user_id=owner.id, position=lecture.arrivals,
                                        status=RegistrationStatus.REGISTERED, language=owner.preferred_language,
                                        created_at=clock.to_utc(lecture.starts_at) - timedelta(days=2))
            db.session.add(registration)
        if registration is not None and registration.status == RegistrationStatus.REGISTERED \
                and registration.attended_at is None:
            registration.attended_at = seen_at
    db.session.commit()


def _questions() -> None:
    """Questions from the registered people of the upcoming lectures, with a few votes."""
    for title, asked in QUESTIONS.items():
        lecture = _lecture(title)
        if lecture is None or db.session.scalar(select(LectureQuestion.id).where(
                LectureQuestion.lecture_id == lecture.id).limit(1)):
            continue
        people = list(db.session.scalars(select(User).join(Registration, Registration.user_id == User.id).where(
            Registration.lecture_id == lecture.id, Registration.status.in_(questions.ASKING))
            .order_by(Registration.position)))
        if not people:
            continue
        now = clock.now()
        for index, (language, body, votes) in enumerate(asked):
            asker = people[index % len(people)]
            question = LectureQuestion(lecture_id=lecture.id, user_id=asker.id, body=body, language=language,
                                       created_at=now - timedelta(hours=len(asked) - index))
            db.session.add(question)
            db.session.flush()
            voters = [p for p in people if p.id != asker.id][:votes]
            db.session.add_all(QuestionVote(question_id=question.id, user_id=p.id) for p in voters)
        db.session.commit()


def _speaker_photos() -> None:
    """Every demo speaker without a photo gets an illustrated portrait drawn here."""
    lectures = list(db.session.scalars(select(Lecture).order_by(Lecture.id)))
    changed = False
    for lecture in lectures:
        for speaker in lecture.speakers:
            if speaker.photo_key:
                continue
            seed = sum(speaker.name.encode()) + len(speaker.name)
            attach_photo(speaker, renditions(draw_speaker_portrait(seed)))
            changed = True
    if changed:
        db.session.commit()


def _slides() -> None:
    lecture = _lecture(NEXT_PREPARATION)
    staff = db.session.scalars(select(User).where(User.role == Role.STAFF).order_by(User.id)).first()
    if lecture is None or staff is None or db.session.scalar(select(LectureMaterial.id).where(
            LectureMaterial.lecture_id == lecture.id).limit(1)):
        return
    materials.add_material(staff, lecture, slides_pdf(SLIDES), "reussir-son-entree-au-festival.pdf",
                           "Réussir son entrée au festival (diapositives)")


def seed_lecture_extras() -> None:
    """Add what is missing of the demo's festival readiness, questions, speakers' photos and slides."""
    _mark_preparation_series()
    _ready_stores()
    _questions()
    _speaker_photos()
    _slides()
