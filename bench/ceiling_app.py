"""The ceiling for bench/catalog.py: a bare Flask app rendering storefront-shaped pages from memory.

It serves the same four URLs as the storefront (home, a pavilion, a category, product pages) with
the same markup structure (base layout, language and currency bars, the same product-card macros,
the same number of cards and store links), from Python lists built at start-up: no database, no
ORM, no Babel, no sessions, no after-request hooks. Its throughput is what Flask + Jinja can do for
pages of this size on this machine, the ceiling the storefront's own numbers are compared with.

The page shapes (card counts, link counts, target sizes in bytes, product slugs) come from the JSON
file named by `CEILING_SHAPE`, which bench/catalog.py writes after fetching the storefront's pages;
each page is padded with filler text to the storefront page's size. Pages listed under "extra" in the
shape (path, cards, bytes) are served as a category-like grid of that size at their path. Serve it with
`gunicorn --chdir bench ceiling_app:app`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from flask import Flask, abort, jsonify, render_template
from jinja2 import DictLoader

DEFAULT_SHAPE: dict = {
    "home": {"cards": 12, "stores": 8, "categories": 12, "currencies": 40, "bytes": 0},
    "pavilion": {"cards": 24, "stores": 3, "currencies": 40, "bytes": 0},
    "category": {"cards": 24, "stores": 0, "currencies": 40, "bytes": 0},
    "product": {"cards": 4, "stores": 0, "currencies": 40, "bytes": 0},
    "product_slugs": ["example-product-1"],
}
LANGUAGES = (("en", "English", "en"), ("fr", "Français", "fr"), ("ar", "العربية", "ar"),
             ("pt", "Português", "pt"), ("sw", "Kiswahili", "sw"), ("zh", "中文", "zh-Hans"))

TEMPLATES = {
    "base.html": """<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · Silk Road Market</title>
<meta name="description" content="{% block description %}Quality products from 100 African stores, in six languages.{% endblock %}">
<link rel="stylesheet" href="/assets/css/site.0123456789ab.css">
<link rel="icon" href="/assets/img/icon.0123456789ab.svg" type="image/svg+xml">
{% for code, native, html_lang in languages %}
<link rel="alternate" hreflang="{{ html_lang }}" href="http://127.0.0.1{{ path | replace('/en/', '/' ~ code ~ '/', 1) }}">
{% endfor %}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
  <div class="bar">
    <a class="brand" href="/en/">Silk Road Market</a>
    <nav class="primary" aria-label="Main">
      <ul>
        <li><a href="/en/pavilions/">Pavilions</a></li>
        <li><a href="/en/categories/">Categories</a></li>
        <li><a href="/en/login?next={{ path }}%3F">Log in</a></li>
        <li><a href="/en/signup">Sign up</a></li>
      </ul>
    </nav>
  </div>
  <div class="bar prefs">
    <nav aria-label="Language" class="languages">
      <ul>
      {% for code, native, html_lang in languages %}
        <li>{% if code == "en" %}<span aria-current="true" lang="{{ html_lang }}">{{ native }}</span>{% else %}<a href="{{ path | replace('/en/', '/' ~ code ~ '/', 1) }}" hreflang="{{ html_lang }}" lang="{{ html_lang }}">{{ native }}</a>{% endif %}</li>
      {% endfor %}
      </ul>
    </nav>
    <form method="post" action="/en/display-currency" class="currency">
      <input type="hidden" name="csrf_token" value="{{ csrf }}">
      <input type="hidden" name="next" value="{{ path }}?">
      <label for="display-currency">Show prices in</label>
      <select id="display-currency" name="currency" data-autosubmit>
        <option value="">the seller's currency</option>
        {% for code in currencies %}<option value="{{ code }}">{{ code }}</option>{% endfor %}
      </select>
      <button type="submit">Apply</button>
    </form>
  </div>
</header>
<main id="main">
{% block content %}{% endblock %}
{% if filler %}<p class="meta" hidden>{{ filler }}</p>{% endif %}
</main>
<footer class="site-footer">
  <p>Silk Road Market is the storefront of the campaign “100 African stores, 1,000 African products”.</p>
