"""Lectures keep their texts per language with the products' fallback, and their rows stay unique."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from campaigns.lectures.display import lecture_abstract, lecture_title, series_title
from campaigns.lectures.models import Lecture, LectureText, Registration, RegistrationStatus
from marketplace.extensions import db


def test_a_title_falls_back_to_english_then_the_original_language(make_lecture):
    lecture = make_lecture(titles={"fr": "Photographier pour la Chine", "en": "Photographing for China"},
                           original="fr")
    assert lecture_title(lecture, "fr").text == "Photographier pour la Chine"
    assert lecture_title(lecture, "zh").text == "Photographing for China"  # English before the original
    assert lecture_title(lecture, "zh").language == "en"
    french_only = make_lecture(titles={"fr": "Fixer ses prix"}, original="fr")
    assert lecture_title(french_only, "zh").text == "Fixer ses prix"  # the original when nothing else
    english_only = make_lecture(titles={"en": "Pricing"}, original="sw")
    assert lecture_title(english_only, "sw").text == "Pricing"
    assert lecture_abstract(english_only, "ar").text == "What Pricing covers"


def test_series_titles_fall_back_too(make_series):
    series = make_series({"en": "Selling to China", "zh": "向中国销售"})
    assert series_title(series, "zh").text == "向中国销售"
    assert series_title(series, "pt").text == "Selling to China"
    assert series_title(None, "en").text == ""


def test_one_text_per_language(make_lecture):
    lecture = make_lecture()
    db.session.add(LectureText(lecture_id=lecture.id, language="en", title="Twice"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_registration_per_person_and_one_per_place_in_line(make_lecture, make_user):
    lecture = make_lecture()
    first, second = make_user(), make_user()
    db.session.add(Registration(lecture_id=lecture.id, user_id=first.id, status=RegistrationStatus.REGISTERED,
                                position=1))
    db.session.commit()
    db.session.add(Registration(lecture_id=lecture.id, user_id=first.id, status=RegistrationStatus.WAITING,
                                position=2))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Registration(lecture_id=lecture.id, user_id=second.id, status=RegistrationStatus.WAITING,
                                position=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_seats_never_exceed_the_capacity_in_the_database(make_lecture):
    lecture = make_lecture(capacity=2)
    lecture.seats_taken = 3
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Lecture, lecture.id).seats_left == 2
