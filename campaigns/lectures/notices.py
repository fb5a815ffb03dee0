"""E-mails to the people registered for a lecture, each written in the language they registered in and
always naming the zone of every time. Sent after the change is committed, through the mail queue; a mail
failure is logged and never undoes the change."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale
from flask_babel import gettext as _

from campaigns.festivals.display import time_in_zone
from campaigns.lectures.display import lecture_title
from campaigns.lectures.models import Lecture, Registration
from marketplace.core.site import page_link
from marketplace.core.zones import zone_name
from marketplace.mail import Message
from marketplace.mail.queue import deliver_or_log

Writer = Callable[[Lecture, Registration], tuple[str, list[str]]]


def zone_label(zone: str, language: str) -> str:
    """The zone as the reader says it, then its exact name for calendars: "Saa za Nairobi, Africa/Nairobi"."""
    return f"{zone_name(zone, language)}, {zone}"


def when(lecture: Lecture, language: str) -> str:
    """The lecture's start in its own zone, with the zone named, for a reader of `language`."""
    return f"{time_in_zone(lecture.starts_at, lecture.time_zone, language)} ({zone_label(lecture.time_zone, language)})"


def lecture_cancelled(lecture: Lecture, registration: Registration) -> tuple[str, list[str]]:
    """Subject and paragraphs telling one person that the lecture will not take place."""
    title = lecture_title(lecture, registration.language).text
    return (_("Cancelled: %(title)s", title=title),
            [_("The lecture %(title)s planned for %(time)s is cancelled. We are sorry.",
               title=title, time=when(lecture, registration.language))])


def lecture_moved(lecture: Lecture, registration: Registration) -> tuple[str, list[str]]:
    """Subject and paragraphs telling one person the lecture's new start; their place is kept."""
    title = lecture_title(lecture, registration.language).text
    return (_("New time: %(title)s", title=title),
            [_("The lecture %(title)s now starts at %(time)s.", title=title, time=when(lecture, registration.language)),
             _("Your place is kept.")])


def seat_offered(lecture: Lecture, registration: Registration) -> tuple[str, list[str]]:
    """Subject and paragraphs telling a waiting person that a seat is held for them until a deadline."""
    language = registration.language
    title = lecture_title(lecture, language).text
    deadline = registration.promotion_deadline or lecture.starts_at
    parts = [_("A seat at %(title)s (%(time)s) became free and is held for you.", title=title,
               time=when(lecture, language)),
             _("Confirm it on the lecture page before %(deadline)s (%(zone)s); after that it goes to the next "
               "person waiting.", deadline=time_in_zone(deadline, lecture.time_zone, language),
               zone=zone_label(lecture.time_zone, language))]
    link = page_link("lectures.detail", language, lecture_id=lecture.id)
    if link:
        parts.append(_("Lecture page: %(link)s", link=link))
    return _("A seat is held for you: %(title)s", title=title), parts


def reminder(lecture: Lecture, registration: Registration) -> tuple[str, list[str]]:
    """Subject and paragraphs reminding a registered person of the lecture's start, zone named."""
    language = registration.language
    title = lecture_title(lecture, language).text
    parts = [_("The lecture %(title)s starts at %(time)s.", title=title, time=when(lecture, language)),
             _("Your way in appears on the lecture page 15 minutes before the start.")]
    link = page_link("lectures.detail", language, lecture_id=lecture.id)
    if link:
        parts.append(_("Lecture page: %(link)s", link=link))
    return _("Reminder: %(title)s, %(time)s", title=title, time=when(lecture, language)), parts


def remove_link(registration: Registration) -> list[str]:
    """The signed one-click "remove me" paragraph every lecture e-mail ends with (none outside a request)."""
    from campaigns.lectures.tokens import sign

    link = page_link("lectures.remove", registration.language, token=sign(registration))
    return [_("Not coming? Give your place to someone else: %(link)s", link=link)] if link else []


def send(registration: Registration, subject: str, paragraphs: list[str]) -> bool:
    """Hand one e-mail to the mail queue; whether it was handed on (a failure is logged)."""
    message = Message(registration.user.email, subject, "\n\n".join(p for p in paragraphs if p),
                      registration.language)
    return deliver_or_log(message, "lecture e-mail")


def tell(lecture: Lecture, registration: Registration, write: Writer, extra: Callable[[Registration], list[str]]
         | None = None) -> bool:
    """Write one person's e-mail in their language and send it."""
    with force_locale(registration.language):
        subject, paragraphs = write(lecture, registration)
        paragraphs = [*paragraphs, *(extra(registration) if extra else [])]
        return send(registration, str(subject), [str(p) for p in paragraphs])


def tell_everyone(lecture: Lecture, registrations: list[Registration], write: Writer,
                  extra: Callable[[Registration], list[str]] | None = None) -> int:
    """Send each person `write`'s e-mail in their language; how many were handed on."""
    return sum(tell(lecture, registration, write, extra) for registration in registrations)
