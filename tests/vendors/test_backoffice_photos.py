"""Product photos in the back office: upload, refusals, the limit of eight, order and cover, deletion, jobs."""
from __future__ import annotations

import io
import os
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import func, select

from marketplace.catalog.models import ProductImage
from marketplace.core import jobs
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name
from marketplace.vendors.backoffice import photos
from marketplace.vendors.backoffice.photos import OriginalsFolder
from tests.services import ci_redis
from tests.vendors import photo_files

BASE = "/en/vendor/products"


@pytest.fixture
def shop(client, login, make_store, make_product):
    store = make_store()
    login(store.owner)
    return SimpleNamespace(store=store, product=make_product(store=store, name="Sisal basket"))


def upload(client, product_id: int, *files: tuple[bytes, str], lang: str = "en"):
    data = {"photos": [(io.BytesIO(body), name) for body, name in files]}
    return client.post(f"/{lang}/vendor/products/{product_id}/photos", data=data, content_type="multipart/form-data")


def images_of(product_id: int) -> list[ProductImage]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(ProductImage).where(ProductImage.product_id == product_id).order_by(ProductImage.position)
    ))


def test_upload_makes_ready_renditions_served_without_metadata(client, shop):
    response = upload(client, shop.product.id, (photo_files.phone_jpeg(), "IMG_0001.JPG"), (photo_files.png(), "b.png"))
    assert response.status_code == 302
    images = images_of(shop.product.id)
    assert [(i.position, i.status) for i in images] == [(0, "ready"), (1, "ready")]
    cover = images[0]
    assert (cover.width, cover.height) == (60, 120)  # turned upright
    served = client.get(f"/media/{rendition_name(cover.key, cover.widths[-1], 'webp')}")
    assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]
    fallback = client.get(f"/media/{rendition_name(cover.key, cover.fallback_width, 'jpg')}").data
    for body in (served.data, fallback):
        assert b"Exif" not in body and b"SecretPhoneMaker" not in body and b"secret comment" not in body
        assert dict(Image.open(io.BytesIO(body)).getexif()) == {}
    # the shop shows the cover with srcset, width and height
    page = client.get(f"/en/products/{shop.product.slug}").get_data(as_text=True)
    assert f"{cover.key}-60.webp 60w" in page and 'width="60" height="120"' in page
    editor = client.get(f"{BASE}/{shop.product.id}/photos").get_data(as_text=True)
    assert "Cover" in editor and "Move down" in editor


@pytest.mark.parametrize(("body", "name", "message"), [
    (photo_files.PDF, "scan.jpg", "not a JPEG, PNG or WebP picture"),
    (photo_files.HTML, "photo.png", "not a JPEG, PNG or WebP picture"),
    (photo_files.GIF, "photo.webp", "not a JPEG, PNG or WebP picture"),
    (b"", "empty.jpg", "This file is empty."),
    (photo_files.truncated_jpeg(), "cut.jpg", "damaged or incomplete"),
    (photo_files.png_bomb(), "bomb.png", "too many pixels"),
    (photo_files.jpeg((10, 10)), "tiny.jpg", "too small"),
])
def test_bad_files_are_refused_with_a_message_and_nothing_is_saved(client, shop, body, name, message):
    response = upload(client, shop.product.id, (photo_files.jpeg(), "good.jpg"), (body, name))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and name in page
    assert images_of(shop.product.id) == []


def test_no_file_chosen(client, shop):
    response = client.post(f"{BASE}/{shop.product.id}/photos", data={"photos": "not a file"})
    assert response.status_code == 422
    assert "Choose one or more photos" in response.get_data(as_text=True)


def test_at_most_eight_photos(client, shop):
    assert upload(client, shop.product.id, *[(photo_files.jpeg(color=(i * 20, 0, 0)), f"{i}.jpg") for i in range(7)]
                  ).status_code == 302
    response = upload(client, shop.product.id, (photo_files.jpeg(), "8.jpg"), (photo_files.jpeg(), "9.jpg"))
    assert response.status_code == 422 and "you can add 1 more" in response.get_data(as_text=True)
    assert len(images_of(shop.product.id)) == 7
    assert upload(client, shop.product.id, (photo_files.webp(), "8.webp")).status_code == 302
    response = upload(client, shop.product.id, (photo_files.jpeg(), "9.jpg"))
    assert response.status_code == 422 and "at most 8 photos" in response.get_data(as_text=True)
    assert len(images_of(shop.product.id)) == 8
    nine = upload(client, shop.product.id, *[(photo_files.jpeg(), f"{i}.jpg") for i in range(9)])
    assert nine.status_code == 422 and len(images_of(shop.product.id)) == 8


def test_reorder_cover_and_delete_without_javascript(client, shop):
    files = [(photo_files.jpeg(color=(c, 10, 10)), f"{c}.jpg") for c in (10, 110, 210)]
    upload(client, shop.product.id, *files)
    first, second, third = (i.id for i in images_of(shop.product.id))
    url = f"{BASE}/{shop.product.id}/photos"
    client.post(f"{url}/{third}/move", data={"direction": "up"})
    assert [i.id for i in images_of(shop.product.id)] == [first, third, second]
    client.post(f"{url}/{first}/move", data={"direction": "up"})  # already first: nothing moves
    client.post(f"{url}/{second}/move", data={"direction": "down"})  # already last
    assert [i.id for i in images_of(shop.product.id)] == [first, third, second]
    assert client.post(f"{url}/{first}/move", data={"direction": "sideways"}).status_code == 302
    client.post(f"{url}/{second}/cover")
    assert [i.id for i in images_of(shop.product.id)] == [second, first, third]
    db.session.expire_all()
    assert shop.product.cover.id == second

    doomed = images_of(shop.product.id)[1]
    names = [rendition_name(doomed.key, w, "webp") for w in doomed.widths]
    assert all(get_image_store().exists(name) for name in names)
    client.post(f"{url}/{first}/delete")
    images = images_of(shop.product.id)
    assert [(i.id, i.position) for i in images] == [(second, 0), (third, 1)]
    assert not any(get_image_store().exists(name) for name in names)