</footer>
<script src="/assets/js/site.0123456789ab.js" nonce="{{ csrf[:22] }}" defer></script>
</body>
</html>
""",
    "macros.html": """{% macro picture(image, alt, sizes, eager=false) %}
{% if image %}
<picture>
  <source type="image/webp" srcset="{{ image.srcset }}" sizes="{{ sizes }}">
  <img src="{{ image.fallback }}" alt="{{ alt }}" width="{{ image.fallback_width }}" height="{{ (image.height * image.fallback_width / image.width)|round|int }}" {% if eager %}fetchpriority="high"{% else %}loading="lazy"{% endif %} decoding="async">
</picture>
{% else %}
<div class="no-photo" role="img" aria-label="{{ alt }}"></div>
{% endif %}
{% endmacro %}

{% macro price(card) %}
<p class="price">
  <span class="amount">{{ card.price }}</span>
</p>
{% endmacro %}

{% macro product_card(card) %}
<li class="card">
  <a href="/en/products/{{ card.slug }}">
    {{ picture(card.cover, card.name, "(min-width: 60em) 15vw, (min-width: 40em) 30vw, 45vw") }}
    <span class="name"{% if card.name_lang != "en" %} lang="{{ card.name_lang }}"{% endif %}>{{ card.name }}</span>
  </a>
  <span class="meta">{{ card.store_name }} · {{ card.country }}</span>
  {{ price(card) }}
  {% if card.stock <= 0 %}<span class="badge out">Sold out</span>{% elif card.is_campaign %}<span class="badge">Campaign product</span>{% endif %}
</li>
{% endmacro %}

{% macro product_grid(cards) %}
{% if cards %}
<ul class="grid">
{% for card in cards %}{{ product_card(card) }}{% endfor %}
</ul>
{% else %}
<p class="empty">No products here yet.</p>
{% endif %}
{% endmacro %}

{% macro pagination(path, pages) %}
{% if pages > 1 %}
<nav class="pagination" aria-label="Pages">
  <span>Page 1 of {{ pages }}</span>
  <a rel="next" href="{{ path }}?page=2">Next</a>
</nav>
{% endif %}
{% endmacro %}
""",
    "home.html": """{% extends "base.html" %}
{% from "macros.html" import product_grid %}
{% block title %}100 African stores, 1,000 African products{% endblock %}
{% block content %}
<section class="hero">
  <h1>100 African stores, 1,000 African products</h1>
  <p class="lead">Coffee, tea, shea butter, textiles, crafts and journeys, straight from the people who make them.</p>
  <div class="progress" aria-label="Campaign progress">
    <div class="goal">
      <p><strong>80</strong> / 100 campaign stores</p>
      <progress max="100" value="80" aria-label="Campaign stores">80%</progress>
    </div>
    <div class="goal">
      <p><strong>800</strong> / 1,000 campaign products</p>
      <progress max="1000" value="800" aria-label="Campaign products">80%</progress>
    </div>
    <p class="meta">from 30 African countries</p>
  </div>
  <p><a class="button" href="/en/pavilions/">Visit the country pavilions</a></p>
</section>

<section>
<h2>Shop by category</h2>
<ul class="chips">
{% for category in categories %}
  <li><a href="/en/categories/{{ category.slug }}"><span aria-hidden="true">{{ category.icon }}</span> {{ category.name }}</a></li>
{% endfor %}
</ul>
</section>

{% if stores %}
<section>
<h2>Featured stores</h2>
<ul class="tiles">
{% for store in stores %}
  <li>
    <a href="/en/stores/{{ store.slug }}">{{ store.name }}</a>
    <p class="meta">{{ store.city }}, {{ store.country }}</p>
    {% if store.tagline %}<p>{{ store.tagline }}</p>{% endif %}
  </li>
{% endfor %}
</ul>
</section>
{% endif %}

