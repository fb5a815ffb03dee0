"""PostgresIndex: the SearchIndex Protocol over tables in the application's PostgreSQL database.

Terms arrive analysed (analyzers.py: Snowball stems, accent folding, Arabic normalisation, jieba for
Chinese, glossary concepts), so both backends match the very same strings. A query's units become one
`tsquery` of quoted lexemes (nothing reaches PostgreSQL's text parser); the GIN index on `body` finds
the candidates, which are counted for the total and facets in one grouped pass and ranked by Whoosh's
BM25 formula (names count twice), bounded to the page plus the re-ranked extra. Spelling candidates
come from a trigram index over the words, suggestions from a byte-ordered range of them, and a Chinese
word the index does not know (jieba cut the text differently) is looked for inside the Chinese words
of each product, also through a trigram index.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from marketplace.search.analyzers import is_chinese
from marketplace.search.port import (
    RATING_FACET_STARS,
    FacetValue,
    MatchMode,
    QueryUnit,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    SortOrder,
)
from marketplace.search.postgres.writing import TERM, WORD, Writer, idf, lexeme
from marketplace.search.ranking import RERANK_EXTRA, boosted
from marketplace.search.spelling import Words, distance

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults, as the Whoosh backend scores
TRIGRAM_THRESHOLD = "0.15"  # low: a swap in a short word ("hoeny") shares few trigrams with the word
SUGGEST_CANDIDATES = 400
SORTS = {
    SortOrder.PRICE_LOW: "d.price, d.product_id",
    SortOrder.PRICE_HIGH: "d.price DESC, d.product_id",
    SortOrder.NEWEST: "d.published DESC, d.product_id DESC",
    SortOrder.RATING: "d.rating DESC, d.reviews DESC, d.product_id",
}
CATALOGUE_ORDER = "d.campaign DESC, d.published DESC, d.product_id DESC"
FACET_COLUMNS = {"country": "country", "category": "category", "price_band": "price_band",
                 "in_festival": "in_festival"}
# GROUPING(country, category, price_band, in_festival) of each grouping set: a set's own column is 0.
GROUPING_OF = {"": 15, "country": 7, "category": 11, "price_band": 13, "in_festival": 14}
# The values a page row carries: product_id, price, published, languages, campaign, length, rating, reviews,
# and the term frequencies exact ranking reads.
PAGE_COLUMNS = 9
COUNT_COLUMNS = 6  # the total, each facet column's count, and the rating facet's count


def like_pattern(term: str) -> str:
    """A LIKE pattern finding `term` anywhere in a text."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class Plan:
    """A query turned into SQL: the match condition, its parameters and the scored terms."""

    condition: str
    params: dict
    scored: list[tuple[str, float]]  # (term, idf)
    units: list[tuple[str, float]] = field(default_factory=list)  # (parameter of a unit's tsquery, its idf)


