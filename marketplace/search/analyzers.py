"""Language analysis for search: words, folding, stemming and Chinese segmentation.

Backend-neutral: documents and queries are analysed here into plain token strings, and a backend
only stores and matches those strings. Every word yields a `fold` (lower-case, accent-free, Arabic
normalised) and a `stem` (the language's Snowball stem, folded). English, French, Portuguese and
Arabic are stemmed; Chinese is segmented with jieba (loaded on the first Chinese text, with its
common words only); Swahili and any other language are folded only.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import snowballstemmer

STEMMERS = {"en": "english", "fr": "french", "pt": "portuguese", "ar": "arabic"}
# Short lists: only words that carry no meaning in a product search, so AND matching ignores them.
STOPWORDS = {
    "en": "a an and the of for with in on to by from or at is are this that its it our your".split(),
    "fr": "a au aux avec d de des du en et l la le les ou par pour sur un une dans ce cette ses son sa nos vos".split(),
    "pt": "a ao aos as com da das de do dos e em o os ou para por um uma na no nas nos sua seu".split(),
    "sw": "ya wa la za kwa na cha vya katika ni au pa kutoka".split(),
    "ar": "في من على الى إلى و او أو مع عن هذا هذه ذلك".split(),
    "zh": "的 了 和 与 及 或 在 是 把 被 之".split(),
}
MAX_WORD_LENGTH = 40  # longer "words" are noise (or an attack) and are cut

_ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"([{_CJK}]+)|((?:[^\W_{_CJK}]|[\u0300-\u036f{_ARABIC_MARKS}])+)")
_ARABIC_MARK_RE = re.compile(f"[{_ARABIC_MARKS}]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_ARABIC_ARTICLE = re.compile(r"^(?:وال|بال|فال|كال|لل|ال)(?=\w{3})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class Token(NamedTuple):
    """One word of a text: a tuple, because indexing creates millions (a frozen dataclass is 5x slower)."""

    text: str  # the word as written, for highlighting
    start: int
    end: int
    fold: str
    stem: str
    stop: bool


def clean(text: str) -> str:
    """`text` in NFC with control and bidi-override characters replaced by spaces."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", text))


def normalise_arabic(word: str) -> str:
    """An Arabic word without diacritics or tatweel, with alef forms, alef maksura and taa marbuta unified."""
    return _ARABIC_MARK_RE.sub("", word).translate(_ARABIC_LETTERS)


@lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """`word` lower-cased, accent-free ("Café" → "cafe") and Arabic-normalised."""
    word = normalise_arabic(word.casefold())
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))[:MAX_WORD_LENGTH]


_stemmers = threading.local()


@lru_cache(maxsize=100_000)
def stem(word: str, language: str) -> str:
    """The folded stem of a lower-cased `word` in `language` (the folded word when there is no stemmer)."""
    algorithm = STEMMERS.get(language)
    if algorithm is None or len(word) < 3 or word.isdigit():
        return fold(word)
    stemmers = _stemmers.__dict__
    if algorithm not in stemmers:  # Snowball stemmer objects are not thread-safe: one per thread
        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    source = _arabic_stem_input(word) if language == "ar" else word
    return fold(stemmers[algorithm].stemWord(source)) or fold(word)


def _arabic_stem_input(word: str) -> str:
    """What the Snowball Arabic stemmer stems consistently: no marks, one alef, no definite article."""
    return _ARABIC_ARTICLE.sub("", _ARABIC_MARK_RE.sub("", word).translate(_ALEF_FORMS))


@lru_cache(maxsize=16)
def stopwords(language: str) -> frozenset[str]:
    return frozenset(fold(w) for w in STOPWORDS.get(language, ()))


_ARABIC_CHAR = re.compile("[\u0600-\u06ff]")
_CHINESE_CHAR = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def is_chinese(text: str) -> bool:
    return _CHINESE_CHAR.search(text) is not None


def is_arabic(text: str) -> bool:
    return _ARABIC_CHAR.search(text) is not None


def tokenize(text: str, language: str, search_mode: bool = False) -> list[Token]:
    """The words of `text` written in `language`, with offsets; Chinese runs are segmented by jieba.

    `search_mode` adds jieba's shorter sub-words of long Chinese words (for indexing documents).
    """
    tokens: list[Token] = []
    text = clean(text)
    for match in _WORD.finditer(text):
        if match.group(1):
            offset = match.start()
            for word, start, end, folded, stop in _chinese_words(match.group(1), search_mode):
                tokens.append(Token(word, offset + start, offset + end, folded, folded, stop))
            continue
        word = match.group(2)
        info = _word_info(word, language)
        if info is not None:
            tokens.append(Token(word, match.start(), match.end(), *info))
    return tokens


