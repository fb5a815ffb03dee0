"""What a vendor packs and where it goes, in the vendor's words: the lines named in the store's language
with photo and SKU, and the delivery address as typed and in Latin letters for the carrier's label.

The order line keeps the name the shopper read at checkout (maybe Chinese); a vendor reads the
product's own text in the store's language instead, then the owner's, then the product's original,
then English, and only when the product has no text left the shopper's.
"""
from __future__ import annotations

from dataclasses import dataclass

from marketplace.catalog.models import ProductImage
from marketplace.core.i18n import DEFAULT_LANGUAGE
from marketplace.orders.models import Order, OrderLine, VendorOrder

LABEL_FIELDS = ("recipient_name", "address_line", "city", "region")


@dataclass(frozen=True)
class PackingLine:
    """One line as its vendor sees it."""

    line: OrderLine
    name: str
    language: str  # the language `name` is written in
    sku: str
    cover: ProductImage | None

    @property
    def quantity(self) -> int:
        return self.line.quantity


@dataclass(frozen=True)
class LabelAddress:
    """The delivery address as the shopper typed it and, when any part differs, in Latin letters."""

    local: dict[str, str]
    latin: dict[str, str]

    @property
    def has_latin(self) -> bool:
        return any(self.latin[name] != self.local[name] for name in LABEL_FIELDS)


def vendor_languages(vendor_order: VendorOrder) -> list[str]:
    """The languages a store's vendor reads, in order: the store's, then its owner's chosen one."""
    store = vendor_order.store
    languages = [store.original_language]
    if store.owner is not None and store.owner.preferred_language not in languages:
        languages.append(store.owner.preferred_language)
    return languages


def line_name_for_vendor(line: OrderLine, languages: list[str]) -> tuple[str, str]:
    """(name, language) of the line's product for a vendor reading `languages`; the checkout name at last."""
    product = line.product
    texts = {text.language: text.name for text in product.texts if text.name}
    for language in (*languages, product.original_language, DEFAULT_LANGUAGE):
        if language in texts:
            return texts[language], language
    return line.name, ""


def packing_lines(vendor_order: VendorOrder) -> list[PackingLine]:
    """The vendor order's lines named in the vendor's language, with their photo and SKU."""
    languages = vendor_languages(vendor_order)
    lines = []
    for line in vendor_order.lines:
        name, language = line_name_for_vendor(line, languages)
        lines.append(PackingLine(line=line, name=name, language=language, sku=line.product.shown_sku,
                                 cover=line.product.cover))
    return lines


def label_address(order: Order) -> LabelAddress:
    """The order's address as typed and in Latin letters (each Latin part falls back to the typed one)."""
    local = {name: getattr(order, name) for name in LABEL_FIELDS}
    latin = {name: getattr(order, f"{name}_latin") or local[name] for name in LABEL_FIELDS}
    return LabelAddress(local=local, latin=latin)
