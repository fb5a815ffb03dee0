"""Vendor payables: balances are sums of ledger entries, the CSV export, and settling a period exactly once."""
from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.checkout import place_order
from marketplace.vendors import payables
from marketplace.vendors.models import PayableEntry, Settlement

JAN_1 = datetime(2024, 1, 1, tzinfo=UTC)
FEB_1 = datetime(2024, 2, 1, tzinfo=UTC)
JANUARY = payables.Period(JAN_1.date(), FEB_1.date())
SECOND = timedelta(seconds=1)


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


@pytest.fixture
def paid_part(shopper, fill_cart, destination, checkout_key):
    """A pay-on-delivery order of `product`, placed and paid at `at`; its vendor order."""

    def make(product, at: datetime, quantity: int = 1):
        with clock.freeze(at):
            fill_cart(shopper, product, quantity=quantity)
            part = place_order(shopper, destination, checkout_key(), "en").vendor_orders[0]
            fulfilment.record_offline_payment(product.store.owner, part.id)
        return part

    return make


@pytest.fixture
def ledger(app, make_store, make_product, paid_part):
    """Store A: sales on the first and last second of January, the second reversed on 1 February;
    store B: a sale one second before January."""
    formula = make_store(name='=HYPERLINK("http://evil.example","Kente")')
    plain = make_store(name="Nairobi Leaf")
    first = paid_part(make_product(store=formula, price=1250, stock=9), JAN_1)
    last = paid_part(make_product(store=formula, price=800, stock=9), FEB_1 - SECOND)
    with clock.freeze(FEB_1):
        fulfilment.cancel_vendor_order(formula.owner, last.id, "Lost by the courier")
    before = paid_part(make_product(store=plain, price=300, stock=9), JAN_1 - SECOND)
    return {"formula": formula, "plain": plain, "first": first, "last": last, "before": before}


def sums_from_entries(settled: bool | None = False) -> dict[tuple[int, str], int]:
    query = select(PayableEntry.store_id, PayableEntry.currency, func.sum(PayableEntry.amount))
    if settled is False:
        query = query.where(PayableEntry.settlement_id.is_(None))
    rows = db.session.execute(query.group_by(PayableEntry.store_id, PayableEntry.currency)).all()
    return {(store_id, currency): amount for store_id, currency, amount in rows}


def test_balances_are_the_sums_of_unsettled_entries(ledger, staff, monkeypatch):
    balances = payables.unsettled_balances(staff, JANUARY)
    assert {(b.store_id, b.currency): b.amount for b in balances} == sums_from_entries()
    by_store = {b.store_id: b for b in balances}
    formula, plain = by_store[ledger["formula"].id], by_store[ledger["plain"].id]
    assert (formula.amount, formula.entries, formula.period_amount, formula.period_entries) == (1250, 3, 2050, 2)
    assert (plain.amount, plain.period_amount, plain.period_entries) == (300, 0, 0)
    mine = payables.vendor_balances(ledger["formula"].owner)
    assert [(b.currency, b.unsettled, b.settled) for b in mine] == [("USD", 1250, 0)]
    with pytest.raises(PermissionDenied):
        payables.unsettled_balances(ledger["formula"].owner)


def test_commission_is_kept_out_of_the_balance(app, make_product, paid_part, staff, monkeypatch):
    monkeypatch.setitem(app.config, "COMMISSION_RATE", "0.05")
    product = make_product(price=1999, stock=3)
    paid_part(product, JAN_1)
    entry = db.session.scalars(select(PayableEntry)).one()
    assert (entry.gross_amount, entry.commission_amount, entry.amount) == (1999, 100, 1899)
    assert [b.amount for b in payables.unsettled_balances(staff)] == [1899]


def test_the_export_holds_the_entries_of_the_half_open_period_with_formulas_neutralised(ledger, staff):
    text = payables.export_entries_csv(staff, JANUARY)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(r["vendor_order_id"], r["kind"], r["gross"], r["net"], r["currency"]) for r in rows] == [
        (str(ledger["first"].id), "sale", "12.50", "12.50", "USD"),
        (str(ledger["last"].id), "sale", "8.00", "8.00", "USD"),
    ]
    assert rows[0]["store"] == "'" + ledger["formula"].name
    assert rows[0]["order_reference"] == ledger["first"].order.reference
    assert rows[0]["created_at"] == "2024-01-01T00:00:00+00:00" and rows[0]["settlement_id"] == ""
    february = list(csv.DictReader(io.StringIO(
        payables.export_entries_csv(staff, payables.Period(FEB_1.date(), (FEB_1 + timedelta(days=29)).date()))
        .removeprefix("\ufeff"))))
    # A reversal's negative amounts stay numbers: they are ours, not text someone typed.
    assert [(r["kind"], r["gross"], r["commission"], r["net"]) for r in february] == [
        ("reversal", "-8.00", "0.00", "-8.00")]


def test_the_export_page_sends_a_csv_file(ledger, staff, client, login):
    login(staff)
    response = client.get("/en/staff/payables/export.csv?start=2024-01-01&end=2024-02-01")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="payables-2024-01-01-2024-02-01.csv"' in response.headers["Content-Disposition"]
    assert response.text.count("\r\n") == 3 and "'=HYPERLINK" in response.text
    bad = client.get("/en/staff/payables/export.csv?start=2024-02-01&end=2024-01-01", follow_redirects=True)
    assert "Choose a valid period" in bad.text and "The end must be after the start" in bad.text


