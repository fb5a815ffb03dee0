"""Vendor back-office performance: a 12-megapixel photo from upload to ready, and a 1,000-line CSV update.

    .venv/bin/python bench/media.py [--runs 5] [--rows 1000] [--keep]

1. Draws a 4000×3000 JPEG with Pillow (shapes, gradients and sensor-like noise, so it compresses
   like a phone photo: about 5 MB at quality 90) with an EXIF orientation tag.
2. For each run, a fresh child process builds the app on a temporary SQLite instance, creates a
   vendor, store and product, then times `photos.add_photos` (the upload service: header check,
   decode, orientation, renditions, store, database row) from the file's bytes in memory to a
   "ready" photo, after one small warm-up upload (so imports and first-use costs are not counted).
   The child reports its peak RSS (VmHWM from /proc/self/status: the process's own high-water mark;
   `resource.getrusage` where there is no /proc, which on Linux also counts the parent's before exec)
   and the peak of Python allocations during the upload (`tracemalloc`; Pillow's pixel buffers are C
   memory that only RSS shows). Another child times the queued path: the upload returning with a
   pending photo (header check, original kept privately), then the job making it ready.
3. In this process: a store with `--rows` products, a CSV changing the stock and price of every
   one, and the time of `csv_update.apply_csv` (parse, check, one transaction, then the search
   index refresh, timed apart) and of the download.

Targets on the 2-core development machine: upload to ready < 1.5 s, peak memory < 300 MB,
1,000 CSV lines < 5 s. Prints a table; temporary folders are deleted unless --keep.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS, TARGET_MB, TARGET_CSV_SECONDS = 1.5, 300, 5.0


def phone_photo(path: Path, width: int = 4000, height: int = 3000) -> int:
    """Write a photo-like 12-megapixel JPEG to `path`; its size in bytes."""
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    rng = random.Random(7)
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.linear_gradient("L").rotate(90).resize((width, height))
    blue = Image.radial_gradient("L").resize((width, height))
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y, size = rng.randrange(width), rng.randrange(height), rng.randrange(100, 900)
        draw.ellipse([x, y, x + size, y + size * 0.7], fill=tuple(rng.randrange(256) for _ in range(3)))
    image = image.filter(ImageFilter.GaussianBlur(3))
    noise = Image.merge("RGB", [Image.effect_noise((width, height), 16) for _ in range(3)])
    image = ImageChops.add(image, noise, scale=1.0, offset=-128)
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "BenchPhone"
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path.stat().st_size


def build_app(instance: Path, **settings):
    """The app on a fresh SQLite file under `instance`, with its schema."""
    from config import TestingConfig
    from marketplace import create_app
    from marketplace.extensions import db

    config = type("BenchConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
        "MEDIA_ROOT": str(instance / "media"), "PRIVATE_UPLOAD_DIR": str(instance / "private"), **settings,
    })
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


def make_vendor(products: int = 1):
    """A vendor with an approved store in Ghana and `products` published products: (user, [product ids])."""
    from sqlalchemy import insert, select

    from marketplace.accounts.models import Role, User
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, Product, ProductStatus, ProductText
    from marketplace.extensions import db
    from marketplace.vendors.models import Store, StoreStatus

    ensure_countries()
    user = User(email=f"bench{random.randrange(10**9)}@example.com", password_hash="!", role=Role.VENDOR)  # noqa: S106
    category = Category(slug=f"bench-{random.randrange(10**9)}")
    store = Store(slug=f"bench-{random.randrange(10**9)}", name="Bench", owner=user, country_code="GH",
                  status=StoreStatus.APPROVED)
    db.session.add_all([user, category, store])
    db.session.commit()
    db.session.execute(insert(Product), [
        {"slug": f"{store.slug}-p{i}", "store_id": store.id, "category_id": category.id, "price_amount": 1000 + i,
         "currency": "GHS", "stock": i % 50, "status": ProductStatus.PUBLISHED} for i in range(products)
    ])
    ids = list(db.session.scalars(select(Product.id).where(Product.store_id == store.id).order_by(Product.id)))
    db.session.execute(insert(ProductText), [
        {"product_id": pid, "language": "en", "name": f"Bench product {pid}", "description": "For timing."}
        for pid in ids
    ])
    db.session.commit()
    return user, ids


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start this process's peak RSS again from its current RSS (Linux 4.0+); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def small_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def child_photo(photo: Path, instance: Path, mode: str) -> dict:
    """Run in a fresh process: one upload, timed, with its memory peaks."""
    from marketplace.vendors.backoffice import jobs, photos

    queue: list = []

    class RecordingQueue:
        def enqueue(self, function, *args, **kwargs) -> None:
            queue.append((function, args))

    settings = {"IMAGE_JOBS": "rq", "REDIS_URL": "redis://unused"} if mode == "queued" else {}
    app = build_app(instance, **settings)
    jobs.image_queue = RecordingQueue  # the bench measures our code, not a Redis round trip
    with app.app_context():
        user, (warm_up_id, product_id) = make_vendor(2)
        photos.add_photos(user, warm_up_id, [photos.PhotoUpload("warm-up.jpg", small_jpeg())])
        for function, args in queue:
            function(*args)
        queue.clear()
        data = photo.read_bytes()
        app_peak = peak_rss_mb()
        reset = reset_peak_rss()
        baseline = current_rss_mb()
        tracemalloc.start()
        started = time.perf_counter()
        (image,) = photos.add_photos(user, product_id, [photos.PhotoUpload("IMG_0001.JPG", data)])
        returned = time.perf_counter() - started
        for function, args in queue:
            function(*args)
        ready = time.perf_counter() - started
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        from marketplace.catalog.models import ProductImage
        from marketplace.extensions import db

        status = db.session.get(ProductImage, image.id, populate_existing=True).status
    return {
        "mode": mode, "status": status, "returned_s": returned, "ready_s": ready,
        "app_peak_rss_mb": app_peak, "baseline_rss_mb": baseline, "peak_rss_mb": peak_rss_mb(),
        "peak_reset": reset,
        "python_peak_mb": python_peak / 2**20,
    }


def run_child(photo: Path, mode: str, keep: bool) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="bench-media-"))
    try:
        output = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--photo", str(photo), "--instance", str(instance)],
            check=True, capture_output=True, text=True, timeout=300,
        ).stdout
        return json.loads(output.strip().splitlines()[-1])
    finally:
        if not keep:
            shutil.rmtree(instance, ignore_errors=True)


def bench_csv(rows: int, keep: bool) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="bench-csv-"))
    try:
        app = build_app(instance)
        from marketplace.vendors.backoffice import csv_update

        search_s = 0.0
        refresh_search = csv_update.refresh_search

        def timed_refresh(product_ids: list[int]) -> None:
            nonlocal search_s
            started = time.perf_counter()
            refresh_search(product_ids)
            search_s += time.perf_counter() - started

        csv_update.refresh_search = timed_refresh
        with app.app_context():
            user, ids = make_vendor(rows)
            lines = ["id,stock,price"] + [f"{pid},{(pid * 7) % 300},{pid % 90 + 1}.25" for pid in ids]
            data = ("\n".join(lines) + "\n").encode()
            started = time.perf_counter()
            outcome = csv_update.apply_csv(user, data)
            applied = time.perf_counter() - started
            started = time.perf_counter()
            exported = csv_update.export_csv(user)
            export_s = time.perf_counter() - started
        return {"rows": rows, "updated": outcome.updated, "apply_s": applied, "rows_per_s": rows / applied,
                "search_s": search_s, "export_s": export_s, "export_bytes": len(exported.encode())}
    finally:
        if not keep:
            shutil.rmtree(instance, ignore_errors=True)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="uploads per path, each in a fresh process")
    parser.add_argument("--rows", type=int, default=1000, help="products in the CSV update")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--child", choices=("inline", "queued", "draw"), help=argparse.SUPPRESS)
    parser.add_argument("--photo", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--instance", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "draw":
        print(json.dumps({"bytes": phone_photo(args.photo)}))
        return
    if args.child:
        print(json.dumps(child_photo(args.photo, args.instance, args.child)))
        return

    folder = Path(tempfile.mkdtemp(prefix="bench-photo-"))
    try:
        photo = folder / "phone.jpg"
        # drawn in a child too, so this process stays small (on Linux a child's ru_maxrss starts from ours)
        subprocess.run([sys.executable, __file__, "--child", "draw", "--photo", str(photo)], check=True,
                       capture_output=True, timeout=300)
        size = photo.stat().st_size
        print(f"photo: 4000×3000 JPEG, {size / 1e6:.1f} MB; {args.runs} run(s) per path, each in a fresh process")
        inline = [run_child(photo, "inline", args.keep) for _ in range(args.runs)]
        queued = [run_child(photo, "queued", args.keep) for _ in range(args.runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    csv_result = bench_csv(args.rows, args.keep)

    assert all(r["status"] == "ready" for r in inline + queued), "a photo did not become ready"
    ready = statistics.median(r["ready_s"] for r in inline)
    peak = max(r["peak_rss_mb"] for r in inline)
    baseline = statistics.median(r["baseline_rss_mb"] for r in inline)
    python_peak = max(r["python_peak_mb"] for r in inline)
    returned = statistics.median(r["returned_s"] for r in queued)
    job_ready = statistics.median(r["ready_s"] for r in queued)
    print()
    print("| measure | result | target |")
    print("|---|---|---|")
    print(f"| upload to ready, inline (median of {args.runs}) | {ready:.2f} s | < {TARGET_SECONDS} s {verdict(ready < TARGET_SECONDS)} |")
    label = "peak RSS during the upload" if all(r["peak_reset"] for r in inline) else "peak RSS of the process"
    print(f"| {label} (before it: {baseline:.0f} MB) | {peak:.0f} MB | < {TARGET_MB} MB {verdict(peak < TARGET_MB)} |")
    print(f"| peak Python allocations during the upload | {python_peak:.1f} MB | |")
    print(f"| queued: upload returns / photo ready after the job | {returned * 1000:.0f} ms / {job_ready:.2f} s | |")
    print(f"| CSV update, {csv_result['rows']:,} lines (of which search index refresh) | {csv_result['apply_s']:.2f} s ({csv_result['search_s']:.2f} s); {csv_result['rows_per_s']:,.0f} lines/s | < {TARGET_CSV_SECONDS} s {verdict(csv_result['apply_s'] < TARGET_CSV_SECONDS)} |")
    print(f"| CSV download, {csv_result['rows']:,} products | {csv_result['export_s']:.2f} s | |")


if __name__ == "__main__":
    main()
