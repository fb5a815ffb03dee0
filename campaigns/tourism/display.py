"""What experience pages show: texts in the reader's language with the products' fallback, and labels."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton, format_time
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.tourism.calendar import state_label
from campaigns.tourism.models import Departure, Experience, ExperienceOption, UnitKind
from campaigns.tourism.policy import policy_text
from marketplace.catalog.services import LocalText, localized
from marketplace.core.clock import to_utc
from marketplace.core.i18n import current_language, reading_order
from marketplace.core.zones import format_wall_time, zone_info, zone_name
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef


def experience_text(experience: Experience, language: str | Sequence[str], field: str) -> LocalText:
    """One of the experience's texts (itinerary, included, excluded, meeting_point) for a reader of `language`:
    their language, else English, else the vendor's original; rows without that text are passed over."""
    rows = [text for text in experience.texts if getattr(text, field)]
    return localized(rows, language, experience.product.original_language, field)


def option_name(option: ExperienceOption, language: str | Sequence[str]) -> LocalText:
    """The option's name for a reader of `language`, with the same fallback."""
    return localized(option.texts, language, option.experience.product.original_language, "name")


def unit_label(kind: UnitKind | str) -> str:
    """Who a unit type is for, in the reader's language."""
    return {
        UnitKind.ADULT: _("Adult"),
        UnitKind.CHILD: _("Child"),
        UnitKind.INFANT: _("Infant"),
        UnitKind.SENIOR: _("Senior"),
        UnitKind.STUDENT: _("Student"),
        UnitKind.RESIDENT: _("Resident"),
    }[UnitKind(kind)]


@lru_cache(maxsize=256)
def language_name(code: str, reader: str) -> str:
    """A guide language's name in the reader's language ("swahili", "斯瓦希里语")."""
    return Locale.parse(reader).languages.get(code, code)


def duration_text(minutes: int) -> str:
    """A duration written for the reader: "3 h 30 min", or in days for whole days."""
    from flask_babel import ngettext

    if minutes % (24 * 60) == 0:
        return ngettext("%(num)d day", "%(num)d days", minutes // (24 * 60))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min", minutes=rest)
    if not rest:
        return _("%(hours)d h", hours=hours)
    return _("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)


def month_title(first: date, language: str) -> str:
    """A month as a calendar heading: "February 2027", "2027年2月", "فبراير ٢٠٢٧"."""
    return format_skeleton("yMMMM", first, locale=language)


def start_time(instant: datetime, zone: str, language: str) -> str:
    """The local start time on the clocks of `zone`, short ("07:30", "上午7:30")."""
    return format_time(to_utc(instant), "short", tzinfo=zone_info(zone), locale=language)


def departure_when(departure: Departure, zone: str, language: str) -> str:
    """The departure's start on the clocks of its zone, with the zone named: "Sat, Feb 20, 7:30 AM (Casablanca
    Time)"."""
    return _("%(when)s (%(zone)s)", when=format_wall_time(departure.starts_at, zone, language),
             zone=zone_name(zone, language))


def booking_when(ref: HoldRef | None) -> str:
    """A booked departure for order pages, in the reader's language: the option and its start on the
    experience's clocks, the zone named ("Tente partagée · Sat, Feb 20, 7:30 AM (Casablanca Time)")."""
    departure = db.session.get(Departure, ref.id) if ref is not None and ref.kind == "departure" else None
    if departure is None:
        return ""
    experience = departure.option.experience
    when = departure_when(departure, experience.time_zone, current_language().code)
    return f"{option_name(departure.option, reading_order()).text} · {when}"


def booking_cancel_url(line) -> str:
    """Where the shopper may cancel a paid booking line of theirs ("" when it cannot be cancelled now)."""
    order = line.order
    if (line.booking is None or line.cancelled_at is not None or order.payment_state.value != "paid"
            or not current_user.is_authenticated or order.shopper_id != current_user.id):
        return ""
    return url_for("tourism.cancel_booking", reference=order.reference, line_id=line.id)


def booking_manifest_url(ref: HoldRef | None) -> str:
    """The operator's manifest of a booked departure ("" for another kind of booking)."""
    if ref is None or ref.kind != "departure":
        return ""
    return url_for("tourism_vendor.manifest", departure_id=ref.id)


def init_templates(app: Flask) -> None:
    """Template helpers for experience pages, in the page's language."""
    app.add_template_global(booking_when, "booking_when")
    app.add_template_global(booking_cancel_url, "booking_cancel_url")
    app.add_template_global(booking_manifest_url, "booking_manifest_url")
    app.add_template_global(lambda departure: HoldRef("departure", departure.id), "departure_ref")
    app.add_template_global(lambda experience, field: experience_text(experience, reading_order(), field),
                            "experience_text")
    app.add_template_global(lambda option: option_name(option, reading_order()), "option_name")
    app.add_template_global(unit_label, "unit_label")
    app.add_template_global(state_label, "departure_state_label")
    app.add_template_global(policy_text, "cancellation_policy")
    app.add_template_global(duration_text, "duration_text")
    app.add_template_global(lambda code: language_name(code, current_language().code), "guide_language_name")
    app.add_template_global(lambda first: month_title(first, current_language().code), "month_title")
    app.add_template_global(lambda instant, zone: start_time(instant, zone, current_language().code),
                            "departure_start_time")
