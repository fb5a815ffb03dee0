"""Who may review, answer and moderate, through the services: every refusal changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState
from marketplace.reviews import services
from marketplace.reviews.models import Review, ReviewPhoto, ReviewState
from marketplace.vendors.models import Store
from tests.reviews.conftest import review_input
from tests.vendors.photo_files import jpeg

F = FulfilmentState


def counts(product_id: int) -> tuple:
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    store = db.session.get(Store, product.store_id)
    return (db.session.scalar(select(func.count()).select_from(Review)), product.rating_count, product.rating_total,
            store.rating_count, store.rating_total)


def test_a_delivered_line_is_reviewed_once_and_counts_in_the_ratings(app, make_product, bought, shopper):
    product = make_product()
    line = bought(product).lines[0]
    review = services.create_review(shopper, line.id, review_input(rating=4))
    assert review.state == ReviewState.SHOWN and review.store_id == product.store_id
    assert counts(product.id) == (1, 1, 4, 1, 4)
    second_line = bought(product).lines[0]
    services.create_review(shopper, second_line.id, review_input(rating=5))  # another purchase: another review
    db.session.expire_all()
    assert db.session.get(Product, product.id).rating_average == 4.5
    with pytest.raises(Conflict, match="already reviewed"):
        services.create_review(shopper, line.id, review_input(rating=1))
    assert counts(product.id) == (2, 2, 9, 2, 9)


@pytest.mark.parametrize("state", [F.CONFIRMED, F.PAID, F.PACKED, F.SHIPPED, F.CANCELLED, F.REFUNDED])
def test_a_line_not_delivered_cannot_be_reviewed(app, make_product, bought, shopper, state):
    product = make_product()
    line = bought(product, state=state).lines[0]
    with pytest.raises(Conflict, match="once its order has been delivered"):
        services.create_review(shopper, line.id, review_input())
    assert counts(product.id) == (0, 0, 0, 0, 0)


def test_someone_elses_line_is_not_found(app, make_product, make_user, bought, shopper):
    product = make_product()
    other = make_user(role=Role.SHOPPER)
    line = bought(product, buyer=other).lines[0]
    with pytest.raises(NotFound):
        services.create_review(shopper, line.id, review_input())
    with pytest.raises(NotFound):
        services.create_review(shopper, 2**40, review_input())
    with pytest.raises(PermissionDenied):  # a vendor, even the seller, writes no reviews
        services.create_review(product.store.owner, line.id, review_input())
    assert counts(product.id) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("given,field", [
    (dict(rating=0), "rating"), (dict(rating=6), "rating"), (dict(rating="five"), "rating"), (dict(rating=True), "rating"),
    (dict(language="de"), "language"), (dict(body="x" * 4001), "body"), (dict(body="bad\x07bell"), "body"),
    (dict(translations={"en": "Same language"}), "translation_language"),
    (dict(translations={"xx": "Unknown"}), "translation_language"),
    (dict(body="", translations={"fr": "Traduction sans texte"}), "body"),
    (dict(photos=[jpeg((200, 200))] * 4), "photos"), (dict(photos=[b"<svg onload=alert(1)>"]), "photos"),
    (dict(photos=[jpeg((20, 20))]), "photos"),
])
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(app, make_product, bought, shopper, given, field):
    product = make_product()
    line = bought(product).lines[0]
    with pytest.raises(ValidationError) as refused:
        services.create_review(shopper, line.id, review_input(**given))
    assert field in refused.value.fields
    assert counts(product.id) == (0, 0, 0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(ReviewPhoto)) == 0


def test_photos_go_through_the_pipeline_and_translations_are_kept(app, make_product, bought, shopper):
    product = make_product()
    line = bought(product).lines[0]
    review = services.create_review(shopper, line.id, review_input(
        language="zh", body="很好的乳木果油", translations={"fr": "Très bon beurre de karité"},
        photos=[jpeg((640, 480)), jpeg((300, 300), color=(10, 90, 200))]))
    assert {t.language: t.body for t in review.texts} == {"zh": "很好的乳木果油", "fr": "Très bon beurre de karité"}
    assert [p.position for p in review.photos] == [0, 1]
    from marketplace.media import get_image_store
    from marketplace.media.pipeline import rendition_name
    first = review.photos[0]
    assert get_image_store().exists(rendition_name(first.key, first.fallback_width, "jpg"))


def test_the_vendor_answers_its_own_stores_review_once(app, make_product, make_store, bought, shopper):
    product = make_product()
    review = services.create_review(shopper, bought(product).lines[0].id, review_input())
    other_vendor = make_store().owner
    with pytest.raises(NotFound):
        services.answer_review(other_vendor, review.id, "Merci !", "fr")
    with pytest.raises(NotFound):
        services.answer_review(shopper, review.id, "I am not the vendor", "en")
    with pytest.raises(ValidationError):
        services.answer_review(product.store.owner, review.id, "   ", "fr")
    answered = services.answer_review(product.store.owner, review.id, "Merci pour votre avis !", "fr")
    assert (answered.answer, answered.answer_language) == ("Merci pour votre avis !", "fr")
    with pytest.raises(Conflict, match="answer already"):
        services.answer_review(product.store.owner, review.id, "Second answer", "fr")
    db.session.expire_all()
    assert db.session.get(Review, review.id).answer == "Merci pour votre avis !"


def test_only_staff_hide_and_the_ratings_follow(app, make_product, bought, shopper, staff):
    product = make_product()
    review = services.create_review(shopper, bought(product).lines[0].id, review_input(rating=2))
    for someone in (shopper, product.store.owner):
        with pytest.raises(PermissionDenied):
            services.hide_review(someone, review.id, "Not allowed")
    with pytest.raises(ValidationError):
        services.hide_review(staff, review.id, "")
    assert counts(product.id) == (1, 1, 2, 1, 2)
    hidden = services.hide_review(staff, review.id, "Contains a phone number")
    assert hidden.is_hidden and hidden.hidden_reason == "Contains a phone number"
    assert counts(product.id) == (1, 0, 0, 0, 0)
    with pytest.raises(Conflict):
        services.hide_review(staff, review.id, "Again")
    assert counts(product.id) == (1, 0, 0, 0, 0)
    with pytest.raises(PermissionDenied):
        services.show_review(product.store.owner, review.id)
    services.show_review(staff, review.id)
    assert counts(product.id) == (1, 1, 2, 1, 2)
