"""Who owns which store: the one question every vendor page asks first."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from marketplace.core.errors import NotFound
from marketplace.extensions import db
from marketplace.vendors.models import Store


def store_of(user: User) -> Store | None:
    """The store `user` owns, if any (a vendor account has exactly one)."""
    return db.session.scalars(select(Store).where(Store.owner_id == user.id)).first()


def owned_product(user: User, product_id: int) -> Product:
    """The product `product_id` when it belongs to `user`'s store; NotFound otherwise (never 403: no hints)."""
    product = db.session.scalars(
        select(Product).join(Product.store).where(Product.id == product_id, Store.owner_id == user.id)
    ).first()
    if product is None:
        raise NotFound("no such product")
    return product
