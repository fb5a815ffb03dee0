"""The campaign home page and the country pavilions."""
from __future__ import annotations

from flask import Blueprint, render_template

from campaigns.festivals.hero import home_festival
from campaigns.progress import services
from campaigns.tourism.listing import country_experiences
from marketplace.catalog.currency import shopper_display_currency
from marketplace.catalog.services import all_categories, product_cards
from marketplace.catalog.views import cards_page, shopper
from marketplace.core import clock
from marketplace.core.i18n import reading_order
from marketplace.core.page_cache import cached_page

bp = Blueprint("campaigns", __name__, url_prefix="/<lang:lang_code>")


@bp.get("/")
@cached_page
def home():
    """The live (else next) festival with its deals, featured products, categories, campaign progress
    and featured stores. Cached for visitors: festival boundaries refresh it, countdowns fill as served."""
    now = clock.now()
    cards = product_cards(services.featured_products(), reading_order(), shopper(), shopper_display_currency())
    return render_template(
        "campaigns/home.html",
        festival=home_festival(shopper(), reading_order(), now),
        now=now,
        progress=services.campaign_progress(),
        stores=services.featured_stores(),
        cards=cards,
        categories=all_categories(),
    )


@bp.get("/pavilions/")
@cached_page
def pavilions():
    """All 54 African states by region, with their stores and products."""
    return render_template("campaigns/pavilions.html", regions=services.pavilion_summaries())


@bp.get("/pavilions/<code>")
@cached_page
def pavilion(code: str):
    """A country's pavilion: its stores, their products and the experiences they offer."""
    country, stores = services.get_pavilion(code)
    page, cards = cards_page(country_code=country.code)
    experiences = country_experiences(country.code, reading_order(), shopper(), shopper_display_currency())
    return render_template("campaigns/pavilion.html", country=country, stores=stores, page=page, cards=cards,
                           experiences=experiences)
