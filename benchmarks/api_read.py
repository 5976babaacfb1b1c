"""Read throughput over HTTP: GET package_show vs the trivial GET /healthz, same gunicorn server.

    .venv/bin/python benchmarks/api_read.py                      # 4 workers, 200 datasets, 10 s
    .venv/bin/python benchmarks/api_read.py --workers 2 --duration 5 --client python

Steps:

1. `portal serve` on a fresh instance (benchmarks/portal_launcher.py, the launcher the tests
   use), with PORTAL_LINKCHECK=0 so no background link checks run during the measurement;
2. ~200 realistic datasets created through the Action API (Chinese titles, 12 departments,
   3 resources and 2-4 tags each);
3. a bounded load on 127.0.0.1: GET /healthz and GET /api/3/action/package_show?id=<name>
   (rotating over every dataset), --duration seconds each after a short warm-up, alternated
   in --rounds rounds, with `wrk` when it is installed (a Lua script rotates the names) or
   else Python threads, each with its own keep-alive requests.Session;
4. req/s, p50 and p95 latency for both, the server's CPU time per request (master and
   workers, from /proc), and the ratio package_show / healthz against the target
   (package_show at least 40% of the trivial endpoint);
5. when the target is missed (or with --profile): where package_show's time goes, in-process
   on the same instance: SQL statements per call, the time of each layer (Flask, API view,
   ORM loading, raw SQL, dictize, JSON) against /healthz, and a cProfile.

The load generator shares the machine with the server: on a small machine it takes CPU from
the workers, which lowers both figures (and the ratio less than the absolute numbers).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portal_launcher import LivePortal, children, running_portal  # noqa: E402

TARGET_RATIO = 0.40

DEPARTMENTS = [
    ("transport", "省交通运输厅"),
    ("health", "省卫生健康委员会"),
    ("education", "省教育厅"),
    ("environment", "省生态环境厅"),
    ("finance", "省财政厅"),
    ("statistics", "省统计局"),
    ("natural-resources", "省自然资源厅"),
    ("housing", "省住房和城乡建设厅"),
    ("agriculture", "省农业农村厅"),
    ("culture", "省文化和旅游厅"),
    ("civil-affairs", "省民政厅"),
    ("market", "省市场监督管理局"),
]
CITIES = ["济南市", "青岛市", "淄博市", "烟台市", "潍坊市", "济宁市", "泰安市", "威海市", "临沂市"]
SUBJECTS = [
    ("公交站点分布", ["交通", "公交"]),
    ("道路运输企业名录", ["交通", "企业"]),
    ("医疗机构基本信息", ["卫生", "医疗"]),
    ("中小学学校名录", ["教育", "学校"]),
    ("空气质量日报", ["环境", "空气质量"]),
    ("政府采购项目公告", ["财政", "采购"]),
    ("国民经济主要指标", ["统计", "经济"]),
    ("土地出让结果公示", ["自然资源", "土地"]),
    ("保障性住房分配情况", ["住房", "民生"]),
    ("农产品批发价格", ["农业", "价格"]),
    ("A级旅游景区名录", ["旅游", "文化"]),
    ("养老服务机构名录", ["民政", "养老"]),
    ("食品生产许可证信息", ["市场监管", "食品"]),
]
RESOURCE_FORMATS = [("CSV", "csv"), ("JSON", "json"), ("XLSX", "xlsx")]


# --------------------------------------------------------------------------- catalog


def create_catalog(portal: LivePortal, count: int, seed: int = 20240601) -> list[str]:
    """Departments and `count` datasets through the Action API; return the dataset names."""
    rng = random.Random(seed)
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = portal.token

    def post(action: str, data: dict[str, Any]) -> dict[str, Any]:
        response = session.post(f"{portal.url}/api/3/action/{action}", json=data, timeout=60)
        body = response.json()
        if response.status_code != 200 or not body.get("success"):
            raise RuntimeError(f"{action} failed: {response.status_code} {body}")
        return body["result"]

    for name, title in DEPARTMENTS:
        post("organization_create", {"name": name, "title": title})
    names = []
    for n in range(count):
        org, _ = DEPARTMENTS[n % len(DEPARTMENTS)]
        subject, tags = SUBJECTS[n % len(SUBJECTS)]
        city = rng.choice(CITIES)
        year = rng.randint(2018, 2024)
        name = f"{org}-{n:04d}"
        resources = [
            {
                "name": f"{city}{subject}（{year}年{part}）",
                "url": f"https://data.example.gov.cn/files/{name}/{part}.{ext}",
                "format": fmt,
                "description": f"{city}{subject}，{fmt} 格式，按季度更新。",
            }
            for part, (fmt, ext) in enumerate(RESOURCE_FORMATS, start=1)
        ]
        post(
            "package_create",
            {
                "name": name,
                "title": f"{city}{year}年{subject}",
                "owner_org": org,
                "notes": f"{city}{subject}数据，来源于{DEPARTMENTS[n % len(DEPARTMENTS)][1]}，"
                f"包含{year}年全年记录，按季度更新。",
                "tags": [{"name": t} for t in [*tags, city, f"{year}年"][: rng.randint(2, 4)]],
                "resources": resources,
            },
        )
        names.append(name)
    session.close()
    return names


# --------------------------------------------------------------------------- load


def server_cpu_seconds(portal: LivePortal) -> float:
    """User + system CPU time so far of the gunicorn master and its workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [portal.process.pid, *children(portal.process.pid)]:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@dataclass
