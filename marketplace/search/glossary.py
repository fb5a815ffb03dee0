"""The cross-language glossary: the campaign's product vocabulary as concepts with terms in six languages.

A text mentioning "beurre de karité", "shea butter", "زبدة الشيا" or "乳木果油" is indexed under the
concept token `§shea-butter` (and its broader `§shea`), and a query in any of those languages is
expanded to the same token: that is how a shopper finds a product written in another language.
The data lives in `glossary.tsv` next to this module; country names come from Babel.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale

from marketplace.search.analyzers import (
    Token,
    add_chinese_words,
    content_tokens,
    fold,
    is_arabic,
    is_chinese,
    stem,
)
from marketplace.search.analyzers import tokenize as analyse

GLOSSARY_PATH = Path(__file__).with_name("glossary.tsv")
LANGUAGES = ("en", "fr", "ar", "pt", "sw", "zh")
LATIN_STEMMED = ("en", "fr", "pt")
CONCEPT_PREFIX = "§"  # no analyzer ever produces this character, so shoppers cannot type a concept token
MAX_PHRASE = 6
# A Latin-script term of another language than the text's must be this long (letters) to count:
# short words collide across languages (French "or" is gold, Swahili "gari" a car).
MIN_CROSS_LANGUAGE_DOCUMENT = 5
MIN_CROSS_LANGUAGE_QUERY = 4
MIN_STEM = 4


class GlossaryError(ValueError):
    """The glossary file is malformed (a missing column, an unknown broader concept, a duplicate id)."""


@dataclass(frozen=True)
class Concept:
    id: str
    broader: tuple[str, ...]
    terms: dict[str, tuple[str, ...]]

    @property
    def token(self) -> str:
        return CONCEPT_PREFIX + self.id


@dataclass(frozen=True)
class PhraseMatch:
    start: int  # index into the content tokens
    end: int
    concepts: frozenset[str]
    text: str = ""  # the Chinese term found inside a token, when the match is one


@dataclass
class _Entry:
    concepts: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    length: int = 0
    script_bound: bool = False  # Chinese or Arabic script: the script says the language


def concept_token(concept_id: str) -> str:
    return CONCEPT_PREFIX + concept_id


def parse_glossary(text: str) -> list[Concept]:
    """The concepts of a glossary file's text; GlossaryError on a malformed line."""
    concepts: list[Concept] = []
    header_seen = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.rstrip("\n").split("\t")
        if not header_seen:
            header_seen = True
            if columns[0] == "concept":
                continue
        if len(columns) != 2 + len(LANGUAGES):
            raise GlossaryError(f"line {number}: expected {2 + len(LANGUAGES)} tab-separated columns")
        concept_id, broader = columns[0].strip(), columns[1].strip()
        terms = {}
        for language, cell in zip(LANGUAGES, columns[2:], strict=True):
            words = tuple(t.strip() for t in cell.split("|") if t.strip())
            if not words:
                raise GlossaryError(f"line {number}: {concept_id} has no {language} term")
            terms[language] = words
        concepts.append(Concept(concept_id, tuple(b.strip() for b in broader.split(",") if b.strip()), terms))
    return concepts


def country_concepts() -> list[Concept]:
    """A concept per African state, named in the six languages by Babel."""
    from marketplace.catalog.countries import AFRICAN_STATES

    locales = {lang: Locale.parse(lang) for lang in LANGUAGES}
    return [
        Concept(f"country-{code.lower()}", (), {
            lang: (locale.territories.get(code, code),) for lang, locale in locales.items()
        })
        for code, _currency, _region in AFRICAN_STATES
    ]