<section>
<h2>Featured products</h2>
{{ product_grid(cards) }}
</section>
{% endblock %}
""",
    "pavilion.html": """{% extends "base.html" %}
{% from "macros.html" import product_grid, pagination %}
{% block title %}Kenya pavilion{% endblock %}
{% block content %}
<nav class="crumbs" aria-label="Breadcrumb"><a href="/en/pavilions/">Country pavilions</a></nav>
<h1>Kenya pavilion</h1>
{% if stores %}
<h2>Stores</h2>
<ul class="chips">
{% for store in stores %}<li><a href="/en/stores/{{ store.slug }}">{{ store.name }}</a></li>{% endfor %}
</ul>
<h2>Products <span class="meta">({{ total }})</span></h2>
{{ product_grid(cards) }}
{{ pagination(path, pages) }}
{% else %}
<p class="empty">No store from Kenya has joined yet.</p>
{% endif %}
{% endblock %}
""",
    "category.html": """{% extends "base.html" %}
{% from "macros.html" import product_grid, pagination %}
{% block title %}{{ category.name }}{% endblock %}
{% block description %}{{ category.description }}{% endblock %}
{% block content %}
<nav class="crumbs" aria-label="Breadcrumb"><a href="/en/categories/">Categories</a></nav>
<h1><span aria-hidden="true">{{ category.icon }}</span> {{ category.name }}</h1>
<p>{{ category.description }}</p>
<p class="meta">{{ total }} products</p>
{{ product_grid(cards) }}
{{ pagination(path, pages) }}
{% endblock %}
""",
    "product.html": """{% extends "base.html" %}
{% from "macros.html" import picture, price, product_grid %}
{% block title %}{{ product.name }}{% endblock %}
{% block description %}{{ product.description|truncate(150) }}{% endblock %}
{% block content %}
<nav class="crumbs" aria-label="Breadcrumb">
  <a href="/en/pavilions/KE">Kenya</a> ›
  <a href="/en/categories/{{ category.slug }}">{{ category.name }}</a>
</nav>
<article class="product">
  <div class="gallery">
    {{ picture(product.cover, product.name, "(min-width: 40em) 50vw, 100vw", eager=true) }}
  </div>
  <div class="details">
    <h1>{{ product.name }}</h1>
    {{ price(product) }}
    <p class="stock">{% if product.stock > 0 %}{{ product.stock }} in stock{% else %}<span class="badge out">Sold out</span>{% endif %}</p>
    <dl class="facts">
      <dt>Sold by</dt><dd><a href="/en/stores/{{ product.store_slug }}">{{ product.store_name }}</a></dd>
      <dt>Origin</dt><dd>{{ product.city }}, {{ product.country }}</dd>
      <dt>Category</dt><dd>{{ category.name }}</dd>
    </dl>
    <div class="description">
      {% for paragraph in product.description.split("\\n\\n") %}<p>{{ paragraph }}</p>{% endfor %}
    </div>
  </div>
</article>
{% if related %}
<section>
<h2>More from {{ product.store_name }}</h2>
{{ product_grid(related) }}
</section>
{% endif %}
{% endblock %}
""",
}


@dataclass(frozen=True)
class Image:
    srcset: str
    fallback: str
    width: int
    height: int
    fallback_width: int


@dataclass(frozen=True)
class Card:
    slug: str
    name: str
    name_lang: str
    store_name: str
    store_slug: str
    city: str
    country: str
    price: str
    cover: Image
    stock: int
    is_campaign: bool
    description: str


def make_card(index: int, slug: str | None = None) -> Card:
    """A product card with text lengths like the demo catalogue's."""
    key = f"{index * 2654435761 % 2**64:016x}{index:016x}"
    srcset = ", ".join(f"/media/{key}-{w}.webp {w}w" for w in (240, 480, 960))
    return Card(
        slug=slug or f"handwoven-kente-cloth-strip-{index + 1}",
        name=f"Handwoven kente cloth strip, {('small', 'medium', 'large', 'gift set')[index % 4]}",
        name_lang="en" if index % 5 else "fr",
        store_name=f"Kofi's Kumasi Weaving House {index % 100 + 1}",
        store_slug=f"kofi-s-kumasi-weaving-house-{index % 100 + 1}",
        city="Kumasi",
        country="Ghana",
        price=f"GH₵{120 + index % 900:,}.00",
        cover=Image(srcset, f"/media/{key}-480.jpg", 960, 960, 480),
        stock=0 if index % 37 == 5 else 3 + index % 240,
        is_campaign=index % 3 == 0,
        description=("Woven on a narrow strip loom in Kumasi by a family workshop, in cotton dyed with "
                     "local plants.\n\nEach strip is unique; colours may vary slightly from the photo."),
    )


