"""Listing pages read rows, not object graphs, and render each product card once per look.

A category, store or search-results page shows two dozen product cards. Loading them as ORM objects
(each product with its store, the store's texts, every text and photo) built a few hundred objects per
page, and rendering each card through the template macros made ~15 template calls and a few `url_for`
per card. Here a listing reads three plain queries — products with their store's name, their texts
(names; descriptions only when asked), their ready cover photos — into small frozen records with
the attributes `product_cards` and the price function read, and `card_grid` renders each card's HTML
once per exact look (page language, text, store, price shown, cover, badges) and reuses it: the key
is everything the card shows, so a kept card can never be out of date, only unused.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy import select

from marketplace.catalog.models import Product, ProductImage, ProductKind, ProductText
from marketplace.core.i18n import current_language
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.vendors.models import Store

CARD_CACHE_SIZE = 20_000  # card HTML pieces kept per process (a few hundred bytes each)


@dataclass(frozen=True)
class ListedText:
    """A product's text in one language, as a listing reads it."""

    language: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class ListedStore:
    name: str
    slug: str
    country_code: str


@dataclass(frozen=True)
class ListedImage:
    """A cover photo's rendition facts (what `image_srcset`, `image_fallback` and `picture` read)."""

    key: str
    width: int
    height: int
    fallback_width: int
    widths: tuple[int, ...]


@dataclass(frozen=True)
class ListedProduct:
    """What a listing shows and prices of a product, with the attribute names of `Product`."""

    id: int
    slug: str
    original_language: str
    price: Money
    stock: int
    is_campaign: bool
    is_experience: bool
    store: ListedStore
    texts: tuple[ListedText, ...]
    cover: ListedImage | None
    rating_count: int = 0  # shown reviews (kept on the product row, marketplace/reviews)
    rating_total: int = 0

    @property
    def rating_average(self) -> float | None:
        return self.rating_total / self.rating_count if self.rating_count else None


def load_listed(ids: Sequence[int], conditions: Sequence = (), descriptions: bool = False) -> list[ListedProduct]:
    """The products among `ids` that meet `conditions` (e.g. `visible_conditions()`), in the order of `ids`,
    read in three queries of plain rows; with `descriptions`, their texts' descriptions too."""
    if not ids:
        return []
    rows = db.session.execute(
        select(Product.id, Product.slug, Product.original_language, Product.price_amount, Product.currency,
               Product.stock, Product.is_campaign, Product.kind, Store.name, Store.slug, Store.country_code,
               Product.rating_count, Product.rating_total)
        .join(Store, Store.id == Product.store_id).where(Product.id.in_(list(ids)), *conditions)
    ).all()
    found = [row[0] for row in rows]
    texts: dict[int, list[ListedText]] = {}
    if found:
        columns = [ProductText.product_id, ProductText.language, ProductText.name]
        if descriptions:
            columns.append(ProductText.description)
        for product_id, language, name, *more in db.session.execute(
                select(*columns).where(ProductText.product_id.in_(found))):
            texts.setdefault(product_id, []).append(ListedText(language, name, *more))
    covers: dict[int, ListedImage] = {}
    if found:
        for product_id, key, width, height, fallback, widths in db.session.execute(
            select(ProductImage.product_id, ProductImage.key, ProductImage.width, ProductImage.height,
                   ProductImage.fallback_width, ProductImage.rendition_widths)
            .where(ProductImage.product_id.in_(found), ProductImage.status == "ready")
            .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
        ):
            if product_id not in covers:  # the first ready photo is the cover (see Product.cover)
                covers[product_id] = ListedImage(key, width, height, fallback,
                                                 tuple(int(w) for w in widths.split(",") if w))
    by_id = {
        row[0]: ListedProduct(
            id=row[0], slug=row[1], original_language=row[2], price=Money(row[3], row[4]), stock=row[5],
            is_campaign=row[6], is_experience=row[7] == ProductKind.EXPERIENCE,
            store=ListedStore(row[8], row[9], row[10]),
            texts=tuple(texts.get(row[0], ())), cover=covers.get(row[0]), rating_count=row[11] or 0,
            rating_total=row[12] or 0,
        )
        for row in rows
    }
    return [by_id[i] for i in ids if i in by_id]


class CardPieces:
    """Rendered card HTML by look, least recently used dropped first; thread-safe for threaded workers."""

    def __init__(self, size: int = CARD_CACHE_SIZE) -> None:
        self.size = size
        self.pieces: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self.lock:
            piece = self.pieces.get(key)
            if piece is not None:
                self.pieces.move_to_end(key)
            return piece

    def put(self, key: tuple, piece: str) -> None:
        with self.lock:
            self.pieces[key] = piece
            while len(self.pieces) > self.size:
                self.pieces.popitem(last=False)


def card_look(card, language: str) -> tuple:
    """Everything a product card shows on a page in `language`: equal looks render to equal HTML."""
    cover = card.cover
    return (language, card.id, card.slug, card.name, card.store_name, card.country_code, card.shown,
            (cover.key, cover.width, cover.height, cover.fallback_width, tuple(cover.widths)) if cover else None,
            card.stock <= 0, card.is_campaign, card.is_experience, card.rating_count, card.rating_average)


def card_grid(cards: Sequence) -> Markup:
    """The cards' HTML (the `product_card` macro's), each rendered once per look and then reused."""
    pieces: CardPieces = current_app.extensions["product_card_pieces"]
    language = current_language().code
    macro = None
    html = []
    for card in cards:
        key = card_look(card, language)
        piece = pieces.get(key)
        if piece is None:
            if macro is None:
                macro = current_app.jinja_env.get_template("macros/catalog.html").module.product_card
            piece = str(macro(card))
            pieces.put(key, piece)
        html.append(piece)
    return Markup("".join(html))  # noqa: S704 - each piece rendered by an autoescaping template


def init_app(app: Flask) -> None:
    """Give `app` its kept card pieces and templates `card_grid`."""
    app.extensions["product_card_pieces"] = CardPieces()
    app.add_template_global(card_grid, "card_grid")
