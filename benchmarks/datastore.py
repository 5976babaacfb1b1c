"""What the DataStore costs at scale: loading a large GB18030 CSV, searching it over HTTP and
dumping it.

    .venv/bin/python benchmarks/datastore.py --rows 200000
    .venv/bin/python benchmarks/datastore.py --rows 1000000 \\
        --database-url postgresql://portal:portal@127.0.0.1:5432/bench

Steps:

1. a generated 12-column CSV in GB18030 (Chinese station names, districts and remarks, ints,
   floats, dates, about 5% "N/A"), --rows rows, written once to a temporary folder;
2. a portal (`portal serve`, benchmarks/portal_launcher.py) whose DataStore is a SQLite file
   in its instance folder, or the PostgreSQL database of --database-url (dropped tables are the
   benchmark's own); a dataset and an empty DataStore table made through datastore_create;
3. the load: portal.datastore.loader.load_file of the file into that table, in a child process
   so its peak RSS (getrusage ru_maxrss) is the load's alone: rows/s (targets: 50,000 rows/s on
   SQLite, 100,000 on PostgreSQL with COPY; peak RSS < 300 MB);
4. datastore_create with `indexes` on the filtered and sorted columns (as a publisher would);
5. datastore_search over HTTP (requests, one keep-alive session) with a filter and a sort,
   --searches times: p50 and p95 (target p95 < 50 ms);
6. the CSV dump (/datastore/dump/<id>) over HTTP: MB/s (target >= 50 MB/s);
7. datastore_search with `q` (Chinese words, with total) over HTTP, --q-searches times, through
   the table's full-text index and then without it (the LIKE scan a table made before the index
   falls back to): p50 and p95 of each, with the totals checked to be the same; then the time
   to build the index again on the full table.

Each figure is printed with its ratio to the target (>= 1.00 meets it).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from portal_launcher import running_portal  # noqa: E402

HEADER = ["编号", "站点名称", "所属区县", "线路", "日客流", "票价", "经度", "纬度", "开通日期",
          "更新日期", "状态", "备注"]  # fmt: skip
DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
             "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区"]  # fmt: skip  # noqa: E501
PLACES = ["人民广场", "火车站", "陆家嘴", "徐家汇", "中山公园", "五角场", "世纪大道", "南京东路",
          "静安寺", "虹桥枢纽", "龙阳路", "莘庄", "外滩", "张江高科", "打浦桥", "曹杨路"]  # fmt: skip  # noqa: E501
SUFFIXES = ["北广场", "南", "东站", "公交枢纽", "地铁站", "路口", "西", "小区"]
STATES = ["运营", "停运", "改建", "新建"]
REMARKS = ["换乘站", "夜班线路经停", "无障碍设施完备", "临时站点", "N/A", "高峰时段大站快车"]
TARGETS = {"sqlite": 50_000, "postgresql": 100_000}
RSS_TARGET_MB = 300
P95_TARGET_MS = 50
DUMP_TARGET_MBS = 50
FIELDS = [{"id": "编号", "type": "int"}, {"id": "所属区县", "type": "text"},
          {"id": "日客流", "type": "int"}]  # fmt: skip


def generate(path: Path, rows: int, seed: int = 12) -> int:
    """The CSV, written in blocks; returns its size in bytes."""
    rng = random.Random(seed)
    start = date(2000, 1, 1)
    with open(path, "w", encoding="gb18030", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        block: list[str] = []
        for i in range(1, rows + 1):
            na = rng.random() < 0.05
            block.append(",".join((
                str(i),
                rng.choice(PLACES) + rng.choice(SUFFIXES),
                rng.choice(DISTRICTS),
                f"{rng.randint(1, 999)}路",
                "N/A" if na else str(rng.randint(100, 90_000)),
                f"{rng.choice((1, 2, 3, 4.5, 5))}",
                f"{121 + rng.random():.6f}",
                f"{31 + rng.random():.6f}",
                (start + timedelta(days=rng.randint(0, 8000))).isoformat(),
                "N/A" if rng.random() < 0.05 else f"2024-{rng.randint(1, 12)}-{rng.randint(1, 28)}",
                rng.choice(STATES),
                rng.choice(REMARKS),
            )))  # fmt: skip
            if len(block) >= 10_000:
                out.write("\n".join(block) + "\n")
                block = []
        if block:
            out.write("\n".join(block) + "\n")
    return path.stat().st_size


def load_child(url: str, resource_id: str, path: str) -> None:
    """In the child process: load the file and print rows, seconds and peak RSS as JSON."""
    from portal.datastore.engine import DatastoreDB
    from portal.datastore.loader import load_file

    db = DatastoreDB(url)
    started = time.perf_counter()
    rows = load_file(db, resource_id, path, "CSV")
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_kb / 1024}))


def run_load(url: str, resource_id: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--load-child", url, resource_id, str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"The load failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def action(session: requests.Session, base: str, verb: str, **data: Any) -> dict[str, Any]:
    response = session.post(f"{base}/api/3/action/{verb}", json=data, timeout=600)
    body = response.json()
    if not body.get("success"):
        raise SystemExit(f"{verb} failed: {body}")
    return body["result"]


def timed_searches(session: requests.Session, base: str, rid: str, count: int) -> list[float]:
    rng = random.Random(7)
    times = []
    for _ in range(count):
        params = {"resource_id": rid, "filters": json.dumps({"所属区县": rng.choice(DISTRICTS)}),
                  "sort": "日客流 desc", "limit": 100}  # fmt: skip
        started = time.perf_counter()
        response = session.get(f"{base}/api/3/action/datastore_search", params=params, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or len(response.json()["result"]["records"]) != 100:
            raise SystemExit(f"datastore_search failed: {response.text[:500]}")
    return times


Q_WORDS = ["换乘站", "临时站点", "黄浦区 停运", "人民广场 公交枢纽", "夜班 徐汇区 运营", "陆家嘴"]


def timed_q_searches(
    session: requests.Session, base: str, rid: str, count: int
) -> tuple[list[float], dict[str, int]]:
    """Milliseconds of each q search, and each q's total (the same with or without index)."""
    times, totals = [], {}
    for i in range(count):
        q = Q_WORDS[i % len(Q_WORDS)]
        params = {"resource_id": rid, "q": q, "limit": 100}
        started = time.perf_counter()
        response = session.get(f"{base}/api/3/action/datastore_search", params=params, timeout=600)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"datastore_search q failed: {response.text[:500]}")
        totals[q] = response.json()["result"]["total"]
    return times, totals


