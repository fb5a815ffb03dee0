"""The 54 African states: ISO code, currency and region. Names come from Babel in each locale."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.catalog.models import Country
from marketplace.extensions import db

AFRICAN_STATES: tuple[tuple[str, str, str], ...] = (
    ("DZ", "DZD", "north"), ("EG", "EGP", "north"), ("LY", "LYD", "north"), ("MA", "MAD", "north"),
    ("SD", "SDG", "north"), ("TN", "TND", "north"), ("MR", "MRU", "north"),
    ("BJ", "XOF", "west"), ("BF", "XOF", "west"), ("CV", "CVE", "west"), ("CI", "XOF", "west"),
    ("GM", "GMD", "west"), ("GH", "GHS", "west"), ("GN", "GNF", "west"), ("GW", "XOF", "west"),
    ("LR", "LRD", "west"), ("ML", "XOF", "west"), ("NE", "XOF", "west"), ("NG", "NGN", "west"),
    ("SN", "XOF", "west"), ("SL", "SLE", "west"), ("TG", "XOF", "west"),
    ("AO", "AOA", "central"), ("CM", "XAF", "central"), ("CF", "XAF", "central"), ("TD", "XAF", "central"),
    ("CG", "XAF", "central"), ("CD", "CDF", "central"), ("GQ", "XAF", "central"), ("GA", "XAF", "central"),
    ("ST", "STN", "central"),
    ("BI", "BIF", "east"), ("KM", "KMF", "east"), ("DJ", "DJF", "east"), ("ER", "ERN", "east"),
    ("ET", "ETB", "east"), ("KE", "KES", "east"), ("MG", "MGA", "east"), ("MW", "MWK", "east"),
    ("MU", "MUR", "east"), ("MZ", "MZN", "east"), ("RW", "RWF", "east"), ("SC", "SCR", "east"),
    ("SO", "SOS", "east"), ("SS", "SSP", "east"), ("TZ", "TZS", "east"), ("UG", "UGX", "east"),
    ("ZM", "ZMW", "east"), ("ZW", "ZWG", "east"),
    ("BW", "BWP", "southern"), ("SZ", "SZL", "southern"), ("LS", "LSL", "southern"),
    ("NA", "NAD", "southern"), ("ZA", "ZAR", "southern"),
)
REGIONS = ("north", "west", "central", "east", "southern")


def ensure_countries() -> int:
    """Insert the African states that are missing; returns how many were added."""
    existing = set(db.session.scalars(select(Country.code)))
    missing = [Country(code=c, currency=cur, region=r) for c, cur, r in AFRICAN_STATES if c not in existing]
    db.session.add_all(missing)
    db.session.commit()
    return len(missing)
