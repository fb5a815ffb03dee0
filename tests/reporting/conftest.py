"""A seeded campaign for the dashboard: stores in three countries, orders across zones and currencies.

The campaign's zone is Africa/Nairobi (UTC+3, no summer time). Orders sit on both sides of a local
midnight (23:59 and 00:01 Nairobi time), in USD, EUR and CNY (converted at stored rates) and GBP (no
rate: kept apart); some are cancelled, partly refunded, expired or still awaiting payment.
"""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from campaigns.lectures.models import Lecture, LectureText, Registration, RegistrationStatus
from marketplace.accounts.models import Role
from marketplace.catalog.models import ExchangeRate, ProductStatus
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState, Order, OrderLine, PaymentState, VendorOrder
from marketplace.vendors.models import StoreStatus

F, P = FulfilmentState, PaymentState
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NAIROBI = timedelta(hours=3)
RATES_STORED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
_numbers = itertools.count(1)


def nairobi(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall time in Nairobi as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - NAIROBI


@pytest.fixture
def frozen(app):
    with clock.freeze(NOW):
        yield NOW


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


def add_order(created_at: datetime, currency: str, parts: list[tuple], state: PaymentState = P.PAID,
              gateway: str = "stripe", country: str = "CN", shopper=None) -> Order:
    """An order with one vendor order per (store, status, [(product, quantity, charge unit amount)])."""
    number = next(_numbers)
    order = Order(reference=f"REF{number:08d}", shopper_id=shopper.id, idempotency_key=f"key-{number}",
                  gateway=gateway, payment_state=state, currency=currency, total_amount=0,
                  created_at=created_at, country_code=country)
    total = 0
    for store, status, lines in parts:
        subtotal = sum(quantity * unit for _, quantity, unit in lines)
        part = VendorOrder(store_id=store.id, status=status, currency=currency, subtotal_amount=subtotal)
        order.vendor_orders.append(part)
        for product, quantity, unit in lines:
            line = OrderLine(product_id=product.id, name="x", quantity=quantity, unit_amount=unit,
                             currency=currency, regular_amount=unit, charge_unit_amount=unit, rate=Decimal(1))
            part.lines.append(line)
            order.lines.append(line)
        total += subtotal
    order.total_amount = total
    db.session.add(order)
    db.session.commit()
    return order


@pytest.fixture
def campaign_world(frozen, make_user, make_store, make_product, make_category):
    """Stores, products, rates, orders and a lecture; returns the objects tests refer to."""
    shopper = make_user()
    crafts, coffee = make_category("crafts"), make_category("coffee")
    ghana = make_store("Kente House", country_code="GH", is_campaign=True,
                       created_at=datetime(2026, 11, 2, 8, tzinfo=UTC), submitted_at=datetime(2026, 11, 3, 8, tzinfo=UTC),
                       approved_at=datetime(2026, 11, 5, 8, tzinfo=UTC))
    kenya = make_store("Nairobi Roasters", country_code="KE",
                       created_at=datetime(2026, 11, 4, 8, tzinfo=UTC), submitted_at=datetime(2026, 11, 8, 8, tzinfo=UTC),
                       approved_at=datetime(2026, 11, 9, 8, tzinfo=UTC))
    make_store("Lagos Looms", country_code="NG", status=StoreStatus.SUBMITTED,
               created_at=datetime(2026, 11, 6, 8, tzinfo=UTC), submitted_at=datetime(2026, 11, 7, 8, tzinfo=UTC))
    make_store("=HYPERLINK(\"evil\")", country_code="SN", status=StoreStatus.DRAFT,
               created_at=datetime(2026, 11, 12, 8, tzinfo=UTC))
    cloth = make_product("Kente cloth", store=ghana, category=crafts, is_campaign=True,
                         first_approved_at=datetime(2026, 11, 6, 20, tzinfo=UTC))
    basket = make_product("Basket", store=ghana, category=crafts)
    beans = make_product("Coffee beans", store=kenya, category=coffee, is_campaign=True,
                         first_approved_at=datetime(2026, 11, 10, 8, tzinfo=UTC))
    make_product("Tea", store=kenya, category=coffee, status=ProductStatus.PENDING_REVIEW)
    db.session.add_all([
        ExchangeRate(base="EUR", quote="USD", rate=Decimal("1.10"), updated_at=RATES_STORED),
        ExchangeRate(base="USD", quote="CNY", rate=Decimal("7.00"), updated_at=RATES_STORED + timedelta(days=2)),
    ])
    db.session.commit()
    orders = {
        # 23:59 on 10 November in Nairobi (20:59 UTC) and 00:01 on the 11th (21:01 UTC).
        "late": add_order(nairobi(2026, 11, 10, 23, 59), "USD", [(ghana, F.PAID, [(cloth, 2, 2500)])],
                          shopper=shopper),
        "early": add_order(nairobi(2026, 11, 11, 0, 1), "USD", [(kenya, F.CONFIRMED, [(beans, 1, 1200)])],
                           P.UNPAID, "offline", "KE", shopper=shopper),
        "euro": add_order(nairobi(2026, 11, 12, 13, 0), "EUR", [(ghana, F.PAID, [(cloth, 1, 2000), (basket, 3, 500)]),
                                                               (kenya, F.REFUNDED, [(beans, 2, 1000)])],
                          shopper=shopper),
        "cancelled": add_order(nairobi(2026, 11, 12, 18, 0), "USD", [(kenya, F.CANCELLED, [(beans, 4, 1200)])],
                               P.CANCELLED, "offline", "NG", shopper=shopper),
        "expired": add_order(nairobi(2026, 11, 13, 9, 0), "USD", [(ghana, F.PENDING, [(cloth, 1, 2500)])],
                             P.EXPIRED, shopper=shopper),
        "pending": add_order(nairobi(2026, 11, 13, 10, 0), "USD", [(ghana, F.PENDING, [(cloth, 1, 2500)])],
                             P.PENDING, shopper=shopper),
        "yuan": add_order(nairobi(2026, 11, 13, 11, 0), "CNY", [(kenya, F.PAID, [(beans, 1, 7777)])],
                          shopper=shopper),
        "pound": add_order(nairobi(2026, 11, 14, 11, 0), "GBP", [(ghana, F.PAID, [(basket, 1, 900)])],
                           country="GB", shopper=shopper),
        "before": add_order(nairobi(2026, 11, 9, 23, 59), "USD", [(ghana, F.PAID, [(cloth, 1, 2500)])],
                            shopper=shopper),
        "after": add_order(nairobi(2026, 11, 16, 0, 0), "USD", [(ghana, F.PAID, [(cloth, 1, 2500)])],
                           shopper=shopper),
    }
    lecture = Lecture(starts_at=nairobi(2026, 11, 12, 10, 0), capacity=10, seats_taken=2, join_url="https://x.test/m",
                      texts=[LectureText(language="en", title="Selling to China"),
                             LectureText(language="ar", title="البيع إلى الصين")])
    db.session.add(lecture)
    db.session.flush()
    people = [make_user() for _ in range(3)]
    db.session.add_all([
        Registration(lecture_id=lecture.id, user_id=people[0].id, status=RegistrationStatus.REGISTERED, position=1,
                     attended_at=nairobi(2026, 11, 12, 10, 5)),
        Registration(lecture_id=lecture.id, user_id=people[1].id, status=RegistrationStatus.REGISTERED, position=2),
        Registration(lecture_id=lecture.id, user_id=people[2].id, status=RegistrationStatus.WAITING, position=3),
    ])
    db.session.commit()
    return {"orders": orders, "stores": {"GH": ghana, "KE": kenya}, "lecture": lecture,
            "categories": {"crafts": crafts, "coffee": coffee}}