def load_shape() -> dict:
    path = os.environ.get("CEILING_SHAPE")
    if not path:
        return DEFAULT_SHAPE
    with open(path, encoding="utf-8") as handle:
        return {**DEFAULT_SHAPE, **json.load(handle)}


def create_app(shape: dict | None = None) -> Flask:
    """The ceiling app for `shape` (the pages' card and link counts and target sizes in bytes)."""
    shape = shape or load_shape()
    app = Flask(__name__)
    app.jinja_loader = DictLoader(TEMPLATES)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    max_cards = max(page["cards"] for page in (*(shape[kind] for kind in ("home", "pavilion", "category", "product")),
                                               *shape.get("extra", {}).values()))
    cards = [make_card(i) for i in range(max(max_cards, 24) * 4)]
    stores = [{"slug": c.store_slug, "name": c.store_name, "city": c.city, "country": c.country,
               "tagline": "A family workshop weaving kente since 1994"} for c in cards]
    categories = [{"slug": f"category-{i}", "icon": "☕", "name": f"Category {i}",
                   "description": "Single-origin coffee from the highlands, roasted to order."}
                  for i in range(max(1, shape["home"].get("categories", 12)))]
    products = {slug: make_card(i, slug) for i, slug in enumerate(shape["product_slugs"])}
    csrf = "IjQ5ZjM2YWE0ZTc4ZGQ0ZjQyYjM5ZDk2NTUzZWY0OWQ0ZGE2ZWU1NDIi.Z0iHxw.dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu"
    filler: dict[str, str] = {}

    def context(kind: str, path: str) -> dict:
        page = shape[kind]
        return {
            "languages": LANGUAGES,
            "path": path,
            "csrf": csrf,
            "currencies": [f"C{i:02d}" for i in range(page.get("currencies", 40))],
            "filler": filler.get(kind, ""),
            "cards": cards[: page["cards"]],
            "stores": stores[: page.get("stores", 0)],
            "categories": categories,
            "category": categories[0],
            "total": 4167,
            "pages": 174,
        }

    def render(kind: str, path: str, **extra) -> str:
        return render_template(f"{kind}.html", **{**context(kind, path), **extra})

    @app.get("/healthz")
    def health():
        return jsonify(status="ok")

    @app.get("/en/")
    def home():
        return render("home", "/en/")

    @app.get("/en/pavilions/<code>")
    def pavilion(code: str):
        return render("pavilion", f"/en/pavilions/{code}")

    @app.get("/en/categories/<slug>")
    def category(slug: str):
        return render("category", f"/en/categories/{slug}")

    @app.get("/en/products/<slug>")
    def product(slug: str):
        found = products.get(slug)
        if found is None:
            abort(404)
        return render("product", f"/en/products/{slug}", product=found,
                      related=cards[: shape["product"]["cards"]])

    # Other pages (bench/signed_in.py: the festival index and page, search results) as a category-like
    # grid of their number of cards at their path, padded to their size like the four above.
    extra = shape.get("extra", {})
    for kind, page in extra.items():
        shape[kind] = {"currencies": 40, **page}
        app.add_url_rule(page["path"], f"extra_{kind}",
                         lambda kind=kind: render_template("category.html", **context(kind, extra[kind]["path"])))

    # Pad each page with filler text to the storefront page's size, so both send as many bytes.
    first_slug = shape["product_slugs"][0]
    paths = {"home": "/en/", "pavilion": "/en/pavilions/KE", "category": "/en/categories/coffee",
             "product": f"/en/products/{first_slug}", **{kind: page["path"] for kind, page in extra.items()}}
    views = {"home": home, "pavilion": lambda: pavilion("KE"), "category": lambda: category("coffee"),
             "product": lambda: product(first_slug),
             **{kind: app.view_functions[f"extra_{kind}"] for kind in extra}}
    for kind, path in paths.items():
        with app.test_request_context(path):
            size = len(views[kind]().encode())
        missing = shape[kind].get("bytes", 0) - size - len('<p class="meta" hidden></p>\n')
        if missing > 0:
            filler[kind] = ("padding " * (missing // 8 + 1))[:missing]  # bytes only, never shown
    return app


app = create_app()
