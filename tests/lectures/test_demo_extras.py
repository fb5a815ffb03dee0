"""The demo's festival-ready stores, questions, speakers' photos and slides, added once."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import func, select

from campaigns.demo.lecture_extras import seed_lecture_extras, slides_pdf
from campaigns.demo.seed import seed_demo
from campaigns.lectures import materials
from campaigns.lectures.models import LectureMaterial, LectureQuestion, LectureSpeaker, QuestionVote
from campaigns.lectures.readiness import ready_store_ids, store_is_festival_ready
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.vendors.models import Store


def test_the_demo_has_ready_stores_questions_photos_and_slides_once(app):
    seed_demo(stores=12, products=24)
    store_ids = list(db.session.scalars(select(Store.id)))
    ready = ready_store_ids(store_ids)
    assert len(ready) == 4
    demo_vendor = db.session.scalar(select(User).where(User.email == "vendor@example.com"))
    demo_store = db.session.scalar(select(Store).where(Store.owner_id == demo_vendor.id))
    assert not store_is_festival_ready(demo_store.id)
    assert db.session.scalar(select(func.count(LectureQuestion.id))) == 5
    assert db.session.scalar(select(func.count(QuestionVote.id))) >= 3
    speakers = db.session.scalars(select(LectureSpeaker)).all()
    assert speakers and all(s.photo_key for s in speakers)
    assert get_image_store().exists(f"{speakers[0].photo_key}-240.webp")
    material = db.session.scalar(select(LectureMaterial))
    assert material.pages == 4 and materials.material_path(material) is not None
    seed_lecture_extras()
    assert db.session.scalar(select(func.count(LectureQuestion.id))) == 5
    assert db.session.scalar(select(func.count(LectureMaterial.id))) == 1
    assert ready_store_ids(store_ids) == ready


def test_the_slides_are_a_pdf_with_text():
    data = slides_pdf((("Réussir (vraiment) son entrée", ("Ligne un", "Ligne deux")),))
    assert materials.check_pdf(data).pages == 1
    assert "Réussir (vraiment) son entrée" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
