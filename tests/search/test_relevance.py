"""Relevance on the demo seed: queries in six languages and what must appear in their top 5.

The set is tests/search/relevance_queries.tsv. Products are written in their vendor's language only
(plus en/fr/zh for two in five), so most of these queries succeed only through the glossary.
Thresholds: every query must have a relevant product in its top 5 (that is the requirement), the
mean reciprocal rank must stay at or above 0.9 (the first relevant product is, on average, first or
second) and precision@5 at or above 0.75. Measured when the set was written: MRR 1.00, P@5 0.86
(see README); P@5 cannot reach 1 where fewer than five products fit (one kente stole type). The
margins allow for seed-data edits while still failing when an analyzer or the glossary regresses.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.catalog.models import Category, Product
from marketplace.extensions import db
from marketplace.search.catalogue import SearchRequest, search_ids

QUERIES = Path(__file__).with_name("relevance_queries.tsv")
MIN_MRR = 0.9
MIN_PRECISION = 0.75


def load_queries() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("query\t"):
            continue
        query, lang, relevant = line.split("\t")
        rows.append((query, lang, relevant.split("|")))
    return rows


def is_relevant(slug: str, category: str, relevant: list[str]) -> bool:
    return any(category == r.split(":", 1)[1] if r.startswith("category:") else slug.startswith(r) for r in relevant)


def judge(app) -> list[dict]:
    results = []
    with app.app_context():
        categories = dict(db.session.execute(select(Category.id, Category.slug)).all())
        for query, lang, relevant in load_queries():
            outcome = search_ids(SearchRequest(query, lang, per_page=5))
            rows = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(outcome.ids)))}
            marks = [is_relevant(rows[i].slug, categories[rows[i].category_id], relevant) for i in outcome.ids]
            first = next((rank for rank, ok in enumerate(marks, 1) if ok), None)
            results.append({"query": query, "lang": lang, "precision": sum(marks) / 5,
                            "rr": 1 / first if first else 0.0, "top": [rows[i].slug for i in outcome.ids]})
    return results


def test_the_relevance_set_is_large_and_covers_six_languages():
    queries = load_queries()
    assert len(queries) >= 60
    assert {lang for _q, lang, _r in queries} == {"en", "fr", "ar", "pt", "sw", "zh"}


@pytest.fixture(scope="module")
def judged(demo_app):
    return judge(demo_app)


def test_every_query_finds_a_relevant_product_in_its_top_5(judged):
    misses = [(r["query"], r["lang"], r["top"]) for r in judged if r["rr"] == 0]
    assert misses == []


def test_mean_reciprocal_rank_and_precision_at_5(judged, capsys):
    mrr = sum(r["rr"] for r in judged) / len(judged)
    precision = sum(r["precision"] for r in judged) / len(judged)
    with capsys.disabled():
        print(f"\nrelevance: {len(judged)} queries, MRR {mrr:.3f}, precision@5 {precision:.3f}")
    assert mrr >= MIN_MRR
    assert precision >= MIN_PRECISION