def q_benchmark(session: requests.Session, base: str, url: str, rid: str, count: int) -> None:
    from portal.datastore.engine import DatastoreDB

    timed_q_searches(session, base, rid, len(Q_WORDS))  # warm
    indexed, indexed_totals = timed_q_searches(session, base, rid, count)
    db = DatastoreDB(url)
    with db.begin() as conn:
        db.drop_full_text_index(conn, rid)
    try:
        timed_q_searches(session, base, rid, len(Q_WORDS))
        scanned, scanned_totals = timed_q_searches(session, base, rid, count)
    finally:
        started = time.perf_counter()
        with db.begin() as conn:
            db.index_full_text(conn, rid)
        built = time.perf_counter() - started
        db.dispose()
    print(f"datastore_search q over HTTP (with total, limit 100), {count} requests over "
          f"{len(Q_WORDS)} queries; totals {indexed_totals}:")  # fmt: skip
    for label, times in (("full-text index", indexed), ("LIKE scan (no index)", scanned)):
        times = sorted(times)
        print(f"  {label:<22} p50 {statistics.median(times):8.1f} ms   "
              f"p95 {times[max(0, int(len(times) * 0.95) - 1)]:8.1f} ms")  # fmt: skip
    if indexed_totals != scanned_totals:
        raise SystemExit(f"q totals differ without the index: {scanned_totals}")
    print(f"  index built again on the full table in {built:.1f} s")


