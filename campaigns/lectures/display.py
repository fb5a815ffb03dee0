"""What lecture pages and e-mails show: texts in the reader's language with the products' fallback."""
from __future__ import annotations

from campaigns.lectures.models import Lecture, LectureSeries
from marketplace.catalog.services import LocalText, localized


def lecture_title(lecture: Lecture, language: str) -> LocalText:
    """The lecture's title in `language`, else its original language, else English, else any."""
    return localized(lecture.texts, language, lecture.original_language, "title")


def lecture_abstract(lecture: Lecture, language: str) -> LocalText:
    """The lecture's abstract, with the same fallback as its title."""
    return localized(lecture.texts, language, lecture.original_language, "abstract")


def series_title(series: LectureSeries | None, language: str) -> LocalText:
    """The series' title with the same fallback; empty when the lecture belongs to no series."""
    if series is None:
        return LocalText("", language)
    return localized(series.texts, language, series.original_language, "title")
