"""Demo festivals: one live around the time of seeding, two in warm-up opening within days (Tourism Week with
deals on tourism experiences, seeded once they exist), one past.

Deals come from products of many countries (one product per store, round the pavilions); each
festival is created only when its slug is missing, so a second run adds nothing. Each gets a banner
drawn like the demo product pictures (a textile pattern, cut to the banner's 3:1 strip).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from campaigns.festivals.banners import attach_banner, banner_renditions, store_banner
from campaigns.festivals.experience_deals import pair_departures
from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
from marketplace.catalog.models import PriceChange, Product, ProductKind, ProductStatus
from marketplace.core import clock
from marketplace.core.clock import to_utc
from marketplace.core.money import precision
from marketplace.extensions import db
from marketplace.vendors.models import Store, StoreStatus

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class DemoFestival:
    slug: str
    themes: dict[str, str]
    zone: str
    names: dict[str, str]
    descriptions: dict[str, str]
    waves: tuple[tuple[timedelta, timedelta], ...]  # offsets from the seeding instant
    deals: int
    sold_share: float = 0.0  # of each cap, already sold (a past festival's results)
    palette: int = 0  # the banner's colours, from the product artwork's palettes
    experiences: int = 0  # deals on tourism experiences (seeded once the experiences exist)


DEMO_FESTIVALS = (
    DemoFestival(
        "quality-african-products-festival",
        {"en": "Made in Africa", "fr": "Fabriqué en Afrique", "ar": "صُنع في أفريقيا", "pt": "Feito em África",
         "sw": "Imetengenezwa Afrika", "zh": "非洲制造"},
        "Africa/Nairobi",
        {"en": "Quality African Products Festival", "fr": "Festival des produits africains de qualité",
         "ar": "مهرجان المنتجات الأفريقية عالية الجودة", "pt": "Festival de Produtos Africanos de Qualidade",
         "sw": "Tamasha la Bidhaa Bora za Afrika", "zh": "非洲优质产品节"},
        {"en": "Coffee, shea butter, textiles and crafts from across Africa, at festival prices while stocks last.",
         "fr": "Café, beurre de karité, textiles et artisanat de toute l'Afrique, à prix de festival.",
         "zh": "来自非洲各地的咖啡、乳木果油、纺织品和手工艺品，节日价格，售完即止。"},
        ((-2 * HOUR, 2 * DAY), (3 * DAY, 4 * DAY)), 40, 0.2, palette=0,  # kente
    ),
    DemoFestival(
        "coffee-tea-week",
        {"en": "From farm to cup", "fr": "De la ferme à la tasse", "ar": "من المزرعة إلى الفنجان",
         "pt": "Da fazenda à xícara", "sw": "Kutoka shambani hadi kikombeni", "zh": "从农场到杯中"},
        "Asia/Shanghai",
        {"en": "Coffee & Tea Week", "fr": "Semaine du café et du thé", "ar": "أسبوع القهوة والشاي",
         "pt": "Semana do Café e do Chá", "sw": "Wiki ya Kahawa na Chai", "zh": "咖啡与茶周"},
        {"en": "Single-origin coffees and teas from Ethiopia, Kenya, Rwanda and beyond.",
         "zh": "来自埃塞俄比亚、肯尼亚、卢旺达等地的单一产地咖啡和茶。"},
        ((3 * DAY, 5 * DAY),), 20, palette=3,  # coffee and cocoa
    ),
    DemoFestival(
        "crafts-week",
        {"en": "Made by hand", "fr": "Fait main", "ar": "صُنع يدويًا", "pt": "Feito à mão",
         "sw": "Imetengenezwa kwa mkono", "zh": "手工制作"},
        "Africa/Lagos",
        {"en": "Crafts Week", "fr": "Semaine de l’artisanat", "ar": "أسبوع الحِرف اليدوية", "pt": "Semana do Artesanato",
         "sw": "Wiki ya Kazi za Mikono", "zh": "手工艺周"},
        {"en": "Baskets, textiles and carvings from the campaign's pavilions."},
        ((-20 * DAY, -18 * DAY),), 15, 0.6, palette=1,
    ),
    DemoFestival(
        "tourism-week",
        {"en": "Journeys across Africa", "fr": "Voyages à travers l’Afrique", "ar": "رحلات عبر أفريقيا",
         "pt": "Viagens pela África", "sw": "Safari kote Afrika", "zh": "畅游非洲"},
        "Africa/Nairobi",
        {"en": "Tourism Week", "fr": "Semaine du tourisme", "ar": "أسبوع السياحة", "pt": "Semana do Turismo",
         "sw": "Wiki ya Utalii", "zh": "旅游周"},
        {"en": "Safaris, desert nights, coffee farms and spice tours at festival prices: book now, travel later.",
         "fr": "Safaris, nuits dans le désert, fermes de café et route des épices à prix de festival : "
               "réservez maintenant, voyagez plus tard.",
         "zh": "狩猎之旅、沙漠之夜、咖啡农场和香料之旅，享受节日价格：现在预订，日后出行。"},
        ((2 * DAY, 4 * DAY),), 4, palette=7, experiences=12,  # coast and safari
    ),
)


def seed_festivals(now: datetime | None = None) -> int:
    """Create the demo festivals that are missing; returns how many were added."""
    now = now or clock.now()
    existing = set(db.session.scalars(select(Festival.slug)))
    used = set(db.session.scalars(select(Deal.product_id)))
    added = 0
    for demo in DEMO_FESTIVALS:
        if demo.slug in existing:
            continue
        create_demo_festival(demo, now, used)
        added += 1
    return added


def experience_products(count: int) -> list[Product]:
    """Up to `count` priced, published experiences, one per operator."""
    rows = db.session.scalars(
        select(Product).join(Product.store)
        .where(Product.kind == ProductKind.EXPERIENCE, Product.status == ProductStatus.PUBLISHED,
               Store.status == StoreStatus.APPROVED, Product.price_amount > 1)
        .order_by(Product.id)
    )
    chosen: list[Product] = []
    stores: set[int] = set()
    for product in rows:
        if product.store_id not in stores:
            stores.add(product.store_id)
            chosen.append(product)
    return chosen[:count]


def deal_products(count: int, exclude: set[int]) -> list[Product]:
    """Up to `count` products in stock, one per store, stores taken round the countries."""
    rows = db.session.execute(
        select(Product, Store.country_code).join(Product.store)
        .where(Product.status == ProductStatus.PUBLISHED, Store.status == StoreStatus.APPROVED,
               Product.stock > 0, Product.price_amount > 1)
        .order_by(Store.id, Product.id)
    ).all()
    by_country: dict[str, list[Product]] = {}
    seen_stores: set[int] = set()
    for product, country in rows:
        if product.id in exclude or product.store_id in seen_stores:
            continue
        seen_stores.add(product.store_id)
        by_country.setdefault(country, []).append(product)
    chosen: list[Product] = []
    while len(chosen) < count and any(by_country.values()):
        for products in by_country.values():
            if products and len(chosen) < count:
                chosen.append(products.pop(0))
    return chosen


def _festival_price(product: Product) -> int:
    step = 10 ** precision(product.currency)  # whole units
    price = int(product.price_amount * 0.8) // step * step
    return price if 0 < price < product.price_amount else product.price_amount - 1


def _store_demo_banner(festival: Festival, demo: DemoFestival) -> None:
    from marketplace.media.artwork import draw_product_artwork  # Pillow loads only when the demo draws

    size = 960
    # crc32, not hash(): the same slug draws the same banner in every process.
    cloth = draw_product_artwork(zlib.crc32(demo.slug.encode()), demo.palette, size=size)
    # The upper band: patterned cloth with the medallion rising from the bottom edge, like a sunrise.
    banner = banner_renditions(cloth.crop((0, size // 24, size, size // 24 + size // 3)))
    store_banner(banner)
    attach_banner(festival, banner)


def create_demo_festival(demo: DemoFestival, now: datetime, used: set[int]) -> Festival:
    """One demo festival, with a drawn banner and approved deals on products not in `used` (which it extends)."""
    windows = [(now + start, now + end) for start, end in demo.waves]
    first = windows[0][0]
    festival = Festival(
        slug=demo.slug, time_zone=demo.zone, original_language="en",
        registration_opens_at=first - 14 * DAY, registration_closes_at=first - 7 * DAY,
        warmup_starts_at=first - 4 * DAY,
        texts=[FestivalText(language=code, name=name, description=demo.descriptions.get(code, ""),
                            theme=demo.themes.get(code, "")) for code, name in demo.names.items()],
        waves=[Wave(starts_at=s, ends_at=e) for s, e in windows],
    )
    _store_demo_banner(festival, demo)
    db.session.add(festival)
    db.session.flush()
    products = deal_products(demo.deals, used)
    for index, product in enumerate(products):
        used.add(product.id)
        wave = festival.waves[index % len(festival.waves)]
        cap = max(1, min(product.stock, 5 + index % 20))
        # The price the 30-day low is read from: in force since well before the festival.
        db.session.add(PriceChange(product_id=product.id, price_amount=product.price_amount,
                                   currency=product.currency, changed_at=first - 40 * DAY))
        db.session.add(Deal(
            festival_id=festival.id, wave_id=wave.id, product_id=product.id, store_id=product.store_id,
            price_amount=_festival_price(product), currency=product.currency, cap=cap,
            sold=int(cap * demo.sold_share), per_shopper_limit=2 if index % 3 == 0 else None,
            status=DealStatus.APPROVED, reviewed_at=first - 5 * DAY,
        ))
    _add_experience_deals(festival, demo)
    db.session.commit()
    return festival


def seed_experience_deals() -> int:
    """Give the demo festivals that sell experiences their deals once the experiences exist (a festival seeded
    before the tourism operators has none yet); returns how many deals were added."""
    added = 0
    for demo in DEMO_FESTIVALS:
        festival = db.session.scalar(select(Festival).where(Festival.slug == demo.slug)) if demo.experiences else None
        if festival is None or db.session.scalar(
                select(Deal.id).join(Product, Deal.product_id == Product.id)
                .where(Deal.festival_id == festival.id, Product.kind == ProductKind.EXPERIENCE).limit(1)):
            continue
        added += _add_experience_deals(festival, demo)
        db.session.commit()
    return added


def _add_experience_deals(festival: Festival, demo: DemoFestival) -> int:
    """Approved deals on up to `demo.experiences` experiences, one per operator, with their festival seats."""
    first = to_utc(festival.waves[0].starts_at)
    experience_deals = []
    for index, product in enumerate(experience_products(demo.experiences)):
        db.session.add(PriceChange(product_id=product.id, price_amount=product.price_amount,
                                   currency=product.currency, changed_at=first - 40 * DAY))
        # Deal.cap counts each date's seats at the festival price (campaigns/festivals/experience_deals.py).
        experience_deals.append(Deal(
            festival_id=festival.id, wave_id=festival.waves[index % len(festival.waves)].id, product_id=product.id,
            store_id=product.store_id, price_amount=_festival_price(product), currency=product.currency,
            cap=2 + index % 4, status=DealStatus.APPROVED, reviewed_at=first - 5 * DAY))
    if experience_deals:
        db.session.add_all(experience_deals)
        db.session.flush()
        pair_departures(deal_ids=[deal.id for deal in experience_deals])
    return len(experience_deals)
