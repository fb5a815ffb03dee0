"""Ratings in search on every backend: a review (or hiding one) refreshes the product's document after its
commit, and the "4★ & up" facet, the rating filter and the rating order follow, on the page and in the API."""
from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from marketplace.reviews import services
from marketplace.search import get_search_index
from tests.reviews.conftest import bought, review_input, shopper  # noqa: F401 - fixtures used below


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


def test_reviews_reach_the_index_and_search_filters_and_sorts_by_rating(app, client, make_product, bought,  # noqa: F811
                                                                          shopper, staff):  # noqa: F811
    loved = make_product(texts={"en": "Baobab honey"})
    liked = make_product(texts={"en": "Acacia honey"})
    unrated = make_product(texts={"en": "Forest honey"})
    from marketplace.search.services import reindex_products
    reindex_products([loved.id, liked.id, unrated.id])
    services.create_review(shopper, bought(loved).lines[0].id, review_input(rating=5))
    services.create_review(shopper, bought(liked).lines[0].id, review_input(rating=4))
    disliked = services.create_review(shopper, bought(liked).lines[0].id, review_input(rating=2))
    result = client.get("/api/v1/search?q=honey&sort=rating").get_json()
    assert [item["slug"] for item in result["items"]] == [loved.slug, liked.slug, unrated.slug]  # 5, 3, none
    assert result["items"][0]["rating"] == {"average": 5.0, "count": 1}
    assert {f["value"]: f["count"] for f in result["facets"]["rating"]} == {"4": 1}  # liked is at 3.0
    services.hide_review(staff, disliked.id, "Written by a competitor")
    four_up = client.get("/api/v1/search?q=honey&rating=4").get_json()
    assert sorted(item["slug"] for item in four_up["items"]) == sorted([loved.slug, liked.slug])
    page = client.get("/en/search?q=honey&rating=4").get_data(as_text=True)
    assert "4★" in page and "Forest honey" not in page and "Best rated first" in page
    assert client.get("/en/search?q=honey&rating=9").status_code == 200  # a bad value: a message, not a 500
    assert "Choose a rating from 1 to 5 stars." in client.get("/en/search?q=honey&rating=9").get_data(as_text=True)
    assert get_search_index().count() == 3
