"""The certificate of attendance as a PDF (fpdf2, with HarfBuzz shaping through uharfbuzz): in the
reader's language, Arabic shaped and right to left, Chinese with CJK glyphs, from Debian's Noto fonts.

Only this module knows fpdf2. A font that is missing on the server stops the certificate with
CertificateFontMissing, naming the file and the Debian package, rather than printing empty boxes.
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_time
from flask_babel import force_locale
from flask_babel import gettext as _
from fontTools.ttLib import TTFont
from fpdf import FPDF

from campaigns.festivals.scheduling import utc_to_local

FONT_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto", "/usr/share/fonts")


@dataclass(frozen=True)
class FontFile:
    family: str
    file: str
    package: str
    collection_index: int = 0


LATIN = FontFile("noto-sans", "NotoSans-Regular.ttf", "fonts-noto-core")
ARABIC = FontFile("noto-naskh-arabic", "NotoNaskhArabic-Regular.ttf", "fonts-noto-core")
CJK = FontFile("noto-sans-cjk-sc", "NotoSansCJK-Regular.ttc", "fonts-noto-cjk", collection_index=2)  # SC face
# Other scripts names and titles are written in (Ethiopic for Amharic and Tigrinya, Tifinagh, N'Ko, Adlam …),
# all from fonts-noto-core, loaded only when a text needs them.
OTHER_SCRIPTS = tuple(FontFile(f"noto-{name.lower()}", f"Noto{name}-Regular.ttf", "fonts-noto-core") for name in (
    "SansEthiopic", "SansTifinagh", "SansNKo", "SansAdlam", "SansBamum", "SansOsmanya", "SansVai", "SansCoptic",
    "SansDevanagari", "SansHebrew", "SansSymbols", "SansSymbols2"))


class CertificateFontMissing(RuntimeError):
    """A font the certificate needs is not installed."""

    def __init__(self, font: FontFile) -> None:
        super().__init__(f"The font {font.file} is missing: install the Debian package {font.package} "
                         f"(or set CERTIFICATE_FONT_DIR to a folder holding it).")
        self.font = font


@dataclass(frozen=True)
class CertificateText:
    """Everything printed on a certificate, already in the reader's language where it is text."""

    language: str
    direction: str  # "rtl" or "ltr"
    name: str
    lecture_title: str
    series_title: str
    speakers: str
    starts_at: datetime  # aware UTC
    zone: str
    minutes: int
    code: str
    verify_url: str


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u08ff" or "\ufb50" <= char <= "\ufdff" or "\ufe70" <= char <= "\ufeff"


def _is_cjk(char: str) -> bool:
    return ("\u2e80" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af" or "\uf900" <= char <= "\ufaff"
            or "\uff00" <= char <= "\uffef")


def _drawn(char: str) -> bool:
    """False for spaces, controls and invisible format characters, which need no glyph."""
    return not unicodedata.category(char).startswith(("Z", "C"))


def font_path(font: FontFile, font_dir: str | None = None) -> Path:
    """Where `font` is on this machine; CertificateFontMissing when it is nowhere."""
    for folder in ([font_dir] if font_dir else []) + list(FONT_DIRS):
        direct = Path(folder) / font.file
        if direct.is_file():
            return direct
    for root, _dirs, files in os.walk("/usr/share/fonts"):
        if font.file in files:
            return Path(root) / font.file
    raise CertificateFontMissing(font)


@lru_cache(maxsize=32)
def coverage(font: FontFile, font_dir: str | None = None) -> frozenset[int]:
    """The code points `font` has glyphs for; CertificateFontMissing when it is not installed."""
    path = font_path(font, font_dir)
    options = {"fontNumber": font.collection_index} if path.suffix == ".ttc" else {}
    with TTFont(path, lazy=True, **options) as loaded:
        return frozenset(loaded.getBestCmap())


def fonts_for(text: str, language: str, font_dir: str | None = None) -> tuple[list[FontFile], set[str]]:
    """The fonts to print `text` for a reader of `language` (the language's own first, then Latin and the
    scripts the text uses) and the characters none of the installed fonts has. CertificateFontMissing when
    one of the three main fonts is not installed."""
    main = ARABIC if language == "ar" else CJK if language == "zh" else LATIN
    chosen = [main]
    for font, wanted in ((LATIN, True), (ARABIC, any(map(_is_arabic, text))), (CJK, any(map(_is_cjk, text)))):
        if wanted and font not in chosen:
            chosen.append(font)
    remaining = {char for char in text if _drawn(char)
                 and not any(ord(char) in coverage(font, font_dir) for font in chosen)}
    for font in OTHER_SCRIPTS:
        if not remaining:
            break
        try:
            has = coverage(font, font_dir)
        except CertificateFontMissing:
            continue  # an optional script: its characters stay unprintable
        if found := {char for char in remaining if ord(char) in has}:
            chosen.append(font)
            remaining -= found
    return chosen, remaining


