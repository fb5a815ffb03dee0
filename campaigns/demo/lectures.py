"""Demo lectures: two series with lectures in English, French and Arabic around the time of seeding —
past ones with recordings, upcoming ones with seats, and a full one with a waiting list.

Registrations go through the real seat service, so seats and the waiting list are as they would be.
Each series is created only when its English title is missing, so a second run adds nothing.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from campaigns.lectures import seats
from campaigns.lectures.models import (
    Audience,
    Lecture,
    LectureSeries,
    LectureSeriesText,
    LectureSpeaker,
    LectureText,
)
from marketplace.accounts.models import Role, User
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.vendors.models import Store, StoreStatus

DAY = timedelta(days=1)


@dataclass(frozen=True)
class DemoLecture:
    titles: dict[str, str]
    abstract: str
    original: str
    zone: str
    starts_in: timedelta  # from the seeding instant, rounded to the hour
    capacity: int
    speaker: tuple[str, str, str]
    audience: Audience = Audience.EVERYONE
    interpretation: str = ""
    recording: str = ""
    registrations: int = 0  # demo vendors who take a seat (or wait, beyond the capacity)


SERIES = (
    ({"en": "Selling to China", "fr": "Vendre en Chine", "ar": "البيع في الصين", "zh": "向中国销售"},
     "Photographs, prices and shipping that work for Chinese shoppers.", (
        DemoLecture({"en": "Product photos that sell on phones", "zh": "在手机上卖得好的商品照片",
                     "fr": "Des photos produit qui vendent sur mobile"},
                    "Light, backgrounds and the six pictures every listing needs.", "en", "Africa/Lagos",
                    -20 * DAY, 300, ("Amina Yusuf", "Product photographer, Lagos",
                                     "Shoots catalogues for forty African brands."),
                    interpretation="zh", recording="https://video.example.org/silk-road/product-photos"),
        DemoLecture({"en": "Pricing in yuan without losing your margin", "fr": "Fixer ses prix en yuans"},
                    "Landed cost, exchange rates and festival prices, worked through with a real coffee listing.",
                    "en", "Africa/Nairobi", 3 * DAY, 5, ("Wanjiru Kamau", "Coffee exporter, Nairobi",
                                                         "Sells Kenyan coffee to Shanghai roasters since 2019."),
                    interpretation="fr,zh", registrations=8),
    )),
    ({"fr": "Préparer le festival", "en": "Festival preparation", "ar": "الاستعداد للمهرجان"},
     "Ce qu'un vendeur prépare avant un festival : stock, photos, prix, expédition.", (
        DemoLecture({"ar": "الشحن إلى الصين خطوة بخطوة", "en": "Shipping to China step by step",
                     "fr": "Expédier en Chine pas à pas"},
                    "التغليف، الجمارك، والتتبع: ما يحتاجه البائع قبل المهرجان.", "ar", "Africa/Cairo",
                    -7 * DAY, 200, ("Youssef El Amrani", "Logistics adviser, Casablanca",
                                    "Has shipped for 120 Moroccan and Egyptian craft stores."),
                    Audience.VENDORS, interpretation="fr,en",
                    recording="https://video.example.org/silk-road/shipping-step-by-step"),
        DemoLecture({"fr": "Réussir son entrée au festival", "en": "Getting your festival entry right"},
                    "Choisir ses produits, fixer le prix et la quantité du festival, et préparer le stock.", "fr",
                    "Africa/Dakar", 6 * DAY, 150, ("Fatou Diop", "Vendeuse de textiles, Dakar",
                                                   "A vendu 900 pagnes lors du dernier festival."),
                    Audience.VENDORS, interpretation="en,ar", registrations=3),
    )),
)


def seed_lectures() -> int:
    """Create the demo series and lectures that are missing; returns how many lectures were added."""
    existing = set(db.session.scalars(select(LectureSeriesText.title).where(LectureSeriesText.language == "en")))
    start = clock.now().replace(minute=0, second=0, microsecond=0)
    staff = db.session.scalars(select(User).where(User.role == Role.STAFF).order_by(User.id)).first()
    vendors = list(db.session.scalars(select(User).join(Store, Store.owner_id == User.id).where(
        Store.status == StoreStatus.APPROVED).order_by(User.id).limit(10)))
    added = 0
    for titles, description, lectures in SERIES:
        if titles["en"] in existing:
            continue
        original = next(iter(titles))
        series = LectureSeries(original_language=original, texts=[
            LectureSeriesText(language=code, title=title, description=description if code == original else "")
            for code, title in titles.items()])
        db.session.add(series)
        made = []
        for demo in lectures:
            lecture = Lecture(
                series=series, original_language=demo.original, spoken_language=demo.original,
                interpretation_languages=demo.interpretation, starts_at=start + demo.starts_in,
                time_zone=demo.zone, duration_minutes=90, capacity=demo.capacity, audience=demo.audience,
                join_url=f"https://meet.example.org/silk-road/{zlib.crc32(demo.titles[demo.original].encode()):08x}",
                recording_url=demo.recording, created_by_id=staff.id if staff else None,
                texts=[LectureText(language=code, title=title, abstract=demo.abstract if code == demo.original else "")
                       for code, title in demo.titles.items()],
                speakers=[LectureSpeaker(position=0, name=demo.speaker[0], role=demo.speaker[1],
                                         bio=demo.speaker[2])])
            db.session.add(lecture)
            made.append((lecture, demo))
        db.session.commit()
        for lecture, demo in made:
            for vendor in vendors[:demo.registrations]:
                seats.register(lecture.id, vendor, vendor.preferred_language)
            added += 1
    return added
