"""Statistics benchmark: /stats and every stats_* action at 100k datasets and a year of daily
usage counts.

    .venv/bin/python benchmarks/stats_page.py                       # 100k datasets
    .venv/bin/python benchmarks/stats_page.py --datasets 20000      # quick run

Steps (each prints its figures; a summary with the < 200 ms target comes last):

1. a synthetic catalog (benchmarks/synthetic_catalog.py) bulk-loaded into a fresh SQLite
   instance, then a year of daily counts inserted straight into the tables (benchmark setup,
   not the product path): page views of --views-per-day random public datasets a day,
   downloads of --downloads-per-day resources a day (with the running totals), and
   --terms-per-day search terms a day (some with no results);
2. a full reindex (the documents carry the popularity figures);
   then the per-day department and theme rollup rebuilt from them (`portal stats rebuild`);
3. each stats_* action in-process, cold (its first call: nothing cached) and warm (p50/p95
   over --requests calls within the cache's TTL), and the same uncached
   (PORTAL_STATS_CACHE_SECONDS=0: what every call costs once the TTL has run out);
4. GET /stats through Flask's test client: the first render, then p50/p95 over --requests.

Everything runs against a temporary instance folder (removed unless --keep).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import synthetic_catalog  # noqa: E402
from search import Latencies, Progress, Row, make_app, make_workdir, summary  # noqa: E402

TARGET_MS = 200.0
BATCH = 50_000
# The stats_* actions and the arguments /stats or a client would send.
ACTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("stats_catalog", {}),
    ("stats_growth", {"months": 12}),
    ("stats_usage", {"months": 12}),
    ("stats_search_terms", {"days": 30, "limit": 20}),
    ("stats_usage_rollup", {"group_by": "department", "period": "month", "months": 12}),
    ("stats_usage_rollup", {"group_by": "theme", "period": "month", "months": 12}),
    ("stats_usage_rollup", {"group_by": "department", "period": "day", "days": 30}),
    ("stats_usage_rollup", {"group_by": "theme", "period": "day", "days": 30}),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--views-per-day", type=int, default=3000)
    parser.add_argument("--downloads-per-day", type=int, default=1000)
    parser.add_argument("--terms-per-day", type=int, default=300)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=synthetic_catalog.DEFAULT_SEED)
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    return parser.parse_args(argv)


# --------------------------------------------------------------------------- 1. data


def load_counts(args: argparse.Namespace, app: Any) -> dict[str, int]:
    """A year of daily views, downloads and searches, inserted in batches."""
    from sqlalchemy import insert, select

    from portal.catalog.models import Dataset, Resource
    from portal.stats.counting import today
    from portal.stats.models import DatasetViewCount, DownloadCount, DownloadTotal, SearchTermCount
    from portal.stats.usage import normalise_query

    rng = random.Random(args.seed)
    engine = app.extensions["portal.db"].engine
    with engine.connect() as conn:
        public = list(
            conn.scalars(
                select(Dataset.id).where(Dataset.state == "active", Dataset.private.is_(False))
            )
        )
        resources = conn.execute(
            select(Resource.id, Resource.package_id).where(
                Resource.package_id.in_(
                    select(Dataset.id).where(Dataset.state == "active", Dataset.private.is_(False))
                )
            )
        ).all()
    queries = synthetic_catalog.queries(max(args.terms_per_day, 20), args.seed)
    queries = list(dict.fromkeys(normalise_query(q) for q in queries))
    gaps = [f"无此数据{n}" for n in range(max(args.terms_per_day // 10, 1))]
    end = today()
    views: list[dict[str, Any]] = []
    downloads: list[dict[str, Any]] = []
    terms: list[dict[str, Any]] = []
    totals: dict[str, int] = {}
    counted = {"views": 0, "downloads": 0, "terms": 0}
    progress = Progress("days of counts", args.days)

    def write(force: bool = False) -> None:
        with engine.begin() as conn:
            for model, rows in (
                (DatasetViewCount, views),
                (DownloadCount, downloads),
                (SearchTermCount, terms),
            ):
                if rows and (force or len(rows) >= BATCH):
                    conn.execute(insert(model), rows)
                    rows.clear()

    for ago in range(args.days):
        day = end - timedelta(days=ago)
        for dataset_id in rng.sample(public, min(args.views_per_day, len(public))):
            views.append({"dataset_id": dataset_id, "day": day, "count": rng.randint(1, 40)})
        for resource_id, dataset_id in rng.sample(
            resources, min(args.downloads_per_day, len(resources))
        ):
            n = rng.randint(1, 12)
            downloads.append(
                {"resource_id": resource_id, "dataset_id": dataset_id, "day": day, "count": n}
            )
            totals[dataset_id] = totals.get(dataset_id, 0) + n
        for term in rng.sample(queries, min(args.terms_per_day, len(queries))):
            terms.append(
                {
                    "day": day,
                    "term": term[:100],
                    "count": rng.randint(1, 30),
                    "results": rng.randint(1, 500),
                }
            )
        for term in gaps:
            terms.append({"day": day, "term": term, "count": rng.randint(1, 5), "results": 0})
        counted["views"] += min(args.views_per_day, len(public))
        counted["downloads"] += min(args.downloads_per_day, len(resources))
        counted["terms"] += min(args.terms_per_day, len(queries)) + len(gaps)
        write()
        progress(1)
    write(force=True)
    with engine.begin() as conn:
        conn.execute(
            insert(DownloadTotal), [{"dataset_id": k, "count": v} for k, v in totals.items()]
        )
    # The per-day department and theme rows the live counting keeps (portal.stats.rollup),
    # computed once for the bulk-loaded year, as `portal stats rebuild` does.
    from portal.database import write_transaction
    from portal.stats import rollup

    begun = time.perf_counter()
    with app.extensions["portal.db"].factory() as session, write_transaction(session):
        counted["rollup"] = rollup.rebuild(session)
    print(f"  rollup rebuilt: {counted['rollup']:,} rows in {time.perf_counter() - begun:.1f} s")
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
    return counted


# --------------------------------------------------------------------------- 3. actions


def label_of(name: str, params: dict[str, Any]) -> str:
    extra = ",".join(f"{k}={v}" for k, v in params.items() if k in ("group_by", "period"))
    return f"{name}({extra})" if extra else name


def time_action(app: Any, name: str, params: dict[str, Any], requests: int) -> tuple:
    """(cold ms, warm Latencies) of an action called as an anonymous visitor."""
    from portal.actions import Context, call

    def once() -> float:
        with app.app_context():
            session = app.extensions["portal.db"].factory()
            try:
                started = time.perf_counter_ns()
                call(name, Context(session=session, app=app), dict(params))
                return (time.perf_counter_ns() - started) / 1e6
            finally:
                session.close()

    cold = once()
    warm = Latencies(label_of(name, params))
    warm.samples_ms = [once() for _ in range(requests)]
    return cold, warm


def step_actions(args: argparse.Namespace, app: Any, rows: list[Row]) -> None:
    from portal.stats.cache import EXTENSION

    print("\n== 3. stats_* actions in-process (anonymous caller)")
    department = _a_department(app)
    actions = (*ACTIONS, ("stats_department", {"id": department}))
    for seconds, kind in ((None, "cached"), (0, "uncached")):
        app.extensions.pop(EXTENSION, None)
        if seconds is None:
            app.config.pop("PORTAL_STATS_CACHE_SECONDS", None)
        else:
            app.config["PORTAL_STATS_CACHE_SECONDS"] = seconds
        print(f"  -- {kind} (TTL {app.config.get('PORTAL_STATS_CACHE_SECONDS', 30)} s)")
        for name, params in actions:
            cold, warm = time_action(app, name, params, args.requests if kind == "cached" else 5)
            print(
                f"  {warm.label:<46} cold {cold:8.1f} ms  p50 {warm.p50:8.2f} ms  "
                f"p95 {warm.p95:8.2f} ms"
            )
            metric = f"{warm.label} {kind} p95"
            rows.append(
                Row(
                    metric,
                    f"{warm.p95:.1f} ms (cold {cold:.0f} ms)",
                    f"< {TARGET_MS:.0f} ms" if kind == "cached" else "",
                    warm.p95 < TARGET_MS if kind == "cached" else None,
                )
            )
    app.config.pop("PORTAL_STATS_CACHE_SECONDS", None)


def _a_department(app: Any) -> str:
    from sqlalchemy import select

    from portal.catalog.models import Organization

    with app.extensions["portal.db"].factory() as session:
        return session.scalars(select(Organization.name).order_by(Organization.name)).first()


# --------------------------------------------------------------------------- 4. page


def step_page(args: argparse.Namespace, app: Any, rows: list[Row]) -> None:
    from portal.stats.cache import EXTENSION

    print(f"\n== 4. GET /stats through the test client, {args.requests} requests")
    app.extensions.pop(EXTENSION, None)
    client = app.test_client()
    page = Latencies("GET /stats")
    for number in range(args.requests + 1):
        started = time.perf_counter_ns()
        response = client.get("/stats", headers={"Accept-Language": "zh-CN"})
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if response.status_code != 200:
            page.errors += 1
            page.last_error = str(response.status_code)
        elif number == 0:
            first = elapsed
        else:
            page.samples_ms.append(elapsed)
    print(f"  first render (cache empty): {first:.1f} ms")
    print(page.line())
    rows.append(Row("GET /stats first render (cold)", f"{first:.0f} ms"))
    rows.append(
        Row("GET /stats p50", f"{page.p50:.1f} ms", f"< {TARGET_MS:.0f} ms", page.p50 < TARGET_MS)
    )
    rows.append(
        Row("GET /stats p95", f"{page.p95:.1f} ms", f"< {TARGET_MS:.0f} ms", page.p95 < TARGET_MS)
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    workdir = make_workdir()
    instance = workdir / "instance"
    rows: list[Row] = []
    try:
        print(f"== 1. {args.datasets:,} datasets and {args.days} days of counts -> {instance}")
        stats = synthetic_catalog.load(
            f"sqlite:///{instance / 'portal.db'}",
            args.datasets,
            seed=args.seed,
            progress=Progress("loaded", args.datasets),
        )
        print(f"  {stats.datasets:,} datasets ({stats.public:,} public) in {stats.seconds:.1f} s")
        app = make_app(instance)
        begun = time.perf_counter()
        counted = load_counts(args, app)
        print(
            f"  {counted['views']:,} view rows, {counted['downloads']:,} download rows, "
            f"{counted['terms']:,} search term rows in {time.perf_counter() - begun:.1f} s"
        )
        rows.append(
            Row(
                "daily count rows (views, downloads, terms)",
                f"{counted['views']:,} / {counted['downloads']:,} / {counted['terms']:,}",
            )
        )
        from portal.search import index

        print("\n== 2. Full reindex")
        begun = time.perf_counter()
        total = index.reindex(app, progress=Progress("indexed", index.count_indexable(app)))
        print(f"  {total:,} documents in {time.perf_counter() - begun:.1f} s")
        step_actions(args, app, rows)
        step_page(args, app, rows)
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
