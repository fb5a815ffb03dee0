"""A shopper's query, safely: words only, bounded in size, expanded through the glossary.

There is no query syntax. Field syntax (`status:draft`), wildcards, quotes, operators and control
characters are just punctuation between words, so nothing a shopper types reaches a backend's parser,
and a 10 KB paste costs no more than its first few words.
"""
from __future__ import annotations

from dataclasses import dataclass

from marketplace.search.analyzers import Token, clean, content_tokens, is_arabic, is_chinese, stem, tokenize
from marketplace.search.glossary import LATIN_STEMMED, MIN_CROSS_LANGUAGE_QUERY, Glossary, concept_token
from marketplace.search.port import QueryUnit

MAX_QUERY_CHARS = 200  # of the cleaned text; the rest is ignored
MAX_UNITS = 8
OPERATORS = frozenset({"OR", "AND", "NOT"})  # typed by habit; meaningless here, so dropped


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # what is searched for, as shown back to the shopper
    units: tuple[QueryUnit, ...]
    words: tuple[str, ...]  # folded words typed (Latin and Arabic script), for spelling corrections
    terms: frozenset[str]  # every index term the query can match, for highlighting


def shorten(text: str) -> str:
    """The query text cleaned of control characters, with runs of spaces collapsed, at most MAX_QUERY_CHARS."""
    return " ".join(clean(text[: MAX_QUERY_CHARS * 4]).split())[:MAX_QUERY_CHARS]


def word_terms(token: Token, language: str) -> tuple[str, ...]:
    """The index terms a typed word matches: its stem and folded form, plus its stems in the other Latin languages."""
    terms = [token.stem, token.fold]
    if not is_chinese(token.text) and not is_arabic(token.text):
        for other in LATIN_STEMMED:
            other_stem = stem(token.text.casefold(), other)
            if len(other_stem) >= 4:
                terms.append(other_stem)
    return tuple(dict.fromkeys(t for t in terms if t))


def parse_query(text: str, language: str, glossary: Glossary) -> ParsedQuery:
    """`text` as units to match: a glossary phrase matches its concept or its words, another word its terms."""
    text = shorten(text or "")
    tokens = [t for t in tokenize(text, language) if t.text not in OPERATORS]
    words = content_tokens(tokens) or tokens
    by_start: dict[int, list] = {}
    for found in glossary.match(words, language, LATIN_STEMMED, MIN_CROSS_LANGUAGE_QUERY):
        by_start.setdefault(found.start, []).append(found)
    units: list[QueryUnit] = []
    index = 0
    while index < len(words) and len(units) < MAX_UNITS:
        group = by_start.get(index)
        if not group:
            token = words[index]
            units.append(QueryUnit(word_terms(token, language), words=(token.fold,)))
            index += 1
            continue
        match = group[0]
        span = words[match.start:match.end]
        concepts = tuple(sorted(concept_token(c) for c in match.concepts))
        if match.text:  # a Chinese term inside a longer word
            units.append(QueryUnit(concepts + (match.text,), words=()))
        elif len(span) == 1:
            units.append(QueryUnit(concepts + word_terms(span[0], language), words=(span[0].fold,)))
        else:
            groups = tuple(word_terms(t, language) for t in span)
            units.append(QueryUnit(concepts, groups, tuple(t.fold for t in span)))
        for other in group[1:]:  # several Chinese terms inside one word: each must match
            units.append(QueryUnit(tuple(sorted(concept_token(c) for c in other.concepts)) + (other.text,)))
        index = max(m.end for m in group)
    units = list(dict.fromkeys(units))
    terms = {t for u in units for t in u.any_of} | {t for u in units for g in u.all_of for t in g}
    spelled = tuple(t.fold for t in words if not is_chinese(t.text) and len(t.fold) >= 4)
    return ParsedQuery(text, tuple(units), spelled, frozenset(terms))
