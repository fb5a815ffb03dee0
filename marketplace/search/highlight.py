"""Highlighted snippets: the part of a product text that matched, with the matches in <mark>."""
from __future__ import annotations

from markupsafe import Markup, escape

from marketplace.search.analyzers import content_tokens, tokenize
from marketplace.search.glossary import Glossary, concept_token

SNIPPET_WORDS = 26
MAX_TEXT = 4000  # characters of a description looked at


def matched_spans(text: str, language: str, terms: frozenset[str], glossary: Glossary) -> list[tuple[int, int]]:
    """(start, end) character spans of `text` that the query terms match, by word or by glossary concept."""
    tokens = tokenize(text, language)
    spans = [(t.start, t.end) for t in tokens if not t.stop and (t.stem in terms or t.fold in terms)]
    concepts = {t for t in terms if t.startswith("§")}
    if concepts:
        words = content_tokens(tokens)
        for match in glossary.match(words, language):
            if {concept_token(c) for c in glossary.expand(match.concepts)} & concepts:
                spans.append((words[match.start].start, words[match.end - 1].end))
    return sorted(set(spans))


def snippet(text: str, language: str, terms: frozenset[str], glossary: Glossary) -> Markup:
    """About SNIPPET_WORDS words of `text` around its densest matches, HTML-escaped, matches marked."""
    text = text[:MAX_TEXT]
    tokens = tokenize(text, language)
    if not tokens:
        return Markup("")
    spans = matched_spans(text, language, terms, glossary) if terms else []
    starts = [t.start for t in tokens]
    best, best_count = 0, -1
    for index in range(0, max(1, len(tokens) - SNIPPET_WORDS + 1)):
        low, high = starts[index], tokens[min(index + SNIPPET_WORDS, len(tokens)) - 1].end
        count = sum(1 for s, e in spans if s >= low and e <= high)
        if count > best_count:
            best, best_count = index, count
    low = starts[best]
    high = tokens[min(best + SNIPPET_WORDS, len(tokens)) - 1].end
    if best + SNIPPET_WORDS >= len(tokens):
        high = len(text.rstrip())  # the window reaches the end: keep the closing punctuation
    parts: list[str] = ["…" if low > 0 else ""]
    cursor = low
    for start, end in spans:
        if start < cursor or end > high:
            continue
        parts += [str(escape(text[cursor:start])), "<mark>", str(escape(text[start:end])), "</mark>"]
        cursor = end
    parts.append(str(escape(text[cursor:high])))
    if high < len(text.rstrip()):
        parts.append("…")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above went through escape()
