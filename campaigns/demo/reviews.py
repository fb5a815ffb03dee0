"""Demo reviews: shoppers in China and across Africa buy through the real cart and checkout (pay on delivery), their
orders go through packing, shipping and delivery, and they review each line in their own language through the
review service, a few with a translation; the demo vendor answers the reviews of its store.

Everything follows from `data/reviews.json` and one fixed random seed. A reviewer who has orders already is left
alone, so a second run adds nothing. The search index is not touched here: `flask search reindex` (run after the
seed by `make seed`) indexes the ratings with everything else.
"""
from __future__ import annotations

import random
from collections.abc import Callable

import phonenumbers
from sqlalchemy import select

from campaigns.festivals.models import Deal, Wave
from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Category, Product, ProductKind, ProductStatus
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.cart import add_item
from marketplace.orders.checkout import Destination, new_checkout_key, place_order
from marketplace.orders.models import FulfilmentState, Order
from marketplace.orders.priced_cart import TOURISM_CATEGORY
from marketplace.orders.states import move_vendor_order
from marketplace.reviews.services import ReviewInput, answer_review, create_review
from marketplace.shipping.quotes import load_profiles, zone_for
from marketplace.vendors.models import Store

ORDERS_PER_REVIEWER = 1
LINES_PER_ORDER = 8
RATINGS = (5, 5, 5, 5, 4, 4, 4, 3, 2)  # most buyers are pleased; some are not
# Where each language's reviewers live (the order's destination).
HOMES = {"zh": ("CN", "Shanghai"), "fr": ("SN", "Dakar"), "ar": ("EG", "Cairo"), "pt": ("MZ", "Maputo"),
         "sw": ("KE", "Nairobi"), "en": ("NG", "Lagos")}
DEMO_VENDOR = "vendor@example.com"
MIN_STOCK_LEFT = 4  # reviewers leave stock for the visitor trying the demo


def reviewer_email(number: int) -> str:
    """The e-mail address of the demo reviewer `number` (from 1)."""
    return f"reviewer{number:02d}@example.com"


def seed_reviews(password_hash: str, data: dict, reviewers: int | None = None) -> int:
    """Add the first `reviewers` demo reviewers (all by default), their delivered orders and reviews where
    missing; returns the reviews added."""
    rng = random.Random(17)
    db.session.expunge_all()  # each commit below expires what the session holds: keep it small
    demo_vendor_id = db.session.scalar(select(User.id).where(User.email == DEMO_VENDOR))
    products = _reviewable_products()
    if len(products) < LINES_PER_ORDER:
        return 0
    own = [product_id for product_id, owner_id, _store_id in products if owner_id == demo_vendor_id]
    profiles = load_profiles({store_id for _product_id, _owner_id, store_id in products})
    pools: dict[str, list[int]] = {}
    for country, _city in HOMES.values():  # each reviewer buys from stores that deliver to their country
        pools[country] = [product_id for product_id, _owner_id, store_id in products
                          if not profiles.get(store_id) or zone_for(profiles[store_id], country) is not None]
    added = 0
    for number, (name, language) in _chosen(data["reviewers"], reviewers):
        pool = pools[HOMES[language][0]]
        if len(pool) < LINES_PER_ORDER:
            continue
        picks = [rng.sample(pool, LINES_PER_ORDER) for _ in range(ORDERS_PER_REVIEWER)]
        ratings = [rng.choice(RATINGS) for _ in range(ORDERS_PER_REVIEWER * LINES_PER_ORDER)]
        if own and number % 3 == 1:  # every third reviewer bought from the demo vendor too
            picks[0][0] = own[number % len(own)]
        reviewer = _reviewer(number, name, language, password_hash)
        if db.session.scalar(select(Order.id).where(Order.shopper_id == reviewer.id).limit(1)) is not None:
            continue
        for chosen in picks:
            order = _delivered_order(reviewer, chosen, language, number)
            for line in order.lines if order is not None else ():
                rating = ratings.pop()
                create_review(reviewer, line.id, _review_input(data, rating, language, rng), refresh_index=False)
                added += 1
        db.session.expunge_all()
    if demo_vendor_id is not None:
        _answer_some(db.session.get(User, demo_vendor_id), data)
    return added


def _chosen(everyone: list, count: int | None) -> list[tuple[int, tuple[str, str]]]:
    """The first `count` reviewers (numbered from 1) taking the languages in turn, so a few are still in every
    language; in their own order."""
    seen: dict[str, int] = {}
    rank = {}
    for number, (_name, language) in enumerate(everyone, 1):
        rank[number] = (seen.get(language, 0), list(HOMES).index(language))
        seen[language] = seen.get(language, 0) + 1
    kept = set(sorted(rank, key=rank.__getitem__)[:count])
    return [(number, reviewer) for number, reviewer in enumerate(everyone, 1) if number in kept]


