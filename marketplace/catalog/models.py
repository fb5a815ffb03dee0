"""The catalogue: countries, categories, products, their per-locale texts and photos, and rates."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.core.types import DecimalText, enum_column
from marketplace.extensions import db


class Country(db.Model):
    """An African state; its name in each locale comes from Babel's territory data."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # ISO 3166-1 alpha-2
    currency: Mapped[str] = mapped_column(String(3))
    region: Mapped[str] = mapped_column(String(16))  # north, west, central, east, southern


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    icon: Mapped[str] = mapped_column(String(8), default="")
    position: Mapped[int] = mapped_column(default=0)

    texts: Mapped[list[CategoryText]] = relationship(
        back_populates="category", cascade="all, delete-orphan", lazy="selectin"
    )


class CategoryText(db.Model):
    __tablename__ = "category_texts"
    __table_args__ = (UniqueConstraint("category_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")

    category: Mapped[Category] = relationship(back_populates="texts")


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class ProductKind(enum.StrEnum):
    """What a product is: goods shipped from stock, or an experience booked by departure (campaigns.tourism).

    An experience keeps `stock` at 0 and is never sold through a quantity box; its price is the lowest of
    its unit prices ("from …"), kept up to date by the tourism services.
    """

    GOODS = "goods"
    EXPERIENCE = "experience"


FEW_LEFT = 10  # a product page counts the units left from this many down


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_amount >= 0", name="price_not_negative"),
        # Trailing store_id makes the index covering for visibility checks (store_id IN approved stores).
        Index("ix_products_listing", "status", "category_id", "id", "store_id"),
        Index("ix_products_featured", "featured", "status", "id"),
        Index("ix_products_store_listing", "store_id", "status", "id"),
        UniqueConstraint("store_id", "sku", name="uq_products_store_sku"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    original_language: Mapped[str] = mapped_column(String(5), default="en")
    price_amount: Mapped[int]  # minor units of `currency`
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(default=0)
    status: Mapped[ProductStatus] = mapped_column(enum_column(ProductStatus), default=ProductStatus.DRAFT)
    kind: Mapped[ProductKind] = mapped_column(enum_column(ProductKind), default=ProductKind.GOODS,
                                              server_default=ProductKind.GOODS.value)
    is_campaign: Mapped[bool] = mapped_column(default=False, index=True)
    featured: Mapped[bool] = mapped_column(default=False)
    weight_grams: Mapped[int | None]
    origin: Mapped[str] = mapped_column(String(120), default="")  # region or farm, in the vendor's words
    sku: Mapped[str | None] = mapped_column(String(40))  # the vendor's stock-keeping unit; None: not set
    first_approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str] = mapped_column(Text, default="")
    campaign_marked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, onupdate=clock.now)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Shown reviews (marketplace/reviews): how many and the sum of their stars, kept by the review services in
    # their own transaction so listing pages read the average from the row instead of counting per card.
    rating_count: Mapped[int] = mapped_column(default=0, server_default="0")
    rating_total: Mapped[int] = mapped_column(default=0, server_default="0")

    store = relationship("Store")
    category: Mapped[Category] = relationship()
    texts: Mapped[list[ProductText]] = relationship(
        back_populates="product", cascade="all, delete-orphan", lazy="selectin"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", cascade="all, delete-orphan", lazy="selectin",
        order_by="ProductImage.position",
    )

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    @property
    def rating_average(self) -> float | None:
        """The mean of the shown reviews' stars, or None before the first review."""
        return self.rating_total / self.rating_count if self.rating_count else None

    @property
    def few_left(self) -> bool:
        """Whether its page says how many are left (1 to FEW_LEFT); above that it says "In stock", so a sale
        that leaves more than FEW_LEFT changes no kept page (orders/holds/stock.py)."""
        return 0 < self.stock <= FEW_LEFT

    @property
    def is_experience(self) -> bool:
        """Whether shoppers book this product by departure instead of buying units from stock."""
        return self.kind == ProductKind.EXPERIENCE

    @property
    def ready_images(self) -> list[ProductImage]:
        return [image for image in self.images if image.status == "ready"]

    @property
    def cover(self) -> ProductImage | None:
        """The first photo whose renditions are ready (the vendor orders them; position 0 is the cover)."""
        return next((image for image in self.images if image.status == "ready"), None)

    @property
    def shown_sku(self) -> str:
        """The vendor's SKU, or the product id when the vendor has not set one."""
        return self.sku or str(self.id)

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.slug}>"


class ProductText(db.Model):
    __tablename__ = "product_texts"
    __table_args__ = (UniqueConstraint("product_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")

    product: Mapped[Product] = relationship(back_populates="texts")


class ProductImage(db.Model):
    """A product photo: renditions live in the image store under `<key>-<width>.<ext>`."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(64))  # content hash chosen by the server
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    rendition_widths: Mapped[str] = mapped_column(String(40), default="")  # "240,480,960"
    fallback_width: Mapped[int] = mapped_column(default=0)
    # "ready" once the renditions exist; "pending" while a job processes the upload; "failed" with a reason
    status: Mapped[str] = mapped_column(String(12), default="ready")
    failure: Mapped[str] = mapped_column(String(40), default="")

    product: Mapped[Product] = relationship(back_populates="images")

    @property
    def widths(self) -> list[int]:
        return [int(w) for w in self.rendition_widths.split(",") if w]


class ExchangeRate(db.Model):
    """How many units of `quote` one unit of `base` buys; used for approximate display prices."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("base", "quote"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(DecimalText)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, onupdate=clock.now)


class PriceChange(db.Model):
    """A product's regular price from `changed_at` on: the history the 30-day low is read from."""

    __tablename__ = "price_changes"
    __table_args__ = (Index("ix_price_changes_product_time", "product_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    price_amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