class Result:
    label: str
    tool: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    latencies_ms: list[float] | None = None  # python client: every latency, for merging
    server_cpu: float = 0.0  # seconds of server CPU (master + workers) during the run

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu / self.requests * 1000 if self.requests else float("nan")


def merge(results: list[Result]) -> Result:
    """Several rounds of one endpoint as one result (percentiles: request-weighted)."""
    first = results[0]
    requests_ = sum(r.requests for r in results)
    if all(r.latencies_ms is not None for r in results):
        flat = [x for r in results for x in r.latencies_ms]
        p50, p95 = _percentile(flat, 50), _percentile(flat, 95)
    else:  # wrk gives percentiles per run only: weight them by requests
        p50 = sum(r.p50_ms * r.requests for r in results) / requests_
        p95 = sum(r.p95_ms * r.requests for r in results) / requests_
    return Result(
        first.label,
        first.tool,
        requests_,
        sum(r.seconds for r in results),
        p50,
        p95,
        sum(r.errors for r in results),
        None,
        sum(r.server_cpu for r in results),
    )


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def python_load(
    label: str, base: str, paths: list[str], duration: float, connections: int
) -> Result:
    """`connections` threads, each with its own keep-alive Session, for `duration` seconds."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start_barrier = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def run(slot: int) -> None:
        session = requests.Session()
        session.trust_env = False
        rotation = itertools.cycle(paths[slot:] + paths[:slot])
        start_barrier.wait()
        while time.perf_counter() < stop_at[0]:
            url = base + next(rotation)
            began = time.perf_counter()
            try:
                response = session.get(url, timeout=30)
                response.content  # noqa: B018  (read the whole body)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            latencies[slot].append(time.perf_counter() - began)
            if not ok:
                errors[slot] += 1
        session.close()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + duration
    start_barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [latency * 1000 for slot in latencies for latency in slot]
    return Result(
        label,
        "python",
        len(flat),
        elapsed,
        _percentile(flat, 50),
        _percentile(flat, 95),
        sum(errors),
    )


WRK_SCRIPT = """
local paths = {%s}
local counter = 0
init = function(args)
  counter = tonumber(wrk.thread:get("offset") or 0)
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
setup = function(thread)
  thread:set("offset", tostring(math.random(0, #paths - 1)))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT requests=%%d duration_us=%%d p50_us=%%d p95_us=%%d errors=%%d status_errors=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def wrk_load(
    label: str, base: str, paths: list[str], duration: float, connections: int, threads: int
) -> Result:
    script = WRK_SCRIPT % ", ".join(f'"{p}"' for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [
            "wrk",
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "30s",
            "-s",
            handle.name,
            base + paths[0],
        ]
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=duration + 60
        ).stdout
    finally:
        os.unlink(handle.name)
    match = re.search(
        r"WRKRESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p95_us=(\d+) errors=(\d+) "
        r"status_errors=(\d+)",
        output,
    )
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    total, micros, p50, p95, errors, status_errors = map(int, match.groups())
    return Result(label, "wrk", total, micros / 1e6, p50 / 1000, p95 / 1000, errors + status_errors)


def one_run(
    args: argparse.Namespace, portal: LivePortal, label: str, paths: list[str], seconds: float
) -> Result:
    cpu = server_cpu_seconds(portal)
    if args.tool == "wrk":
        result = wrk_load(label, portal.url, paths, seconds, args.connections, args.wrk_threads)
    else:
        result = python_load(label, portal.url, paths, seconds, args.connections)
    result.server_cpu = server_cpu_seconds(portal) - cpu
    return result


def measure(
    args: argparse.Namespace, portal: LivePortal, endpoints: dict[str, list[str]]
) -> list[Result]:
    """Warm up each endpoint, then alternate them for `rounds` rounds of duration/rounds
    seconds each, so a background load that comes and goes weighs on both alike."""
    if args.warmup:
        for label, paths in endpoints.items():
            one_run(args, portal, label, paths, args.warmup)
    rounds: dict[str, list[Result]] = {label: [] for label in endpoints}
    for _ in range(args.rounds):
        for label, paths in endpoints.items():
            rounds[label].append(one_run(args, portal, label, paths, args.duration / args.rounds))
    return [merge(results) for results in rounds.values()]


# --------------------------------------------------------------------------- profile


def _best_ms(steps: dict[str, Any], rounds: int = 7, per_round: int = 60) -> dict[str, float]:
    """Milliseconds per call of each step: the best of `rounds` interleaved rounds (a shared
    machine's background load inflates single measurements)."""
    for step in steps.values():
        for i in range(20):
            step(i)
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(rounds):
        for label, step in steps.items():
            began = time.perf_counter()
            for i in range(per_round):
                step(i)
            best[label] = min(best[label], (time.perf_counter() - began) / per_round * 1000)
    return best


def profile_in_process(portal: LivePortal, names: list[str], calls: int = 300) -> None:
    """package_show on the same instance without HTTP: SQL statements, a breakdown of its
    time into layers, and a cProfile."""
    import json

    from sqlalchemy import event, or_, select

    from portal import create_app
    from portal.actions import Context
    from portal.catalog.actions.datasets import show_dict
    from portal.catalog.models import Dataset
    from portal.catalog.queries import find_dataset
    from portal.config import Settings

    app = create_app(Settings.from_env(portal.env))
    client = app.test_client()
    db = app.extensions["portal.db"]
    show = "/api/3/action/package_show?id={name}"
    for name in names[:20]:
        client.get(show.format(name=name))  # configure mappers, fill the statement cache

    statements: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, parameters, *_args) -> None:  # noqa: ANN001
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    client.get(show.format(name=names[0]))
    event.remove(db.engine, "before_cursor_execute", record)
    print("\nIn-process profile (same instance, Flask test client or direct calls, one thread)")
    print(f"  SQL statements per anonymous package_show: {len(statements)}")
    for statement, _ in statements:
        print("    " + " ".join(statement.split())[:104])

    def name(i: int) -> str:
        return names[i % len(names)]

    def orm_find(i: int) -> None:
        session = db.session()
        find_dataset(Context(session=session, app=app), name(i))
        session.commit()
        db.session.remove()

    def orm_plain(i: int) -> None:
        session = db.session()
        query = select(Dataset).where(or_(Dataset.id == name(i), Dataset.name == name(i)))
        session.scalars(query).first()
        session.commit()
        db.session.remove()

    raw = db.engine.raw_connection()
    selects = [(sql, params) for sql, params in statements if sql.lstrip().startswith("SELECT")]

    def raw_sql(_: int) -> None:
        cursor = raw.cursor()
        for sql, params in selects:
            cursor.execute(sql, params).fetchall()
        cursor.close()

    with app.app_context():
        session = db.session()
        context = Context(session=session, app=app)
        dataset = find_dataset(context, names[0])
        result = show_dict(context, dataset)
        body = {"help": "", "success": True, "result": result}
        steps = {
            "GET /healthz (Flask, no database)": lambda i: client.get("/healthz"),
            "GET help_show (API view, no database)": lambda i: client.get(
                "/api/3/action/help_show?name=package_show"
            ),
            "GET package_list?limit=1 (API, 1 small query)": lambda i: client.get(
                "/api/3/action/package_list?limit=1"
            ),
            "GET package_show": lambda i: client.get(show.format(name=name(i))),
            "  find_dataset: ORM, joinedload + 3 selectinloads": orm_find,
            "  same ORM select without the eager loads": orm_plain,
            "  the same SELECTs on the raw sqlite3 connection": raw_sql,
            "  package_dictize (show_dict) of a loaded dataset": lambda i: show_dict(
                context, dataset
            ),
            "  json.dumps of the envelope": lambda i: json.dumps(
                body, ensure_ascii=False, default=str
            ),
        }
        best = _best_ms(steps)
        db.session.remove()
    raw.close()
    floor = best["GET /healthz (Flask, no database)"]
    for label, ms in best.items():
        print(f"  {label:<52} {ms:7.3f} ms  {ms / floor:5.1f}x healthz")
    print(f"  (package_show response: {len(json.dumps(body, ensure_ascii=False).encode())} bytes)")

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(calls):
        client.get(show.format(name=name(i)))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(r"portal/", 14)
    print(f"\ncProfile of {calls} GET package_show (portal functions, cumulative):")
    lines = out.getvalue().splitlines()
    first = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    for line in lines[first : first + 15]:
        print("  " + line.replace(str(Path(__file__).resolve().parent.parent) + "/", "")[:120])
    db.dispose()


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternate the endpoints this many times"
    )
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="profile package_show in-process (default: only when the target is missed)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tool = args.client
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    elif tool == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk), use --client python")
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-read-"))
    print(f"Instance: {workdir / 'instance'}  (cpus: {os.cpu_count()}, load generator: {tool})")
    try:
        began = time.perf_counter()
        with running_portal(workdir, workers=args.workers, env={"PORTAL_LINKCHECK": "0"}) as live:
            print(f"portal serve: {live.url}, {args.workers} gthread workers x 4 threads, ", end="")
            print(f"started in {time.perf_counter() - began:.1f} s, log {live.log_path}")
            for problem in live.startup_problems:
                print(f"  startup problem (server bug): {problem}")
            began = time.perf_counter()
            names = create_catalog(live, args.datasets)
            took = time.perf_counter() - began
            print(f"Created {len(names)} datasets (3 resources each) via the API in {took:.1f} s")
            show_paths = [f"/api/3/action/package_show?id={name}" for name in names]
            args.tool = tool
            healthz, show = measure(
                args, live, {"GET /healthz": ["/healthz"], "GET package_show": show_paths}
            )
            report(args, tool, healthz, show)
            ratio = show.rps / healthz.rps if healthz.rps else 0.0
            if args.profile or (args.profile is None and ratio < TARGET_RATIO):
                profile_in_process(live, names)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(args: argparse.Namespace, tool: str, healthz: Result, show: Result) -> None:
    print(
        f"\n{tool}: {args.connections} keep-alive connections, {args.duration:.0f} s per endpoint "
        f"in {args.rounds} alternating rounds after {args.warmup:.0f} s warm-up, 127.0.0.1, "
        f"{args.workers} workers"
    )
    header = f"  {'endpoint':<18} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'requests':>9}"
    print(header + f" {'errors':>7} {'server CPU ms/req':>18}")
    for result in (healthz, show):
        print(
            f"  {result.label:<18} {result.rps:9.1f} {result.p50_ms:8.2f} {result.p95_ms:8.2f} "
            f"{result.requests:9d} {result.errors:7d} {result.cpu_ms_per_request:18.2f}"
        )
    ratio = show.rps / healthz.rps if healthz.rps else 0.0
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    print(
        f"\n  package_show / healthz = {ratio:.1%} of the trivial endpoint "
        f"(target >= {TARGET_RATIO:.0%}): {verdict}"
    )
    print(f"  package_show adds {show.p50_ms - healthz.p50_ms:.2f} ms to the median request;")
    cpu_ratio = healthz.cpu_ms_per_request / show.cpu_ms_per_request
    print(
        f"  by server CPU per request, package_show costs {1 / cpu_ratio:.1f}x healthz "
        f"(= {cpu_ratio:.1%}, independent of the load generator's share of the CPUs)"
    )


if __name__ == "__main__":
    sys.exit(main())
