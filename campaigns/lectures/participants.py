"""Importing the meeting tool's participant list (CSV: e-mail and minutes) to mark who attended a lecture.

The file is read whole before anything is written: any line that cannot be read (bad minutes, a formula
cell, an e-mail that is not one) refuses the whole file, and nothing changes. Lines that are readable but
do not mark anyone — people without an account or a seat (the speaker, staff), or below the minimum — are
reported and skipped. A person listed several times (they left and came back) has their minutes added up.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from campaigns.lectures.checkin import attendance_changed
from campaigns.lectures.models import Lecture, LectureStatus, Registration, RegistrationStatus
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.core.spreadsheet import FORMULA_START, safe_cell
from marketplace.extensions import db

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 20_000
MAX_MINUTES = 24 * 60
# Header names used by meeting tools (Zoom, Teams, Meet, Jitsi exports) and by people, compared lower-cased
# with spaces squeezed.
EMAIL_HEADERS = frozenset({
    "email", "e-mail", "mail", "email address", "e-mail address", "user email", "attendee email",
    "participant email", "participant e-mail", "courriel", "adresse e-mail", "adresse email", "邮箱", "电子邮件",
    "barua pepe", "البريد الإلكتروني",
})
MINUTES_HEADERS = frozenset({
    "minutes", "duration", "duration (minutes)", "duration (mins)", "duration(minutes)", "total duration (minutes)",
    "minutes attended", "attended minutes", "time in session (minutes)", "time in meeting (minutes)",
    "in-meeting duration", "attendance duration", "durée", "durée (minutes)", "minutes de présence", "时长",
    "时长(分钟)", "dakika", "المدة", "duração", "duração (minutos)", "minutos",
})
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CLOCK_SHAPE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
UNITS_SHAPE = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*(?:m|min|mn))?\s*(?:(\d+)\s*s)?$")


@dataclass
class ReportLine:
    """What became of one line of the file: `outcome` is marked, already, below, unknown, not_registered,
    repeated or an error code (bad_minutes, formula, bad_email)."""

    number: int
    email: str
    outcome: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.outcome in {"bad_minutes", "formula", "bad_email"}


@dataclass
class ImportReport:
    lines: list[ReportLine] = field(default_factory=list)
    marked: int = 0
    minimum: int = 0

    @property
    def errors(self) -> list[ReportLine]:
        return [line for line in self.lines if line.is_error]


class ParticipantFileRefused(ValidationError):
    """The file was refused as a whole; `report` says which lines are wrong (empty for a file-level fault)."""

    def __init__(self, message: str, report: ImportReport | None = None) -> None:
        super().__init__(message, {"file": message})
        self.report = report or ImportReport()


def default_minimum(lecture: Lecture) -> int:
    """The minutes that count as attending: the lecture's own setting, else half its duration."""
    return lecture.attendance_minimum_minutes or max(1, lecture.duration_minutes // 2)


def _text_of(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise ParticipantFileRefused(_("The file is larger than 2 MB. Export only the participant list."))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Teams writes UTF-16 with a byte-order mark
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise ParticipantFileRefused(_("This is not a text CSV file. Save the list as CSV (UTF-8) and try again.")) \
            from None
    if "\x00" in text or not text.strip():
        raise ParticipantFileRefused(_("This is not a text CSV file. Save the list as CSV (UTF-8) and try again."))
    return text


def _header_key(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


def _minutes(value: str) -> int | None:
    """Minutes from "45", "45.5", "0:45:10", "1h 5m", "45 min"; None when it is not a duration."""
    text = value.strip().lower()
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return int(float(text.replace(",", ".")))
    if match := CLOCK_SHAPE.match(text):
        first, second, third = match.groups()
        return int(first) * 60 + int(second) if third is not None else int(first)
    if text and (match := UNITS_SHAPE.match(text)) and any(match.groups()):
        hours, minutes, _seconds = (int(part) if part else 0 for part in match.groups())
        return hours * 60 + minutes
    return None


def read_participants(raw: bytes) -> tuple[dict[str, tuple[int, int]], ImportReport]:
    """(first line, minutes) per e-mail (lower-cased, repeated lines added up) and the report of the reading; raises
    ParticipantFileRefused when the file or any line cannot be read."""
    text = _text_of(raw)
    first_line = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_header_key(name) for name in next(rows)]
    except (csv.Error, StopIteration):
        raise ParticipantFileRefused(_("This is not a text CSV file. Save the list as CSV (UTF-8) and try again.")) \
            from None
    email_at = next((i for i, name in enumerate(header) if name in EMAIL_HEADERS), None)
    minutes_at = next((i for i, name in enumerate(header) if name in MINUTES_HEADERS), None)
    if email_at is None or minutes_at is None:
        raise ParticipantFileRefused(_("The first line must name the columns, with one for the e-mail address "
                                       "(\"Email\") and one for the minutes (\"Minutes\" or \"Duration\")."))
    report: ImportReport = ImportReport()
    totals: dict[str, tuple[int, int]] = {}
    try:
        for number, row in enumerate(rows, start=2):
            if number > MAX_LINES:
                raise ParticipantFileRefused(_("The file has more than 20,000 lines."))
            if not any(cell.strip() for cell in row):
                continue
            cells = [row[i].strip() if i < len(row) else "" for i in (email_at, minutes_at)]
            email, minutes_text = cells
            shown = safe_cell(email[:254])
            if any(cell.startswith(FORMULA_START) and not re.fullmatch(r"-?\d+(?:[.,]\d+)?", cell) for cell in cells):
                report.lines.append(ReportLine(number, shown, "formula", _(
                    "A cell starts with =, +, - or @: spreadsheet formulas are refused.")))
                continue
            if not EMAIL_SHAPE.match(email) or len(email) > 254:
                report.lines.append(ReportLine(number, shown, "bad_email", _("This is not an e-mail address.")))
                continue
            minutes = _minutes(minutes_text)
            if minutes is None or not 0 <= minutes <= MAX_MINUTES:
                report.lines.append(ReportLine(number, shown, "bad_minutes", _(
                    "The minutes \"%(value)s\" are not a duration (e.g. 45 or 0:45:00).",
                    value=safe_cell(minutes_text[:40]))))
                continue
            key = email.lower()
            if key in totals:
                report.lines.append(ReportLine(number, shown, "repeated", _(
                    "Listed again (left and came back): the minutes are added up.")))
            first, before = totals.get(key, (number, 0))
            totals[key] = (first, before + minutes)
    except csv.Error:
        raise ParticipantFileRefused(_("This is not a text CSV file. Save the list as CSV (UTF-8) and try again.")) \
            from None
    if report.errors:
        raise ParticipantFileRefused(_("Nothing was imported: fix the lines below and upload the file again."),
                                     report)
    return totals, report


def import_participants(user: User, lecture: Lecture, raw: bytes, minimum: int | None,
                        now: datetime | None = None) -> ImportReport:
    """Mark attendance from a participant file, all of it or nothing, and keep `minimum` (minutes; None: the
    lecture's current one) as the lecture's threshold. PermissionDenied for non-staff; Conflict for a
    cancelled lecture or one not started; ValidationError for a bad minimum; ParticipantFileRefused for the
    file."""
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can do this."))
    now = now or clock.now()
    if lecture.status == LectureStatus.CANCELLED:
        raise Conflict(_("This lecture is cancelled."))
    if now < clock.to_utc(lecture.starts_at):
        raise Conflict(_("Attendance can be imported once the lecture has started."))
    if minimum is not None and not 1 <= minimum <= lecture.duration_minutes:
        message = _("Enter between 1 and %(max)d minutes (the lecture's length).", max=lecture.duration_minutes)
        raise ValidationError(message, {"minimum_minutes": message})
    threshold = minimum or default_minimum(lecture)
    totals, report = read_participants(raw)
    report.minimum = threshold
    users = {email: user_id for email, user_id in db.session.execute(
        select(func.lower(User.email), User.id).where(func.lower(User.email).in_(list(totals)))).all()} \
        if totals else {}
    places = {registration.user_id: registration for registration in db.session.scalars(
        select(Registration).where(Registration.lecture_id == lecture.id))}
    for email, (number, minutes) in totals.items():
        registration = places.get(users.get(email, -1))
        if email not in users:
            outcome, message = "unknown", _("No account has this e-mail address: skipped.")
        elif registration is None or registration.status != RegistrationStatus.REGISTERED:
            outcome, message = "not_registered", _("This person had no seat at the lecture: skipped.")
        elif minutes < threshold:
            outcome, message = "below", _("%(minutes)d minutes, under the minimum of %(minimum)d: not marked.",
                                          minutes=minutes, minimum=threshold)
        else:
            outcome = "already" if registration.attended_at is not None else "marked"
            message = (_("Already marked as attending; %(minutes)d minutes recorded.", minutes=minutes)
                       if outcome == "already" else _("Marked as attending (%(minutes)d minutes).", minutes=minutes))
            registration.attended_minutes = max(minutes, registration.attended_minutes or 0)
            if registration.attended_at is None:
                registration.attended_at = min(now, lecture.ends_at)
                registration.attendance_source = "import"
                report.marked += 1
            registration.updated_at = now
        report.lines.append(ReportLine(number, safe_cell(email), outcome, message))
    report.lines.sort(key=lambda line: line.number)
    lecture.attendance_minimum_minutes = threshold if minimum else lecture.attendance_minimum_minutes
    if report.marked:
        attendance_changed(lecture)
    db.session.commit()
    return report
