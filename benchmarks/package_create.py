"""Write throughput over HTTP: package_create through `portal serve`, with search indexing.

    .venv/bin/python benchmarks/package_create.py                    # 1 and 4 clients, mixed load
    .venv/bin/python benchmarks/package_create.py --datasets 300 --mixed-duration 60
    .venv/bin/python benchmarks/package_create.py --database-url postgresql://...

Steps, on a fresh instance started by benchmarks/portal_launcher.py (the tests' launcher),
2 gunicorn workers, PORTAL_LINKCHECK=0:

1. --datasets datasets created one after another by 1 client, then by 4 clients at once
   (Chinese titles, 2 resources and 3 tags each, cn-gov and dcat-ap alternating), each a
   POST /api/3/action/package_create with an API token, as ckanapi sends it;
2. for a sample of them, the time until package_search finds the new name (the visibility
   delay: 0 when the action indexes before it returns);
3. a mixed load: --mixed-clients clients for --mixed-duration seconds, 80% reads
   (package_show, package_search) and 20% package_create, with p50/p99 per kind and errors.

The reference is CKAN 2.12 measured on this machine with the same settings (2 sync gunicorn
workers, PostgreSQL, search indexing a no-op): 20-23 datasets/s with 1 client. CKAN is not
installed here, so that figure is recorded (CKAN_REFERENCE) and the ratio printed against it;
`--ckan URL --ckan-token T` measures a running CKAN instead.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portal_launcher import running_portal  # noqa: E402

CKAN_REFERENCE = 21.5  # datasets/s, CKAN 2.12, 1 client (issue 11: 20-23/s)
TARGETS = {"1 client": 80.0, "4 clients": 150.0}
SUBJECTS = [
    "公交站点分布", "医疗机构基本信息", "中小学学校名录", "空气质量日报", "政府采购项目公告",
    "国民经济主要指标", "土地出让结果公示", "农产品批发价格", "图书馆名录", "停车场信息",
]  # fmt: skip
CITIES = ["济南市", "青岛市", "淄博市", "烟台市", "潍坊市", "济宁市", "泰安市", "威海市"]


@dataclass
class Timings:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)

    def pct(self, q: float) -> float:
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": token, "X-CKAN-API-Key": token})

    def post(self, action: str, data: dict[str, Any]) -> requests.Response:
        return self.session.post(f"{self.url}/api/action/{action}", json=data, timeout=60)

    def get(self, action: str, params: dict[str, Any]) -> requests.Response:
        return self.session.get(f"{self.url}/api/3/action/{action}", params=params, timeout=60)


def dataset(n: int, rng: random.Random) -> dict[str, Any]:
    subject, city = rng.choice(SUBJECTS), rng.choice(CITIES)
    data = {
        "name": f"bench-{n:06d}",
        "title": f"{city}{subject}（{2015 + n % 10}年）",
        "notes": f"{city}{subject}，按季度更新，数据来源于各区县主管部门。",
        "owner_org": "transport",
        "license_id": "cc-by-4.0",
        "tags": [{"name": t} for t in rng.sample(["交通", "民生", "统计", "公共服务", "城市"], 3)],
        "resources": [
            {
                "name": f"{subject}数据",
                "url": f"https://data.example.gov.cn/{n}.csv",
                "format": "CSV",
            },
            {"name": "数据说明", "url": f"https://data.example.gov.cn/{n}.pdf", "format": "PDF"},
        ],
    }
    return data


def create_many(url: str, token: str, numbers: list[int], clients: int) -> tuple[float, Timings]:
    timings = Timings()
    queue = iter(numbers)
    lock = threading.Lock()

    def run() -> None:
        client = Client(url, token)
        rng = random.Random(threading.get_ident())
        while True:
            with lock:
                n = next(queue, None)
            if n is None:
                return
            started = time.perf_counter()
            response = client.post("package_create", dataset(n, rng))
            error = (
                None
                if response.status_code == 200
                else f"{response.status_code} {response.text[:200]}"
            )
            timings.add(time.perf_counter() - started, error)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, timings


def visibility_delays(url: str, token: str, numbers: list[int], limit: float = 5.0) -> list[float]:
    """Seconds from package_create returning until package_search finds the dataset."""
    client = Client(url, token)
    rng = random.Random(7)
    delays = []
    for n in numbers:
        assert client.post("package_create", dataset(n, rng)).status_code == 200
        returned = time.perf_counter()
        while True:
            found = client.get("package_search", {"q": f"name:bench-{n:06d}", "rows": 0})
            if found.json()["result"]["count"] == 1:
                delays.append(time.perf_counter() - returned)
                break
            if time.perf_counter() - returned > limit:
                delays.append(float("inf"))
                break
            time.sleep(0.01)
    return delays


def mixed_load(
    url: str, token: str, clients: int, duration: float, first: int
) -> dict[str, Timings]:
    kinds = {"read": Timings(), "write": Timings()}
    counter = itertools.count(first)
    lock = threading.Lock()
    deadline = time.perf_counter() + duration
    names = [f"bench-{n:06d}" for n in range(first)]

    def run(seed: int) -> None:
        client = Client(url, token)
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            if rng.random() < 0.2:
                with lock:
                    n = next(counter)
                response = client.post("package_create", dataset(n, rng))
                kind = "write"
            elif rng.random() < 0.5:
                response = client.get("package_show", {"id": rng.choice(names)})
                kind = "read"
            else:
                response = client.get("package_search", {"q": rng.choice(SUBJECTS)[:2], "rows": 10})
                kind = "read"
            error = (
                None
                if response.status_code == 200
                else f"{response.status_code} {response.text[:200]}"
            )
            kinds[kind].add(time.perf_counter() - started, error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return kinds


def report(label: str, count: int, seconds: float, timings: Timings) -> float:
    rate = count / seconds
    target = TARGETS.get(label)
    verdict = (
        f" (target >= {target:.0f}/s: {'met' if rate >= target else 'MISSED'})" if target else ""
    )
    ratio = rate / CKAN_REFERENCE
    print(
        f"package_create, {label}: {rate:7.1f} datasets/s = {ratio:4.1f}x CKAN 2.12 "
        f"({CKAN_REFERENCE}/s){verdict}; p50 {timings.pct(0.5):.1f} ms, "
        f"p99 {timings.pct(0.99):.1f} ms, errors {len(timings.errors)}"
    )
    for error in timings.errors[:3]:
        print("   error:", error)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mixed-clients", type=int, default=30)
    parser.add_argument("--mixed-duration", type=float, default=60.0)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        help="KEY=VALUE for the server, e.g. "
        "PORTAL_SEARCH_REFRESH=sync to index inside each request",
    )
    args = parser.parse_args()
    # `portal serve`'s own default (the launcher sets "sync" for tests); --env overrides.
    env = {"PORTAL_LINKCHECK": "0", "PORTAL_SEARCH_REFRESH": "0.5"}
    env.update(dict(e.split("=", 1) for e in args.env))
    if args.database_url:
        env["PORTAL_DATABASE_URL"] = args.database_url
    with (
        tempfile.TemporaryDirectory(prefix="bench-create-") as tmp,
        running_portal(tmp, workers=args.workers, env=env) as portal,
    ):
        client = Client(portal.url, portal.token)
        client.post("organization_create", {"name": "transport", "title": "省交通运输厅"})
        n = args.datasets
        create_many(portal.url, portal.token, list(range(20)), 1)  # warm-up: imports, caches
        seconds, timings = create_many(portal.url, portal.token, list(range(20, 20 + n)), 1)
        report("1 client", n, seconds, timings)
        seconds, timings = create_many(portal.url, portal.token, list(range(20 + n, 20 + 2 * n)), 4)
        report("4 clients", n, seconds, timings)
        first = 20 + 2 * n
        delays = visibility_delays(portal.url, portal.token, list(range(first, first + 20)))
        median, worst = statistics.median(delays) * 1000, max(delays) * 1000
        print(
            f"visible in package_search after the call returned: median {median:.0f} ms, "
            f"max {worst:.0f} ms (20 datasets)"
        )
        if args.mixed_duration > 0:
            kinds = mixed_load(
                portal.url, portal.token, args.mixed_clients, args.mixed_duration, first + 20
            )
            for kind, target in (("write", 250), ("read", 100)):
                t = kinds[kind]
                verdict = "met" if t.pct(0.99) <= target and not t.errors else "MISSED"
                print(
                    f"mixed load {args.mixed_clients} clients {args.mixed_duration:.0f} s, "
                    f"{kind}s: {len(t.latencies)} calls, p50 {t.pct(0.5):.1f} ms, "
                    f"p99 {t.pct(0.99):.1f} ms, "
                    f"errors {len(t.errors)} (target p99 <= {target} ms, 0 errors: {verdict})"
                )
                for error in t.errors[:3]:
                    print("   error:", error)


if __name__ == "__main__":
    main()
