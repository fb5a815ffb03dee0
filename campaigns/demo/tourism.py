"""Demo tourism: tour operators in twelve countries with 28 experiences, their options, prices and departures
over the next 90 days — some nearly full or sold out, the Merzouga desert camp across Morocco's Ramadan clock
change — texts in each operator's language, with Chinese and English translations for some.

Each operator's store is created only when its slug is missing, so a second run adds nothing. Departures
are inserted in bulk; local starts that the zone's clocks skip or repeat are left out, as a vendor's rule
would refuse them.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import insert, select

from campaigns.festivals.scheduling import utc_to_local
from campaigns.tourism.models import (
    Departure,
    DepartureStatus,
    Experience,
    ExperienceOption,
    ExperienceOptionText,
    ExperienceText,
    UnitKind,
    UnitType,
)
from campaigns.tourism.options import refresh_from_price
from marketplace.accounts.models import Role, User
from marketplace.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductKind,
    ProductStatus,
    ProductText,
)
from marketplace.core import clock
from marketplace.core.money import precision
from marketplace.core.zones import zone_info
from marketplace.extensions import db
from marketplace.vendors.models import Store, StoreStatus, StoreText

DAYS_AHEAD = 90
TOURISM_CATEGORY = "tourism"


def _local_price(usd: int, rate: float, currency: str) -> int:
    """A price a tour operator would write: the USD figure in its currency, rounded to a round number."""
    local = Decimal(usd) * Decimal(str(rate))
    step = Decimal(10) ** max(len(str(int(local))) - 2, 0)  # two significant figures
    rounded = (local / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return int(rounded.scaleb(precision(currency)))


def _local_start(day, start: time, zone: str) -> datetime | None:
    """The UTC instant of `start` on `day` in `zone`, None when the clocks skip it or show it twice."""
    tzinfo = zone_info(zone)
    first = datetime.combine(day, start).replace(tzinfo=tzinfo, fold=0)
    second = first.replace(fold=1)
    if first.utcoffset() != second.utcoffset():
        return None
    instant = first.astimezone(zone_info("UTC"))
    return instant if instant.astimezone(tzinfo).replace(tzinfo=None) == datetime.combine(day, start) else None


def seed_tourism(password_hash: str, data: dict, country_rows: list[dict]) -> int:
    """Create the operators and experiences of `data` (experiences.json) that are missing; returns how many
    experiences were added."""
    countries = {c["code"]: c for c in country_rows}
    category = db.session.scalar(select(Category).where(Category.slug == TOURISM_CATEGORY))
    if category is None:
        return 0
    existing = set(db.session.scalars(select(Store.slug)))
    now = clock.now()
    stores = {}
    for index, operator in enumerate(data["operators"]):
        if operator["slug"] in existing:
            continue
        owner = User(email=f"operator{index + 1}@example.com", role=Role.VENDOR, display_name=operator["name"][:80],
                     password_hash=password_hash, preferred_language=operator["language"])
        stores[operator["slug"]] = Store(
            slug=operator["slug"], name=operator["name"], owner=owner, country_code=operator["country"],
            city=operator["city"], original_language=operator["language"], status=StoreStatus.APPROVED,
            is_campaign=True,  # the campaign's tourism promotion: operators and their experiences count toward it
            approved_at=now - timedelta(days=30 + index),
            texts=[StoreText(language=operator["language"], story=operator["story"],
                             tagline=operator["story"].split(".")[0][:160])])
    if not stores:
        return 0
    operators = {operator["slug"]: operator for operator in data["operators"]}
    pictures = _tourism_pictures(category.id)
    rng = random.Random(2027)
    experiences = []
    for number, item in enumerate(data["experiences"]):
        store = stores.get(item["operator"])
        if store is None:
            continue
        operator = operators[item["operator"]]
        experiences.append((_experience(item, operator, store, category, countries[operator["country"]], now,
                                        pictures[number % len(pictures)] if pictures else None), item, operator))
    db.session.add_all(stores.values())
    db.session.add_all(experience for experience, _item, _operator in experiences)
    db.session.flush()
    rows = []
    for experience, item, operator in experiences:
        refresh_from_price(experience)
        for option, row in zip(experience.options, item["options"], strict=True):
            rows.extend(_departures(option, row, operator["zone"], now, rng))
    if rows:
        db.session.execute(insert(Departure), rows)
    db.session.commit()
    return len(experiences)


def _tourism_pictures(category_id: int) -> list[ProductImage]:
    """Ready photos of the demo's tourism products, lent to the experiences (same renditions, no drawing)."""
    return list(db.session.scalars(
        select(ProductImage).join(Product).where(Product.category_id == category_id, ProductImage.status == "ready")
        .order_by(ProductImage.id).limit(40)))


