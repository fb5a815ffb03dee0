"""What the index holds for a product: analysed terms of its texts, concepts, and facet values.

A product is first read into a `ProductSource` (plain values, so it can cross to another process),
then analysed by a `DocumentBuilder`, which remembers the analysis of texts it has already seen:
category names, store names and the phrases vendors reuse across a range come back thousands of times
in a full rebuild.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from marketplace.catalog.models import Product
from marketplace.catalog.services import RateTable
from marketplace.search.analyzers import index_terms, tokenize
from marketplace.search.glossary import Glossary, concept_token
from marketplace.search.port import SearchDocument

# Price bands in US cents: (name, lowest, highest exclusive); the facet the shopper sees.
PRICE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under-10", 0, 1000),
    ("10-25", 1000, 2500),
    ("25-50", 2500, 5000),
    ("50-100", 5000, 10000),
    ("100-250", 10000, 25000),
    ("250-plus", 25000, None),
)
EVERY_PRODUCT_CONCEPTS = ("africa",)  # every product of this campaign is African
# Texts whose analysis a builder keeps (about 2 KB each): enough for every name, category and store
# of a large catalogue and its most repeated descriptions, small enough for a build process.
TEXT_CACHE_SIZE = 20_000

# A hook sees the products being indexed and returns field values per product id; the campaign's
# festivals will fill `in_festival` this way.
IndexHook = Callable[[Sequence[Product]], Mapping[int, Mapping[str, Any]]]
HOOK_FIELDS = frozenset({"in_festival"})

Analysis = tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]  # (index terms, folded words, concepts)


def register_index_hook(app: Flask, hook: IndexHook) -> None:
    """Let `hook` set indexed fields (only `in_festival` today) of every product indexed from now on."""
    app.extensions.setdefault("search_index_hooks", []).append(hook)


INDEX_CURRENCY = "USD"  # documents hold prices in US cents, whatever the product's currency


def price_band(usd_cents: int) -> str:
    for name, low, high in PRICE_BANDS:
        if usd_cents >= low and (high is None or usd_cents < high):
            return name
    return PRICE_BANDS[-1][0]


def usd_cents(product: Product, rates: RateTable) -> int:
    """The product's regular price in US cents, or 0 when no rate links its currency to the dollar."""
    converted = rates.convert(product.price, INDEX_CURRENCY)
    if product.currency == INDEX_CURRENCY:
        return product.price_amount
    return converted.amount if converted is not None else 0


@dataclass(frozen=True, slots=True)
class ProductSource:
    """What indexing reads of a product, as plain values (picklable: analysed in another process)."""

    id: int
    texts: tuple[tuple[str, str, str], ...]  # (language, name, description), sorted by language
    category: str
    category_names: tuple[tuple[str, str], ...]  # (language, name)
    store_id: int
    store_name: str
    store_language: str
    country: str
    origin: str
    original_language: str
    price: int  # US cents
    published: int
    campaign: bool
    in_festival: bool
    rating: int = 0  # mean stars in tenths
    reviews: int = 0


def rating_tenths(product: Product) -> int:
    """The product's mean rating in tenths of a star, rounded half up (0 without reviews)."""
    if not product.rating_count:
        return 0
    return (product.rating_total * 20 + product.rating_count) // (2 * product.rating_count)


def product_source(product: Product, rates: RateTable, extra: Mapping[str, Any]) -> ProductSource:
    """The plain values indexing needs of a visible product (texts, category names and store loaded)."""
    published = product.published_at or product.created_at
    return ProductSource(
        id=product.id,
        texts=tuple((t.language, t.name, t.description) for t in sorted(product.texts, key=lambda t: t.language)),
        category=product.category.slug,
        category_names=tuple((t.language, t.name) for t in product.category.texts),
        store_id=product.store_id, store_name=product.store.name,
        store_language=product.store.original_language, country=product.store.country_code,
        origin=product.origin or "", original_language=product.original_language,
        price=usd_cents(product, rates), published=int(published.timestamp()) if published else 0,
        campaign=bool(product.is_campaign), in_festival=bool(extra.get("in_festival", False)),
        rating=rating_tenths(product), reviews=product.rating_count or 0,
    )


