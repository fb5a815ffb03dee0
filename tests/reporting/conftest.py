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
    # Ghana's part of the 23:59 order was delivered, then USD 10.00 of it refunded: it stays in net, less that.
    orders["late"].vendor_orders[0].status = F.DELIVERED
    orders["late"].vendor_orders[0].refunded_amount = 1000
    db.session.commit()
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


# A festival world: the festival before (ended) and the current one, live in its second wave at NOW.
FESTIVAL_WAVES = ((datetime(2026, 11, 18, 9, 0, tzinfo=UTC), datetime(2026, 11, 19, 9, 0, tzinfo=UTC)),
                  (datetime(2026, 11, 20, 6, 0, tzinfo=UTC), datetime(2026, 11, 21, 6, 0, tzinfo=UTC)))


def add_festival(slug: str, waves, staff, names: dict[str, str]):
    from campaigns.festivals.models import Festival, FestivalText, Wave

    opens = waves[0][0] - timedelta(days=10)
    festival = Festival(slug=slug, time_zone="Africa/Nairobi", registration_opens_at=opens,
                        registration_closes_at=opens + timedelta(days=3), warmup_starts_at=opens + timedelta(days=5),
                        created_by_id=staff.id,
                        texts=[FestivalText(language=code, name=name) for code, name in names.items()],
                        waves=[Wave(starts_at=start, ends_at=end) for start, end in waves])
    db.session.add(festival)
    db.session.commit()
    return festival


def add_deal(festival, wave_index: int, product, cap: int, sold: int, price: int = 800):
    from campaigns.festivals.models import Deal, DealStatus

    wave = sorted(festival.waves, key=lambda w: w.starts_at)[wave_index]
    deal = Deal(festival_id=festival.id, wave_id=wave.id, product_id=product.id, store_id=product.store_id,
                price_amount=price, currency=product.currency, cap=cap, sold=sold, status=DealStatus.APPROVED)
    db.session.add(deal)
    db.session.commit()
    return deal


def add_deal_order(created_at: datetime, currency: str, parts: list[tuple], shopper, state: PaymentState = P.PAID,
                   country: str = "CN", reserved_until: datetime | None = None) -> Order:
    """An order with one vendor order per (store, status, [(deal or product, quantity, charge unit amount)]);
    lines of a deal carry its hold, as checkout writes them."""
    from campaigns.festivals.models import Deal
    from marketplace.orders.holds.refs import HoldRef

    number = next(_numbers)
    order = Order(reference=f"FES{number:08d}", shopper_id=shopper.id, idempotency_key=f"festival-key-{number}",
                  gateway="stripe", payment_state=state, currency=currency, total_amount=0, created_at=created_at,
                  country_code=country, reserved_until=reserved_until)
    for store, status, lines in parts:
        part = VendorOrder(store_id=store.id, status=status, currency=currency,
                           subtotal_amount=sum(quantity * unit for _, quantity, unit in lines))
        order.vendor_orders.append(part)
        for item, quantity, unit in lines:
            deal = item if isinstance(item, Deal) else None
            line = OrderLine(product_id=deal.product_id if deal else item.id, name="x", quantity=quantity,
                             unit_amount=unit, currency=currency, regular_amount=unit, charge_unit_amount=unit,
                             rate=Decimal(1), offer_hold=HoldRef("deal", deal.id) if deal else None,
                             offer_source="festival:x" if deal else "")
            part.lines.append(line)
            order.lines.append(line)
        order.total_amount += part.subtotal_amount
    db.session.add(order)
    db.session.commit()
    return order


