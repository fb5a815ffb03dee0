"""Search benchmark: index build time and query latency at 1,000 / 10,000 / 100,000 products.

For each size N: synthetic products drawn from campaigns/demo/data/product_types.json (the vendor's
language, plus en/fr/zh for two in five: about two locales per product), analysed exactly as the
app does (analyzers, glossary, one DocumentBuilder for the run) and written to a fresh Whoosh index
in one rebuild, by the app's build processes from 25,000 products on (timed: this is a full reindex
without the database reads). Then, in a fresh process shaped like a web worker (the app created),
a fixed mix of 500 queries in the six languages (plain, multi-word, typo, faceted, suggest) runs
through the shopper-facing service (`catalogue.search_ids` / `catalogue.suggest`) against a warm
searcher, with the result cache cleared before every query (uncached latency) and again with it
(repeats hit the cache). Reports p50/p95/p99 per kind and that process's resident memory (VmRSS in
/proc/self/status) after the mix: index open, glossary and jieba loaded.

    .venv/bin/python bench/search.py [--sizes 1000,10000,100000] [--processes N] [--no-text-cache] [--keep]

`--no-text-cache` turns off the builder's memory of texts already analysed: the synthetic products
repeat texts far more than a real catalogue does, so this is the honest build time for one whose
descriptions are all different.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import TestingConfig  # noqa: E402
from marketplace import create_app  # noqa: E402

DATA = ROOT / "campaigns" / "demo" / "data"
VENDOR_LANGUAGES = ("en", "fr", "ar", "pt", "sw")
MIX = {"plain": 150, "multi-word": 100, "typo": 75, "faceted": 75, "suggest": 100}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def synthetic_products(count: int, seed: int = 7) -> list[SimpleNamespace]:
    """Product-like objects with what indexing reads, spread over the demo's product types and countries."""
    rng = random.Random(seed)
    types = json.loads((DATA / "product_types.json").read_text(encoding="utf-8"))
    categories = {c["slug"]: c for c in json.loads((DATA / "categories.json").read_text(encoding="utf-8"))}
    countries = [c["code"] for c in json.loads((DATA / "countries.json").read_text(encoding="utf-8"))]
    pool = [(slug, t) for slug, items in types.items() for t in items]
    now = datetime.now(UTC)
    category_objects = {
        slug: SimpleNamespace(slug=slug, texts=[SimpleNamespace(language=k, name=v) for k, v in c["names"].items()])
        for slug, c in categories.items()
    }
    products = []
    for number in range(1, count + 1):
        slug, kind = pool[rng.randrange(len(pool))]
        language = VENDOR_LANGUAGES[number % len(VENDOR_LANGUAGES)]
        languages = {language} | ({"en", "fr", "zh"} if number % 5 < 2 else set())
        variant = rng.randrange(len(kind["variants"]["en"]))
        country = countries[number % len(countries)]
        texts = [
            SimpleNamespace(language=lang, name=f"{kind['names'][lang]}, {kind['variants'][lang][variant]}",
                            description=kind["descriptions"][lang].replace("{city}", "Accra").replace(
                                "{country}", country))
            for lang in sorted(languages)
        ]
        low, high = kind["usd_price"]
        products.append(SimpleNamespace(
            id=number, texts=texts, category=category_objects[slug], origin="", original_language=language,
            store=SimpleNamespace(name=f"Store {number % 100}", original_language=language, country_code=country),
            store_id=number % 100 + 1, price=None, price_amount=int(rng.uniform(low, high) * 100), currency="USD",
            published_at=now - timedelta(minutes=number), created_at=now, is_campaign=number % 5 != 0,
            rating_count=0, rating_total=0,  # no reviews: the query mix does not filter or sort by rating
        ))
    return products


@dataclass
class Timings:
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def add(self, kind: str, ms: float) -> None:
        self.by_kind.setdefault(kind, []).append(ms)

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for kind, values in sorted(self.by_kind.items()):
            ordered = sorted(values)
            out[kind] = {
                "n": len(values), "p50": statistics.median(ordered),
                "p95": ordered[int(0.95 * (len(ordered) - 1))], "p99": ordered[int(0.99 * (len(ordered) - 1))],
            }
        return out


def query_mix(seed: int = 11) -> list[tuple[str, dict]]:
    """The fixed mix of 500 queries: (kind, arguments)."""
    rng = random.Random(seed)
    types = json.loads((DATA / "product_types.json").read_text(encoding="utf-8"))
    kinds = [t for items in types.values() for t in items]
    countries = [c["code"] for c in json.loads((DATA / "countries.json").read_text(encoding="utf-8"))]
    languages = ("en", "fr", "ar", "pt", "sw", "zh")
    mix = []
    for kind, count in MIX.items():
        for _ in range(count):
            lang = rng.choice(languages)
            name = rng.choice(kinds)["names"][lang].replace(",", " ")
            words = name.split()
            if kind == "plain":
                text = max(words, key=len) if lang != "zh" else name[:4]
                mix.append((kind, {"text": text, "lang": lang}))
            elif kind == "multi-word":
                mix.append((kind, {"text": " ".join(words[:3]) if lang != "zh" else name, "lang": lang}))
            elif kind == "typo":
                lang = rng.choice(("en", "fr", "pt", "sw"))
                word = max(rng.choice(kinds)["names"][lang].split(), key=len)
                cut = rng.randrange(1, max(2, len(word) - 1))
                mix.append((kind, {"text": word[:cut] + word[cut + 1:], "lang": lang}))
            elif kind == "faceted":
                mix.append((kind, {"text": max(words, key=len) if lang != "zh" else name[:4], "lang": lang,
                                   "country": rng.choice(countries), "sort": rng.choice(["price", "newest"])}))
            else:
                word = max(words, key=len)
                mix.append((kind, {"text": word[: rng.randint(2, 4)] if lang != "zh" else word[:1], "lang": lang}))
    rng.shuffle(mix)
    return mix


