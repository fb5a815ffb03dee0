"""Festival banners: staff upload, replace and remove them; pages, the calendar and the API show them."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from campaigns.demo.festivals import DEMO_FESTIVALS, seed_festivals
from campaigns.festivals import banners
from campaigns.festivals.models import Festival
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.media.pipeline import RENDITION_WIDTHS, rendition_name
from tests.festivals.conftest import REGISTRATION_OPENS, SECOND, WARMUP_STARTS
from tests.festivals.staff_form import form_fields, media_files, upload
from tests.vendors import photo_files

BEFORE = REGISTRATION_OPENS - timedelta(days=1)  # every time of the festival is still ahead
SHOWN = WARMUP_STARTS + SECOND  # shoppers see the festival
RED, BLUE = (220, 30, 30), (30, 30, 220)
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="400">'
       b'<rect width="1200" height="400" fill="red"/></svg>')


def banded_jpeg(size: tuple[int, int] = (1200, 1200), middle: tuple[int, int, int] = RED) -> bytes:
    """Blue above and below, `middle` across the middle third: a centred 3:1 crop keeps only the middle."""
    width, height = size
    image = Image.new("RGB", size, BLUE)
    image.paste(middle, (0, height // 3, width, 2 * height // 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def edit(client, festival: Festival, lang: str = "en", **changes):
    return client.post(f"/{lang}/staff/festivals/{festival.id}/edit", data=form_fields(festival, **changes))


def stored(festival_id: int) -> Festival:
    db.session.expire_all()
    return db.session.get(Festival, festival_id)


def rendition_names(festival: Festival) -> list[str]:
    image = festival.banner
    return ([rendition_name(image.key, w, "webp") for w in image.widths]
            + [rendition_name(image.key, image.fallback_width, "jpg")])


@pytest.fixture
def staff_client(client, login, staff):
    login(staff)
    return client


def test_an_uploaded_banner_is_cropped_rendered_and_shown_everywhere(app, staff_client, make_festival):
    festival = make_festival()
    with clock.freeze(BEFORE):
        response = edit(staff_client, festival, banner=upload(banded_jpeg()))
    assert response.status_code == 302
    festival = stored(festival.id)
    image = festival.banner
    assert (image.width, image.height) == (1200, 400) and image.widths == [240, 480, 960]
    store = get_image_store()
    assert all(store.exists(name) for name in rendition_names(festival))
    # the middle third was kept: the rendition is red edge to edge, no blue band from above or below
    largest = Image.open(io.BytesIO(store.read(rendition_name(image.key, 960, "webp")))).convert("RGB")
    assert largest.size == (960, 320)
    for point in ((2, 2), (957, 2), (480, 160), (2, 317), (957, 317)):
        red, _green, blue = largest.getpixel(point)
        assert red > 150 and blue < 100, point

    anonymous = app.test_client()
    with clock.freeze(SHOWN):
        landing = anonymous.get(f"/en/festivals/{festival.slug}").get_data(as_text=True)
        index = anonymous.get("/en/festivals/").get_data(as_text=True)
        chinese = anonymous.get(f"/zh/festivals/{festival.slug}").get_data(as_text=True)
        api = anonymous.get(f"/api/v1/festivals/{festival.slug}").get_json()["festival"]["banner"]
        calendar = staff_client.get("/en/staff/festivals/?month=2031-03").get_data(as_text=True)
    srcset = f"/media/{image.key}-240.webp 240w, /media/{image.key}-480.webp 480w, /media/{image.key}-960.webp 960w"
    for page in (landing, index):
        assert "<picture>" in page and f'srcset="{srcset}"' in page
        assert f'src="/media/{image.key}-480.jpg" alt="Coffee &amp; Tea Week"' in page
        assert 'width="480" height="160"' in page
    assert 'fetchpriority="high"' in landing and 'loading="lazy"' in index
    assert 'alt="咖啡与茶周"' in chinese
    assert f"/media/{image.key}-240.webp 240w" in calendar and 'width="120" height="40"' in calendar
    assert api["width"] == 1200 and api["alt"] == "Coffee & Tea Week"
    assert [(r["width"], r["height"], r["type"]) for r in api["renditions"]] == [
        (240, 80, "image/webp"), (480, 160, "image/webp"), (960, 320, "image/webp")]
    assert api["fallback"]["url"] == f"/media/{image.key}-480.jpg"
    served = anonymous.get(api["renditions"][-1]["url"])
    assert served.status_code == 200 and served.mimetype == "image/webp"


def test_a_festival_without_a_banner_shows_none(app, make_festival):
    festival = make_festival()
    client = app.test_client()
    with clock.freeze(SHOWN):
        assert "<picture>" not in client.get(f"/en/festivals/{festival.slug}").get_data(as_text=True)
        assert client.get(f"/api/v1/festivals/{festival.slug}").get_json()["festival"]["banner"] is None
        listed = client.get("/api/v1/festivals?status=upcoming").get_json()["items"]
    assert [item["banner"] for item in listed] == [None]


def test_a_festival_can_be_scheduled_with_its_banner(staff_client):
    data = {
        "name_en": "Harvest Week", "original_language": "en", "time_zone": "Africa/Nairobi", "theme_en": "Harvest",
        "registration_opens": "2031-05-01T09:00", "registration_closes": "2031-05-10T18:00",
        "warmup_starts": "2031-05-15T09:00", "wave_0_starts": "2031-05-20T20:00", "wave_0_ends": "2031-05-22T20:00",
        "banner": upload(photo_files.png((900, 300)), "banner.png"),
    }
    with clock.freeze(REGISTRATION_OPENS):
        assert staff_client.post("/en/staff/festivals/new", data=data).status_code == 302
    festival = db.session.scalars(select(Festival)).one()
    assert festival.banner.widths == [240, 480, 900] and (festival.banner.width, festival.banner.height) == (900, 300)


@pytest.mark.parametrize(("body", "name", "message"), [
    (photo_files.PDF, "banner.jpg", "This file is not a JPEG, PNG or WebP picture."),
    (SVG, "banner.svg", "This file is not a JPEG, PNG or WebP picture."),
    (photo_files.GIF, "banner.gif", "This file is not a JPEG, PNG or WebP picture."),
    (photo_files.png_bomb(), "bomb.png", "This picture has too many pixels"),
    (b"\xff\xd8\xff" + bytes(banners.MAX_BANNER_BYTES), "huge.jpg", "This file is larger than 10 MB."),
    (photo_files.jpeg((600, 150)), "small.jpg", "too small for a banner: it needs at least 480 × 160 pixels"),
    (photo_files.truncated_jpeg(), "cut.jpg", "damaged or incomplete"),
    (b"", "empty.jpg", "This file is empty."),
])
def test_a_bad_file_is_refused_with_a_message_and_changes_nothing(staff_client, make_festival, body, name, message):
    festival = make_festival()
    with clock.freeze(BEFORE):
        assert edit(staff_client, festival, banner=upload(banded_jpeg())).status_code == 302
        before, files = stored(festival.id).banner, media_files()
        response = edit(staff_client, festival, theme_en="Harvest Week", name_en="Harvest Festival",
                        banner=upload(body, name))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'id="banner-error"' in page
    # the other edits stay in the form to submit again, and nothing of them nor of the file was saved
    assert 'value="Harvest Week"' in page and 'value="Harvest Festival"' in page
    festival = stored(festival.id)
    assert {t.language: t.theme for t in festival.texts}["en"] == "Coffee & Tea Week" and festival.banner == before
    assert {t.name for t in festival.texts} == {"Coffee & Tea Week", "咖啡与茶周"}
    assert media_files() == files


def test_the_refusal_is_in_the_staff_members_language(staff_client, make_festival):
    festival = make_festival()
    with clock.freeze(BEFORE):
        response = edit(staff_client, festival, lang="fr", banner=upload(SVG, "banner.svg"))
    assert response.status_code == 422
    assert "Ce fichier n’est pas une image JPEG, PNG ou WebP." in response.get_data(as_text=True)


@pytest.mark.parametrize(("change", "message"), [
    ({"time_zone": "Africa/Atlantis"}, "Unknown time zone: Africa/Atlantis."),  # refused by the service
    ({"name_en": "N" * 121}, "Field cannot be longer than 120 characters."),  # refused by the form itself
])
def test_a_good_file_with_another_mistake_is_not_stored_and_staff_are_told_to_choose_it_again(
        staff_client, make_festival, change, message):
    festival = make_festival()
    picture = banded_jpeg(middle=(17, 171, 71))  # a picture no other test stores
    key = banners.prepare_banner(picture).key
    with clock.freeze(BEFORE):
        files = media_files()
        response = edit(staff_client, festival, banner=upload(picture), **change)
    page = response.get_data(as_text=True)
    assert message in page and response.status_code in (200, 422)
    assert "Nothing was saved: choose the banner picture again." in page
    assert stored(festival.id).banner is None and media_files() == files
    assert not any(name.startswith(key) for name in files)


def test_replacing_a_banner_deletes_the_old_files_unless_another_festival_shows_them(staff_client, make_festival):
    festival, other = make_festival(), make_festival(slug="tea-week")
    store = get_image_store()
    with clock.freeze(BEFORE):
        edit(staff_client, festival, banner=upload(banded_jpeg()))
        first_key, first = stored(festival.id).banner_key, rendition_names(stored(festival.id))
        edit(staff_client, festival, banner=upload(photo_files.webp((960, 480)), "new.webp"))
        second_key, second = stored(festival.id).banner_key, rendition_names(stored(festival.id))
        assert second_key != first_key and all(store.exists(name) for name in second)
        assert not any(store.exists(name) for name in first)
        # the same picture on two festivals: replacing it on one keeps the files the other shows
        edit(staff_client, other, banner=upload(photo_files.webp((960, 480)), "new.webp"))
        edit(staff_client, festival, banner=upload(banded_jpeg()))
    assert stored(festival.id).banner_key == first_key and stored(other.id).banner_key == second_key
    assert all(store.exists(name) for name in second + first)


def test_removing_a_banner(app, staff_client, make_festival):
    festival = make_festival()
    with clock.freeze(BEFORE):
        edit(staff_client, festival, banner=upload(banded_jpeg()))
        names = rendition_names(stored(festival.id))
        form = staff_client.get(f"/en/staff/festivals/{festival.id}/edit").get_data(as_text=True)
        assert "Remove the banner" in form and f"/media/{names[0]}" in form
        both = edit(staff_client, festival, remove_banner="y", banner=upload(photo_files.jpeg((900, 300))))
        assert both.status_code == 422 and "not both" in both.get_data(as_text=True)
        assert stored(festival.id).banner is not None
        assert edit(staff_client, festival, remove_banner="y").status_code == 302
    assert stored(festival.id).banner is None
    assert not any(get_image_store().exists(name) for name in names)
    with clock.freeze(SHOWN):
        assert "<picture>" not in app.test_client().get(f"/en/festivals/{festival.slug}").get_data(as_text=True)


def test_an_edit_without_a_file_keeps_the_banner(staff_client, make_festival):
    festival = make_festival()
    with clock.freeze(BEFORE):
        edit(staff_client, festival, banner=upload(banded_jpeg()))
        before = stored(festival.id).banner
        assert edit(staff_client, festival, theme_en="Tea Week").status_code == 302
    festival = stored(festival.id)
    assert {t.language: t.theme for t in festival.texts}["en"] == "Tea Week" and festival.banner == before


@pytest.mark.parametrize(("role", "status"), [(None, 302), (Role.SHOPPER, 403), (Role.VENDOR, 403)])
def test_only_staff_upload_banners(client, login, make_user, make_festival, role, status):
    festival = make_festival()
    if role is not None:
        login(make_user(role=role))
    files = media_files()
    with clock.freeze(BEFORE):
        assert client.get(f"/en/staff/festivals/{festival.id}/edit").status_code == status
        response = edit(client, festival, banner=upload(banded_jpeg()))
        created = client.post("/en/staff/festivals/new", data={"banner": upload(banded_jpeg())})
    assert response.status_code == status and created.status_code == status
    if status == 302:
        assert "/account/login" in response.headers["Location"]
    assert stored(festival.id).banner is None and media_files() == files


@pytest.mark.parametrize(("size", "box"), [
    ((1200, 400), (0, 0, 1200, 400)),
    ((1200, 1200), (0, 400, 1200, 800)),
    ((1000, 100), (350, 0, 650, 100)),
    ((1001, 700), (1, 183, 1000, 516)),
    ((400, 1600), (0, 733, 399, 866)),
])
def test_the_crop_is_the_largest_centred_3_to_1_box(size, box):
    assert banners.crop_box(*size) == box
    left, top, right, bottom = box
    assert right - left == 3 * (bottom - top)


def test_a_wide_jpeg_is_judged_at_its_uploaded_size_not_its_decoding_scale():
    # 4000 × 500 decodes at a quarter (1000 × 125, a 375-wide strip); uploaded, its strip is 1500 wide.
    processed = banners.prepare_banner(photo_files.jpeg((4000, 500)))
    assert processed.width == 3 * processed.height


def test_a_panorama_keeps_enough_height_for_a_sharp_widest_rendition():
    # 3840 × 600: decoding at a quarter by width (960 × 150) left a 450-wide strip for a 960-wide banner.
    processed = banners.prepare_banner(photo_files.jpeg((3840, 600)))
    assert (processed.width, processed.height) == (1800, 600)
    assert processed.widths[-1] == RENDITION_WIDTHS[-1]
    tall = banners.prepare_banner(photo_files.jpeg((2400, 4000)))  # still decoded small when width allows
    assert (tall.width, tall.height) == (1200, 400)  # decoded at half: 1200 × 2000


def test_demo_festivals_get_drawn_banners(app):
    with clock.freeze(REGISTRATION_OPENS):
        assert seed_festivals() == len(DEMO_FESTIVALS)
    festivals = db.session.scalars(select(Festival)).all()
    store = get_image_store()
    assert len({f.banner_key for f in festivals}) == len(DEMO_FESTIVALS), "each festival has its own banner"
    for festival in festivals:
        assert festival.banner.widths == [240, 480, 960] and festival.banner.height == 320
        assert all(store.exists(name) for name in rendition_names(festival))
    with clock.freeze(REGISTRATION_OPENS):
        page = app.test_client().get("/en/festivals/").get_data(as_text=True)
    assert len(re.findall(r"<picture>", page)) == len(DEMO_FESTIVALS)
