"""Search on PostgreSQL beside Whoosh: the same products, the same query mix, p50/p95/p99 per backend.

For each size N: the synthetic products of `bench/search.py` (the demo's product types, about two
locales each) are analysed once as the app does and written by each backend's own full rebuild: a
Whoosh index in a temporary folder, and the PostgreSQL tables (batched multi-row inserts, one
transaction) in a scratch schema of `--database-url` (default `$BENCH_DATABASE_URL`), dropped
afterwards. Then, in a fresh process per backend shaped like a web worker, the 500 queries of
`bench/search.py` (plain, multi-word, typo, faceted, suggest in six languages) run through the
shopper-facing service with the result cache cleared before each query. Whoosh is the baseline
measured in the same run: the table gives PostgreSQL's p95 as a ratio of it.

    BENCH_DATABASE_URL=postgresql://USER@HOST/DB .venv/bin/python bench/search_postgres.py [--sizes 1000,100000]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from config import TestingConfig, _database_url  # noqa: E402
from marketplace import create_app  # noqa: E402

_spec = importlib.util.spec_from_file_location("search_bench", ROOT / "bench" / "search.py")
search_bench = importlib.util.module_from_spec(_spec)
sys.modules["search_bench"] = search_bench  # its dataclasses look their module up
_spec.loader.exec_module(search_bench)
SEARCH_TABLES = ("search_documents", "search_terms", "search_pending", "search_state")


def config(backend: str, folder: Path, url: str, schema: str) -> type:
    postgres = backend == "postgres"

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url if postgres else f"sqlite:///{folder / 'empty.db'}"
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"options": f"-csearch_path={schema},public"}} if postgres else {}
        SEARCH_BACKEND = backend
        SEARCH_INDEX_DIR = str(folder / "index")
        SEARCH_REFRESH_SECONDS = 1.0
        DATABASE_STATEMENT_TIMEOUT = 0  # the rebuild's statements at 100,000 products

    return Config


@contextmanager
def scratch_schema(url: str):
    """A new schema holding the search tables (with pg_trgm), dropped afterwards."""
    from marketplace.extensions import db
    from marketplace.search.postgres import models  # noqa: F401 - the tables

    schema = f"search_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = create_engine(url, connect_args={"options": f"-csearch_path={schema},public"})
    db.metadata.create_all(scoped, tables=[db.metadata.tables[name] for name in SEARCH_TABLES])
    scoped.dispose()
    try:
        yield schema
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def build(backend: str, size: int, folder: Path, url: str, schema: str) -> dict:
    """Write `size` synthetic products with the backend's full rebuild; the seconds it took."""
    from marketplace.catalog.services import RateTable
    from marketplace.search import get_search_index
    from marketplace.search.documents import DocumentBuilder, product_source
    from marketplace.search.glossary import get_glossary

    app = create_app(config(backend, folder, url, schema))
    with app.app_context():
        builder, rates = DocumentBuilder(get_glossary()), RateTable({})
        products = search_bench.synthetic_products(size)
        for product in products:
            product.price = SimpleNamespace(amount=product.price_amount, currency="USD")
        documents = [builder.document(product_source(p, rates, {})) for p in products]
        started = time.perf_counter()
        written = get_search_index().rebuild(iter(documents))
        return {"build_seconds": round(time.perf_counter() - started, 1), "documents": written}


def queries(backend: str, folder: Path, url: str, schema: str) -> dict:
    """In a fresh process: the query mix against a warm index, uncached."""
    app = create_app(config(backend, folder, url, schema))
    with app.app_context():
        from marketplace.search import get_search_index

        get_search_index().count()
    mix = search_bench.query_mix()
    search_bench.run_queries(app, mix[:50], cached=False)  # warm-up: glossary, jieba, connections, caches
    timings = search_bench.run_queries(app, mix, cached=False)
    return {"rss_mb": round(search_bench.rss_mb(), 1), "uncached": timings.summary()}


def child(arguments: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *arguments], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_size(size: int, url: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"search-pg-bench-{size}-"))
    try:
        with scratch_schema(url) as schema:
            result: dict = {"size": size}
            for backend in ("whoosh", "postgres"):
                common = ["--backend", backend, "--folder", str(folder), "--schema", schema, "--database-url", url]
                print(f"{size:,} products: building the {backend} index …", file=sys.stderr, flush=True)
                built = child(["--build-only", "--size", str(size), *common])
                print(f"{size:,} products: querying {backend} …", file=sys.stderr, flush=True)
                result[backend] = {**built, **child(["--query-only", *common])}
            return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="a PostgreSQL database; a scratch schema is made in it and dropped")
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--query-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = _database_url(args.database_url)
    if not url or not url.startswith("postgresql"):
        parser.error("set BENCH_DATABASE_URL (or --database-url) to a PostgreSQL database")
    if args.build_only:
        print(json.dumps(build(args.backend, args.size, args.folder, url, args.schema)))
        return
    if args.query_only:
        print(json.dumps(queries(args.backend, args.folder, url, args.schema)))
        return
    results = [bench_size(int(size), url) for size in args.sizes.split(",")]
    print("\n| products | backend | full build (s) | worker RSS (MB) |")
    print("|---|---|---|---|")
    for r in results:
        for backend in ("whoosh", "postgres"):
            print(f"| {r['size']:,} | {backend} | {r[backend]['build_seconds']} | {r[backend]['rss_mb']} |")
    print("\n| products | kind | Whoosh p50 / p95 / p99 ms | PostgreSQL p50 / p95 / p99 ms | p95 PostgreSQL / Whoosh |")
    print("|---|---|---|---|---|")
    for r in results:
        for kind, whoosh in r["whoosh"]["uncached"].items():
            pg = r["postgres"]["uncached"][kind]
            print(f"| {r['size']:,} | {kind} | {whoosh['p50']:.1f} / {whoosh['p95']:.1f} / {whoosh['p99']:.1f} | "
                  f"{pg['p50']:.1f} / {pg['p95']:.1f} / {pg['p99']:.1f} | {pg['p95'] / whoosh['p95']:.2f} |")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"search-postgres-{datetime.now():%Y%m%d-%H%M%S}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
