"""Time zones for people: which zone a viewer reads times in, and that zone's name in their language.

Times are stored in UTC and shown in the viewer's zone: the one they chose (the "Show times in" form),
else their own country's (a vendor's store, set by the vendor pages in `g.home_country`), else the
region of their browser's language (zh-CN → China), else a default for the page language, else UTC.
A zone is never shown by its IANA id ("Africa/Nairobi") but by Babel's name for it ("Nairobi Time",
"Saa za Nairobi", "内罗毕时间").
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import format_datetime, format_skeleton, format_time, get_timezone_location
from flask import g, request, session

from marketplace.core.clock import to_utc

UTC_ZONE = "UTC"
# Where most readers of a page language live when their browser names no region.
LANGUAGE_ZONES = {"zh": "Asia/Shanghai", "sw": "Africa/Nairobi"}
# Babel lists a country's zones alphabetically, so its first is often a small place (America/Adak for
# the United States, Africa/Lubumbashi for the DR Congo, Atlantic/Madeira for Portugal). For the
# countries with several inhabited zones, the zone most of their people live in.
MAIN_ZONES = {
    "AR": "America/Argentina/Buenos_Aires", "AU": "Australia/Sydney", "BR": "America/Sao_Paulo",
    "CA": "America/Toronto", "CD": "Africa/Kinshasa", "CL": "America/Santiago", "CN": "Asia/Shanghai",
    "CY": "Asia/Nicosia", "DE": "Europe/Berlin", "EC": "America/Guayaquil", "ES": "Europe/Madrid",
    "FM": "Pacific/Pohnpei", "GL": "America/Nuuk", "ID": "Asia/Jakarta", "KI": "Pacific/Tarawa",
    "KZ": "Asia/Almaty", "MH": "Pacific/Majuro", "MN": "Asia/Ulaanbaatar", "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur", "NZ": "Pacific/Auckland", "PF": "Pacific/Tahiti", "PG": "Pacific/Port_Moresby",
    "PS": "Asia/Hebron", "PT": "Europe/Lisbon", "RU": "Europe/Moscow", "UA": "Europe/Kyiv",
    "US": "America/New_York", "UZ": "Asia/Tashkent",
}


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows, and UTC."""
    return frozenset(available_timezones()) | {UTC_ZONE}


@lru_cache(maxsize=256)
def zone_info(name: str) -> ZoneInfo:
    """The zone called `name`, or UTC for a name that is not a zone."""
    try:
        return ZoneInfo(name) if name in known_zones() else ZoneInfo(UTC_ZONE)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but unloadable
        return ZoneInfo(UTC_ZONE)


def country_zone(code: str | None) -> str | None:
    """The main zone of a country (ISO 3166 code): where most of its people live; None when unknown."""
    code = (code or "").upper()
    zones = get_global("territory_zones").get(code)
    if not zones:
        return None
    main = MAIN_ZONES.get(code)
    return main if main in known_zones() else zones[0]


def viewer_zone(fallback: str = UTC_ZONE) -> str:
    """The zone the viewer of this request reads times in (see the module docstring), else `fallback`."""
    try:
        chosen = session.get("time_zone")
        if chosen in known_zones():
            return chosen
        home = country_zone(g.get("home_country"))
        if home:
            return home
        for tag, quality in sorted(request.accept_languages, key=lambda item: -item[1]):
            parts = tag.replace("_", "-").split("-")
            region = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
            zone = country_zone(region) if quality > 0 and region else None
            if zone:
                return zone
        return LANGUAGE_ZONES.get(g.get("lang_code") or "", fallback)
    except RuntimeError:  # outside a request
        return fallback


@lru_cache(maxsize=512)
def zone_name(zone: str, language: str) -> str:
    """The zone as a reader of `language` names it: "Nairobi Time", "heure : Nairobi", "内罗毕时间";
    UTC as "Coordinated Universal Time" in their language."""
    locale = Locale.parse(language)
    if zone not in known_zones() or zone in (UTC_ZONE, "Etc/UTC"):
        return locale.time_zones.get("Etc/UTC", {}).get("long", {}).get("standard", UTC_ZONE)
    city = get_timezone_location(zone_info(zone), locale=locale, return_city=True)
    return locale.zone_formats["region"] % city


def format_in_zone(instant: datetime, zone: str, language: str, width: str = "medium") -> str:
    """`instant` as a date and time on the clocks of `zone`, written for a reader of `language`."""
    return format_datetime(to_utc(instant), width, tzinfo=zone_info(zone), locale=language)


def format_wall_time(instant: datetime, zone: str, language: str, with_date: bool = True) -> str:
    """What the clocks of `zone` show at `instant`, short: "Wed, Dec 2, 8:00 PM", "12月2日周三 20:00"
    (the time alone without `with_date`)."""
    tzinfo = zone_info(zone)
    written = format_time(to_utc(instant), "short", tzinfo=tzinfo, locale=language)
    if not with_date:
        return written
    date = format_skeleton("MMMEd", to_utc(instant), tzinfo=tzinfo, locale=language)
    return Locale.parse(language).datetime_formats["medium"].format(written, date)


def same_day(instant: datetime, zone: str, other_zone: str) -> bool:
    """Whether `instant` falls on the same calendar day on the clocks of both zones."""
    moment = to_utc(instant)
    return moment.astimezone(zone_info(zone)).date() == moment.astimezone(zone_info(other_zone)).date()