def _experience(item: dict, operator: dict, store: Store, category: Category, country: dict, now: datetime,
                picture: ProductImage | None) -> Experience:
    language = operator["language"]
    texts = item["texts"]
    original = texts[language]
    currency = country["currency"]
    product = Product(
        slug=_slug(store.slug, texts.get("en", original)["name"]),
        store=store, category=category, original_language=language, price_amount=0, currency=currency, stock=0,
        kind=ProductKind.EXPERIENCE, status=ProductStatus.PUBLISHED, first_approved_at=now, published_at=now,
        is_campaign=True,
        texts=[ProductText(language=lang, name=words["name"], description=words["description"])
               for lang, words in texts.items()],
        images=[ProductImage(position=0, key=picture.key, width=picture.width, height=picture.height,
                             rendition_widths=picture.rendition_widths, fallback_width=picture.fallback_width,
                             status="ready")] if picture else [],
    )
    refundable, free_hours, late_percent = item["policy"]
    experience = Experience(
        product=product, time_zone=operator["zone"], duration_minutes=item["duration"], meeting_lat=item["lat"],
        meeting_lon=item["lon"], guide_languages=",".join(item["languages"]), minimum_age=item["age"],
        refundable=refundable, free_cancel_hours=free_hours, late_refund_percent=late_percent,
        texts=[ExperienceText(language=lang, itinerary=words["itinerary"], included=words["included"],
                              excluded=words["excluded"], meeting_point=words["meeting_point"])
               for lang, words in texts.items()],
    )
    for position, (name, other_names, prices, _seats, _start, _weekdays) in enumerate(item["options"]):
        names = {language: name, **other_names}
        experience.options.append(ExperienceOption(
            position=position,
            texts=[ExperienceOptionText(language=lang, name=text) for lang, text in names.items()],
            units=[UnitType(kind=UnitKind(kind), price_amount=_local_price(usd, country["usd_rate"], currency),
                            currency=currency, min_per_booking=1 if kind == "adult" and len(prices) == 1 else 0,
                            max_per_booking=8, requires_adult=kind == "child")
                   for kind, usd in prices.items()],
        ))
    return experience


def _slug(store_slug: str, name: str) -> str:
    from marketplace.catalog.services import slugify

    return f"{slugify(name, 'experience')[:90]}-{store_slug}"[:140] if slugify(name, "") else \
        f"experience-{store_slug}-{sum(map(ord, name))}"


def _departures(option: ExperienceOption, row: list, zone: str, now: datetime, rng: random.Random) -> list[dict]:
    """Departure rows of `option` for the next DAYS_AHEAD days on its weekdays; about one in eight nearly full,
    one in twenty sold out."""
    _name, _names, _prices, seats, start_text, weekdays = row
    hour, minute = (int(part) for part in start_text.split(":"))
    start = time(hour, minute)
    today = utc_to_local(now, zone).date()
    rows = []
    for offset in range(1, DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        starts_at = _local_start(day, start, zone)
        if starts_at is None:
            continue
        roll = rng.random()
        sold = seats if roll < 0.05 else seats - 1 if roll < 0.17 else rng.randrange(0, max(seats // 2, 1) + 1)
        rows.append({"option_id": option.id, "experience_id": option.experience_id, "starts_at": starts_at,
                     "local_date": day, "local_time": start, "capacity": seats, "seats_sold": sold,
                     "seats_held": 0, "cutoff_hours": 24 if seats > 8 else 48,
                     "status": DepartureStatus.SCHEDULED, "created_at": now})
    return rows