def _reviewable_products() -> list[tuple[int, int, int]]:
    """(id, store owner's id, store id) of the published goods shipped from stock (no tourism products) with stock to
    spare and no festival deal on sale now, in id order."""
    now = clock.now()
    query = (select(Product.id, Store.owner_id, Store.id).join(Category).join(Store, Store.id == Product.store_id)
             .where(Product.status == ProductStatus.PUBLISHED, Product.kind == ProductKind.GOODS,
                    Product.stock >= MIN_STOCK_LEFT, Category.slug != TOURISM_CATEGORY,
                    # deals on sale now keep their units for the demo's live festival pages
                    Product.id.not_in(select(Deal.product_id).join(Wave, Wave.id == Deal.wave_id)
                                      .where(Wave.starts_at <= now, Wave.ends_at > now)))
             .order_by(Product.id))
    return list(db.session.execute(query).tuples())


def _reviewer(number: int, name: str, language: str, password_hash: str) -> User:
    email = reviewer_email(number)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, role=Role.SHOPPER, display_name=name, password_hash=password_hash,
                    preferred_language=language)
        db.session.add(user)
        db.session.commit()
    return user


def _delivered_order(reviewer: User, product_ids: list[int], language: str, number: int) -> Order | None:
    """An order of one unit of each product that has some left, paid on delivery and delivered (None when every
    one ran short: a small demo catalogue)."""
    country, city = HOMES[language]
    rows = db.session.execute(select(Product.id, Product.stock, Product.store_id)
                              .where(Product.id.in_(product_ids))).all()
    left = {product_id: stock for product_id, stock, _store_id in rows}
    # Only from stores that deliver to the reviewer's country (a store without a profile arranges it itself).
    profiles = load_profiles({store_id for _product_id, _stock, store_id in rows})
    ships = {product_id for product_id, _stock, store_id in rows
             if not profiles.get(store_id) or zone_for(profiles[store_id], country) is not None}
    buying = [product_id for product_id in dict.fromkeys(product_ids)
              if left.get(product_id, 0) >= MIN_STOCK_LEFT and product_id in ships]
    if not buying:
        return None
    for product_id in buying:
        add_item(reviewer, None, product_id, 1)
    phone = phonenumbers.format_number(phonenumbers.example_number(country), phonenumbers.PhoneNumberFormat.E164)
    destination = Destination(recipient_name=reviewer.display_name, phone=phone, country_code=country, city=city,
                              address_line=f"{10 + number} Market Street", postal_code=f"{10000 + number}")
    order = place_order(reviewer, destination, new_checkout_key(), language)
    for part in order.vendor_orders:
        owner_id = part.store.owner_id
        for state in (FulfilmentState.PACKED, FulfilmentState.SHIPPED, FulfilmentState.DELIVERED):
            move_vendor_order(part, state, owner_id)
    db.session.commit()
    for part in order.vendor_orders:  # the shopper paid the courier on delivery
        fulfilment.record_offline_payment(part.store.owner, part.id)
    return order


def _review_input(data: dict, rating: int, language: str, rng: random.Random) -> ReviewInput:
    choices: Callable[[str], list[str]] = lambda code: data["texts"][str(rating)][code]  # noqa: E731
    position = rng.randrange(len(choices(language)))
    translations = {}
    into = data["translations"].get(language)
    if into and rng.random() < 0.5:  # half of them added a translation for readers of another language
        translations[into] = choices(into)[position]
    return ReviewInput(rating=rating, language=language, body=choices(language)[position], translations=translations)


def _answer_some(vendor: User, data: dict) -> None:
    """The demo vendor answers the well-rated reviews of its store (in French), leaving the rest to try."""
    from marketplace.reviews.models import Review

    store = db.session.scalar(select(Store).where(Store.owner_id == vendor.id))
    if store is None or db.session.scalar(select(Review.id).where(Review.store_id == store.id,
                                                                   Review.answered_at.is_not(None)).limit(1)):
        return  # answered on an earlier run
    waiting = db.session.scalars(select(Review).where(Review.store_id == store.id, Review.answered_at.is_(None),
                                                      Review.rating >= 4).order_by(Review.id)).all()
    for review in waiting[: len(waiting) // 2]:
        answer_review(vendor, review.id, data["answers"]["fr"], "fr")