class PostgresIndex:
    """Search documents in PostgreSQL tables, shared by every web machine using the database."""

    def __init__(self, engine: Callable[[], Engine], lock_timeout: float = 2.0) -> None:
        self.engine = engine
        self._writer = Writer(engine, lock_timeout)
        self._extra: tuple[Iterable[str], Words] | None = None

    # --- writing -----------------------------------------------------------------------------

    def index(self, documents: Sequence[SearchDocument]) -> None:
        self._writer.index(documents)

    def remove(self, ids: Iterable[int]) -> None:
        self._writer.remove(ids)

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        return self._writer.rebuild(documents)

    # --- searching ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        with self.engine().connect() as connection:
            documents, total_length, frequencies = connection.execute(text("""
                SELECT s.documents, s.total_length,
                       (SELECT json_object_agg(term, documents) FROM search_terms
                        WHERE kind = :kind AND term = ANY(CAST(:terms AS text[])))
                FROM (SELECT 1) AS one LEFT JOIN search_state s ON TRUE
            """), {"kind": TERM, "terms": sorted({t for u in query.units for t in _terms(u)})}).one()
            plan = self._plan(query, frequencies or {}, documents or 0)
            if plan is None:
                return SearchResult([], 0, {name: [] for name in query.facets})
            average = total_length / documents if documents else 1.0
            limit = max(query.page, 1) * query.per_page
            rows = connection.execute(*self._statement(plan, query, limit)).all()
        total, facets = _counts(rows, query)
        hits = self._order([row[-PAGE_COLUMNS:] for row in rows if row[0] == "page"], plan, query, average, limit)
        return SearchResult(hits[limit - query.per_page:limit], total, facets)

    def _plan(self, query: SearchQuery, frequencies: dict[str, int], documents: int) -> Plan | None:
        """The match condition of the query's units, or None when nothing can match."""
        if not query.units:
            return Plan("TRUE", {}, [])
        params: dict = {}
        conditions: list[str] = []
        units: list[tuple[str, float]] = []
        for number, unit in enumerate(query.units):
            known = _unit_query(unit, frequencies)
            parts = []
            if known:
                params[f"u{number}"] = known
                parts.append(f"d.body @@ CAST(:u{number} AS tsquery)")
                units.append((f"u{number}", idf(documents, min(f for t in _terms(unit) if (f := frequencies.get(t))))))
            for position, term in enumerate(t for t in unit.any_of if _fallback(t, frequencies)):
                params[f"c{number}_{position}"] = like_pattern(term)
                parts.append(f"d.cjk LIKE :c{number}_{position}")
            if parts:
                conditions.append("(" + " OR ".join(parts) + ")")
            elif query.mode is MatchMode.ALL:
                return None  # a unit nothing carries: no document has every unit
        if not conditions:
            return None
        joiner = " AND " if query.mode is MatchMode.ALL else " OR "
        scored = [(t, idf(documents, f)) for t, f in sorted(frequencies.items()) if f]
        return Plan("(" + joiner.join(conditions) + ")", params, scored, units)

    def _statement(self, plan: Plan, query: SearchQuery, limit: int) -> tuple:
        """One statement over one scan of the matches: the total and facet counts (a row per value), and the
        first rows in the query's order, with the term frequencies exact ranking reads.

        For relevance, the GIN index finds the matches and a cheap estimate (one check of the names' small
        vector per query unit, weighted by rarity, then the shortest texts, as BM25 favours them) keeps the
        best few; Whoosh's BM25 over the term frequencies (the positions in `body`, unpacked for those few
        rows only) orders them.
        """
        params = {**plan.params, **{f"f_{name}": value for name, value in query.filters.active().items()}}
        relevance = bool(query.units) and query.sort is SortOrder.RELEVANCE and bool(plan.scored)
        if relevance:
            estimate = [f"CASE WHEN d.title @@ CAST(:{name} AS tsquery) THEN {weight!r} ELSE 0 END"
                        for name, weight in plan.units] or ["0"]
            order = "estimate DESC, length, product_id"
            params.update(terms=[term for term, _weight in plan.scored], rows=candidates(limit))
            frequencies = ("(SELECT json_object_agg(u.lexeme, array_length(u.positions, 1)) FROM unnest(d.body) u "
                           "WHERE u.lexeme = ANY(CAST(:terms AS text[])))")
        else:
            estimate = ["0"]
            order = SORTS.get(query.sort, CATALOGUE_ORDER).replace("d.", "")
            if query.units and query.sort is SortOrder.RELEVANCE:
                order = "product_id"  # nothing to score (only the Chinese fallback matched)
            params["rows"] = limit
            frequencies = "NULL"
        counts = ", ".join(f"count(*) FILTER (WHERE {condition})" if condition else "count(*)"
                           for condition in (_filter_sql(query, skip=name or None, alias="m")
                                             for name in ("", *FACET_COLUMNS)))
        rated = " AND ".join(filter(None, (_filter_sql(query, skip="min_rating", alias="m"),
                                           f"m.rating >= {RATING_FACET_STARS * 10}")))
        counts += f", count(*) FILTER (WHERE {rated})"
        filters = _filter_sql(query, alias="m") or "TRUE"
        statement = text(f"""
            WITH m AS MATERIALIZED (
                SELECT d.product_id, d.country, d.category, d.price_band, d.in_festival, d.price, d.published,
                       d.campaign, d.length, d.rating, d.reviews, {" + ".join(estimate)} AS estimate
                FROM search_documents d WHERE {plan.condition}
            ), first_rows AS (
                SELECT product_id FROM m WHERE {filters} ORDER BY {order} LIMIT :rows
            )
            SELECT 'counts', GROUPING(country, category, price_band, in_festival), country, category, price_band,
                   in_festival, {counts}, {", ".join(["NULL"] * PAGE_COLUMNS)}
            FROM m GROUP BY GROUPING SETS ((), (country), (category), (price_band), (in_festival))
            UNION ALL
            SELECT 'page', {", ".join(["NULL"] * (5 + COUNT_COLUMNS))},
                   d.product_id, d.price, d.published, d.languages, d.campaign, d.length, d.rating, d.reviews,
                   {frequencies}
            FROM first_rows f JOIN search_documents d ON d.product_id = f.product_id
        """)
        return statement, params

    def _order(self, rows: list, plan: Plan, query: SearchQuery, average: float, limit: int) -> list[SearchHit]:
        """The first `limit` hits: in the statement's order, or for relevance by BM25 and then the boosts."""
        if not query.units or query.sort is not SortOrder.RELEVANCE or not plan.scored:
            return [SearchHit(int(row[0]), 0.0) for row in sorted(rows, key=_sort_key(query))]
        weights = dict(plan.scored)
        scored = sorted(((bm25(query, tf or {}, weights, K1 * ((1 - B) + B * length / (average or 1.0))), product_id,
                          languages, campaign) for product_id, _price, _published, languages, campaign, length,
                         _rating, _reviews, tf in rows),
                        key=lambda item: (-item[0], item[1]))[:limit + RERANK_EXTRA]
        ranked = sorted(((boosted(score, query.language in languages.split(","), campaign), product_id)
                         for score, product_id, languages, campaign in scored), key=lambda item: (-item[0], item[1]))
        return [SearchHit(int(product_id), round(score, 4)) for score, product_id in ranked[:limit]]

    # --- words -------------------------------------------------------------------------------

    def suggest(self, prefix: str, limit: int = 10) -> list[tuple[str, int]]:
        if not prefix:
            return []
        with self.engine().connect() as connection:
            rows = connection.execute(text("""
                SELECT term, documents FROM search_terms
                WHERE kind = :kind AND term >= :prefix AND term < :beyond ORDER BY term LIMIT :limit
            """), {"kind": WORD, "prefix": prefix, "beyond": prefix + "\U0010ffff", "limit": SUGGEST_CANDIDATES}).all()
        ranked = sorted(((word, count) for word, count in rows if word.startswith(prefix)),
                        key=lambda item: (-item[1], len(item[0]), item[0]))
        return ranked[:limit]

    def document_counts(self, terms: Sequence[str]) -> dict[str, int]:
        with self.engine().connect() as connection:
            found = dict(connection.execute(text(
                "SELECT term, documents FROM search_terms WHERE kind = :kind AND term = ANY(CAST(:terms AS text[]))"
            ), {"kind": TERM, "terms": sorted(set(terms))}).all())
        return {t: found.get(t, 0) for t in terms}

    def correct(self, words: Sequence[str], vocabulary: Iterable[str] = ()) -> dict[str, str]:
        if self._extra is None or self._extra[0] is not vocabulary:
            self._extra = (vocabulary, Words((word, 0) for word in vocabulary))
        extra = self._extra[1]
        corrections: dict[str, str] = {}
        with self.engine().connect() as connection:
            for word in dict.fromkeys(words):
                if len(word) < 4 or extra.has(word) or self._word_count(connection, word):
                    continue
                limit = 1 if len(word) <= 5 else 2
                counts = self._near(connection, word, limit)
                candidates = set(counts) | set(extra.near(word, limit))
                if candidates:
                    corrections[word] = min(candidates, key=lambda w: (distance(w, word), -counts.get(w, 0), w))
        return corrections

    def _word_count(self, connection, word: str) -> int:
        return connection.execute(text("SELECT documents FROM search_terms WHERE kind = :kind AND term = :word"),
                                  {"kind": WORD, "word": word}).scalar() or 0

    def _near(self, connection, word: str, limit: int) -> dict[str, int]:
        """Indexed words with the same first letter at most `limit` edits from `word`, with their counts."""
        # Local to the connection's transaction, which ends (rolled back) when the connection is returned.
        connection.execute(text("SELECT set_config('pg_trgm.similarity_threshold', :threshold, true)"),
                           {"threshold": TRIGRAM_THRESHOLD})
        rows = connection.execute(text("""
            SELECT term, documents FROM search_terms
            WHERE kind = :kind AND term % :word AND term >= :first AND term < :beyond
              AND length(term) BETWEEN :shortest AND :longest
        """), {"kind": WORD, "word": word, "first": word[0], "beyond": word[0] + "\U0010ffff",
               "shortest": len(word) - limit, "longest": len(word) + limit}).all()
        return {term: count for term, count in rows if distance(term, word) <= limit}

    # --- state -------------------------------------------------------------------------------

    def stamps(self) -> dict[int, str]:
        with self.engine().connect() as connection:
            return dict(connection.execute(text("SELECT product_id, stamp FROM search_documents")).all())

    def count(self) -> int:
        with self.engine().connect() as connection:
            return int(connection.execute(text("SELECT documents FROM search_state")).scalar() or 0)

    def version(self) -> str:
        with self.engine().connect() as connection:
            state = connection.execute(text("SELECT token, generation FROM search_state")).first()
        return f"pg:{state[0]}:{state[1]}" if state else "pg:empty"

    def outdated(self) -> bool:
        return False  # the tables' form is the migrations' business


