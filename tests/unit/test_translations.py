"""The UI is fully translated: messages.pot matches the code, and no catalogue has a gap."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from marketplace.core.i18n import LANGUAGES, check_catalogues

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
METHODS = [("marketplace/**.py", "python"), ("campaigns/**.py", "python"), ("templates/**.html", "jinja2")]


def message_ids_in_code() -> set:
    ids = set()
    for message in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        text = message[2]
        ids.add(text if isinstance(text, str) else text[0])
    return ids


def test_messages_pot_is_up_to_date_with_the_code():
    with open(ROOT / "translations" / "messages.pot", "rb") as handle:
        pot_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    code_ids = message_ids_in_code()
    assert code_ids - pot_ids == set(), "run `make translations-update` and translate the new strings"
    assert pot_ids - code_ids == set(), "messages.pot has strings the code no longer uses"


def test_every_catalogue_is_complete_and_not_fuzzy():
    assert check_catalogues(ROOT / "translations") == []


def test_translations_keep_their_placeholders():
    """A translation that drops or renames %(name)s would crash or mislead at render time."""
    problems = []
    for code in LANGUAGES:
        if code == "en":
            continue
        with open(ROOT / "translations" / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
            for message in read_po(handle, locale=code):
                if not message.id:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                wanted = set(re.findall(r"%\((\w+)\)[sd]", ids[-1]))
                for string in strings:
                    found = set(re.findall(r"%\((\w+)\)[sd]", string))
                    # a singular form may leave out the number ("one product"); nothing else may be lost
                    if found - wanted or (wanted - found) - {"num"}:
                        problems.append(f"{code}: {ids[0]!r} -> {string!r}")
    assert problems == []


def test_translations_are_not_copied_english():
    for code in ("fr", "ar", "pt", "sw", "zh"):
        with open(ROOT / "translations" / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = [m for m in read_po(handle, locale=code) if m.id and isinstance(m.id, str)]
        same = [m.id for m in catalog if m.string == m.id and len(m.id) > 12]
        assert len(same) <= len(catalog) // 20, f"{code}: {same}"
