"""Whoosh's BM25F computed over whole posting lists with numpy."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from whoosh.util.numeric import byte_to_length

from marketplace.search.port import QueryUnit

if TYPE_CHECKING:
    from marketplace.search.whoosh.postings import View

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
# A stored length byte (Whoosh keeps field lengths on a logarithmic scale) to the length it stands for.
LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)

Postings = Callable[["View", str], tuple[np.ndarray, np.ndarray]]
Part = tuple[np.ndarray, np.ndarray]


def length_norms(lengths: np.ndarray, average: float) -> np.ndarray:
    """Each document's BM25 length normalisation for the searcher's average length."""
    return K1 * ((1 - B) + B * lengths / (average or 1))


class Scorer:
    """Whoosh's BM25F over whole posting lists at once: a part of a query is a pair of arrays over every
    document of the searcher (matches, and scores that are 0 where nothing matched), so a query costs a
    few array operations per term instead of Python calls per posting. Scores equal Whoosh's own (an Or
    adds the scores of the parts that match, an And those of all its parts)."""

    def __init__(self, view: View, postings: Postings) -> None:
        self.view, self.postings = view, postings

    def term_scores(self, term: str) -> Part:
        """The documents with `term` and their scores for it."""
        ids, frequencies = self.postings(self.view, term)
        if not len(ids):
            return ids, frequencies
        idf = math.log(self.view.size / (len(ids) + 1)) + 1  # len(ids): Whoosh's document frequency
        return ids, idf * ((frequencies * (K1 + 1)) / (frequencies + self.view.norm[ids]))

    def any_term(self, terms: Sequence[str]) -> Part:
        """Documents with any of `terms`, scored by the sum of the terms they have."""
        found = np.zeros(self.view.size, dtype=bool)
        score = np.zeros(self.view.size)
        for term in dict.fromkeys(terms):
            ids, scores = self.term_scores(term)
            found[ids] = True
            score[ids] += scores  # a term's ids are distinct
        return found, score

    def unit(self, unit: QueryUnit) -> Part:
        """A query unit: any of its terms, or all of its groups."""
        parts = [self.any_term(unit.any_of)] if unit.any_of else []
        if unit.all_of:
            parts.append(self.both([self.any_term(group) for group in unit.all_of]))
        return self.either(parts)

    def both(self, parts: Sequence[Part]) -> Part:
        """Documents matching every part, scored by the sum of the parts."""
        found, score = parts[0][0].copy(), parts[0][1].copy()
        for other_found, other_score in parts[1:]:
            found &= other_found
            score += other_score
        score[~found] = 0.0
        return found, score

    def either(self, parts: Sequence[Part]) -> Part:
        """Documents matching any part, scored by the sum of the parts they match."""
        if len(parts) == 1:
            return parts[0]
        found, score = parts[0][0].copy(), parts[0][1].copy()
        for other_found, other_score in parts[1:]:
            found |= other_found
            score += other_score
        return found, score
