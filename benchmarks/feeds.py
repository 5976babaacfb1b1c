"""Catalog feed benchmark: serialize a 10,000-dataset catalog page by page, and serve it.

Part 1 (in process): 10,000 realistic package dicts (the synthetic catalog's vocabulary, every
third dataset a cn-gov information resource with data items, the others with dcat-ap fields)
are generated page by page and turned into the DCAT-AP catalog feed, 100 datasets a page as
/catalog.ttl serves them, in Turtle, JSON-LD and RDF/XML. The baseline, measured in the same
run on the first pages, is the same graph built and serialized by rdflib itself.

Part 2 (through the portal): the synthetic catalog is bulk-loaded into SQLite, indexed, and
every page of /catalog.ttl and /catalog.jsonld is fetched through the Flask test client
(search, dicts, RDF, HTTP), then /data.json and /catalog.csv are streamed.

Peak memory is measured in separate passes with tracemalloc (it slows Python down, so the
timed passes run without it): the peak after the first tenth of the pages and after all of
them show whether memory stays flat.

    .venv/bin/python benchmarks/feeds.py [--datasets 10000] [--skip-portal]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import synthetic_catalog  # noqa: E402

from portal.feeds.dcat import CatalogInfo, PageInfo, catalog_triples  # noqa: E402
from portal.feeds.rdf import RDFLIB_FORMATS, WRITERS  # noqa: E402

SITE = "https://data.example.gov.cn"
PAGE_SIZE = 100
TARGET_SECONDS = 10.0
LICENSE_URLS = {
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "odc-odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
    "odc-pddl": "https://opendatacommons.org/licenses/pddl/1-0/",
}
EU_FREQUENCY = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
}
ITEM_TYPES = ("C", "N", "I", "D", "Y")


# --- realistic package dicts -----------------------------------------------------------------


class Catalog:
    """Package dicts shaped as package_show returns them, built from the synthetic catalog's
    rows batch by batch (so only one batch is ever in memory)."""

    def __init__(self, count: int, seed: int = synthetic_catalog.DEFAULT_SEED) -> None:
        self.count = count
        self.vocab = synthetic_catalog.Vocabulary.build(seed)
        self.orgs = {o["id"]: o for o in self.vocab.organizations}
        self.groups = {g["id"]: g for g in self.vocab.groups}
        self.tags = {tag_id: name for name, tag_id in self.vocab.tags.items()}
        self.subjects = {
            s.key: s
            for subjects in synthetic_catalog.DEPARTMENT_SUBJECTS.values()
            for s in subjects
        }

    def datasets(self, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
        generator = synthetic_catalog.Generator(self.vocab)
        number = 0
        for batch in generator.batches(self.count, batch_size):
            tags: dict[str, list[str]] = {}
            for row in batch.dataset_tags:
                tags.setdefault(row["dataset_id"], []).append(self.tags[row["tag_id"]])
            groups: dict[str, list[str]] = {}
            for row in batch.dataset_groups:
                groups.setdefault(row["dataset_id"], []).append(row["group_id"])
            resources: dict[str, list[dict[str, Any]]] = {}
            for row in batch.resources:
                resources.setdefault(row["package_id"], []).append(row)
            for row in batch.datasets:
                yield self.package(row, tags, groups, resources, number)
                number += 1

    def package(
        self,
        row: dict[str, Any],
        tags: dict[str, list[str]],
        groups: dict[str, list[str]],
        resources: dict[str, list[dict[str, Any]]],
        number: int,
    ) -> dict[str, Any]:
        org = self.orgs[row["owner_org"]]
        dataset = {
            **{k: v for k, v in row.items() if k not in ("extras", "creator_user_id")},
            "metadata_created": row["metadata_created"].isoformat(),
            "metadata_modified": row["metadata_modified"].isoformat(),
            "license_title": row["license_id"],
            "license_url": LICENSE_URLS.get(row["license_id"]),
            "organization": {k: org[k] for k in ("id", "name", "title", "title_en", "code")},
            "tags": [{"name": t} for t in tags.get(row["id"], [])],
            "groups": [
                {k: self.groups[g][k] for k in ("name", "title", "title_en")}
                for g in groups.get(row["id"], [])
            ],
            "extras": [{"key": k, "value": v} for k, v in row["extras"].items()],
            "resources": [self.resource(r) for r in resources.get(row["id"], [])],
        }
        subject = self.subjects[row["name"].rsplit("-", 3)[0]]
        if number % 3 == 0:
            dataset.update(self.cn_gov(row, subject, number))
        else:
            dataset.update(self.dcat_ap(row, subject))
        return dataset

    @staticmethod
    def resource(row: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in row.items() if k not in ("storage_key", "extras")}
        for key in ("created", "last_modified", "metadata_modified"):
            data[key] = row[key].isoformat() if row[key] else None
        if row["format"] != "API":  # files the portal holds carry their SHA-256
            data["url_type"] = "upload"
            data["hash"] = "sha256:" + hashlib.sha256(row["id"].encode()).hexdigest()
        return data

    @staticmethod
    def cn_gov(row: dict[str, Any], subject: Any, number: int) -> dict[str, Any]:
        rng = random.Random(row["id"])
        code = f"{rng.randint(1, 3)}{rng.randint(1, 12):02d}{rng.randint(0, 999):03d}0001"
        year = row["metadata_created"].year
        return {
            "type": "cn-gov",
            "resource_category": rng.choice(("basic", "thematic", "departmental")),
            "category_code": code,
            "resource_code": f"{code}/{number + 1:06d}",
            "resource_format": "spreadsheet",
            "data_items": [
                {"name": column, "type": rng.choice(ITEM_TYPES), "length": rng.randint(4, 200)}
                for column, _spec in subject.columns
            ],
            "share_type": "conditional",
            "share_condition": "用于政务部门业务协同，需经数据提供部门审核。",
            "share_method": ["download", "api"],
            "open_to_public": "yes",
            "open_type": "unconditional",
            "update_cycle": {"irregular": "other"}.get(subject.freq, subject.freq),
            "issued": f"{year}-01-15",
            "related_codes": [f"{code}/{max(number, 1):06d}"],
        }

    @staticmethod
    def dcat_ap(row: dict[str, Any], subject: Any) -> dict[str, Any]:
        year = row["metadata_created"].year
        return {
            "issued": f"{year}-01-15",
            "frequency": EU_FREQUENCY[subject.freq],
            "language": ["zh", "en"] if row.get("title_en") else ["zh"],
            "spatial": row["extras"].get("覆盖范围", "山东省"),
            "temporal_start": f"{year - 1}-01-01",
            "temporal_end": f"{year - 1}-12-31",
            "access_rights": "PUBLIC",
        }


def pages(catalog: Catalog, size: int = PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
    page: list[dict[str, Any]] = []
    for dataset in catalog.datasets():
        page.append(dataset)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


INFO = CatalogInfo(
    SITE,
    {"zh": "开放数据门户", "en": "Open Data Portal"},
    {"zh": "省开放数据目录"},
    {"zh": "省大数据局"},
)


def feed_page(datasets: list[dict[str, Any]], number: int, total: int, fmt: str) -> int:
    """One catalog page as the feed serves it; returns the bytes written."""
    page = PageInfo(number, PAGE_SIZE, total, lambda n: f"{SITE}/catalog.{fmt}?page={n}")
    triples = catalog_triples(INFO, datasets, "2025-01-01T00:00:00", page)
    return sum(len(chunk.encode("utf-8")) for chunk in WRITERS[fmt](triples))


def rdflib_page(datasets: list[dict[str, Any]], number: int, total: int, fmt: str) -> int:
    """The baseline: the same statements in an rdflib Graph, serialized by rdflib."""
    page = PageInfo(number, PAGE_SIZE, total, lambda n: f"{SITE}/catalog.{fmt}?page={n}")
    graph = catalog_triples(INFO, datasets, "2025-01-01T00:00:00", page).to_graph()
    return len(graph.serialize(format=RDFLIB_FORMATS[fmt], encoding="utf-8"))


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Timing:
    seconds: float = 0.0  # wall clock, serializing only
    cpu: float = 0.0  # CPU time of this process, serializing only
    generating: float = 0.0  # wall clock spent making the package dicts
    written: int = 0
    datasets: int = 0


def timed(
    catalog: Catalog, fmt: str, serialize: Callable[..., int], limit: int | None = None
) -> Timing:
    timing = Timing()
    started = time.perf_counter()
    for number, datasets in enumerate(pages(catalog), 1):
        ready, ready_cpu = time.perf_counter(), time.process_time()
        timing.generating += ready - started
        timing.written += serialize(datasets, number, catalog.count, fmt)
        started = time.perf_counter()
        timing.seconds += started - ready
        timing.cpu += time.process_time() - ready_cpu
        timing.datasets += len(datasets)
        if limit is not None and number >= limit:
            break
    return timing


def memory_profile(catalog: Catalog, fmt: str) -> list[tuple[int, float, float]]:
    """(page, retained MB, peak MB so far) with tracemalloc at a tenth, half and all pages:
    flat memory means the retained size does not grow and the peak stops growing."""
    total_pages = -(-catalog.count // PAGE_SIZE)
    checkpoints = {max(1, total_pages // 10), max(1, total_pages // 2), total_pages}
    found = []
    tracemalloc.start()
    for number, datasets in enumerate(pages(catalog), 1):
        feed_page(datasets, number, catalog.count, fmt)
        if number in checkpoints:
            current, peak = tracemalloc.get_traced_memory()
            found.append((number, current / 1e6, peak / 1e6))
    tracemalloc.stop()
    return found


def part_one(count: int) -> list[str]:
    catalog = Catalog(count)
    print(f"\n== 1. Serializing {count:,} datasets, {PAGE_SIZE} a page, in process")
    catalog_triples(INFO, list(next(pages(Catalog(3)))))  # load the profiles once
    summary = []
    total = 0.0
    print(f"  load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for fmt in ("ttl", "jsonld", "rdf"):
        t = timed(catalog, fmt, feed_page)
        rate = t.datasets / t.seconds
        mark = "ok" if t.seconds < TARGET_SECONDS else "SLOW"
        print(
            f"  {fmt:6} {t.seconds:6.2f} s ({t.cpu:5.2f} s CPU) for {t.datasets:,} datasets "
            f"({rate:,.0f}/s, {t.written / 1e6:,.1f} MB)  [{mark}; "
            f"generating the dicts took {t.generating:.2f} s more]"
        )
        summary.append(f"{fmt}: {t.seconds:.2f} s, {t.cpu:.2f} s CPU ({rate:,.0f} datasets/s)")
        if fmt in ("ttl", "jsonld"):
            total += t.seconds
    print(f"  Turtle + JSON-LD together: {total:.2f} s (target: each under {TARGET_SECONDS:.0f} s)")
    baseline_pages = max(1, min(10, count // PAGE_SIZE))
    print(f"\n  baseline: rdflib Graph + rdflib serializer, first {baseline_pages} pages")
    for fmt in ("ttl", "jsonld"):
        ours = timed(catalog, fmt, feed_page, baseline_pages).cpu
        theirs = timed(catalog, fmt, rdflib_page, baseline_pages).cpu
        print(
            f"  {fmt:6} rdflib {theirs:6.2f} s CPU, feeds {ours:5.2f} s CPU: "
            f"{theirs / ours:4.1f}x faster"
        )
        summary.append(f"{fmt}: {theirs / ours:.1f}x rdflib")
    print("\n  memory (tracemalloc): retained / peak so far, at a tenth, half and all pages")
    for fmt in ("ttl", "jsonld"):
        points = memory_profile(catalog, fmt)
        text = "   ".join(f"p{n}: {cur:.1f} / {peak:.1f} MB" for n, cur, peak in points)
        print(f"  {fmt:6} {text}")
        summary.append(f"{fmt} memory: " + ", ".join(f"{peak:.1f}" for _n, _c, peak in points))
    return summary


def part_two(count: int) -> list[str]:
    from sqlalchemy import create_engine, update

    from portal import create_app
    from portal.catalog.models import Dataset
    from portal.config import Settings
    from portal.search import index

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-feeds-"))
    instance = workdir / "instance"
    instance.mkdir()
    print(f"\n== 2. Through the portal: {count:,} synthetic datasets in {instance}")
    try:
        url = f"sqlite:///{instance / 'portal.db'}"
        stats = synthetic_catalog.load(url, count)
        _add_profile_fields(create_engine(url), Dataset, update)
        loaded = f"{stats.datasets:,} datasets ({stats.public:,} public)"
        print(f"  loaded {loaded} in {stats.seconds:.1f} s")
        app = create_app(
            Settings.from_env(
                {}, instance=instance, database_url=url, queue_url="memory://", site_url=SITE
            )
        )
        started = time.perf_counter()
        index.reindex(app)
        print(f"  indexed in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        summary = []
        for fmt in ("ttl", "jsonld"):
            for rows in (100, 1000):
                seconds, pages_read, size = _crawl(client, f"/catalog.{fmt}?rows={rows}")
                print(
                    f"  /catalog.{fmt}?rows={rows:<5} {pages_read:4} pages in {seconds:6.2f} s "
                    f"({stats.public / seconds:,.0f} datasets/s, {size / 1e6:,.1f} MB)"
                )
                summary.append(f"/catalog.{fmt} rows={rows}: {seconds:.2f} s")
        for path in ("/data.json", "/catalog.csv"):
            started = time.perf_counter()
            size = sum(len(chunk) for chunk in client.get(path, buffered=False).response)
            seconds = time.perf_counter() - started
            tracemalloc.start()
            for _chunk in client.get(path, buffered=False).response:
                pass
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            print(
                f"  {path:<20} streamed {size / 1e6:,.1f} MB in {seconds:6.2f} s "
                f"({stats.public / seconds:,.0f} datasets/s); peak {peak:.1f} MB (tracemalloc)"
            )
            summary.append(f"{path}: {seconds:.2f} s, peak {peak:.1f} MB")
        app.extensions["portal.db"].dispose()
        return summary
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _add_profile_fields(engine: Any, dataset_model: Any, update: Any) -> None:
    """The synthetic loader writes no profile fields: give every third dataset cn-gov ones."""
    table = dataset_model.__table__
    if "profile_fields" not in table.c:
        return
    with engine.begin() as conn:
        ids = conn.execute(table.select().with_only_columns(table.c.id)).scalars().all()
        for number, dataset_id in enumerate(ids):
            if number % 3:
                continue
            fields = {
                "resource_category": "basic",
                "resource_code": f"1010010001/{number + 1:06d}",
                "share_type": "unconditional",
                "open_to_public": "yes",
                "update_cycle": "monthly",
                "data_items": [{"name": "字段", "type": "C", "length": 20}],
            }
            conn.execute(
                update(table)
                .where(table.c.id == dataset_id)
                .values(type="cn-gov", profile_fields=fields)
            )
    engine.dispose()


def _crawl(client: Any, url: str) -> tuple[float, int, int]:
    from urllib.parse import urlsplit

    fmt = url.split(".", 1)[1].split("?", 1)[0]
    started = time.perf_counter()
    count = size = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        size += len(response.data)
        count += 1
        url = _next_link(response.data, fmt)
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
    return time.perf_counter() - started, count, size


def _next_link(body: bytes, fmt: str) -> str | None:
    """hydra:nextPage, read from the text (parsing every page would measure rdflib)."""
    import re

    text = body.decode("utf-8")
    if fmt == "ttl":
        found = re.search(r'hydra:nextPage "([^"]+)"', text)
    else:
        found = re.search(r'"hydra:nextPage": \["([^"]+)"\]', text)
    return found.group(1).replace("&amp;", "&") if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--skip-portal", action="store_true", help="part 1 only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = part_one(args.datasets)
    if not args.skip_portal:
        summary += part_two(args.datasets)
    print("\n== Summary")
    for line in summary:
        print(f"  {line}")
    print(f"  (whole run {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