def timed_dump(session: requests.Session, base: str, rid: str) -> tuple[int, float]:
    started = time.perf_counter()
    size = 0
    with session.get(f"{base}/datastore/dump/{rid}", stream=True, timeout=3600) as response:
        response.raise_for_status()
        for chunk in response.iter_content(1024 * 1024):
            size += len(chunk)
    return size, time.perf_counter() - started


def report(label: str, value: float, unit: str, target: float, higher: bool = True) -> None:
    ratio = value / target if higher else target / value if value else float("inf")
    sign = ">=" if higher else "<"
    print(f"  {label:<34} {value:12,.1f} {unit:<6} target {sign} {target:,} {unit}  "
          f"ratio {ratio:.2f}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL for the DataStore")
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--q-searches", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load_child:
        load_child(*args.load_child)
        return 0
    dialect = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="datastore-bench-") as folder:
        folder_path = Path(folder)
        csv_path = folder_path / "stops.csv"
        started = time.perf_counter()
        size = generate(csv_path, args.rows)
        print(f"Generated {args.rows:,} rows x {len(HEADER)} columns, GB18030, "
              f"{size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")  # fmt: skip
        datastore_url = args.database_url or f"sqlite:///{folder_path / 'instance/datastore.db'}"
        env = {"PORTAL_DATASTORE_URL": datastore_url, "PORTAL_LINKCHECK": "0"}
        with running_portal(folder_path, workers=args.workers, env=env) as portal:
            session = requests.Session()
            session.headers["Authorization"] = portal.token
            base = portal.url
            org = action(session, base, "organization_create", name="bench", title="基准测试")
            dataset = action(session, base, "package_create", name="bench-stops",
                             title="公交站点客流", owner_org=org["name"])  # fmt: skip
            created = action(session, base, "datastore_create",
                             resource={"package_id": dataset["id"], "name": "站点"},
                             fields=FIELDS)  # fmt: skip
            rid = created["resource_id"]
            print(f"DataStore on {dialect}; portal served by gunicorn, {args.workers} workers")
            load = run_load(datastore_url, rid, csv_path)
            rate = load["rows"] / load["seconds"]
            print(f"Load ({load['rows']:,} rows in {load['seconds']:.1f} s, child process):")
            report("rows/s", rate, "rows/s", TARGETS[dialect])
            report("peak RSS", load["peak_mb"], "MB", RSS_TARGET_MB, higher=False)
            started = time.perf_counter()
            action(session, base, "datastore_create", resource_id=rid,
                   indexes=["所属区县", "日客流"])  # fmt: skip
            print(f"Indexes on 所属区县 and 日客流 in {time.perf_counter() - started:.1f} s")
            timed_searches(session, base, rid, 5)  # warm the workers and the page cache
            times = sorted(timed_searches(session, base, rid, args.searches))
            p50 = statistics.median(times)
            p95 = times[int(len(times) * 0.95) - 1]
            print(f"datastore_search over HTTP, filter 所属区县 + sort 日客流 desc, limit 100, "
                  f"with total, {args.searches} requests:")  # fmt: skip
            print(f"  p50 {p50:.1f} ms")
            report("p95", p95, "ms", P95_TARGET_MS, higher=False)
            size, seconds = timed_dump(session, base, rid)
            print(f"CSV dump over HTTP: {size / 1e6:.1f} MB in {seconds:.1f} s")
            report("dump", size / 1e6 / seconds, "MB/s", DUMP_TARGET_MBS)
            if args.q_searches:
                q_benchmark(session, base, datastore_url, rid, args.q_searches)
            if dialect == "postgresql":
                action(session, base, "datastore_delete", resource_id=rid, force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
