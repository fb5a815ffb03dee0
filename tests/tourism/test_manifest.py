"""The operator's manifest of a departure: confirmed travellers with their contact, bookings awaiting payment apart,
a CSV for spreadsheets, and check-in on the day; only for the departure's own operator."""
from __future__ import annotations

import csv
import io
from datetime import time, timedelta

import pytest

from campaigns.tourism import departures as departure_service
from campaigns.tourism.departures import DepartureSpec
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, TravellerInput, new_checkout_key, place_order
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.models import Traveller
from marketplace.orders.webhooks import apply_payment_report
from marketplace.payments import PaymentReport
from tests.tourism.conftest import DAY


@pytest.fixture(autouse=True)
def paying_online(online):
    """Every booking here is paid online."""


def booked(departure, buyer, names, notes="", pay=True):
    pid = departure.option.experience.product_id
    carts.add_booking(buyer, None, pid, HoldRef("departure", departure.id), {"adult": len(names)}, "en")
    order = place_order(buyer, Destination(recipient_name=names[0], phone="+212 600 000000", email="a@example.com",
                                           party={pid: [TravellerInput(name=n, notes=notes) for n in names]}),
                        new_checkout_key(), "en")
    if pay:
        report = PaymentReport(order.gateway_reference, order.id, "paid", order.total_amount, order.currency,
                               event_id=f"evt-{order.id}", event_type="test.paid")
        assert apply_payment_report(report, "fake") == "paid"
    return order


def test_the_manifest_lists_confirmed_travellers_and_bookings_awaiting_payment_apart(
        client, login, departure, vendor, make_user):
    paid = booked(departure, make_user(role=Role.SHOPPER), ["Amina Diallo", "Moussa Diallo"], notes="Végétarien")
    waiting = booked(departure, make_user(role=Role.SHOPPER), ["Li Wei"], pay=False)
    login(vendor)
    page = client.get(f"/fr/vendor/experiences/departures/{departure.id}/manifest").text
    confirmed, _sep, awaiting = page.partition("En attente de paiement")
    assert "Amina Diallo" in confirmed and "Moussa Diallo" in confirmed and "Végétarien" in confirmed
    assert paid.reference in confirmed and "+212 600 000000" in confirmed
    assert waiting.reference in awaiting and "Li Wei" in awaiting and waiting.reference not in confirmed
    assert "Places : 2 vendues, 1 en attente de paiement, 10 au total" in page
    assert "en dehors du Marché" not in page
    departure.seats_sold += 3  # the operator sold three seats at its own desk
    db.session.commit()
    page = client.get(f"/fr/vendor/experiences/departures/{departure.id}/manifest").text
    assert "3 places ont été vendues en dehors du Marché de la Route de la Soie" in page


def test_the_csv_has_a_row_per_traveller_that_spreadsheets_read_as_text(client, login, departure, vendor, make_user):
    booked(departure, make_user(role=Role.SHOPPER), ["=HYPERLINK(\"x\")", "Awa Ba"])
    login(vendor)
    response = client.get(f"/en/vendor/experiences/departures/{departure.id}/manifest.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Order", "Lead traveller"] and len(rows) == 3
    assert rows[1][4] == "'=HYPERLINK(\"x\")" and rows[2][4] == "Awa Ba" and rows[2][5] == "Adult"


def test_check_in_on_the_day_marks_and_unmarks_a_traveller(client, login, departure, vendor, make_user):
    booked(departure, make_user(role=Role.SHOPPER), ["Amina Diallo"])
    traveller = db.session.query(Traveller).one()
    url = f"/en/vendor/experiences/departures/{departure.id}/travellers/{traveller.id}/check-in"
    login(vendor)
    refused = client.post(url, data={"present": "1"}, follow_redirects=True)  # a month early
    assert "Check-in opens 12 hours before the start" in refused.text
    assert db.session.get(Traveller, traveller.id).checked_in_at is None
    with clock.freeze(clock.to_utc(departure.starts_at) - timedelta(minutes=20)):
        page = client.post(url, data={"present": "1"}, follow_redirects=True).text
        assert "Amina Diallo checked in." in page and "Checked in: 1 of 1" in page
        db.session.expire_all()
        assert db.session.get(Traveller, traveller.id).checked_in_at is not None
        client.post(url, data={"present": "0"})
        db.session.expire_all()
        assert db.session.get(Traveller, traveller.id).checked_in_at is None


def test_another_operator_or_a_shopper_cannot_read_the_manifest_or_check_anyone_in(
        client, login, departure, make_user, make_store):
    booked(departure, make_user(role=Role.SHOPPER), ["Amina Diallo"])
    traveller = db.session.query(Traveller).one()
    other = make_user(role=Role.VENDOR)
    make_store(owner=other, country_code="KE")
    base = f"/en/vendor/experiences/departures/{departure.id}"
    login(other)
    assert client.get(f"{base}/manifest").status_code == 404
    assert client.get(f"{base}/manifest.csv").status_code == 404
    with clock.freeze(clock.to_utc(departure.starts_at)):
        assert client.post(f"{base}/travellers/{traveller.id}/check-in", data={"present": "1"}).status_code == 404
    login(make_user(role=Role.SHOPPER))
    assert client.get(f"{base}/manifest").status_code == 403
    db.session.expire_all()
    assert db.session.get(Traveller, traveller.id).checked_in_at is None


def test_a_traveller_of_another_departure_is_not_on_this_manifest(
        client, login, departure, vendor, make_user):
    other = departure_service.add_departure(vendor, departure.option_id, DAY + timedelta(days=1), time(7, 30),
                                            DepartureSpec(capacity=10, cutoff_hours=48))
    booked(other, make_user(role=Role.SHOPPER), ["Awa Ba"])
    traveller = db.session.query(Traveller).one()
    login(vendor)
    with clock.freeze(clock.to_utc(departure.starts_at)):
        response = client.post(f"/en/vendor/experiences/departures/{departure.id}/travellers/{traveller.id}/check-in",
                               data={"present": "1"})
    assert response.status_code == 404
