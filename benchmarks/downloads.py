"""What counting downloads costs: the download route's throughput with counting on, against
the same route with the count's database write replaced by a no-op, in the same run.

    .venv/bin/python benchmarks/downloads.py                     # 2,000 downloads, SQLite
    .venv/bin/python benchmarks/downloads.py --downloads 5000 --rounds 10
    .venv/bin/python benchmarks/downloads.py --database-url postgresql://portal:portal@127.0.0.1:5432/bench

Steps:

1. a fresh instance (SQLite file in a temporary folder, or an empty PostgreSQL database given
   with --database-url), migrated, with one department and one public dataset;
2. a small CSV (about 1 KB, Chinese text) uploaded to it through resource_create;
3. GET of its download URL through the in-process Flask test client (no network: the figure
   is the portal's own work per download: resource_show, storage, and the count), --downloads
   times in each mode, alternated in --rounds rounds so drift on the machine hits both alike:
   - counting: as served, one INSERT .. ON CONFLICT DO UPDATE in its own write transaction
     (BEGIN IMMEDIATE on SQLite) per download;
   - baseline: portal.stats.counting.record_download monkeypatched to a no-op (the robot and
     HEAD checks still run);
4. downloads per second and the mean time per download of both, their ratio, and a check that
   the stored count equals the downloads made with counting on;
5. the most-downloaded list at scale (--popular-datasets datasets with a year of daily counts,
   written directly): package_popular all time (the per-dataset totals) and for the last 30
   days (the daily rows of the window), against summing every daily row, the way the list
   was computed before the totals existed.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.actions import Context, call  # noqa: E402
from portal.catalog.models import Organization  # noqa: E402
from portal.config import Settings  # noqa: E402
from portal.migrate import upgrade  # noqa: E402
from portal.stats import counting  # noqa: E402

ROW = "线路,起点,终点,首班车,末班车\n1路,火车站,东街口,06:00,22:00\n"
CONTENT = (ROW * 20).encode()
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


def build(instance: Path, database_url: str) -> tuple[Any, str]:
    """A migrated instance with one public dataset and its uploaded file: (app, its path)."""
    from werkzeug.datastructures import FileStorage

    upgrade(database_url)
    app = create_app(
        Settings.from_env(
            {},
            instance=instance,
            database_url=database_url,
            queue_url="memory://",
            link_check=False,
        )
    )
    session = app.extensions["portal.db"].session()
    org = Organization(name="transport", title="省交通运输厅", title_en="Department of Transport")
    session.add(org)
    session.commit()
    context = Context(session=session, app=app, ignore_auth=True)
    dataset = call(
        "package_create",
        context,
        {"name": "bus-routes", "title": "全省公交线路", "owner_org": org.id},
    )
    resource = call(
        "resource_create",
        context,
        {
            "package_id": dataset["id"],
            "upload": FileStorage(io.BytesIO(CONTENT), filename="公交线路.csv"),
        },
    )
    app.extensions["portal.db"].remove()
    return app, urlsplit(resource["url"]).path


def timed(client: Any, path: str, count: int) -> float:
    headers = {"User-Agent": BROWSER}
    started = time.perf_counter()
    for _ in range(count):
        response = client.get(path, headers=headers)
        if response.status_code != 200 or len(response.data) != len(CONTENT):
            raise SystemExit(f"download failed: {response.status_code}")
    return time.perf_counter() - started


def stored_count(app: Any) -> int:
    from sqlalchemy import func, select

    from portal.stats.models import DownloadCount

    session = app.extensions["portal.db"].session()
    total = session.scalar(select(func.coalesce(func.sum(DownloadCount.count), 0)))
    app.extensions["portal.db"].remove()
    return int(total)


def measure(app: Any, path: str, downloads: int, rounds: int) -> dict[str, float]:
    client = app.test_client()
    record = counting.record_download
    timed(client, path, 50)  # warm-up (counted: subtracted below)
    per_round = max(downloads // rounds, 1)
    seconds = {"counting": 0.0, "baseline": 0.0}
    for n in range(rounds):
        modes = ("counting", "baseline") if n % 2 == 0 else ("baseline", "counting")
        for mode in modes:
            counting.record_download = record if mode == "counting" else (lambda *a, **k: True)
            try:
                seconds[mode] += timed(client, path, per_round)
            finally:
                counting.record_download = record
    made = per_round * rounds
    stored = stored_count(app) - 50
    if stored != made:
        raise SystemExit(f"stored count {stored} != {made} downloads made with counting on")
    return {**seconds, "downloads": made}


def popular_at_scale(app: Any, datasets: int, days: int) -> None:
    """Step 5: package_popular over `datasets` datasets with `days` days of counts each."""
    from datetime import date, timedelta

    from sqlalchemy import func, insert, select

    from portal.catalog.models import Dataset, Resource
    from portal.stats.models import DownloadCount, DownloadTotal

    session = app.extensions["portal.db"].session()
    org = session.scalar(select(Organization.id))
    started = time.perf_counter()
    today = date.today()
    for first in range(0, datasets, 500):
        batch = range(first, min(first + 500, datasets))
        session.execute(
            insert(Dataset),
            [
                {"id": f"pop-{n}", "name": f"pop-{n}", "title": f"数据集 {n}", "owner_org": org}
                for n in batch
            ],
        )
        session.execute(
            insert(Resource),
            [
                {
                    "id": f"pop-r-{n}",
                    "package_id": f"pop-{n}",
                    "url": "http://x/y.csv",
                    "position": 0,
                }
                for n in batch
            ],
        )
        session.execute(
            insert(DownloadCount),
            [
                {
                    "resource_id": f"pop-r-{n}",
                    "dataset_id": f"pop-{n}",
                    "day": today - timedelta(days=d),
                    "count": 1 + (n * 7 + d) % 13,
                }
                for n in batch
                for d in range(days)
            ],
        )
        session.execute(
            insert(DownloadTotal),
            [
                {"dataset_id": f"pop-{n}", "count": sum(1 + (n * 7 + d) % 13 for d in range(days))}
                for n in batch
            ],
        )
    session.commit()
    rows = datasets * days
    print(
        f"\nMost-downloaded list: {datasets:,} datasets x {days} days = {rows:,} daily rows "
        f"(written in {time.perf_counter() - started:.1f} s)"
    )
    context = Context(session=session, app=app, ignore_auth=True)
    downloads = func.sum(DownloadCount.count).label("downloads")
    every_day = (
        select(DownloadCount.dataset_id, downloads)
        .join(Dataset, Dataset.id == DownloadCount.dataset_id)
        .where(Dataset.state == "active", Dataset.private.is_(False))
        .group_by(DownloadCount.dataset_id, Dataset.name)
        .order_by(downloads.desc(), Dataset.name)
        .limit(6)
    )
    timings = {
        "sum of every daily row (before)": lambda: session.execute(every_day).all(),
        "package_popular, all time (totals)": lambda: call("package_popular", context, {}),
        "package_popular, days=30": lambda: call("package_popular", context, {"days": 30}),
    }
    for label, run in timings.items():
        run()
        rounds = 5
        started = time.perf_counter()
        for _ in range(rounds):
            run()
        print(f"  {label:<38} {(time.perf_counter() - started) / rounds * 1000:8.1f} ms")
    session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--downloads", type=int, default=2000, help="per mode")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the two modes")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    parser.add_argument(
        "--popular-datasets", type=int, default=2000, help="datasets for step 5 (0: skip)"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-downloads-"))
    instance = workdir / "instance"
    instance.mkdir()
    database_url = args.database_url or f"sqlite:///{instance / 'portal.db'}"
    try:
        app, path = build(instance, database_url)
        engine = app.extensions["portal.db"].engine.dialect.name
        print(f"Download route, in-process Flask test client, {engine}, {len(CONTENT)} byte file")
        result = measure(app, path, args.downloads, args.rounds)
        made = result["downloads"]
        rate = {mode: made / result[mode] for mode in ("counting", "baseline")}
        for mode, label in (("baseline", "baseline (no count)"), ("counting", "counting on")):
            print(
                f"  {label:<20} {made:,} downloads in {result[mode]:6.2f} s  "
                f"{rate[mode]:8,.0f} downloads/s  {result[mode] / made * 1000:6.3f} ms each"
            )
        cost = (result["counting"] - result["baseline"]) / made * 1000
        print(f"  ratio counting / baseline throughput: {rate['counting'] / rate['baseline']:.2f}")
        print(f"  the count adds {cost:.3f} ms per download; stored count checked: {made:,}")
        if args.popular_datasets:
            popular_at_scale(app, args.popular_datasets, days=365)
        app.extensions["portal.db"].dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
