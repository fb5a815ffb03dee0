"""Review pages through the client: writing one with a photo, where it shows, escaping, the vendor's answer and
staff moderation as each person sees them."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState
from marketplace.reviews import services
from marketplace.reviews.models import Review
from tests.reviews.conftest import review_input
from tests.vendors.photo_files import jpeg


def test_a_shopper_reviews_a_delivered_line_with_a_photo_and_it_shows_on_the_product_page(
        app, client, login, make_product, bought, shopper):
    product = make_product(texts={"en": "Shea butter"})
    order = bought(product)
    line = order.lines[0]
    login(shopper)
    page = client.get(f"/zh/orders/{order.reference}").get_data(as_text=True)
    assert f"/zh/orders/lines/{line.id}/review" in page
    response = client.post(f"/zh/orders/lines/{line.id}/review", data={
        "rating": "5", "language": "zh", "body": "非常好，包装很仔细。<script>alert(1)</script>",
        "translation_language": "", "translation": "",
        "photos": [(io.BytesIO(jpeg((400, 300))), "photo.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    review = db.session.scalars(select(Review)).one()
    assert len(review.photos) == 1 and review.language == "zh"
    shown = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert "非常好，包装很仔细。&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>alert(1)" not in shown
    assert "Écrit en" in shown or "Written in" in shown  # marked as the reviewer's language
    assert review.photos[0].key in shown
    again = client.get(f"/zh/orders/lines/{line.id}/review")
    assert again.status_code == 409
    assert f"/zh/orders/lines/{line.id}/review" not in client.get(f"/zh/orders/{order.reference}").get_data(as_text=True)


def test_a_translation_is_shown_to_readers_of_its_language(app, client, make_product, bought, shopper):
    product = make_product()
    services.create_review(shopper, bought(product).lines[0].id, review_input(
        language="zh", body="很好", translations={"fr": "Très bien"}))
    assert "Très bien" in client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    chinese = client.get(f"/zh/products/{product.slug}").get_data(as_text=True)
    assert "很好" in chinese and "Très bien" not in chinese
    english = client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert "很好" in english and "Written in" in english


def test_the_form_refuses_an_undelivered_line_and_someone_elses(app, client, login, make_product, make_user,
                                                               bought, shopper):
    product = make_product()
    shipped = bought(product, state=FulfilmentState.SHIPPED).lines[0]
    theirs = bought(product, buyer=make_user()).lines[0]
    login(shopper)
    refused = client.post(f"/en/orders/lines/{shipped.id}/review", data={"rating": "5", "language": "en"})
    assert refused.status_code == 409 and "once its order has been delivered" in refused.get_data(as_text=True)
    assert client.post(f"/en/orders/lines/{theirs.id}/review", data={"rating": "5", "language": "en"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_bad_form_input_rerenders_with_messages(app, client, login, make_product, bought, shopper):
    line = bought(make_product()).lines[0]
    login(shopper)
    response = client.post(f"/en/orders/lines/{line.id}/review", data={
        "rating": "5", "language": "en", "body": "Nice",
        "photos": [(io.BytesIO(b"GIF89a not really"), "x.gif")]}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "not a JPEG, PNG or WebP" in response.get_data(as_text=True)
    no_stars = client.post(f"/en/orders/lines/{line.id}/review", data={"language": "en", "body": "Nice"})
    assert no_stars.status_code == 422 and "Choose from 1 to 5 stars." in no_stars.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_ten_megabytes_of_review_text_are_refused_before_anything_is_written(app, client, login, make_product,
                                                                             bought, shopper):
    line = bought(make_product()).lines[0]
    login(shopper)
    response = client.post(f"/en/orders/lines/{line.id}/review",
                           data={"rating": "5", "language": "en", "body": "a" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_the_vendor_answers_from_its_reviews_page_and_staff_hide_with_a_reason(
        app, client, login, make_product, bought, shopper, staff):
    product = make_product()
    review = services.create_review(shopper, bought(product).lines[0].id, review_input(body="Arrived broken"))
    login(product.store.owner)
    listing = client.get("/fr/vendor/reviews/")
    assert listing.status_code == 200 and "Arrived broken" in listing.get_data(as_text=True)
    client.post(f"/fr/vendor/reviews/{review.id}/answer", data={"answer": "Désolé, nous renvoyons un pot.",
                                                                "language": "fr"})
    assert "Désolé, nous renvoyons un pot." in client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert client.get("/en/staff/reviews/").status_code == 403
    login(staff)
    client.post(f"/en/staff/reviews/{review.id}/hide", data={"reason": "Shares a private phone number"})
    db.session.expire_all()
    assert db.session.get(Review, review.id).is_hidden
    assert "Arrived broken" not in client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    login(shopper)
    mine = client.get("/en/reviews/mine").get_data(as_text=True)
    assert "Shares a private phone number" in mine and "Arrived broken" in mine