@pytest.fixture
def festival_world(frozen, staff, make_user, make_store, make_product):
    """Two festivals: the one before (ended) and Harvest Week, live in its second wave. Harvest Week has
    a deal sold out in its first wave (three orders, the last taking the last unit), a deal partly
    cancelled, a deal with units held by a checkout, orders in USD, EUR, CNY and GBP (no rate), an
    expired checkout and a plain order without deals, which count nowhere."""
    shopper = make_user()
    ghana = make_store("Kente House", country_code="GH")
    kenya = make_store("Nairobi Roasters", country_code="KE")
    egypt = make_store("Cairo Cotton", country_code="EG")
    cloth = make_product("Kente cloth", store=ghana, price=3000, stock=40,
                         texts={"en": "Kente cloth", "ar": "قماش كنتي"})
    beans = make_product("Coffee beans", store=kenya, price=1500, stock=40)
    towel = make_product("Cotton towel", store=egypt, price=900, stock=40)
    plain = make_product("Plain basket", store=ghana, price=500, stock=40)
    db.session.add_all([
        ExchangeRate(base="EUR", quote="USD", rate=Decimal("1.10"), updated_at=RATES_STORED),
        ExchangeRate(base="USD", quote="CNY", rate=Decimal("7.00"), updated_at=RATES_STORED),
    ])
    db.session.commit()
    before = add_festival("spring-fair", ((datetime(2026, 10, 1, 9, tzinfo=UTC), datetime(2026, 10, 2, 9, tzinfo=UTC)),),
                          staff, {"en": "Spring Fair"})
    older = add_festival("old-fair", ((datetime(2026, 6, 1, 9, tzinfo=UTC), datetime(2026, 6, 2, 9, tzinfo=UTC)),),
                         staff, {"en": "Old Fair"})
    festival = add_festival("harvest-week", FESTIVAL_WAVES, staff, {"en": "Harvest Week", "ar": "أسبوع الحصاد"})
    old_deal = add_deal(before, 0, beans, cap=20, sold=3)
    older_deal = add_deal(older, 0, beans, cap=20, sold=9)
    wave1 = FESTIVAL_WAVES[0][0]
    sold_out = add_deal(festival, 0, cloth, cap=4, sold=4)
    partly = add_deal(festival, 0, beans, cap=10, sold=3)
    held = add_deal(festival, 1, towel, cap=5, sold=3)
    untouched = add_deal(festival, 1, plain, cap=6, sold=0)
    orders = {
        "before": add_deal_order(datetime(2026, 10, 1, 12, tzinfo=UTC), "USD", [(kenya, F.PAID, [(old_deal, 3, 1200)])],
                                 shopper, country="KE"),
        "older": add_deal_order(datetime(2026, 6, 1, 12, tzinfo=UTC), "USD", [(kenya, F.PAID, [(older_deal, 9, 1200)])],
                                shopper),
        "first": add_deal_order(wave1 + timedelta(minutes=10), "USD",
                                [(ghana, F.PAID, [(sold_out, 2, 2400)]), (kenya, F.PAID, [(partly, 1, 1200)])], shopper),
        # Cancelled: its units came back to the deal, and it leaves net.
        "cancelled": add_deal_order(wave1 + timedelta(minutes=30), "USD", [(ghana, F.CANCELLED, [(sold_out, 1, 2400)])],
                                    shopper, P.CANCELLED, country="NG"),
        "euro": add_deal_order(wave1 + timedelta(hours=1), "EUR", [(ghana, F.PAID, [(sold_out, 1, 2200)]),
                                                                   (kenya, F.REFUNDED, [(partly, 2, 1100)])],
                               shopper, country="KE"),
        "last_unit": add_deal_order(wave1 + timedelta(hours=2, minutes=5), "CNY",
                                    [(ghana, F.PAID, [(sold_out, 1, 16800), (plain, 1, 3500)])], shopper),
        "offline": add_deal_order(wave1 + timedelta(hours=3), "USD", [(kenya, F.CONFIRMED, [(partly, 2, 1200)])],
                                  shopper, P.UNPAID, "KE"),
        "pound": add_deal_order(FESTIVAL_WAVES[1][0] + timedelta(minutes=5), "GBP",
                                [(egypt, F.PAID, [(held, 1, 700)])], shopper, country="GB"),
        "holding": add_deal_order(NOW - timedelta(minutes=5), "USD", [(egypt, F.PENDING, [(held, 2, 900)])],
                                  shopper, P.PENDING, reserved_until=NOW + timedelta(minutes=10)),
        "expired": add_deal_order(NOW - timedelta(hours=2), "USD", [(egypt, F.CANCELLED, [(held, 1, 900)])],
                                  shopper, P.EXPIRED, reserved_until=NOW - timedelta(hours=1)),
        "plain": add_deal_order(wave1 + timedelta(hours=4), "USD", [(ghana, F.PAID, [(plain, 3, 500)])], shopper),
    }
    return {"festival": festival, "before": before, "older": older, "orders": orders, "shopper": shopper,
            "deals": {"sold_out": sold_out, "partly": partly, "held": held, "untouched": untouched},
            "stores": {"GH": ghana, "KE": kenya, "EG": egypt}}