class DocumentBuilder:
    """Turns product sources into index documents, reusing the analysis of texts seen before."""

    def __init__(self, glossary: Glossary, cache_size: int = TEXT_CACHE_SIZE) -> None:
        self.glossary = glossary
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str, bool], Analysis] = OrderedDict()
        self.hits = self.misses = 0

    def analyse(self, text: str, language: str, plain: bool = False) -> Analysis:
        """(index terms, folded words, concepts) of one text; `plain` only segments and stems (category names)."""
        key = (text, language, plain)
        found = self._cache.get(key)
        if found is not None:
            self.hits += 1
            self._cache.move_to_end(key)
            return found
        self.misses += 1
        if plain:
            found = (tuple(index_terms(tokenize(text, language))), (), frozenset())
        else:
            found = _terms_and_concepts(text, language, self.glossary)
        if self.cache_size:
            self._cache[key] = found
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return found

    def document(self, source: ProductSource) -> SearchDocument:
        """The index document of a product."""
        title: list[str] = []
        text: list[str] = []
        words: list[str] = []
        concepts: set[str] = set(EVERY_PRODUCT_CONCEPTS)
        title_concepts: set[str] = set()
        for language, name, description in source.texts:
            name_terms, name_words, name_concepts = self.analyse(name, language)
            body_terms, body_words, body_concepts = self.analyse(description, language)
            title += name_terms
            text += body_terms
            words += name_words + body_words
            title_concepts |= name_concepts
            concepts |= body_concepts
        for language, name in source.category_names:  # category names in every language, as plain words
            text += self.analyse(name, language, plain=True)[0]
        store_terms, store_words, _ = self.analyse(source.store_name, source.store_language)
        origin_terms, origin_words, origin_concepts = self.analyse(source.origin, source.original_language)
        text += store_terms + origin_terms
        words += store_words + origin_words
        concepts |= origin_concepts | {f"country-{source.country.lower()}"}
        title += [concept_token(c) for c in sorted(title_concepts)]
        text += [concept_token(c) for c in sorted(concepts - title_concepts)]
        document = SearchDocument(
            id=source.id,
            title=tuple(title),
            text=tuple(text),
            words=tuple(dict.fromkeys(words)),
            languages=tuple(sorted({language for language, _name, _description in source.texts})),
            country=source.country,
            category=source.category,
            store_id=source.store_id,
            price=source.price,
            price_band=price_band(source.price),
            published=source.published,
            campaign=source.campaign,
            in_festival=source.in_festival,
            rating=source.rating,
            reviews=source.reviews,
        )
        return _stamped(document)


def _terms_and_concepts(text: str, language: str, glossary: Glossary) -> Analysis:
    tokens = tokenize(text, language, search_mode=True)
    plain = tokens if not any(t.start < p.end for p, t in zip(tokens, tokens[1:], strict=False)) else (
        tokenize(text, language)
    )
    words = [t.fold for t in plain if not t.stop and len(t.fold) > 1]
    return tuple(index_terms(tokens)), tuple(words), frozenset(glossary.concepts_in(plain, language))


def _stamped(document: SearchDocument) -> SearchDocument:
    digest = hashlib.blake2b(repr(document).encode(), digest_size=10).hexdigest()
    return SearchDocument(**{**document.__dict__, "stamp": digest})


def build_document(product: Product, glossary: Glossary, rates: RateTable, extra: Mapping[str, Any]) -> SearchDocument:
    """The index document of a visible product (texts, category names and store loaded)."""
    return DocumentBuilder(glossary, cache_size=0).document(product_source(product, rates, extra))


def product_sources(products: Sequence[Product], rates: RateTable) -> list[ProductSource]:
    """Sources of `products`, with the fields registered hooks provide."""
    extra: dict[int, dict[str, Any]] = {p.id: {} for p in products}
    for hook in current_app.extensions.get("search_index_hooks", []):
        for product_id, fields in hook(products).items():
            if product_id in extra:
                extra[product_id].update({k: v for k, v in fields.items() if k in HOOK_FIELDS})
    return [product_source(p, rates, extra[p.id]) for p in products]


def build_documents(products: Sequence[Product], glossary: Glossary, rates: RateTable,
                    builder: DocumentBuilder | None = None) -> list[SearchDocument]:
    """Index documents for `products`, with the fields registered hooks provide."""
    builder = builder or DocumentBuilder(glossary)
    return [builder.document(source) for source in product_sources(products, rates)]
