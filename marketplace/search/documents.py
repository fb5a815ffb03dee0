"""What the index holds for a product: analysed terms of its texts, concepts, and facet values."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
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

# A hook sees the products being indexed and returns field values per product id; the campaign's
# festivals will fill `in_festival` this way.
IndexHook = Callable[[Sequence[Product]], Mapping[int, Mapping[str, Any]]]
HOOK_FIELDS = frozenset({"in_festival"})


def register_index_hook(app: Flask, hook: IndexHook) -> None:
    """Let `hook` set indexed fields (only `in_festival` today) of every product indexed from now on."""
    app.extensions.setdefault("search_index_hooks", []).append(hook)


def price_band(usd_cents: int) -> str:
    for name, low, high in PRICE_BANDS:
        if usd_cents >= low and (high is None or usd_cents < high):
            return name
    return PRICE_BANDS[-1][0]


def usd_cents(product: Product, rates: RateTable) -> int:
    """The product's regular price in US cents, or 0 when no rate links its currency to the dollar."""
    converted = rates.convert(product.price, "USD")
    if product.currency == "USD":
        return product.price_amount
    return converted.amount if converted is not None else 0


def _terms_and_concepts(text: str, language: str, glossary: Glossary) -> tuple[list[str], list[str], set[str]]:
    """(index terms, folded words, concepts) of one text."""
    tokens = tokenize(text, language, search_mode=True)
    plain = tokens if not any(t.start < p.end for p, t in zip(tokens, tokens[1:], strict=False)) else (
        tokenize(text, language)
    )
    words = [t.fold for t in plain if not t.stop and len(t.fold) > 1]
    return index_terms(tokens), words, glossary.concepts_in(plain, language)


def build_document(product: Product, glossary: Glossary, rates: RateTable, extra: Mapping[str, Any]) -> SearchDocument:
    """The index document of a visible product (texts, category names and store loaded)."""
    title: list[str] = []
    text: list[str] = []
    words: list[str] = []
    concepts: set[str] = set(EVERY_PRODUCT_CONCEPTS)
    title_concepts: set[str] = set()
    for entry in sorted(product.texts, key=lambda t: t.language):
        name_terms, name_words, name_concepts = _terms_and_concepts(entry.name, entry.language, glossary)
        body_terms, body_words, body_concepts = _terms_and_concepts(entry.description, entry.language, glossary)
        title += name_terms
        text += body_terms
        words += name_words + body_words
        title_concepts |= name_concepts
        concepts |= body_concepts
    for entry in product.category.texts:  # category names in every language, as plain words
        text += index_terms(tokenize(entry.name, entry.language))
    store_terms, store_words, _ = _terms_and_concepts(product.store.name, product.store.original_language, glossary)
    origin_terms, origin_words, origin_concepts = _terms_and_concepts(
        product.origin or "", product.original_language, glossary
    )
    text += store_terms + origin_terms
    words += store_words + origin_words
    concepts |= origin_concepts | {f"country-{product.store.country_code.lower()}"}
    title += [concept_token(c) for c in sorted(title_concepts)]
    text += [concept_token(c) for c in sorted(concepts - title_concepts)]
    price = usd_cents(product, rates)
    published = product.published_at or product.created_at
    document = SearchDocument(
        id=product.id,
        title=tuple(title),
        text=tuple(text),
        words=tuple(dict.fromkeys(words)),
        languages=tuple(sorted({t.language for t in product.texts})),
        country=product.store.country_code,
        category=product.category.slug,
        store_id=product.store_id,
        price=price,
        price_band=price_band(price),
        published=int(published.timestamp()) if published else 0,
        campaign=bool(product.is_campaign),
        in_festival=bool(extra.get("in_festival", False)),
    )
    return _stamped(document)


def _stamped(document: SearchDocument) -> SearchDocument:
    digest = hashlib.blake2b(repr(document).encode(), digest_size=10).hexdigest()
    return SearchDocument(**{**document.__dict__, "stamp": digest})


def build_documents(products: Sequence[Product], glossary: Glossary, rates: RateTable) -> list[SearchDocument]:
    """Index documents for `products`, with the fields registered hooks provide."""
    extra: dict[int, dict[str, Any]] = {p.id: {} for p in products}
    for hook in current_app.extensions.get("search_index_hooks", []):
        for product_id, fields in hook(products).items():
            if product_id in extra:
                extra[product_id].update({k: v for k, v in fields.items() if k in HOOK_FIELDS})
    return [build_document(p, glossary, rates, extra[p.id]) for p in products]
