"""What lecture pages and e-mails show: texts in the reader's language with the products' fallback."""
from __future__ import annotations

from babel.units import format_unit
from flask import Flask

from campaigns.lectures.models import Lecture, LectureSeries
from marketplace.catalog.services import LocalText, localized
from marketplace.core.i18n import current_language


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


def file_size(size: int, language: str) -> str:
    """A file's size for a reader of `language`: "120 kB", "2.4 MB" (decimal units, as phones show them)."""
    if size < 1_000_000:
        return format_unit(max(1, round(size / 1000)), "digital-kilobyte", length="short", locale=language)
    return format_unit(size / 1_000_000, "digital-megabyte", length="short", locale=language, format="#,##0.#")


def init_templates(app: Flask) -> None:
    """Template helpers for lecture pages: texts in the page's language."""
    app.add_template_global(lambda lecture: lecture_title(lecture, current_language().code), "lecture_title")
    app.add_template_global(lambda lecture: lecture_abstract(lecture, current_language().code), "lecture_abstract")
    app.add_template_global(lambda series: series_title(series, current_language().code), "lecture_series_title")
    app.add_template_global(lambda size: file_size(size, current_language().code), "format_file_size")