def unprintable(text: str, language: str, font_dir: str | None = None) -> str:
    """The characters of `text` no installed font can print (emoji, rare scripts), in order, each once."""
    _fonts, missing = fonts_for(text, language, font_dir)
    return "".join(dict.fromkeys(char for char in text if char in missing))


class _Certificate(FPDF):
    def __init__(self, fonts: list[FontFile], font_dir: str | None) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_auto_page_break(False)
        for font in fonts:
            self.add_font(font.family, fname=str(font_path(font, font_dir)),
                          collection_font_number=font.collection_index)
        self.main_family = fonts[0].family
        self.set_fallback_fonts([font.family for font in fonts[1:]])

    def centred(self, text: str, size: float, height: float, direction: str, color=(30, 30, 30)) -> None:
        self.set_font(self.main_family, size=size)
        self.set_text_color(*color)
        if direction == "rtl":
            # Latin runs (names, the zone) inside a right-to-left paragraph lose their order of letters in
            # optional ligatures ("fi"); Arabic's required ones (lam-alef) are another feature and stay.
            self.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ar",
                                  features={"liga": False})
        else:
            self.set_text_shaping(use_shaping_engine=True, direction="ltr")
        self.set_x(self.l_margin)
        self.multi_cell(0, height, text, align="C", new_x="LMARGIN", new_y="NEXT")


@lru_cache(maxsize=128)
def render(text: CertificateText, font_dir: str | None = None) -> bytes:
    """The certificate as PDF bytes; CertificateFontMissing when a font is not installed. Kept per worker for
    the same text: loading the CJK font takes about a second, and attendees download right after a lecture."""
    local = utc_to_local(text.starts_at, text.zone)
    with force_locale(text.language):
        date = format_date(local.date(), "long", locale=text.language)
        time = format_time(local.time(), "short", locale=text.language)
        lines = {
            "site": _("Silk Road Market · Silk Road E-Commerce online lectures for Africa"),
            "title": _("Certificate of attendance"),
            "certifies": _("This certifies that"),
            "attended": _("attended the online lecture"),
            "series": _("Series: %(series)s", series=text.series_title) if text.series_title else "",
            "when": _("on %(date)s at %(time)s (%(zone)s), for %(minutes)d minutes", date=date, time=time,
                      zone=text.zone, minutes=text.minutes),
            "speakers": _("Speakers: %(names)s", names=text.speakers) if text.speakers else "",
            "verify": _("Check this certificate at:"),
            "number": _("Certificate number: %(code)s", code=text.code),
        }
    printed = [text.name, text.lecture_title, *lines.values()]
    fonts, missing = fonts_for("".join(printed), text.language, font_dir)
    drop = {ord(char): None for char in missing}  # emoji in a title: left out rather than printed as boxes
    lines = {key: value.translate(drop) for key, value in lines.items()}
    pdf = _Certificate(fonts, font_dir)
    pdf.set_title(lines["title"])
    pdf.set_lang(text.language)
    pdf.set_creator("Silk Road Market")
    pdf.add_page()
    pdf.set_draw_color(176, 112, 32)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_line_width(0.4)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)
    pdf.set_margins(22, 20, 22)
    pdf.set_y(22)
    direction = text.direction
    pdf.centred(lines["site"], 11, 7, direction, (120, 80, 20))
    pdf.ln(6)
    pdf.centred(lines["title"], 30, 15, direction, (120, 60, 10))
    pdf.ln(6)
    pdf.centred(lines["certifies"], 13, 8, direction)
    pdf.centred(text.name.translate(drop), 26, 13, direction, (10, 10, 10))
    pdf.centred(lines["attended"], 13, 8, direction)
    pdf.centred(text.lecture_title.translate(drop), 19, 10, direction, (10, 10, 10))
    if lines["series"]:
        pdf.centred(lines["series"], 12, 7, direction)
    pdf.centred(lines["when"], 12, 7, direction)
    if lines["speakers"]:
        pdf.centred(lines["speakers"], 12, 7, direction)
    pdf.set_y(pdf.h - 40)
    pdf.centred(lines["verify"], 10, 6, direction, (90, 90, 90))
    pdf.centred(text.verify_url, 10, 6, "ltr", (20, 60, 140))
    pdf.centred(lines["number"], 10, 6, direction, (90, 90, 90))
    return bytes(pdf.output())