def candidates(limit: int) -> int:
    """How many matches the estimate hands to exact ranking for the first `limit` results: those re-ranked
    with the boosts, twice over (the estimate ignores how often a term occurs)."""
    return 2 * (limit + RERANK_EXTRA) + 50


def bm25(query: SearchQuery, frequencies: dict[str, int], weights: dict[str, float], norm: float) -> float:
    """Whoosh's BM25F score of a document for the query, as the Whoosh backend computes it: a unit adds the
    scores of its terms the document has, and of its groups when the document has every group."""

    def terms(found: Iterable[str]) -> tuple[bool, float]:
        score, matched = 0.0, False
        for term in dict.fromkeys(found):
            frequency = frequencies.get(term, 0)
            if frequency and term in weights:
                matched = True
                score += weights[term] * frequency * (K1 + 1) / (frequency + norm)
        return matched, score

    total = 0.0
    for unit in query.units:
        total += terms(unit.any_of)[1]
        if unit.all_of:
            groups = [terms(group) for group in unit.all_of]
            if all(matched for matched, _score in groups):
                total += sum(score for _matched, score in groups)
    return total


def _terms(unit: QueryUnit) -> list[str]:
    return [*unit.any_of, *(t for group in unit.all_of for t in group)]


def _unit_query(unit: QueryUnit, frequencies: dict[str, int]) -> str:
    """A unit as tsquery text over the terms some document has: any of its terms, or every group."""
    parts = []
    known = [lexeme(t) for t in dict.fromkeys(unit.any_of) if frequencies.get(t)]
    if known:
        parts.append(" | ".join(known))
    groups = [[lexeme(t) for t in dict.fromkeys(group) if frequencies.get(t)] for group in unit.all_of]
    if groups and all(groups):
        parts.append(" & ".join("(" + " | ".join(group) + ")" for group in groups))
    return " | ".join(f"({part})" for part in parts)


