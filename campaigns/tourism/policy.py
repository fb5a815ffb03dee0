"""The cancellation policy of an experience, in plain words, and the refund it gives at a given moment.

The policy is "free until N hours before the start, then X % back" or non-refundable. Hours are counted
on the real timeline (aware UTC instants), so the free window ends N real hours before the departure
whatever the clocks of the departure's zone do in between (a daylight-saving change included).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_percent, ngettext
from flask_babel import gettext as _

from campaigns.tourism.models import Experience
from marketplace.core.clock import to_utc


def _before(hours: int) -> str:
    if hours and hours % 24 == 0:
        return ngettext("%(num)d day before the start", "%(num)d days before the start", hours // 24)
    return ngettext("%(num)d hour before the start", "%(num)d hours before the start", hours)


def policy_text(experience: Experience) -> str:
    """The policy as one plain sentence in the current language, e.g. "Free cancellation until 2 days before
    the start; after that, 50 % is refunded."."""
    if not experience.refundable:
        return _("Non-refundable: no refund if you cancel.")
    if experience.free_cancel_hours == 0 or experience.late_refund_percent >= 100:
        return _("Free cancellation until the start.")
    before = _before(experience.free_cancel_hours)
    if experience.late_refund_percent == 0:
        return _("Free cancellation until %(before)s; no refund after that.", before=before)
    return _("Free cancellation until %(before)s; after that, %(percent)s is refunded.", before=before,
             percent=format_percent(experience.late_refund_percent / 100))


def refund_percent(experience: Experience, starts_at: datetime, now: datetime) -> int:
    """The share of the price (0–100) refunded when a booking for the departure at `starts_at` is cancelled at
    `now`; 0 once the departure has started."""
    if not experience.refundable or to_utc(now) >= to_utc(starts_at):
        return 0
    if to_utc(now) < to_utc(starts_at) - timedelta(hours=experience.free_cancel_hours):
        return 100
    return experience.late_refund_percent
