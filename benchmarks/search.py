"""Search benchmark: bulk load, full reindex, package_search latency over HTTP and in-process.

    .venv/bin/python benchmarks/search.py --datasets 100000
    .venv/bin/python benchmarks/search.py --datasets 20000          # quick run

Steps (each prints its figures; a summary table with targets comes last):

1. a synthetic catalog (benchmarks/synthetic_catalog.py) bulk-loaded into a fresh instance;
2. `portal.search.index.reindex` on the embedded tantivy engine, datasets/s, and when it is
   below target a per-stage breakdown and a cProfile of the indexing pipeline;
3. the engine in-process (SearchRequest -> engine.search, no Flask): the latency floor;
4. deep paging (start=90000 vs start=0), in-process;
4b. the same package_search requests through Flask's test client (no socket), with a
   profile of where a request's time goes (engine, highlight, facet titles, JSON);
5. `portal serve` (gunicorn, started with benchmarks/portal_launcher.py when present) on the
   instance: GET /api/3/action/package_search with 1-3 term queries and five facet fields vs
   GET /healthz, one keep-alive client thread (latency), deep paging over HTTP, then an
   optional multi-thread throughput run.

Everything runs on 127.0.0.1 against a temporary instance folder (removed unless --keep).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import math
import os
import pstats
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import requests  # noqa: E402
import synthetic_catalog  # noqa: E402

FACET_FIELDS = ["organization", "groups", "tags", "res_format", "license_id"]
DEFAULT_SORT = "score desc, metadata_modified desc"
ROWS = 20

# Targets
REINDEX_TARGET = 5000.0  # datasets/s (CKAN's reported Solr rebuild: about 22/s)
CKAN_REINDEX = 22.0
P95_TARGET_MS = 15.0
HEALTHZ_RATIO_TARGET = 3.0
DEEP_RATIO_TARGET = 2.0


# --------------------------------------------------------------------------- small helpers


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Latencies:
    label: str
    samples_ms: list[float] = field(default_factory=list)
    errors: int = 0
    last_error: str = ""

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 99)

    def ms(self, which: str) -> str:
        """'12.34 ms', or why there is no figure."""
        if not self.samples_ms:
            return f"n/a ({self.errors} errors)"
        value = f"{getattr(self, which):.2f} ms"
        return f"{value} ({self.errors} errors)" if self.errors else value

    def line(self) -> str:
        if not self.samples_ms:
            return f"  {self.label:<44} no samples ({self.errors} errors: {self.last_error})"
        mean = statistics.fmean(self.samples_ms)
        errors = f"  errors {self.errors}" if self.errors else ""
        return (
            f"  {self.label:<44} n={len(self.samples_ms):<5} p50 {self.p50:8.2f} ms  "
            f"p95 {self.p95:8.2f} ms  p99 {self.p99:8.2f} ms  mean {mean:8.2f} ms{errors}"
        )


@dataclass
class Row:
    metric: str
    value: str
    target: str = ""
    ok: bool | None = None

    @property
    def status(self) -> str:
        return "info" if self.ok is None else ("PASS" if self.ok else "FAIL")


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def timed_loop(
    items: list[Any], call: Callable[[Any], None], count: int, max_seconds: float, label: str
) -> Latencies:
    """Call `call` on items round-robin, `count` times or until max_seconds have passed."""
    result = Latencies(label)
    deadline = time.perf_counter() + max_seconds
    for number in range(count):
        item = items[number % len(items)]
        started = time.perf_counter_ns()
        try:
            call(item)
        except Exception as exc:  # noqa: BLE001 - counted, the benchmark goes on
            result.errors += 1
            result.last_error = str(exc)
        else:
            result.samples_ms.append((time.perf_counter_ns() - started) / 1e6)
        if time.perf_counter() > deadline:
            print(f"    ({label}: stopped after {number + 1} requests, --max-seconds reached)")
            break
    return result


class Progress:
    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, amount: int) -> None:
        self.done += amount
        now = time.perf_counter()
        if now - self.last > 5 or self.done >= self.total:
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            print(f"    {self.label}: {self.done}/{self.total} ({rate:,.0f}/s)", flush=True)


# --------------------------------------------------------------------------- 1. load


def make_workdir() -> Path:
    """A fresh folder; the instance is `<workdir>/instance`, as portal_launcher expects."""
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-search-"))
    (workdir / "instance").mkdir()
    return workdir


def instance_env(instance: Path) -> dict[str, str]:
    """The environment of a portal on this instance only (no PORTAL_* leaking in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_INSTANCE"] = str(instance)
    return env


def make_app(instance: Path):  # noqa: ANN201
    from portal import create_app
    from portal.config import Settings

    return create_app(Settings.from_env(environ={"PORTAL_INSTANCE": str(instance)}))


def step_load(args: argparse.Namespace, instance: Path, rows: list[Row]) -> Any:
    print(f"\n== 1. Synthetic catalog: {args.datasets:,} datasets -> {instance}")
    url = f"sqlite:///{instance / 'portal.db'}"
    stats = synthetic_catalog.load(
        url,
        args.datasets,
        seed=args.seed,
        batch_size=args.batch,
        progress=Progress("loaded", args.datasets),
    )
    print(
        f"  {stats.datasets:,} datasets ({stats.public:,} public, {stats.private:,} private, "
        f"{stats.drafts:,} drafts), {stats.resources:,} resources, "
        f"{stats.dataset_tags:,} dataset tags, {stats.dataset_groups:,} dataset themes"
    )
    rate = stats.datasets / stats.seconds
    print(f"  load time: {stats.seconds:.1f} s ({rate:,.0f} datasets/s, migrations included)")
    rows.append(Row("catalog load (bulk insert)", f"{stats.seconds:.1f} s ({rate:,.0f}/s)"))
    return stats


# --------------------------------------------------------------------------- 2. reindex


def step_reindex(args: argparse.Namespace, app: Any, rows: list[Row]) -> None:
    from portal.search import index

    total = index.count_indexable(app)
    print(f"\n== 2. Full reindex: portal.search.index.reindex(app), {total:,} documents")
    started = time.perf_counter()
    count = index.reindex(app, progress=Progress("indexed", total))
    seconds = time.perf_counter() - started
    rate = count / seconds
    print(f"  {count:,} datasets in {seconds:.1f} s = {rate:,.0f} datasets/s")
    print(
        f"  target >= {REINDEX_TARGET:,.0f}/s; CKAN's reported rebuild is about "
        f"{CKAN_REINDEX:.0f}/s (this is {rate / CKAN_REINDEX:,.0f}x that)"
    )
    rows.append(
        Row(
            "reindex throughput",
            f"{rate:,.0f} datasets/s ({seconds:.1f} s)",
            f">= {REINDEX_TARGET:,.0f}/s",
            rate >= REINDEX_TARGET,
        )
    )
    started = time.perf_counter()
    index.reindex(app, workers=1)
    serial = count / (time.perf_counter() - started)
    print(f"  the same in one process (workers=1): {serial:,.0f} datasets/s; "
          f"worker processes {rate / serial:.2f}x that")  # fmt: skip
    rows.append(Row("reindex, one process (baseline)", f"{serial:,.0f} datasets/s", "", None))
    if (rate < REINDEX_TARGET or args.profile) and not args.no_profile:
        breakdown(app, args.profile_docs)
        profile(app, args.profile_docs)


def _sample_ids(app: Any, count: int) -> list[str]:
    from sqlalchemy import select

    from portal.catalog.models import Dataset
    from portal.search.index import INDEXED_STATES

    db = app.extensions["portal.db"]
    with db.factory() as session:
        return list(
            session.scalars(
                select(Dataset.id)
                .where(Dataset.state.in_(INDEXED_STATES))
                .order_by(Dataset.id)
                .limit(count)
            )
        )


def breakdown(app: Any, sample: int) -> None:
    """Time each stage of the indexing pipeline on `sample` datasets, without a profiler."""
    import rjieba
    import tantivy
    from pypinyin import Style, lazy_pinyin
    from sqlalchemy import select

    from portal.catalog.actions.datasets import show_dict
    from portal.catalog.models import Dataset
    from portal.catalog.queries import dataset_loads
    from portal.collation import pinyin_key
    from portal.search import documents as docs
    from portal.search.fields import FIELDS
    from portal.search.index import site_context
    from portal.search.tantivy_engine import build_schema, to_tantivy
    from portal.search.text import fold, index_text

    ids = _sample_ids(app, sample)
    print(f"\n  Where the time goes (stage timings on {len(ids):,} datasets, batches of 1000):")
    spent: dict[str, float] = {}

    def clock(name: str, started: float) -> float:
        now = time.perf_counter()
        spent[name] = spent.get(name, 0.0) + now - started
        return now

    db = app.extensions["portal.db"]
    dicts: list[dict[str, Any]] = []
    with db.factory() as session:
        context = site_context(app, session)
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            t = time.perf_counter()
            found = list(
                session.scalars(
                    select(Dataset).where(Dataset.id.in_(chunk)).options(*dataset_loads())
                )
            )
            t = clock("database + ORM load (select, selectinload)", t)
            dicts.extend(show_dict(context, d) for d in found)
            clock("dictize (package_dictize)", t)
            session.expunge_all()

    raw_pinyin_key = getattr(pinyin_key, "__wrapped__", pinyin_key)
    for dataset in dicts:
        org = dataset.get("organization") or {}
        resources = dataset.get("resources") or []
        extras = " ".join(str(e.get("value", "")) for e in dataset.get("extras") or [])
        texts = [
            f"{dataset.get('title') or ''} {dataset.get('title_en') or ''}",
            " ".join(t["name"] for t in dataset.get("tags") or []),
            f"{dataset.get('notes') or ''} {extras}",
            " ".join(f"{r.get('name') or ''} {r.get('description') or ''}" for r in resources),
            f"{org.get('title') or ''} {org.get('title_en') or ''}",
        ]
        t = time.perf_counter()
        for text in texts:
            index_text(text)
        t = clock("analysis: index_text (fold + jieba search mode + stem)", t)
        title = dataset.get("title") or ""
        words = [w for w in rjieba.cut(fold(title)) if w.strip()]
        t = clock("suggest: jieba cut of title", t)
        for word in words:
            lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
        t = clock("suggest: pypinyin per title word", t)
        raw_pinyin_key(title or dataset["name"])
        t = clock("title_sort: pinyin_key", t)
        json.dumps(dataset, ensure_ascii=False, separators=(",", ":"))
        t = clock("stored copy: json.dumps", t)
        for keyword in FIELDS.values():
            [keyword.normalize(v) for v in keyword.values(dataset)]
        clock("keyword fields", t)

    t = time.perf_counter()
    documents = [docs.build_document(d) for d in dicts]
    build_total = time.perf_counter() - t

    folder = tempfile.mkdtemp(prefix="portal-bench-tantivy-")
    try:
        tindex = tantivy.Index(build_schema(), path=folder)
        writer = tindex.writer(heap_size=200_000_000, num_threads=2)
        t = time.perf_counter()
        converted = [to_tantivy(doc) for doc in documents]
        t = clock("tantivy: to_tantivy (Document building)", t)
        for doc in converted:
            writer.add_document(doc)
        t = clock("tantivy: writer.add_document", t)
        writer.commit()
        writer.wait_merging_threads()
        clock("tantivy: indexing threads + commit (waited for)", t)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    without_data = _tantivy_seconds([to_tantivy({**doc, "data": ""}) for doc in documents])

    staged = sum(spent.values())
    print(f"    {'stage':<56} {'ms/doc':>8} {'share':>7} {'alone':>12}")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        per_doc = seconds / len(ids) * 1000
        alone = len(ids) / seconds if seconds else float("inf")
        print(f"    {name:<56} {per_doc:8.3f} {seconds / staged:7.1%} {alone:10,.0f}/s")
    print(
        f"    {'sum of stages':<56} {staged / len(ids) * 1000:8.3f}  -> {len(ids) / staged:,.0f}"
        f" datasets/s in one Python thread"
    )
    print(
        f"    (build_document as a whole: {build_total / len(ids) * 1000:.3f} ms/doc; "
        f"'alone' = the rate if that stage were the only cost)"
    )
    with_data = (
        spent["tantivy: writer.add_document"]
        + spent["tantivy: indexing threads + commit (waited for)"]
    )
    print(
        f"    what-if: the same documents with data='' (the stored JSON copy, indexed today as "
        f"one raw term): tantivy {without_data / len(ids) * 1000:.3f} ms/doc instead of "
        f"{with_data / len(ids) * 1000:.3f}"
    )


def _tantivy_seconds(converted: list[Any]) -> float:
    """Seconds to add documents to a fresh index (as rebuild does) and commit."""
    import tantivy

    from portal.search.tantivy_engine import build_schema

    folder = tempfile.mkdtemp(prefix="portal-bench-tantivy-")
    try:
        writer = tantivy.Index(build_schema(), path=folder).writer(
            heap_size=200_000_000, num_threads=2
        )
        started = time.perf_counter()
        for doc in converted:
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        return time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def profile(app: Any, sample: int) -> None:
    """cProfile of the real pipeline (iter_documents -> to_tantivy -> add_document)."""
    import tantivy

    from portal.search.index import iter_documents
    from portal.search.tantivy_engine import build_schema, to_tantivy

    sample = min(sample, 5000)
    folder = tempfile.mkdtemp(prefix="portal-bench-tantivy-")
    profiler = cProfile.Profile()
    try:
        tindex = tantivy.Index(build_schema(), path=folder)
        writer = tindex.writer(heap_size=200_000_000, num_threads=2)
        profiler.enable()
        for number, doc in enumerate(iter_documents(app), 1):
            writer.add_document(to_tantivy(doc))
            if number >= sample:
                break
        writer.commit()
        writer.wait_merging_threads()
        profiler.disable()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(18)
    print(f"\n  cProfile hotspots (own time, first {sample:,} documents of iter_documents):")
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    for line in lines[start:]:
        if line.strip():
            print("    " + _shorten(line))


def _shorten(line: str) -> str:
    for prefix in (str(ROOT) + "/", sys.prefix + "/lib/"):
        line = line.replace(prefix, "")
    return line[:150]


# --------------------------------------------------------------------------- 3/4. in-process


def search_request(q: str, start: int = 0, sort: str = DEFAULT_SORT, facets: bool = True):  # noqa: ANN201
    """A SearchRequest as portal.search.service.search builds it for an anonymous caller."""
    from portal.search import service, syntax
    from portal.search.engine import SearchRequest

    return SearchRequest(
        query=syntax.parse(q),
        filters=[],
        labels=["public"],
        sort=service.parse_sort(sort),
        rows=ROWS,
        start=start,
        facet_fields=list(FACET_FIELDS) if facets else [],
        facet_limit=50,
        facet_mincount=1,
    )


def step_engine(
    args: argparse.Namespace, app: Any, queries: list[str], rows: list[Row]
) -> dict[str, Any]:
    from portal.search.index import engine as search_engine

    engine = search_engine(app)
    print(f"\n== 3. Engine in-process (no Flask, no serialization): {len(queries)} queries")
    print("  SearchRequest(syntax.parse(q), labels=['public'], rows=20, 5 facet fields)")
    requests_ = [search_request(q) for q in queries]
    for request in requests_[: args.warmup]:
        engine.search(request)
    counts = [engine.search(r).count for r in requests_]
    zero = sum(1 for c in counts if c == 0)
    print(
        f"  hits per query: median {statistics.median(counts):,.0f}, max {max(counts):,}, "
        f"{zero} of {len(counts)} queries find nothing"
    )
    floor = timed_loop(
        requests_, engine.search, args.requests, args.max_seconds, "engine.search (query+facets)"
    )
    plain = timed_loop(
        [search_request(q, facets=False) for q in queries],
        engine.search,
        args.requests,
        args.max_seconds,
        "engine.search (query only, no facets)",
    )
    print(floor.line())
    print(plain.line())
    rows.append(Row("engine in-process p50", f"{floor.p50:.2f} ms"))
    rows.append(Row("engine in-process p95", f"{floor.p95:.2f} ms"))

    public = engine.search(search_request("", facets=False)).count
    deep_start = args.deep_start
    if deep_start is None:  # 90,000 as asked, or 90% of the way in on smaller catalogs
        deep_start = 90_000 if public >= 90_000 + ROWS else int(public * 0.9)
    print(f"\n== 4. Deep paging in-process: start={deep_start:,} vs start=0 (rows=20, q empty)")
    print(f"  public datasets (q empty): {public:,}")
    deep: dict[str, Any] = {"start": deep_start, "public": public}
    for sort in (DEFAULT_SORT, "metadata_modified desc"):
        first = search_request("", 0, sort, facets=False)
        far = search_request("", deep_start, sort, facets=False)
        for _ in range(args.warmup // 2 or 1):
            engine.search(first)
            engine.search(far)
        shallow = timed_loop(
            [first], engine.search, args.deep_requests, args.max_seconds, f"start=0, {sort}"
        )
        deeper = timed_loop(
            [far],
            engine.search,
            args.deep_requests,
            args.max_seconds,
            f"start={deep_start}, {sort}",
        )
        got = len(engine.search(far).datasets)
        print(shallow.line())
        print(deeper.line())
        r = ratio(deeper.p50, shallow.p50)
        print(
            f"  ratio deep/first p50: {r:.2f}x (target <= {DEEP_RATIO_TARGET:.0f}x); "
            f"rows returned at start={deep_start}: {got}"
        )
        deep[sort] = (shallow, deeper)
        rows.append(
            Row(
                f"deep paging in-process ({sort})",
                f"{deeper.p50:.2f} vs {shallow.p50:.2f} ms = {r:.2f}x",
                f"<= {DEEP_RATIO_TARGET:.0f}x",
                r <= DEEP_RATIO_TARGET,
            )
        )
    return {"floor": floor, "deep": deep, "counts": dict(zip(queries, counts, strict=True))}


# --------------------------------------------------------------------------- 4b. in-process app

#: Where a package_search request spends its time: (file suffix, function, label).
REQUEST_PARTS = (
    ("portal/api/views.py", "dispatch", "view: validation + action + envelope"),
    ("portal/search/service.py", "search", "service.search (action core)"),
    ("portal/search/tantivy_engine.py", "search", "  engine.search (query, stored docs, facets)"),
    ("portal/search/tantivy_engine.py", "_facets", "    of which facet aggregation"),
    ("portal/search/highlight.py", "highlight", "  highlight (20 results)"),
    ("portal/search/service.py", "search_facets", "  search_facets (display names, SQL)"),
    ("portal/api/views.py", "envelope", "envelope: json.dumps of the response"),
)


def step_app(
    args: argparse.Namespace,
    app: Any,
    queries: list[str],
    engine_results: dict[str, Any],
    rows: list[Row],
) -> None:
    """The full Flask request path in-process (test client: WSGI, no socket, no gunicorn)."""
    client = app.test_client()
    paths = [search_url("", q) for q in queries]

    def get(path: str) -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:160]!r}")

    print("\n== 4b. The same requests through Flask in-process (test client: no socket)")
    timed_loop(paths[: args.warmup], get, args.warmup, 60, "warm-up")
    health = timed_loop(["/healthz"], get, args.requests, args.max_seconds, "Flask /healthz")
    search = timed_loop(paths, get, args.requests, args.max_seconds, "Flask package_search")
    print(health.line())
    print(search.line())
    floor: Latencies = engine_results["floor"]
    print(
        f"  Flask package_search p50 - engine p50 = {search.p50 - floor.p50:.2f} ms "
        f"(action, highlight, facet titles, JSON) before any HTTP"
    )
    engine_results["app"] = search
    rows.append(Row("Flask in-process package_search p50", search.ms("p50")))
    if args.profile_requests > 0:
        profile_requests(get, paths[: args.profile_requests])