def _fallback(term: str, frequencies: dict[str, int]) -> bool:
    """Whether a query term is looked for inside the products' Chinese words: a Chinese term the index does
    not know, of three characters or more (shorter ones would read every row: no trigram to look up)."""
    return is_chinese(term) and len(term) >= 3 and not frequencies.get(term)


def _sort_key(query: SearchQuery) -> Callable[[tuple], tuple]:
    """The order of SORTS (or the catalogue's) over the statement's page rows, as Python sorts them."""
    if query.sort is SortOrder.PRICE_LOW:
        return lambda row: (row[1], row[0])
    if query.sort is SortOrder.PRICE_HIGH:
        return lambda row: (-row[1], row[0])
    if query.sort is SortOrder.NEWEST:
        return lambda row: (-row[2], -row[0])
    if query.sort is SortOrder.RATING:
        return lambda row: (-row[6], -row[7], row[0])
    if query.units:
        return lambda row: row[0]  # relevance with nothing to score (only the Chinese fallback matched)
    return lambda row: (not row[4], -row[2], -row[0])


def _counts(rows: list, query: SearchQuery) -> tuple[int, dict[str, list[FacetValue]]]:
    """The total under every filter, and each facet's counts under every filter but its own, from the
    statement's grouped rows (one per facet value, told apart by their GROUPING number)."""
    total = 0
    found: dict[str, dict[str, int]] = {name: {} for name in (*FACET_COLUMNS, "rating")}
    for row in rows:
        if row[0] != "counts":
            continue
        grouping = row[1]
        if grouping == GROUPING_OF[""]:
            total = row[6]
            found["rating"] = {str(RATING_FACET_STARS): row[6 + COUNT_COLUMNS - 1]}
            continue
        for position, name in enumerate(FACET_COLUMNS, 1):
            if grouping == GROUPING_OF[name]:
                value = row[1 + position]
                value = ("true" if value else "false") if name == "in_festival" else value
                found[name][value] = row[6 + position]
    facets = {name: [FacetValue(value, count) for value, count in
                     sorted(found[name].items(), key=lambda item: (-item[1], item[0])) if count]
              for name in query.facets}
    return total, facets


def _filter_sql(query: SearchQuery, skip: str | None = None, alias: str = "d") -> str:
    """The active filters except the facet `skip`, as a condition on `alias` (empty when none)."""
    conditions = []
    for name in query.filters.active():
        if name == skip:
            continue
        if name == "min_price":
            conditions.append(f"{alias}.price >= :f_min_price")
        elif name == "max_price":
            conditions.append(f"{alias}.price <= :f_max_price")
        elif name == "min_rating":
            conditions.append(f"{alias}.rating >= 10 * :f_min_rating")
        else:
            conditions.append(f"{alias}.{name} = :f_{name}")
    return " AND ".join(conditions)