class Glossary:
    """Concepts and a phrase table for finding them in analysed text."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.concepts: dict[str, Concept] = {}
        for concept in concepts:
            if concept.id in self.concepts:
                raise GlossaryError(f"duplicate concept {concept.id!r}")
            self.concepts[concept.id] = concept
        for concept in self.concepts.values():
            for parent in concept.broader:
                if parent not in self.concepts:
                    raise GlossaryError(f"{concept.id}: unknown broader concept {parent!r}")
        self._ancestors: dict[str, frozenset[str]] = {}
        self._by_stem: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        self._by_fold: dict[tuple[str, ...], _Entry] = {}
        self._chinese: dict[str, list[tuple[str, str]]] = {}  # first character -> (term, concept), longest first
        self.words: set[str] = set()  # every folded word of every term, for spelling correction
        add_chinese_words(t for c in self.concepts.values() for t in c.terms.get("zh", ()))
        for concept in self.concepts.values():
            for language, terms in concept.terms.items():
                for term in terms:
                    self._add_term(concept.id, language, term)

    def _add_term(self, concept_id: str, language: str, term: str) -> None:
        if is_chinese(term):
            # Chinese is matched by substring: jieba may fuse a term with its neighbours ("红碎茶").
            folded = fold(term)
            entries = self._chinese.setdefault(folded[0], [])
            entries.append((folded, concept_id))
            entries.sort(key=lambda item: -len(item[0]))
            return
        tokens = content_tokens(analyse(term, language))
        if not tokens or len(tokens) > MAX_PHRASE:
            return
        self._by_stem.setdefault((language, tuple(t.stem for t in tokens)), set()).add(concept_id)
        entry = self._by_fold.setdefault(tuple(t.fold for t in tokens), _Entry())
        entry.concepts.add(concept_id)
        entry.languages.add(language)
        entry.length = sum(len(t.fold) for t in tokens)
        entry.script_bound = is_chinese(term) or is_arabic(term)
        self.words.update(t.fold for t in tokens if not is_chinese(t.fold))

    def ancestors(self, concept_id: str) -> frozenset[str]:
        """The concept and every broader concept above it."""
        if concept_id not in self._ancestors:
            found = {concept_id}
            for parent in self.concepts[concept_id].broader:
                found |= self.ancestors(parent)
            self._ancestors[concept_id] = frozenset(found)
        return self._ancestors[concept_id]

    def expand(self, concept_ids: Iterable[str]) -> set[str]:
        return {a for c in concept_ids for a in self.ancestors(c)}

    def match(
        self, tokens: Sequence[Token], language: str, other_languages: Sequence[str] = (),
        min_cross: int = MIN_CROSS_LANGUAGE_DOCUMENT,
    ) -> list[PhraseMatch]:
        """Glossary phrases in `tokens` (content tokens of a text in `language`), longest first, not overlapping.

        `other_languages` are tried with their own stemmers too (for queries, whose language is a guess).
        """
        views = [(language, [t.stem for t in tokens])]
        for other in other_languages:
            if other != language:
                views.append((other, [stem(t.text.casefold(), other) for t in tokens]))
        folds = [t.fold for t in tokens]
        matches, index = [], 0
        while index < len(tokens):
            if is_chinese(tokens[index].text):
                index = self._match_chinese(tokens, index, matches)
                continue
            found: set[str] = set()
            for length in range(min(MAX_PHRASE, len(tokens) - index), 0, -1):
                for view_language, stems in views:
                    key = tuple(stems[index:index + length])
                    concepts = self._by_stem.get((view_language, key))
                    if length == 1 and len(key[0]) < MIN_STEM:
                        concepts = None  # "como" and "comida" share the stem "com": short stems must match whole words
                    if concepts and (view_language == language or sum(map(len, key)) >= min_cross):
                        found |= concepts
                entry = self._by_fold.get(tuple(folds[index:index + length]))
                if entry and (entry.script_bound or language in entry.languages or entry.length >= min_cross):
                    found |= entry.concepts
                if found:
                    matches.append(PhraseMatch(index, index + length, frozenset(found)))
                    index += length
                    break
            else:
                index += 1
        return matches

    def _match_chinese(self, tokens: Sequence[Token], index: int, matches: list[PhraseMatch]) -> int:
        """Glossary terms inside the run of adjacent Chinese tokens starting at `index`; the index after it."""
        owners: list[int] = []  # token index of each character of the run
        end = index
        while end < len(tokens) and is_chinese(tokens[end].text) and (
            end == index or tokens[end].start == tokens[end - 1].end
        ):
            owners.extend([end] * len(tokens[end].fold))
            end += 1
        run = "".join(t.fold for t in tokens[index:end])
        position = 0
        while position < len(run):
            for term, concept_id in self._chinese.get(run[position], ()):
                if run.startswith(term, position):
                    last = position + len(term) - 1
                    matches.append(PhraseMatch(owners[position], owners[last] + 1, frozenset({concept_id}), term))
                    position = last
                    break
            position += 1
        return end

    def concepts_in(self, tokens: Sequence[Token], language: str) -> set[str]:
        """Every concept (with its broader ones) that a text's tokens mention."""
        found = [m.concepts for m in self.match(content_tokens(tokens), language)]
        return self.expand(c for concepts in found for c in concepts)

    def term(self, concept_id: str, language: str) -> str:
        """The concept's main term in `language` (English when it has none)."""
        terms = self.concepts[concept_id].terms
        return (terms.get(language) or terms["en"])[0]

    def terms(self, language: str) -> list[tuple[str, str]]:
        """(concept id, term) for every term in `language`, for search-box suggestions."""
        return [(c.id, t) for c in self.concepts.values() for t in c.terms.get(language, ())]


_lock = threading.Lock()
_glossary: Glossary | None = None


def get_glossary() -> Glossary:
    """The process's glossary, read from glossary.tsv (plus Babel's country names) on first use."""
    global _glossary
    if _glossary is None:
        with _lock:
            if _glossary is None:
                concepts = parse_glossary(GLOSSARY_PATH.read_text(encoding="utf-8")) + country_concepts()
                _glossary = Glossary(concepts)
    return _glossary
