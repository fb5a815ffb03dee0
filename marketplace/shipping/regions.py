"""Groups of countries a vendor can add to a shipping zone at once (regional economic communities)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# ISO 3166 alpha-2 members, as the communities list them.
REGIONS = {
    "ecowas": (_l("ECOWAS (West Africa)"), "BJ BF CV CI GM GH GN GW LR ML NE NG SN SL TG"),
    "eac": (_l("East African Community"), "BI CD KE RW SO SS TZ UG"),
    "sadc": (_l("SADC (Southern Africa)"), "AO BW KM CD SZ LS MG MW MU MZ NA SC ZA TZ ZM ZW"),
    "north": (_l("North Africa"), "DZ EG LY MA SD TN"),
    "china": (_l("China (mainland, Hong Kong, Macao)"), "CN HK MO"),
    "africa": (_l("All of Africa"), "DZ AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ EG GQ ER SZ ET GA GM GH GN GW KE "
                                    "LS LR LY MG MW ML MR MU MA MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG TN "
                                    "UG ZM ZW"),
}


def region_countries(key: str) -> list[str]:
    """The member countries of a region by its key (none for an unknown key)."""
    return REGIONS[key][1].split() if key in REGIONS else []