@lru_cache(maxsize=100_000)
def _word_info(word: str, language: str) -> tuple[str, str, bool] | None:
    """(fold, stem, stop) of a non-Chinese word as written; None for a run of tatweels.

    Cached whole: a catalogue repeats a small vocabulary, and indexing 100,000 products looks words up
    millions of times.
    """
    if not word.strip("\u0640"):
        return None
    word_language = "ar" if _ARABIC_CHAR.search(word) else (language if language != "ar" else "en")
    lower = word.casefold()[:MAX_WORD_LENGTH]
    folded = fold(lower)
    return folded, stem(lower, word_language), folded in stopwords(word_language)


def content_tokens(tokens: Iterable[Token]) -> list[Token]:
    """The tokens that are not stop words."""
    return [t for t in tokens if not t.stop]


def index_terms(tokens: Iterable[Token]) -> list[str]:
    """The strings a document is indexed under for `tokens`: each stem, and the folded word when it differs."""
    terms = []
    for token in tokens:
        if token.stop:
            continue
        terms.append(token.stem)
        if token.fold != token.stem:
            terms.append(token.fold)
    return terms


# --- Chinese ---------------------------------------------------------------------------------

# jieba's dictionary has 349,000 words; its in-memory prefix table cost a web worker 62 MB. Words
# rarer than this (most of them: rare names, idioms, technical compounds) are left out, which keeps
# 80,000 words in 22 MB; product vocabulary comes from the glossary, whose terms are added whole.
# On the demo's Chinese texts 92 % of the full dictionary's words are still found (95 % at 5, 36 MB).
ZH_MIN_FREQUENCY = 20
GLOSSARY_WORD_FREQUENCY = 200_000

_jieba_lock = threading.Lock()
_jieba = None
_extra_words: set[str] = set()


class _CommonWords:
    """jieba's dictionary file without its rare words, read line by line like the file jieba's loader expects."""

    def __init__(self, path: Path, min_frequency: int) -> None:
        self.name = str(path)
        self._file = path.open("rb")
        self._min_frequency = min_frequency

    def __iter__(self) -> Iterator[bytes]:
        for line in self._file:
            parts = line.split(b" ", 2)
            if len(parts) >= 2 and int(parts[1]) >= self._min_frequency:
                yield line

    def close(self) -> None:
        self._file.close()


def add_chinese_words(words: Iterable[str]) -> None:
    """Teach the segmenter words it must keep whole (the glossary's Chinese terms)."""
    new = {w for w in words if w and is_chinese(w)} - _extra_words
    if not new:
        return
    with _jieba_lock:
        _extra_words.update(new)
        if _jieba is not None:
            for word in new:
                _jieba.add_word(word, freq=GLOSSARY_WORD_FREQUENCY)
        _chinese_words.cache_clear()  # segmentations cached before may now differ


def chinese_segmenter():
    """The process's jieba tokenizer, built on the first Chinese text (a fraction of a second, once per process)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                # Public jieba API (gen_pfdict, FREQ, total, initialized) fed a filtered file instead of
                # initialize(), which would load the whole dictionary first.
                dictionary = Path(jieba.__file__).with_name("dict.txt")
                tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(_CommonWords(dictionary, ZH_MIN_FREQUENCY))
                tokenizer.initialized = True
                for word in _extra_words:
                    tokenizer.add_word(word, freq=GLOSSARY_WORD_FREQUENCY)
                _jieba = tokenizer
    return _jieba


def segment_chinese(run: str, search_mode: bool = False) -> list[tuple[str, int, int]]:
    """(word, start, end) for a run of Chinese characters."""
    return [(w, s, e) for w, s, e, _fold, _stop in _chinese_words(run, search_mode)]


@lru_cache(maxsize=20_000)
def _chinese_words(run: str, search_mode: bool) -> tuple[tuple[str, int, int, str, bool], ...]:
    """(word, start, end, fold, stop) for a run of Chinese characters; cached, as product texts repeat phrases."""
    mode = "search" if search_mode else "default"
    words = []
    for word, start, end in chinese_segmenter().tokenize(run, mode=mode):
        if word.strip():
            folded = fold(word)
            words.append((word, start, end, folded, folded in stopwords("zh")))
    return tuple(words)


def warm_up() -> None:
    """Load the Chinese segmenter now instead of on the first Chinese text."""
    chinese_segmenter()
