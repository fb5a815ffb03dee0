import pytest


@pytest.mark.parametrize("lang", ["en", "ar", "zh"])
def test_home_renders(client, make_product, lang):
    make_product(name="Raw shea butter", featured=True)
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    assert "Raw shea butter" in response.get_data(as_text=True)
