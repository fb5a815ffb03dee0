"""Local times in named zones: what staff type, turned into UTC instants, and back for display."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _

from marketplace.core.errors import ValidationError

# The zones staff and shoppers are offered first; any IANA zone is accepted.
COMMON_ZONES = (
    "Africa/Nairobi", "Asia/Shanghai", "Africa/Lagos", "Africa/Cairo", "Africa/Casablanca",
    "Africa/Johannesburg", "Africa/Accra", "Africa/Addis_Ababa", "Africa/Dar_es_Salaam", "Africa/Kampala",
    "Africa/Kigali", "Africa/Kinshasa", "Africa/Dakar", "Africa/Abidjan", "Africa/Algiers", "Africa/Tunis",
    "Africa/Khartoum", "Africa/Maputo", "Africa/Luanda", "Asia/Hong_Kong", "Europe/London", "Europe/Paris", "UTC",
)


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def get_zone(name: str, field: str = "time_zone") -> ZoneInfo:
    """The zone called `name`; ValidationError naming it when there is no such zone."""
    if not name or name not in _known_zones():
        message = _("Unknown time zone: %(zone)s.", zone=name or "—")
        raise ValidationError(message, {field: message})
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but unloadable
        message = _("Unknown time zone: %(zone)s.", zone=name)
        raise ValidationError(message, {field: message}) from exc


def local_to_utc(local: datetime, zone_name: str, field: str = "starts_at") -> datetime:
    """The UTC instant of wall-clock time `local` (naive) in the zone; ValidationError when that time
    does not exist there (clocks jump forward) or occurs twice (clocks go back)."""
    zone = get_zone(zone_name)
    if local.tzinfo is not None:
        local = local.replace(tzinfo=None)
    shown = local.strftime("%Y-%m-%d %H:%M")
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Both folds differ: either the time is skipped (round trip changes it) or repeated.
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != local:
            message = _("%(time)s does not exist in %(zone)s (the clocks jump forward then).",
                        time=shown, zone=zone_name)
        else:
            message = _("%(time)s happens twice in %(zone)s (the clocks go back then); choose another time.",
                        time=shown, zone=zone_name)
        raise ValidationError(message, {field: message})
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:
        message = _("%(time)s does not exist in %(zone)s (the clocks jump forward then).", time=shown, zone=zone_name)
        raise ValidationError(message, {field: message})
    return first.astimezone(UTC)


def utc_to_local(instant: datetime, zone_name: str) -> datetime:
    """`instant` (aware, or naive UTC) as an aware time in the zone (UTC for an unknown zone)."""
    zone = ZoneInfo(zone_name) if zone_name in _known_zones() else UTC
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone)


def transitions(zone_name: str, year: int) -> list[datetime]:
    """The UTC instants in `year` at which the zone's UTC offset changes (found by scanning the year)."""
    zone = get_zone(zone_name)
    found = []
    at = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=1)
    offset = at.astimezone(zone).utcoffset()
    while at < end:
        following = at + step
        if following.astimezone(zone).utcoffset() != offset:
            low, high = at, following  # narrow to the minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            found.append(high.replace(second=0, microsecond=0))
            offset = following.astimezone(zone).utcoffset()
        at = following
    return found