def profile_requests(get: Callable[[str], None], paths: list[str]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(entry[2] for entry in stats.stats.values())
    print(f"  cProfile of {len(paths)} requests (Python code runs ~2x slower under it):")
    print(f"    {'part':<50} {'ms/request':>10} {'share':>7}")
    for suffix, name, label in REQUEST_PARTS:
        cumulative = sum(
            entry[3]
            for (filename, _line, func), entry in stats.stats.items()
            if func == name and filename.endswith(suffix)
        )
        per = cumulative / len(paths) * 1000
        print(f"    {label:<50} {per:10.2f} {cumulative / total:7.1%}")
    print(f"    {'whole request (test client)':<50} {total / len(paths) * 1000:10.2f} {1:7.1%}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    print("  hotspots (own time):")
    for line in lines[start:]:
        if line.strip():
            print("    " + _shorten(line))


# --------------------------------------------------------------------------- 5. HTTP


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def portal_server(workdir: Path, workers: int) -> Iterator[str]:
    """`portal serve` (gunicorn) on `<workdir>/instance` and a free port; yields the base URL.

    Uses benchmarks/portal_launcher.py (the shared launcher) when present."""
    try:
        import portal_launcher
    except ImportError:
        portal_launcher = None
    if portal_launcher is not None:
        with portal_launcher.running_portal(workdir, workers=workers) as live:
            print(f"  server: {live.url} via portal_launcher, log {live.log_path}")
            yield live.url
        return
    instance = workdir / "instance"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = instance_env(instance)
    env["PORTAL_PORT"] = str(port)
    log_path = instance / "server.log"
    command = [
        sys.executable,
        "-m",
        "portal.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=str(ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(base, process, log_path)
        print(f"  server: {base}, log {log_path}")
        yield base
    finally:
        _stop(process)


def _wait_healthy(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    with requests.Session() as session:
        session.trust_env = False
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"portal serve exited ({process.returncode}):\n{tail}")
            try:
                if session.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"portal serve did not become healthy; see {log_path}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn master: graceful stop of its workers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the session started for this server only
        process.wait(timeout=10)


def search_url(
    base: str, q: str, start: int = 0, sort: str = DEFAULT_SORT, facets: bool = True
) -> str:
    params: dict[str, Any] = {"q": q, "rows": ROWS, "start": start, "sort": sort}
    if facets:
        params["facet.field"] = json.dumps(FACET_FIELDS)
    return f"{base}/api/3/action/package_search?{urlencode(params)}"


def _client() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # never a proxy: 127.0.0.1 only
    return session


class Fetcher:
    """One keep-alive connection: requests.Session (default) or bare http.client, which
    costs the client less per request (--client http.client measures more of the server)."""

    def __init__(self, kind: str, timeout: float = 60.0) -> None:
        self.kind, self.timeout = kind, timeout
        self.session = _client() if kind == "requests" else None
        self.connection: http.client.HTTPConnection | None = None

    def get(self, url: str) -> tuple[int, bytes]:
        if self.session is not None:
            response = self.session.get(url, timeout=self.timeout)
            return response.status_code, response.content
        parts = urlsplit(url)
        path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    parts.hostname, parts.port, timeout=self.timeout
                )
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                # The server closed the idle keep-alive connection: reconnect once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
        if self.connection is not None:
            self.connection.close()


def http_backend() -> str:
    text = (ROOT / "portal/search/actions.py").read_text(encoding="utf-8")
    if "service" in text:
        return "engine (portal.search.service)"
    return "DATABASE (portal.search.database: the old action; not yet switched to the engine)"


def step_http(
    args: argparse.Namespace,
    workdir: Path,
    queries: list[str],
    engine_results: dict[str, Any],
    rows: list[Row],
) -> None:
    print(f"\n== 5. HTTP: portal serve (gunicorn, {args.workers} workers) on 127.0.0.1")
    print(f"  package_search backend in portal/search/actions.py: {http_backend()}")
    with portal_server(workdir, args.workers) as base:
        client = _client()
        fetcher = Fetcher(args.client)

        def get(url: str) -> None:
            status, body = fetcher.get(url)
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body[:160]!r}")

        urls = [search_url(base, q) for q in queries]
        health = [f"{base}/healthz"]
        # Warm up (caches, index readers, lazy imports) and check the answers.
        warm = timed_loop(urls[: args.warmup] + health * 5, get, args.warmup + 5, 120, "warm-up")
        if warm.errors:
            print(f"  WARNING: {warm.errors} warm-up requests failed; last: {warm.last_error}")
        same, sizes = 0, []
        for q, url in list(zip(queries, urls, strict=True))[:20]:
            response = client.get(url, timeout=60)
            sizes.append(len(response.content))
            if response.status_code == 200:
                same += response.json()["result"]["count"] == engine_results["counts"][q]
        print(
            f"  response size: median {statistics.median(sizes) / 1024:.1f} KiB; "
            f"hit counts equal to the engine's for {same} of 20 queries"
        )
        if same < 20:
            print(
                "  WARNING: the server does not find what the in-process engine finds: the "
                "figures below are not comparable (e.g. the server's code no longer accepts "
                "the index built by this process, or package_search is not on the engine)"
            )
        rows.append(Row("HTTP answers match the engine", f"{same} of 20", "20 of 20", same == 20))
        print(
            f"  latency, one client thread ({args.client}, keep-alive), "
            f"{args.requests} requests each:"
        )
        healthz = timed_loop(health, get, args.requests, args.max_seconds, "GET /healthz")
        print(healthz.line())
        search = timed_loop(
            urls, get, args.requests, args.max_seconds, "GET package_search (5 facets, rows=20)"
        )
        print(search.line())
        floor: Latencies = engine_results["floor"]
        r_health = ratio(search.p50, healthz.p50)
        r_engine = ratio(search.p50, floor.p50)
        print(
            f"  package_search p50 / healthz p50 = {r_health:.2f}x (target <= "
            f"{HEALTHZ_RATIO_TARGET:.0f}x)"
        )
        print(
            f"  HTTP p50 / engine in-process p50 = {r_engine:.2f}x "
            f"(HTTP {search.p50:.2f} ms vs floor {floor.p50:.2f} ms: "
            f"{search.p50 - floor.p50:.2f} ms of Flask, action, highlight, JSON, HTTP)"
        )
        rows.append(Row("HTTP healthz p50", healthz.ms("p50")))
        rows.append(Row("HTTP healthz p95", healthz.ms("p95")))
        rows.append(Row("HTTP package_search p50", search.ms("p50")))
        rows.append(
            Row(
                "HTTP package_search p95",
                search.ms("p95"),
                f"<= {P95_TARGET_MS:.0f} ms",
                search.p95 <= P95_TARGET_MS and not search.errors,
            )
        )
        rows.append(
            Row(
                "package_search p50 / healthz p50",
                f"{r_health:.2f}x",
                f"<= {HEALTHZ_RATIO_TARGET:.0f}x",
                r_health <= HEALTHZ_RATIO_TARGET,
            )
        )
        rows.append(Row("HTTP p50 / engine p50", f"{r_engine:.2f}x"))
        layer = engine_results.get("app")
        if layer is not None and layer.samples_ms and search.samples_ms:
            print(
                f"  layers (p50): engine {floor.p50:.2f} ms -> Flask in-process "
                f"{layer.p50:.2f} ms -> HTTP {search.p50:.2f} ms (gunicorn + socket + client "
                f"{search.p50 - layer.p50:.2f} ms; healthz over HTTP {healthz.p50:.2f} ms)"
            )

        deep = engine_results["deep"]
        start = deep["start"]
        print(f"  deep paging over HTTP: start={start:,} vs start=0 (rows=20, q empty, no facets)")
        for sort in (DEFAULT_SORT, "metadata_modified desc"):
            first, far = (
                search_url(base, "", 0, sort, False),
                search_url(base, "", start, sort, False),
            )
            timed_loop([first, far], get, 6, 60, "warm-up")
            shallow = timed_loop(
                [first], get, args.deep_requests, args.max_seconds, f"start=0, {sort}"
            )
            deeper = timed_loop(
                [far], get, args.deep_requests, args.max_seconds, f"start={start}, {sort}"
            )
            print(shallow.line())
            print(deeper.line())
            r = ratio(deeper.p50, shallow.p50)
            print(f"  ratio deep/first p50: {r:.2f}x (target <= {DEEP_RATIO_TARGET:.0f}x)")
            rows.append(
                Row(
                    f"deep paging HTTP ({sort})",
                    f"{deeper.p50:.2f} vs {shallow.p50:.2f} ms = {r:.2f}x",
                    f"<= {DEEP_RATIO_TARGET:.0f}x",
                    r <= DEEP_RATIO_TARGET,
                )
            )
        client.close()
        fetcher.close()

        if args.throughput_seconds > 0:
            throughput(args, urls, rows)


def throughput(args: argparse.Namespace, urls: list[str], rows: list[Row]) -> None:
    print(
        f"  throughput: {args.clients} client threads for {args.throughput_seconds:.0f} s "
        f"(client and server share this machine's {os.cpu_count()} cores)"
    )
    stop = time.perf_counter() + args.throughput_seconds
    samples: list[list[float]] = [[] for _ in range(args.clients)]
    errors = [0] * args.clients

    def worker(number: int) -> None:
        fetcher = Fetcher(args.client, timeout=10.0)
        i = number * 7
        while time.perf_counter() < stop:
            url = urls[i % len(urls)]
            i += 1
            started = time.perf_counter_ns()
            try:
                ok = fetcher.get(url)[0] == 200
            except (requests.RequestException, http.client.HTTPException, OSError):
                ok = False
            if not ok:
                errors[number] += 1
            elif time.perf_counter() <= stop:  # count only what completed in the window
                samples[number].append((time.perf_counter_ns() - started) / 1e6)
        fetcher.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = args.throughput_seconds
    result = Latencies("package_search under load", [s for part in samples for s in part])
    result.errors = sum(errors)
    rate = len(result.samples_ms) / seconds
    print(result.line())
    print(f"  {rate:,.0f} requests/s")
    rows.append(
        Row(
            f"package_search throughput ({args.clients} clients)",
            f"{rate:,.0f} req/s (p95 {result.p95:.1f} ms)",
        )
    )


# --------------------------------------------------------------------------- main


def summary(rows: list[Row], started: float) -> None:
    load = os.getloadavg()
    print(
        f"\n== Summary ({time.perf_counter() - started:.0f} s in all; load average now "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs)"
    )
    if load[1] > (os.cpu_count() or 1) * 0.75:
        print("  WARNING: other processes competed for the CPUs; latencies are pessimistic")
    width = max(len(r.metric) for r in rows)
    value_width = max(len(r.value) for r in rows)
    print(f"  {'metric':<{width}}  {'value':<{value_width}}  {'target':<10}  result")
    print(f"  {'-' * width}  {'-' * value_width}  {'-' * 10}  ------")
    for row in rows:
        print(
            f"  {row.metric:<{width}}  {row.value:<{value_width}}  {row.target:<10}  {row.status}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=synthetic_catalog.DEFAULT_SEED)
    parser.add_argument("--batch", type=int, default=5000, help="rows per insert batch")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--queries", type=int, default=200, help="distinct search strings")
    parser.add_argument("--requests", type=int, default=400, help="latency samples per endpoint")
    parser.add_argument("--deep-requests", type=int, default=100)
    parser.add_argument(
        "--deep-start",
        type=int,
        default=None,
        help="default: 90000, or 90%% of the public datasets if fewer",
    )
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument(
        "--max-seconds", type=float, default=60.0, help="cap on each latency loop (slow backends)"
    )
    parser.add_argument("--throughput-seconds", type=float, default=10.0, help="0: skip")
    parser.add_argument("--clients", type=int, default=4, help="threads of the throughput run")
    parser.add_argument(
        "--client",
        choices=("requests", "http.client"),
        default="requests",
        help="HTTP client (http.client: less client-side overhead per request)",
    )
    parser.add_argument("--profile", action="store_true", help="profile even if on target")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--profile-docs", type=int, default=5000)
    parser.add_argument("--no-http", action="store_true", help="skip the server steps")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    parser.add_argument(
        "--profile-requests", type=int, default=200, help="requests profiled in-process (0: off)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    print(
        f"Search benchmark: {args.datasets:,} datasets, seed {args.seed}, load average "
        f"{os.getloadavg()[0]:.1f}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    workdir = make_workdir()
    instance = workdir / "instance"
    rows: list[Row] = []
    try:
        step_load(args, instance, rows)
        app = make_app(instance)
        step_reindex(args, app, rows)
        queries = synthetic_catalog.queries(args.queries, args.seed)
        print(f"\n  queries ({len(queries)}), e.g.: " + " | ".join(queries[:12]))
        engine_results = step_engine(args, app, queries, rows)
        step_app(args, app, queries, engine_results, rows)
        if not args.no_http:
            step_http(args, workdir, queries, engine_results, rows)
        from portal.stats import usage

        usage.flush(app)  # the searches it counted, before the instance folder goes
        app.extensions["portal.db"].dispose()
    finally:
        if args.keep:
            print(f"\n  instance kept: {instance}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summary(rows, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