def test_a_period_is_settled_once(ledger, staff):
    formula = ledger["formula"]
    settlement = payables.settle_period(staff, formula.id, "usd", JANUARY, "  BANK-2024-01  ")
    assert (settlement.amount, settlement.currency, settlement.transfer_reference) == (2050, "USD", "BANK-2024-01")
    settled = db.session.scalars(select(PayableEntry.vendor_order_id)
                                 .where(PayableEntry.settlement_id == settlement.id)).all()
    assert sorted(settled) == sorted([ledger["first"].id, ledger["last"].id])
    with pytest.raises(Conflict, match="no unsettled"):
        payables.settle_period(staff, formula.id, "USD", JANUARY)
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == 1
    # What stays is the February reversal; the balance is still the sum of what is unsettled.
    balances = {b.store_id: b.amount for b in payables.unsettled_balances(staff)}
    assert balances[formula.id] == -800 == sums_from_entries()[(formula.id, "USD")]
    mine = payables.vendor_balances(formula.owner)
    assert [(b.unsettled, b.settled) for b in mine] == [(-800, 2050)]


def test_an_empty_or_negative_period_is_refused(ledger, staff):
    with pytest.raises(Conflict, match="no unsettled"):
        payables.settle_period(staff, ledger["plain"].id, "USD", JANUARY)
    february = payables.Period(FEB_1.date(), (FEB_1 + timedelta(days=29)).date())
    with pytest.raises(Conflict, match="nothing is owed"):
        payables.settle_period(staff, ledger["formula"].id, "USD", february)
    with pytest.raises(ValidationError):
        payables.settle_period(staff, ledger["formula"].id, "XYZ", JANUARY)
    with pytest.raises(PermissionDenied):
        payables.settle_period(ledger["formula"].owner, ledger["formula"].id, "USD", JANUARY)
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == 0
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)
                             .where(PayableEntry.settlement_id.is_not(None))) == 0


def test_two_staff_settling_at_once_settle_once(ledger, staff, make_app):
    other, store_id, staff_id = make_app(), ledger["formula"].id, staff.id
    results, barrier = [], threading.Barrier(2)

    def settle() -> None:
        with other.app_context():
            barrier.wait()
            try:
                payables.settle_period(db.session.get(User, staff_id), store_id, "USD", JANUARY)
                results.append("ok")
            except Conflict:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=settle) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["ok", "refused"]
    db.session.expire_all()
    settlements = db.session.scalars(select(Settlement)).all()
    assert [s.amount for s in settlements] == [2050]
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)
                             .where(PayableEntry.settlement_id == settlements[0].id)) == 2


def test_staff_settle_from_the_payables_page(ledger, staff, client, login):
    login(staff)
    page = client.get("/en/staff/payables/?start=2024-01-01&end=2024-02-01")
    assert page.status_code == 200
    assert "Nairobi Leaf" in page.text and "$20.50" in page.text and "$12.50" in page.text
    form = {"store_id": ledger["formula"].id, "currency": "USD", "start": "2024-01-01", "end": "2024-02-01",
            "transfer_reference": "MPESA-889"}
    done = client.post("/en/staff/payables/settle", data=form, follow_redirects=True)
    assert "Settled: $20.50" in done.text and "MPESA-889" in done.text
    again = client.post("/en/staff/payables/settle", data=form, follow_redirects=True)
    assert "no unsettled USD entries" in again.text
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == 1
    bad = client.get("/en/staff/payables/?start=2024-13-01&end=2024-02-01")
    assert bad.status_code == 422 and "Enter a date as YYYY-MM-DD" in bad.text


def test_the_vendor_sees_its_own_balance_from_the_ledger(ledger, staff, client, login):
    payables.settle_period(staff, ledger["formula"].id, "USD", JANUARY)
    login(ledger["formula"].owner)
    page = client.get("/en/vendor/orders/").text
    assert "What the campaign owes you" in page and "-$8.00" in page and "$20.50" in page
    login(ledger["plain"].owner)
    page = client.get("/en/vendor/orders/").text
    assert "$3.00" in page and "$20.50" not in page and "-$8.00" not in page


@pytest.mark.parametrize("start,end,field", [("2024-01-01", "2024-01-01", "end"), ("01/01/2024", "2024-02-01", "start"),
                                             ("2024-01-01", "", "end"), ("2024-02-30", "2024-03-01", "start")])
def test_bad_periods_name_the_field(app, start, end, field):
    with pytest.raises(ValidationError) as refused:
        payables.parse_period(start, end)
    assert field in refused.value.fields


def test_the_default_period_is_last_month():
    assert payables.default_period(datetime(2024, 1, 15, 12, tzinfo=UTC)) == payables.Period(
        datetime(2023, 12, 1).date(), JAN_1.date())


def test_a_payout_change_holds_settlement_until_staff_confirm(ledger, staff, client, login):
    from marketplace.vendors.payout_changes import confirm_payout_details, payout_details_digest
    from tests.factories import PASSWORD

    formula = ledger["formula"]
    login(formula.owner)
    client.post("/en/vendor/onboarding/payout", data={"method": "bank", "provider": "Other Bank", "password": PASSWORD,
                                                      "account_name": "Someone Else", "account_number": "ZZ001122334455"})
    db.session.expire_all()
    assert formula.payout_on_hold
    with pytest.raises(Conflict, match="changed its payout details"):
        payables.settle_period(staff, formula.id, "USD", JANUARY)
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == 0
    login(staff)
    page = client.get("/en/staff/payables/?start=2024-01-01&end=2024-02-01").text
    assert "Held: new payout details wait for confirmation." in page
    refused = client.post("/en/staff/payables/settle", follow_redirects=True, data={
        "store_id": formula.id, "currency": "USD", "start": "2024-01-01", "end": "2024-02-01"})
    assert "changed its payout details" in refused.text
    confirm_payout_details(staff, formula.id, payout_details_digest(formula))
    assert payables.settle_period(staff, formula.id, "USD", JANUARY).amount == 2050