def test_deleting_a_photo_keeps_files_another_product_still_shows(client, shop):
    upload(client, shop.product.id, (photo_files.jpeg(), "a.jpg"))
    client.post(f"{BASE}/{shop.product.id}/duplicate")
    image = images_of(shop.product.id)[0]
    client.post(f"{BASE}/{shop.product.id}/photos/{image.id}/delete")
    assert get_image_store().exists(rendition_name(image.key, image.fallback_width, "jpg"))


# --- Processing after the upload returns ------------------------------------------------------

class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[tuple] = []

    def enqueue(self, function, *args, **kwargs) -> None:
        self.jobs.append((function, args))


QUEUES = ["recorded"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.fixture(params=QUEUES)
def queued(request, make_app, monkeypatch):
    """An app that sends photos to a job queue, and a function that runs the queued jobs."""
    if request.param == "recorded":
        queue = RecordingQueue()
        monkeypatch.setattr(jobs, "queue", lambda app, name=None: queue)
        app = make_app(IMAGE_JOBS="rq", REDIS_URL="redis://127.0.0.1:1/0")

        def run_jobs() -> None:
            for function, args in queue.jobs:
                function(*args)

        yield SimpleNamespace(app=app, run_jobs=run_jobs)
        return
    from rq import Queue, SimpleWorker

    url, connection = ci_redis()
    name = f"test-photos-{uuid.uuid4().hex}"
    app = make_app(IMAGE_JOBS="rq", REDIS_URL=url, RQ_QUEUE=name)

    def run_jobs() -> None:
        queue = Queue(name, connection=connection)
        SimpleWorker([queue], connection=connection).work(burst=True)

    yield SimpleNamespace(app=app, run_jobs=run_jobs)
    Queue(name, connection=connection).delete(delete_jobs=True)


def test_queued_photo_shows_a_placeholder_until_its_job_has_run(app, queued, login, make_store, make_product):
    store = make_store()
    product = make_product(store=store)
    client = queued.app.test_client()
    client.post("/en/account/login", data={"email": store.owner.email, "password": "correct horse battery"})
    data = photo_files.jpeg((400, 300))
    assert upload(client, product.id, (data, "a.jpg"), (photo_files.truncated_jpeg(), "b.jpg")).status_code == 302
    pending, broken = images_of(product.id)
    assert (pending.status, broken.status) == ("pending", "pending")
    folder = OriginalsFolder(app.config["PRIVATE_UPLOAD_DIR"])
    assert folder.read(pending.key) == data  # kept privately under its content hash
    assert not Path(app.config["MEDIA_ROOT"], pending.key[:2], pending.key).exists()
    db.session.expire_all()
    assert product.cover is None
    shop_page = client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert 'class="no-photo"' in shop_page
    assert "Being processed" in client.get(f"{BASE}/{product.id}/photos").get_data(as_text=True)

    queued.run_jobs()
    ready, failed = images_of(product.id)
    assert ready.status == "ready" and ready.widths == [240, 400] and len(ready.key) == 32
    assert failed.status == "failed" and failed.failure == "unreadable"
    assert folder.read(pending.key) is None  # the original is gone once processed
    db.session.expire_all()
    assert product.cover.id == ready.id
    page = client.get(f"{BASE}/{product.id}/photos").get_data(as_text=True)
    assert "damaged or incomplete" in page
    assert f"{ready.key}-400.webp" in client.get(f"/en/products/{product.slug}").get_data(as_text=True)


def test_the_job_leaves_a_photo_deleted_meanwhile_alone(app, queued, make_store, make_product):
    store = make_store()
    product = make_product(store=store)
    client = queued.app.test_client()
    client.post("/en/account/login", data={"email": store.owner.email, "password": "correct horse battery"})
    upload(client, product.id, (photo_files.jpeg(), "a.jpg"))
    image = images_of(product.id)[0]
    image_id, key = image.id, image.key
    client.post(f"{BASE}/{product.id}/photos/{image_id}/delete")
    queued.run_jobs()
    assert images_of(product.id) == []
    assert OriginalsFolder(app.config["PRIVATE_UPLOAD_DIR"]).read(key) is None
    assert photos.process_product_image(image_id) == "gone"


def test_an_unreachable_queue_processes_the_upload_at_once(app, make_app, make_store, make_product):
    store = make_store()
    product = make_product(store=store)
    other = make_app(IMAGE_JOBS="rq", REDIS_URL="redis://127.0.0.1:1/0")
    client = other.test_client()
    client.post("/en/account/login", data={"email": store.owner.email, "password": "correct horse battery"})
    assert upload(client, product.id, (photo_files.jpeg(), "a.jpg")).status_code == 302
    assert [i.status for i in images_of(product.id)] == ["ready"]
    assert db.session.scalar(select(func.count(ProductImage.id))) == 1
