"""Factory fixtures: each returns a callable that makes one object with sensible defaults."""
from __future__ import annotations

import functools
import itertools

import pytest

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import hash_password
from marketplace.catalog.countries import ensure_countries
from marketplace.catalog.models import Category, CategoryText, Product, ProductStatus, ProductText
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db
from marketplace.vendors.models import Store, StoreStatus, StoreText

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@functools.cache
def cached_hash(password: str) -> str:
    """Hashing is deliberately slow; tests reuse one hash per password."""
    return hash_password(password)


@pytest.fixture
def countries(app):
    ensure_countries()


def create_user(role: Role = Role.SHOPPER, email: str | None = None, password: str = PASSWORD, **fields) -> User:
    """A committed user with a unique e-mail address (outside a test's `app` too: the access matrix's world)."""
    user = User(
        email=email or f"user{next(_counter)}@example.com",
        password_hash=cached_hash(password),
        role=role,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def create_category(slug: str | None = None, names: dict[str, str] | None = None) -> Category:
    """A committed category named in every language unless `names` says otherwise."""
    slug = slug or f"category-{next(_counter)}"
    names = names or {code: f"{slug} ({code})" for code in LANGUAGES}
    category = Category(slug=slug, texts=[CategoryText(language=k, name=v) for k, v in names.items()])
    db.session.add(category)
    db.session.commit()
    return category


def create_store(
    name: str | None = None, country_code: str = "GH", status: StoreStatus = StoreStatus.APPROVED,
    owner: User | None = None, language: str = "en", **fields,
) -> Store:
    """A committed store with a text in its language, owned by a new vendor unless `owner` is given."""
    number = next(_counter)
    store = Store(
        name=name or f"Store {number}",
        slug=f"store-{number}",
        owner=owner or create_user(role=Role.VENDOR),
        country_code=country_code,
        city=fields.pop("city", "Accra"),
        original_language=language,
        status=status,
        texts=[StoreText(language=language, tagline=f"Tagline {number}", story=f"Story {number}")],
        **fields,
    )
    db.session.add(store)
    db.session.commit()
    return store


def create_product(
    name: str | None = None, store: Store | None = None, category: Category | None = None,
    price: int = 1000, currency: str = "USD", stock: int = 10,
    status: ProductStatus = ProductStatus.PUBLISHED, language: str = "en",
    texts: dict[str, str] | None = None, **fields,
) -> Product:
    """A committed product with a text per language in `texts`, in a new store and category unless given."""
    number = next(_counter)
    name = name or f"Product {number}"
    texts = texts or {language: name}
    product = Product(
        slug=f"product-{number}",
        store=store or create_store(),
        category=category or create_category(),
        original_language=language,
        price_amount=price,
        currency=currency,
        stock=stock,
        status=status,
        texts=[ProductText(language=k, name=v, description=f"About {v}.") for k, v in texts.items()],
        **fields,
    )
    db.session.add(product)
    db.session.commit()
    return product


@pytest.fixture
def make_user(app):
    """Makes users (a shopper unless told)."""
    return create_user


@pytest.fixture
def make_category(app):
    """Makes categories named in every language."""
    return create_category


@pytest.fixture
def make_store(app, countries, make_user):
    """Makes approved stores, each with its own vendor unless an owner is given."""
    return create_store


@pytest.fixture
def make_product(app, make_store, make_category):
    """Makes published products, each in a new store and category unless given."""
    return create_product


@pytest.fixture
def login(client):
    """Log the test client in as `user` through the real log-in form."""

    def do_login(user: User, password: str = PASSWORD):
        client.post("/en/account/logout")  # whoever was logged in before
        response = client.post("/en/account/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, "log-in failed"
        return response

    return do_login
