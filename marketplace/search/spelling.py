"""Words for suggestions and spelling corrections: a sorted word list in memory, and edit distance."""
from __future__ import annotations

import bisect
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA


class Words:
    """A sorted list of words with how many documents have each, for completing a prefix and for finding
    the words a typo is near without looking words up in the index's term file one by one."""

    def __init__(self, counted: Iterable[tuple[str, int]]) -> None:
        pairs = sorted(dict(counted).items())
        self.words = [word for word, _count in pairs]
        self.counts = [count for _word, count in pairs]

    def _range(self, prefix: str) -> tuple[int, int]:
        low = bisect.bisect_left(self.words, prefix)
        return low, bisect.bisect_left(self.words, prefix + "\U0010ffff", low)

    def count(self, word: str) -> int:
        """How many documents have `word` (0 when none)."""
        low, high = self._range(word)
        return self.counts[low] if low < high and self.words[low] == word else 0

    def has(self, word: str) -> bool:
        """Whether `word` is one of the words."""
        low, high = self._range(word)
        return low < high and self.words[low] == word

    def starting(self, prefix: str, limit: int | None = None) -> list[tuple[str, int]]:
        """The first `limit` words starting with `prefix`, in order, with their counts."""
        low, high = self._range(prefix)
        high = high if limit is None else min(high, low + limit)
        return list(zip(self.words[low:high], self.counts[low:high], strict=True))

    def near(self, word: str, limit: int) -> list[str]:
        """Words with the same first letter at most `limit` edits from `word` (a swap of two neighbouring
        letters is one edit), compared in C: a Levenshtein automaton walked in Python over Whoosh's term
        file cost 40 ms a word at 100,000 products."""
        low, high = self._range(word[:1])
        block = self.words[low:high]
        return [found for found, _edits, _position in
                process.extract(word, block, scorer=OSA.distance, score_cutoff=limit, limit=None)]


def distance(a: str, b: str) -> int:
    """Edits between two words, a swap of neighbouring letters counting as one."""
    return OSA.distance(a, b)
