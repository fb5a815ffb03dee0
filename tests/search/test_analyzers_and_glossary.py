"""Analyzers (folding, stemming, Arabic normalisation, jieba) and the glossary file."""
from __future__ import annotations

import pytest

from marketplace.search.analyzers import fold, index_terms, normalise_arabic, tokenize
from marketplace.search.glossary import (
    GLOSSARY_PATH,
    LANGUAGES,
    Glossary,
    GlossaryError,
    get_glossary,
    parse_glossary,
)


def stems(text: str, language: str) -> list[str]:
    return [t.stem for t in tokenize(text, language) if not t.stop]


@pytest.mark.parametrize(("language", "a", "b"), [
    ("en", "baskets", "basket"), ("en", "carvings", "carved"), ("fr", "paniers", "panier"),
    ("fr", "noire", "noir"), ("pt", "cestos", "cesto"), ("ar", "القهوة", "قهوة"), ("ar", "السلة", "سلة"),
])
def test_stemming_joins_forms_of_a_word(language, a, b):
    assert stems(a, language) == stems(b, language)


def test_latin_matching_is_accent_insensitive():
    assert fold("Café") == "cafe" == fold("CAFE")
    assert "cafe" in index_terms(tokenize("un café", "fr"))


def test_arabic_normalisation_unifies_alef_taa_marbuta_diacritics_and_tatweel():
    assert normalise_arabic("أَرْكَان") == normalise_arabic("اركان")
    assert normalise_arabic("قهوة") == normalise_arabic("قهوه")
    assert normalise_arabic("زبـــدة") == normalise_arabic("زبدة")
    assert stems("إِبريق", "ar") == stems("ابريق", "ar")


def test_swahili_and_other_languages_are_folded_only():
    assert stems("Vikapu Vya Sisal", "sw") == ["vikapu", "sisal"]  # "vya" is a stop word
    assert stems("Ndizi", "xx") == ["ndizi"]


def test_chinese_is_segmented_with_offsets_keeping_glossary_terms_whole():
    get_glossary()  # teaches jieba the glossary's Chinese terms
    tokens = tokenize("非洲乳木果油", "zh")
    assert [t.text for t in tokens] == ["非洲", "乳木果油"]
    assert tokens[1].start == 2 and tokens[1].end == 6


def test_control_characters_and_marks_do_not_break_words():
    assert [t.fold for t in tokenize("ke\x00nte\u202e", "en")] == ["ke", "nte"]
    assert len(tokenize("x" * 10_000, "en")[0].fold) == 40


def test_the_glossary_file_has_300_concepts_in_six_languages():
    concepts = parse_glossary(GLOSSARY_PATH.read_text(encoding="utf-8"))
    assert len(concepts) >= 300
    for concept in concepts:
        assert set(concept.terms) == set(LANGUAGES), concept.id
    Glossary(concepts)  # broader concepts exist, ids are unique


@pytest.mark.parametrize(("text", "language"), [
    ("shea butter", "en"), ("beurre de karité", "fr"), ("زبدة الشيا", "ar"), ("manteiga de karité", "pt"),
    ("siagi ya shea", "sw"), ("乳木果油", "zh"),
])
def test_one_concept_whatever_the_language(text, language):
    assert "shea-butter" in get_glossary().concepts_in(tokenize(text, language), language)


def test_broader_concepts_and_countries_come_with_a_match():
    found = get_glossary().concepts_in(tokenize("Savon noir au beurre de karité du Ghana", "fr"), "fr")
    assert {"black-soap", "soap", "shea-butter", "shea", "country-gh"} <= found


def test_short_words_of_other_languages_do_not_match():
    # "or" is French for gold, "gari" Swahili for car: neither may turn an English text into gold or cassava.
    assert "gold" not in get_glossary().concepts_in(tokenize("tea or coffee", "en"), "en")
    assert "cassava" not in get_glossary().concepts_in(tokenize("gari la safari", "sw"), "sw")


def test_a_malformed_glossary_is_refused():
    with pytest.raises(GlossaryError):
        parse_glossary("concept\tbroader\ten\nx\t\tonly-one-language\n")
    row = "\t".join(["a", "missing"] + ["t"] * 6)
    with pytest.raises(GlossaryError):
        Glossary(parse_glossary(row))
