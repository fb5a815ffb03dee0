"""Back-office forms. They only carry what was typed: the services check it and name each bad field.

Only the fields declared here are read from a request, so anything else posted (store_id, status,
is_campaign, owner, first_approved_at …) is never looked at.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from marketplace.catalog.models import Product, ProductStatus
from marketplace.core.errors import DomainError
from marketplace.core.forms import SiteForm
from marketplace.core.i18n import LANGUAGES, VENDOR_LANGUAGES
from marketplace.vendors.backoffice.product_input import MAX_NAME, MAX_ORIGIN, MAX_SKU
from marketplace.vendors.backoffice.services import LocaleText, ProductChanges, StockFilter
from marketplace.vendors.labels import PRODUCT_STATUS_LABELS


class LocaleTextForm(Form):
    name = StringField(_l("Name"), render_kw={"maxlength": MAX_NAME})
    description = TextAreaField(_l("Description"), render_kw={"rows": 5})


TextsForm = type("TextsForm", (Form,), {code: FormField(LocaleTextForm, label=lang.native_name)
                                        for code, lang in LANGUAGES.items()})


class ProductForm(SiteForm):
    original_language = SelectField(
        _l("Original language"), choices=[SelectChoice(code, LANGUAGES[code].native_name) for code in VENDOR_LANGUAGES],
        validate_choice=False,
    )
    category_id = SelectField(_l("Category"), choices=[], validate_choice=False)
    price = StringField(_l("Price"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = SelectField(_l("Currency"), choices=[], validate_choice=False)
    stock = StringField(_l("Stock"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    stock_seen = HiddenField()  # the stock this page was opened with: only the vendor's change is applied
    weight_grams = StringField(_l("Weight in grams"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    origin = StringField(_l("Origin (region, farm or workshop)"), render_kw={"maxlength": MAX_ORIGIN})
    sku = StringField(_l("SKU (your stock code)"), render_kw={"maxlength": MAX_SKU, "autocomplete": "off", "dir": "ltr",
                                                           "spellcheck": "false"})
    texts = FormField(TextsForm)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Each language's inputs are written in that language, whatever the page's language.
        for code, language in LANGUAGES.items():
            for field in self.texts[code].form:
                field.render_kw = {**(field.render_kw or {}), "lang": language.html_lang, "dir": language.direction}

    def changes(self) -> ProductChanges:
        """The typed values, as the service reads them."""
        return ProductChanges(
            original_language=self.original_language.data or "",
            category_id=self.category_id.data or "",
            price=self.price.data or "",
            currency=self.currency.data or "",
            stock=self.stock.data or "",
            stock_seen=self.stock_seen.data or "",
            weight_grams=self.weight_grams.data or "",
            origin=self.origin.data or "",
            sku=self.sku.data or "",
            texts={code: LocaleText(self.texts[code].form.name.data or "", self.texts[code].form.description.data or "")
                   for code in LANGUAGES},
        )

    def show_errors(self, error: DomainError) -> None:
        """Put a service's field errors on their fields (texts-fr-name reaches texts → fr → name)."""
        placed = False
        for name, message in error.fields.items():
            field = self._find(name)
            if field is not None:
                field.errors = [*field.errors, message]
                placed = True
        if not placed:
            self.form_errors.append(error.message)

    def _find(self, name: str):
        if name.startswith("texts-"):
            _, code, part = name.split("-", 2)
            if code in LANGUAGES and part in ("name", "description"):
                return getattr(self.texts[code].form, part)
            return None
        return self._fields.get(name)


class ProductFilterForm(SiteForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search by name"))
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    stock = SelectField(_l("Stock"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(s.value, status_label(s)) for s in ProductStatus
        ]
        self.stock.choices = [
            SelectChoice("", _l("Any stock")),
            SelectChoice(StockFilter.IN_STOCK.value, _l("In stock")),
            SelectChoice(StockFilter.LOW.value, _l("Low stock")),
            SelectChoice(StockFilter.OUT.value, _l("Out of stock")),
        ]

    def chosen_status(self) -> ProductStatus | None:
        return ProductStatus(self.status.data) if self.status.data in set(ProductStatus) else None

    def chosen_stock(self) -> StockFilter | None:
        return StockFilter(self.stock.data) if self.stock.data in set(StockFilter) else None


def status_label(status: ProductStatus) -> str:
    """A product's status as the vendor reads it."""
    return str(PRODUCT_STATUS_LABELS[status])


class PhotoUploadForm(SiteForm):
    photos = MultipleFileField(_l("Add photos"), render_kw={"accept": "image/jpeg,image/png,image/webp"})


class CsvUploadForm(SiteForm):
    file = FileField(_l("CSV file"), render_kw={"accept": ".csv,text/csv"})


class ActionForm(SiteForm):
    """The CSRF token of a one-button form (publish, duplicate, move, delete …)."""


def product_form_data(product: Product) -> dict:
    """The editor's starting values for an existing product."""
    return {
        "original_language": product.original_language,
        "category_id": str(product.category_id),
        "price": format(product.price.to_decimal(), "f"),
        "currency": product.currency,
        "stock": str(product.stock),
        "stock_seen": str(product.stock),
        "weight_grams": "" if product.weight_grams is None else str(product.weight_grams),
        "origin": product.origin,
        "sku": product.sku or "",
        "texts": {t.language: {"name": t.name, "description": t.description} for t in product.texts},
    }
