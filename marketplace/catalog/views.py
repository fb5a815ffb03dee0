"""Shopper catalogue pages: categories, stores and products, and the shopper's choice of display currency."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from marketplace.catalog import services
from marketplace.catalog.currency import SESSION_KEY, shopper_display_currency, shopper_display_prices
from marketplace.catalog.models import ProductImage
from marketplace.core.i18n import current_language, reading_order
from marketplace.core.page_cache import cached_page
from marketplace.core.site import home_url, safe_next_url
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name
from marketplace.orders.priced_cart import limit_note
from marketplace.orders.pricing import quote_price
from marketplace.shipping.destination import destination_choices, shipping_destination
from marketplace.shipping.display import product_shipping
from marketplace.shipping.duties import duty_advice

bp = Blueprint("catalog", __name__, url_prefix="/<lang:lang_code>")
EXPERIENCE_PAGE = "catalog_experience_page"  # app.extensions key: the endpoint showing an experience (by slug)


def register_experience_page(app: Flask, endpoint: str) -> None:
    """Show experiences on `endpoint` (taking the product's `slug`) instead of the goods product page; the
    campaign package that sells experiences registers it (the core never imports it)."""
    app.extensions[EXPERIENCE_PAGE] = endpoint


@bp.app_template_global()
def product_url(slug: str, is_experience: bool = False) -> str:
    """The page of a product: the experience page for an experience when one is registered."""
    endpoint = current_app.extensions.get(EXPERIENCE_PAGE) if is_experience else None
    return url_for(endpoint or "catalog.product", slug=slug)


def shopper():
    return current_user if current_user.is_authenticated else None


def page_number() -> int:
    return request.args.get("page", 1, type=int)


def cards_page(**filters):
    """A page of product cards for the listing pages; 404 for a page past the end."""
    page = services.list_products(page=page_number(), per_page=current_app.config["PAGE_SIZE"], **filters)
    cards = services.product_cards(page.items, reading_order(), shopper(), shopper_display_currency())
    return page, cards


@bp.app_template_global()
def image_srcset(image: ProductImage) -> str:
    store = get_image_store()
    return ", ".join(f"{store.url(rendition_name(image.key, w, 'webp'))} {w}w" for w in image.widths)


@bp.app_template_global()
def image_fallback(image: ProductImage) -> str:
    return get_image_store().url(rendition_name(image.key, image.fallback_width, "jpg"))


@bp.app_template_global()
def media_url(name: str) -> str:
    return get_image_store().url(name)


@bp.app_template_global()
def country_name(code: str) -> str:
    return services.country_name(code, current_language().code)


@bp.app_template_global()
def display_currency_choices() -> list[str]:
    return services.display_currency_choices()


@bp.app_template_global()
def charge_currency_name(code: str) -> str:
    """The charged currency's name in the page's language, e.g. "美元" for USD."""
    return services.currency_name(code, current_language().code)


@bp.app_template_global()
def local_text(texts, original: str | None, field: str):
    """`field` of a product's, store's or category's texts for this page's reader (see `reading_order`)."""
    return services.localized(texts, reading_order(), original, field)


@bp.get("/categories/")
@cached_page
def categories():
    """Every category with its number of products."""
    return render_template(
        "catalog/categories.html", categories=services.all_categories(), counts=services.category_counts()
    )


@bp.get("/categories/<slug>")
@cached_page
def category(slug: str):
    """One category's products, newest first."""
    found = services.get_category(slug)
    page, cards = cards_page(category=found)
    return render_template("catalog/category.html", category=found, page=page, cards=cards)


@bp.get("/stores/<slug>")
@cached_page
def store(slug: str):
    """A store's profile and products."""
    found = services.get_public_store(slug)
    page, cards = cards_page(store=found)
    return render_template("catalog/store.html", store=found, page=page, cards=cards)


@bp.get("/products/<slug>")
@cached_page
def product(slug: str):
    """A product's page: photos, text in the shopper's language, price, stock, and its store."""
    found = services.get_visible_product(slug)
    if found.is_experience and current_app.extensions.get(EXPERIENCE_PAGE):
        return redirect(product_url(found.slug, True), 301)
    quote = quote_price(found, shopper())
    prices = shopper_display_prices()
    more = services.list_products(page=1, per_page=5, store=found.store)
    related = [p for p in more.items if p.id != found.id][:4]
    related_cards = services.product_cards(related, reading_order(), shopper(), prices.currency)
    limit = quote.offer.limit if quote.offer is not None else None
    language = current_language().code
    destination = shipping_destination()
    shipping = product_shipping(found, destination, shopper(), language, prices)
    return render_template(
        "catalog/product.html", product=found, quote=quote, shown=prices.quote(quote), related=related_cards,
        limit_note=limit_note(limit, 0) if limit is not None and limit.per_shopper is not None else "",
        shipping=shipping, destination=destination, destinations=destination_choices(language),
        duties=duty_advice(destination, [found.store.country_code], language) if shipping else None,
    )


@bp.post("/display-currency")
def set_display_currency() -> Response:
    """Remember the currency the shopper wants prices shown in ("" for the seller's own currency)."""
    form = FlaskForm()
    code = (request.form.get("currency") or "").strip().upper()
    if form.validate_on_submit():
        if code in services.display_currency_choices():
            session[SESSION_KEY] = code
        elif not code:
            session[SESSION_KEY] = ""  # a choice, unlike no entry (the language's default)
    return redirect(safe_next_url(request.form.get("next")) or home_url())