def run_queries(app, mix, cached: bool) -> Timings:
    from marketplace.search.catalogue import SearchRequest, search_ids, suggest
    from marketplace.search.port import SearchFilters, SortOrder

    timings = Timings()
    with app.app_context():
        for kind, args in mix:
            if not cached:
                app.extensions.pop("search_cache", None)
            started = time.perf_counter()
            if kind == "suggest":
                suggest(args["text"], args["lang"])
            else:
                filters = SearchFilters(country=args.get("country"))
                sort = SortOrder(args.get("sort", "relevance"))
                search_ids(SearchRequest(args["text"], args["lang"], filters, sort, per_page=24))
            timings.add(kind, (time.perf_counter() - started) * 1000)
    return timings


def bench_config(folder: Path, processes: int | None = None) -> type:
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'empty.db'}"
        SEARCH_INDEX_DIR = str(folder / "index")
        SEARCH_REFRESH_SECONDS = 1.0
        SEARCH_BUILD_PROCESSES = processes

    return Config


def build_index(size: int, folder: Path, processes: int | None, text_cache: bool) -> dict:
    """Build the index of `size` synthetic products in `folder`; build figures."""
    from marketplace.catalog.services import RateTable
    from marketplace.search import get_search_index
    from marketplace.search.documents import DocumentBuilder, product_source
    from marketplace.search.glossary import get_glossary

    app = create_app(bench_config(folder, processes))
    with app.app_context():
        glossary, rates = get_glossary(), RateTable({})
        builder = DocumentBuilder(glossary, **({} if text_cache else {"cache_size": 0}))
        products = synthetic_products(size)
        for product in products:
            product.price = SimpleNamespace(amount=product.price_amount, currency="USD")
        index = get_search_index()
        started = time.perf_counter()
        index.rebuild(builder.document(product_source(p, rates, {})) for p in products)
        build_seconds = time.perf_counter() - started
        locales = sum(len(p.texts) for p in products) / size
        analysed = builder.hits + builder.misses
        return {"locales_per_product": round(locales, 2), "build_seconds": round(build_seconds, 1),
                "build_processes": index.build_processes, "text_cache_hits": round(builder.hits / analysed, 3),
                "segments": len(index._current().leaves),  # noqa: SLF001 - a benchmark may look inside
                "build_peak_rss_mb": {"parent": peak_mb(resource.RUSAGE_SELF),
                                      "largest_child": peak_mb(resource.RUSAGE_CHILDREN)}}


def peak_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # kilobytes on Linux


def query_worker(folder: Path) -> dict:
    """In a fresh process: open the index like a web worker, run the mix; latencies and memory."""
    app = create_app(bench_config(folder))
    with app.app_context():
        from marketplace.search import get_search_index

        get_search_index().count()  # open and warm the searcher
    mix = query_mix()
    uncached = run_queries(app, mix, cached=False)
    cached = run_queries(app, mix, cached=True)
    return {"rss_mb": round(rss_mb(), 1), "uncached": uncached.summary(), "cached": cached.summary()}


def bench_size(size: int, keep: bool, processes: int | None = None, text_cache: bool = True) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"search-bench-{size}-"))
    try:
        # The build runs in its own process too, so the figures of one size do not carry its leftovers.
        build = run_child(["--build-only", str(folder), "--size", str(size)]
                          + (["--processes", str(processes)] if processes else [])
                          + ([] if text_cache else ["--no-text-cache"]))
        queries = run_child(["--query-only", str(folder)])
        return {"size": size, **build, **queries}
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def run_child(arguments: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *arguments], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--processes", type=int, help="build processes (default: the app's, cores up to 4)")
    parser.add_argument("--no-text-cache", action="store_true", help="analyse every text, even repeated ones")
    parser.add_argument("--keep", action="store_true", help="keep the index folders")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--query-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        print(json.dumps(build_index(args.size, args.build_only, args.processes, not args.no_text_cache)))
        return
    if args.query_only:
        print(json.dumps(query_worker(args.query_only)))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"building {size:,} products …", file=sys.stderr, flush=True)
        result = bench_size(size, args.keep, args.processes, not args.no_text_cache)
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
    print("\n| products | locales/product | build (s) | segments (one per build process) | text cache hits | worker RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['size']:,} | {r['locales_per_product']} | {r['build_seconds']} | {r['segments']} | "
              f"{r['text_cache_hits']:.0%} | {r['rss_mb']} |")
    print("\n| products | kind | p50 ms | p95 ms | p99 ms | p95 cached |")
    print("|---|---|---|---|---|---|")
    for r in results:
        for kind, figures in r["uncached"].items():
            print(f"| {r['size']:,} | {kind} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['p99']:.1f} | "
                  f"{r['cached'][kind]['p95']:.1f} |")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"search-{datetime.now():%Y%m%d-%H%M%S}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
