"""The demo campaign: 100 approved stores from over 30 African countries and 1,000 products.

Everything is derived from the JSON files in `data/` and one fixed random seed, so a second run
finds every store and product already there and adds nothing. Product pictures are drawn by the
media pipeline's artwork module; nothing is downloaded.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from sqlalchemy import func, insert, select

from campaigns.demo.festivals import seed_experience_deals, seed_festivals
from campaigns.demo.lecture_attendance import seed_lecture_attendance
from campaigns.demo.lecture_extras import seed_lecture_extras
from campaigns.demo.lectures import seed_lectures
from campaigns.demo.orders import seed_orders
from campaigns.demo.reviews import seed_reviews
from campaigns.demo.shipping import seed_shipping
from campaigns.demo.tourism import seed_tourism
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import hash_password
from marketplace.catalog.countries import ensure_countries
from marketplace.catalog.models import (
    Category,
    CategoryText,
    ExchangeRate,
    Product,
    ProductImage,
    ProductStatus,
    ProductText,
)
from marketplace.catalog.services import country_name, slugify
from marketplace.core import clock
from marketplace.core.money import precision
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.vendors.models import Store, StoreStatus, StoreText
from marketplace.vendors.slots import sync_quotas

DATA_DIR = Path(__file__).parent / "data"
DEMO_PASSWORD = "silkroad-demo"
DEMO_ACCOUNTS = (
    ("staff@example.com", Role.STAFF, "Campaign staff"),
    ("vendor@example.com", Role.VENDOR, "Demo vendor"),
    ("shopper@example.com", Role.SHOPPER, "Demo shopper"),
)
CAMPAIGN_STORES = 80
CAMPAIGN_PRODUCTS = 800
FEATURED_STORES = 8
FEATURED_PRODUCTS = 24
DISTINCT_PICTURES = 1000  # beyond this (benchmark catalogues) products share pictures
VARIANT_FACTORS = (1, 1.8, 3.2, 6)
EXTRA_RATES = {"CNY": "7.1", "EUR": "0.92"}
NAME_SEPARATORS = {"ar": "، ", "zh": "，"}  # between a product's name and its size


@cache
def load(name: str):
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


@dataclass
class SeedReport:
    stores: int = 0
    products: int = 0
    pictures: int = 0
    categories: int = 0
    accounts: list[str] = field(default_factory=list)
    orders: int = 0
    experiences: int = 0
    shipping_profiles: int = 0
    reviews: int = 0


def seed_demo(
    stores: int = 100, products: int = 1000, progress: Callable[[int], None] | None = None
) -> SeedReport:
    """Create whatever part of the demo campaign is missing; returns what was added."""
    report = SeedReport()
    ensure_countries()
    report.categories = _seed_categories()
    _seed_rates()
    password_hash = hash_password(DEMO_PASSWORD)  # one slow hash, shared by every demo account
    report.accounts = _seed_accounts(password_hash)
    store_rows = _seed_stores(stores, password_hash, report)
    _seed_products(products, store_rows, report, progress)
    sync_quotas()
    seed_festivals()
    seed_lectures()
    # Readiness first: the four festival-ready stores' owners are the past preparation lecture's audience,
    # so the attendance seed (which leaves a lecture with registrations alone) keeps the demo vendor out of
    # it, and the vendor can try the refusal and the way to the badge.
    seed_lecture_extras()
    seed_lecture_attendance()
    report.experiences = seed_tourism(password_hash, load("experiences.json"), load("countries.json"))
    sync_quotas()  # the operators and their experiences take campaign slots too
    seed_experience_deals()  # Tourism Week's deals are on the experiences
    rates = {country["currency"]: Decimal(str(country["usd_rate"])) for country in load("countries.json")}
    report.shipping_profiles = seed_shipping(rates)  # every store, the tourism operators' too
    report.orders = seed_orders()
    report.reviews = seed_reviews(password_hash, load("reviews.json"), reviewers_for(products))
    return report


def reviewers_for(products: int) -> int:
    """How many demo reviewers a catalogue of `products` gets: one per four products (each buys eight), at
    least six (one per language) — every one of the 36 for the full demo, fewer where a small catalogue would
    be bought out."""
    return max(6, products // 4)


def _seed_categories() -> int:
    existing = set(db.session.scalars(select(Category.slug)))
    added = 0
    for position, item in enumerate(load("categories.json")):
        if item["slug"] in existing:
            continue
        texts = [
            CategoryText(language=lang, name=name, description=item["descriptions"].get(lang, ""))
            for lang, name in item["names"].items()
        ]
        db.session.add(Category(slug=item["slug"], icon=item.get("icon", ""), position=position, texts=texts))
        added += 1
    db.session.commit()
    return added


def _seed_rates() -> None:
    existing = {(r.base, r.quote) for r in db.session.scalars(select(ExchangeRate))}
    wanted = {c["currency"]: str(c["usd_rate"]) for c in load("countries.json")} | EXTRA_RATES
    for currency, rate in sorted(wanted.items()):
        if currency != "USD" and ("USD", currency) not in existing and (currency, "USD") not in existing:
            db.session.add(ExchangeRate(base="USD", quote=currency, rate=Decimal(rate)))
    db.session.commit()


def _seed_accounts(password_hash: str) -> list[str]:
    for email, role, name in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            db.session.add(User(email=email, role=role, display_name=name, password_hash=password_hash))
    db.session.commit()
    return [email for email, _role, _name in DEMO_ACCOUNTS]


def _store_plan(count: int) -> list[dict]:
    """The demo stores, the same list on every run."""
    rng = random.Random(2026)
    countries = load("countries.json")
    names = load("store_names.json")
    featured = set(range(0, count, max(1, count // FEATURED_STORES))[:FEATURED_STORES])
    plan = []
    for index in range(count):
        country = countries[index % len(countries)]
        language = country["locales"][0] if index % 4 else country["locales"][-1]
        words = names[language]
        given = country.get(f"given_names_{language}") or country["given_names"]
        city = rng.choice(country["cities"])
        name = rng.choice(words["patterns"]).format(
            name=rng.choice(given), city=city, noun=rng.choice(words["nouns"])
        )
        year = rng.randrange(1988, 2024)
        story_index = rng.randrange(len(names["stories"][language]))
        fill = {"city": city, "name": name, "year": year}
        texts = {}
        for text_language in {language, "zh", "en"} if index % 3 == 0 else {language}:
            fill["country"] = country_name(country["code"], text_language)
            stories = names["stories"][text_language]
            story = stories[story_index % len(stories)].format(**fill)
            texts[text_language] = story
        plan.append({
            "slug": f"{slugify(name, 'store')}-{index + 1}",
            "name": name[:120],
            "country": country,
            "language": language,
            "city": city,
            "year": year,
            "texts": texts,
            "is_campaign": index < CAMPAIGN_STORES,
            "featured": index in featured,
        })
    return plan


def _seed_stores(count: int, password_hash: str, report: SeedReport) -> list[Store]:
    plan = _store_plan(count)
    existing = {s.slug: s for s in db.session.scalars(select(Store))}
    demo_vendor = db.session.scalar(select(User).where(User.email == "vendor@example.com"))
    now = clock.now()
    for index, item in enumerate(plan):
        if item["slug"] in existing:
            continue
        owner = demo_vendor if index == 0 else User(
            email=f"vendor{index + 1}@example.com", role=Role.VENDOR, display_name=item["name"][:80],
            password_hash=password_hash, preferred_language=item["language"],
        )
        store = Store(
            slug=item["slug"], name=item["name"], owner=owner, country_code=item["country"]["code"],
            city=item["city"], original_language=item["language"], status=StoreStatus.APPROVED,
            is_campaign=item["is_campaign"], featured=item["featured"], founded_year=item["year"],
            approved_at=now - timedelta(days=90 - index % 60),
            texts=[StoreText(language=lang, story=story, tagline=story.split(". ")[0][:160])
                   for lang, story in item["texts"].items()],
        )
        db.session.add(store)
        existing[store.slug] = store
        report.stores += 1
    db.session.commit()
    return [existing[item["slug"]] for item in plan]


def _price(rng: random.Random, product_type: dict, variant: int, currency: str, usd_rate: float) -> int:
    low, high = product_type["usd_price"]
    usd = Decimal(str(rng.uniform(low, high) * VARIANT_FACTORS[variant % len(VARIANT_FACTORS)]))
    local = usd * Decimal(str(usd_rate))
    digits = precision(currency)
    # Round to what a shop would write: whole units, or tens/hundreds for currencies worth little.
    step = Decimal(1) if local < 100 else Decimal(10) if local < 5000 else Decimal(100)
    rounded = (local / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    if digits and local < 20:
        rounded = local.quantize(Decimal("0.5"), rounding=ROUND_HALF_UP) or Decimal("0.5")
    return int(max(rounded, step).scaleb(digits))


def _product_plan(count: int, stores: list[Store]) -> list[dict]:
    """The demo products, the same list on every run: `count` spread evenly over the stores."""
    rng = random.Random(1000)
    types = load("product_types.json")
    by_country: dict[str, list[tuple[str, dict]]] = {}
    all_types = [(category, t) for category, items in types.items() for t in items]
    for category, product_type in all_types:
        for code in product_type["countries"]:
            by_country.setdefault(code, []).append((category, product_type))
    countries = {c["code"]: c for c in load("countries.json")}
    plan = []
    for index in range(count):
        store = stores[index % len(stores)]
        country = countries[store.country_code]
        choices = by_country.get(store.country_code) or all_types
        category, product_type = choices[rng.randrange(len(choices))]
        variant = rng.randrange(len(product_type["variants"]["en"]))
        language = store.original_language
        translated = index % 5 < 2  # two in five carry translations beyond the original
        languages = {language} | ({"en", "zh", "fr"} if translated else set())
        texts = {}
        for text_language in sorted(languages):
            fill = {"city": store.city, "country": country_name(store.country_code, text_language)}
            separator = NAME_SEPARATORS.get(text_language, ", ")
            size = product_type["variants"][text_language][variant]
            name = f"{product_type['names'][text_language]}{separator}{size}"
            texts[text_language] = (name[:160], product_type["descriptions"][text_language].format(**fill))
        plan.append({
            "slug": f"{slugify(product_type['names']['en'], 'product')}-{index + 1}",
            "store": store,
            "category": category,
            "language": language,
            "texts": texts,
            "price": _price(rng, product_type, variant, country["currency"], country["usd_rate"]),
            "currency": country["currency"],
            "stock": 0 if index % 37 == 5 else rng.randrange(3, 250),
            "is_campaign": index < CAMPAIGN_PRODUCTS and store.is_campaign,
            "featured": index % max(1, count // FEATURED_PRODUCTS) == 0,
            "age_days": rng.randrange(0, 60),
            "picture": index % DISTINCT_PICTURES,
            "palette": sorted(types).index(category),
        })
    return plan


def _draw_picture(args: tuple[int, int]):
    from marketplace.media.artwork import draw_product_artwork
    from marketplace.media.pipeline import renditions

    seed, palette = args
    return renditions(draw_product_artwork(seed, palette))


def _seed_products(count: int, stores: list[Store], report: SeedReport, progress) -> None:
    plan = _product_plan(count, stores)
    existing = set(db.session.scalars(select(Product.slug)))
    missing = [item for item in plan if item["slug"] not in existing]
    if not missing:
        return
    category_ids = dict(db.session.execute(select(Category.slug, Category.id)).all())
    pictures = _draw_pictures(sorted({(i["picture"], i["palette"]) for i in missing}), report)
    next_id = (db.session.scalar(select(func.max(Product.id))) or 0) + 1
    now = clock.now()
    for start in range(0, len(missing), 2000):
        batch = missing[start:start + 2000]
        product_rows, text_rows, image_rows = [], [], []
        for item in batch:
            product_id = next_id
            next_id += 1
            published = now - timedelta(days=item["age_days"])
            product_rows.append({
                "id": product_id, "slug": item["slug"], "store_id": item["store"].id,
                "category_id": category_ids[item["category"]], "original_language": item["language"],
                "price_amount": item["price"], "currency": item["currency"], "stock": item["stock"],
                "sku": f"{item['store'].country_code}-{item['slug'].rsplit('-', 1)[1]:0>4}",
                "status": ProductStatus.PUBLISHED, "is_campaign": item["is_campaign"],
                "featured": item["featured"], "created_at": published, "updated_at": published,
                "published_at": published,
            })
            for language, (name, description) in item["texts"].items():
                text_rows.append({"product_id": product_id, "language": language, "name": name,
                                  "description": description})
            picture = pictures[item["picture"]]
            image_rows.append({
                "product_id": product_id, "position": 0, "key": picture.key, "width": picture.width,
                "height": picture.height, "rendition_widths": ",".join(map(str, picture.widths)),
                "fallback_width": picture.fallback_width,
            })
        db.session.execute(insert(Product), product_rows)
        db.session.execute(insert(ProductText), text_rows)
        db.session.execute(insert(ProductImage), image_rows)
        db.session.commit()
        report.products += len(batch)
        if progress:
            progress(len(batch))
    _fix_sequences()


def _draw_pictures(wanted: list[tuple[int, int]], report: SeedReport) -> dict:
    """Draw each wanted picture once (on every core) and store its renditions."""
    store = get_image_store()
    pictures = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for (number, _palette), processed in zip(wanted, pool.map(_draw_picture, wanted, chunksize=16), strict=False):
            for name, body in processed.files.items():
                if not store.exists(name):
                    store.save(name, body)
            processed.files.clear()
            pictures[number] = processed
            report.pictures += 1
    return pictures


def _fix_sequences() -> None:
    """Explicit ids bypass PostgreSQL's sequence; move it past them."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            db.text("SELECT setval(pg_get_serial_sequence('products', 'id'), (SELECT MAX(id) FROM products))")
        )
        db.session.commit()
