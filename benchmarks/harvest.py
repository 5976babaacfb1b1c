"""Harvest benchmark: a portal on the embedded engines harvests generated catalogs served from a
local HTTP server, through its real job queue worker.

1. DCAT: 10,000 datasets (Chinese and English titles, 1-5 distributions each) as a
   hydra-paged Turtle catalog, 100 datasets a page. First harvest, then a re-harvest of the
   unchanged catalog (which must write no dataset), then one with 1% of the datasets changed.
2. CKAN: the same number of datasets behind a package_search API (1,000 a page). First
   harvest, then an incremental and a full re-harvest with no changes.
3. data.json: 100,000 datasets in one Project Open Data file, harvested in a separate
   process whose peak RSS is reported (the file is parsed as it downloads).

Each harvest runs as a job on the SQLite job queue with an in-process worker (what `portal
serve` runs), on a fresh SQLite database and tantivy index in a temporary instance folder. The
baseline, measured in the same run on the first 300 DCAT datasets, is the naive importer:
one package_create call per dataset, each in its own transaction and indexed at once.

    .venv/bin/python benchmarks/harvest.py [--datasets 10000] [--datajson 100000] [--skip-memory]

Targets: first harvest >= 500 datasets/s; re-harvest with no changes >= 5x faster than the
first, with zero dataset writes; data.json harvest of 100,000 records under 400 MB RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DCAT_PAGE = 100
CKAN_PAGE = 1000
SUBJECTS = [
    ("公交线路", "Bus routes"), ("空气质量监测", "Air quality monitoring"),
    ("企业名录", "Business register"), ("学校名录", "School directory"),
    ("医疗机构", "Medical institutions"), ("道路施工", "Road works"),
    ("停车场", "Car parks"), ("财政预算", "Budget"), ("人口统计", "Population statistics"),
    ("水质监测", "Water quality"), ("公共厕所", "Public toilets"), ("图书馆", "Libraries"),
]  # fmt: skip
PLACES = [("济南市", "Jinan"), ("青岛市", "Qingdao"), ("烟台市", "Yantai"), ("潍坊市", "Weifang")]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = [("CSV", "text/csv"), ("JSON", "application/json"), ("XLSX", XLSX_TYPE),
           ("PDF", "application/pdf")]  # fmt: skip
LICENCES = [
    "https://creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/publicdomain/zero/1.0/",
    "https://opendatacommons.org/licenses/odbl/1-0/",
]
FREQUENCIES = ["DAILY", "WEEKLY", "MONTHLY", "ANNUAL"]
EU = "http://publications.europa.eu/resource/authority/frequency/"


# --- generated catalogs -----------------------------------------------------------------------


def records(
    count: int, seed: int = 7, revision: Callable[[int], int] = lambda n: 0
) -> Iterator[dict]:
    """Plain dataset descriptions both catalog forms are written from."""
    rng = random.Random(seed)
    for n in range(count):
        zh, en = rng.choice(SUBJECTS)
        place_zh, place_en = rng.choice(PLACES)
        year = 2015 + n % 10
        rev = revision(n)
        yield {
            "n": n,
            "id": f"ds-{n:06d}",
            "title": f"{place_zh}{zh}（{year}年）" + (f" 第{rev}版" if rev else ""),
            "title_en": f"{en} of {place_en} ({year})",
            "notes": f"{place_zh}{zh}数据，{year}年度。{en} published by {place_en}, {year}.",
            "keywords": [zh, en.lower(), place_en.lower()],
            "licence": LICENCES[n % len(LICENCES)],
            "frequency": FREQUENCIES[n % len(FREQUENCIES)],
            "issued": f"{year}-0{1 + n % 9}-1{n % 10}",
            "publisher": f"{place_zh}大数据局",
            "distributions": [
                {
                    "url": f"https://data.example.gov.cn/files/{n}/{i}.{FORMATS[i % 4][0].lower()}",
                    "title": f"{zh} {i + 1}",
                    "format": FORMATS[i % 4][0],
                    "media": FORMATS[i % 4][1],
                    "size": 1000 + 37 * n + i,
                }
                for i in range(1 + rng.randrange(5))
            ],
        }


def _lit(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def dcat_pages(base: str, count: int, **kwargs: Any) -> dict[int, bytes]:
    pages: dict[int, bytes] = {}
    last = max(1, -(-count // DCAT_PAGE))
    batch: list[dict] = []
    for record in records(count, **kwargs):
        batch.append(record)
        if len(batch) == DCAT_PAGE or record["n"] == count - 1:
            number = len(pages) + 1
            pages[number] = _turtle_page(base, number, last, count, batch)
            batch = []
    return pages


def _turtle_page(base: str, number: int, last: int, total: int, batch: list[dict]) -> bytes:
    out = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
        "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        f"<{base}?page={number}> a hydra:PartialCollectionView ; hydra:totalItems {total} ;",
        f"  hydra:first <{base}?page=1> ; hydra:last <{base}?page={last}>"
        + (f" ; hydra:next <{base}?page={number + 1}> ." if number < last else " ."),
        "<https://data.example.gov.cn/catalog> a dcat:Catalog ;",
        "  " + " ;\n  ".join(f"dcat:dataset <https://data.example.gov.cn/dataset/{r['id']}>"
                             for r in batch) + " .",
    ]  # fmt: skip
    for r in batch:
        uri = f"https://data.example.gov.cn/dataset/{r['id']}"
        dists = []
        for i, d in enumerate(r["distributions"]):
            dists.append(f"<{uri}/dist/{i}>")
            out.append(
                f"<{uri}/dist/{i}> a dcat:Distribution ; dct:title {_lit(d['title'])}@zh ; "
                f"dcat:downloadURL <{d['url']}> ; dcat:accessURL <{d['url']}> ; "
                f"dct:format {_lit(d['format'])} ; dcat:mediaType "
                f"<https://www.iana.org/assignments/media-types/{d['media']}> ; "
                f'dcat:byteSize "{d["size"]}"^^xsd:nonNegativeInteger ; '
                f"dct:license <{r['licence']}> ."
            )
        keywords = ", ".join(f"{_lit(k)}" for k in r["keywords"])
        out.append(
            f"<{uri}> a dcat:Dataset ; dct:identifier {_lit(r['id'])} ;\n"
            f"  dct:title {_lit(r['title'])}@zh , {_lit(r['title_en'])}@en ;\n"
            f"  dct:description {_lit(r['notes'])}@zh ;\n"
            f"  dcat:keyword {keywords} ;\n"
            f'  dct:issued "{r["issued"]}"^^xsd:date ;\n'
            f"  dct:accrualPeriodicity <{EU}{r['frequency']}> ;\n"
            f"  dct:license <{r['licence']}> ;\n"
            f"  dcat:landingPage <{uri}> ;\n"
            f"  dct:publisher [ a foaf:Agent ; foaf:name {_lit(r['publisher'])} ] ;\n"
            f"  dcat:distribution {', '.join(dists)} ."
        )
    return "\n".join(out).encode("utf-8")


def ckan_dict(r: dict) -> dict:
    return {
        "id": r["id"],
        "name": r["id"],
        "title": r["title"],
        "title_en": r["title_en"],
        "notes": r["notes"],
        "license_id": {0: "cc-by-4.0", 1: "cc0-1.0", 2: "odc-odbl"}[r["n"] % 3],
        "type": "dataset",
        "private": False,
        "metadata_created": "2024-01-01T00:00:00",
        "metadata_modified": "2024-01-01T00:00:00",
        "organization": {"name": "remote", "title": r["publisher"]},
        "tags": [{"name": k} for k in r["keywords"]],
        "groups": [],
        "extras": [{"key": "remote_system", "value": "benchmark"}],
        "frequency": r["frequency"],
        "issued": r["issued"],
        "resources": [
            {
                "id": f"{r['id']}-{i}",
                "url": d["url"],
                "name": d["title"],
                "format": d["format"],
                "mimetype": d["media"],
                "size": d["size"],
            }
            for i, d in enumerate(r["distributions"])
        ],  # fmt: skip
    }


def write_datajson(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": [')
        for r in records(count, seed=11):
            entry = {
                "identifier": r["id"],
                "title": r["title"],
                "description": r["notes"],
                "keyword": r["keywords"],
                "modified": "2024-01-01",
                "publisher": {"name": r["publisher"]},
                "contactPoint": {"fn": "数据管理处", "hasEmail": "mailto:data@example.gov.cn"},
                "accessLevel": "public",
                "license": r["licence"],
                "issued": r["issued"],
                "accrualPeriodicity": "R/P1M",
                "distribution": [
                    {
                        "downloadURL": d["url"],
                        "mediaType": d["media"],
                        "format": d["format"],
                        "title": d["title"],
                    }
                    for d in r["distributions"]
                ],  # fmt: skip
            }
            out.write(("," if r["n"] else "") + json.dumps(entry, ensure_ascii=False))
        out.write("]}")


# --- the local HTTP server ----------------------------------------------------------------------


class Catalogs:
    def __init__(self) -> None:
        self.dcat: dict[int, bytes] = {}
        self.ckan: list[dict] = []
        self.ckan_cache: dict[str, bytes] = {}
        self.datajson: Path | None = None
        self.requests = 0

    def respond(self, path: str) -> tuple[str, bytes | Path]:
        self.requests += 1
        parts = urlsplit(path)
        params = parse_qs(parts.query)
        if parts.path == "/catalog.ttl":
            return "text/turtle; charset=utf-8", self.dcat[int(params.get("page", ["1"])[0])]
        if parts.path == "/api/3/action/package_search":
            body = self.ckan_cache.get(parts.query)
            if body is None:
                body = self._search(params)
                self.ckan_cache[parts.query] = body
            return "application/json", body
        if parts.path == "/data.json" and self.datajson is not None:
            return "application/json", self.datajson
        raise KeyError(path)

    def _search(self, params: dict[str, list[str]]) -> bytes:
        rows, start = int(params["rows"][0]), int(params["start"][0])
        page = self.ckan[start : start + rows]
        if "fl" in params:
            keys = params["fl"][0].split(",")
            page = [{k: d[k] for k in keys} for d in page]
        result = {"count": len(self.ckan), "results": page}
        return json.dumps({"success": True, "result": result}, ensure_ascii=False).encode()


def serve(catalogs: Catalogs) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            try:
                kind, body = catalogs.respond(self.path)
            except KeyError:
                self.send_error(404)
                return
            size = body.stat().st_size if isinstance(body, Path) else len(body)
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if isinstance(body, Path):
                with body.open("rb") as handle:
                    while chunk := handle.read(256 * 1024):
                        self.wfile.write(chunk)
            else:
                self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


# --- the portal -------------------------------------------------------------------------------


class Portal:
    """A portal app on a temporary instance, with the embedded (SQLite) queue's worker."""

    def __init__(self, folder: Path, host: str) -> None:
        os.environ["PORTAL_HARVEST_ALLOWED_HOSTS"] = host
        os.environ.setdefault("PORTAL_LINKCHECK", "0")
        from portal import create_app
        from portal.catalog.models import Organization
        from portal.config import Settings
        from portal.migrate import upgrade

        instance = folder / "instance"
        instance.mkdir(parents=True)
        settings = Settings.from_env(instance=instance)
        upgrade(settings.database_url)
        self.app = create_app(settings)
        session = self.app.extensions["portal.db"].session()
        org = Organization(name="data-bureau", title="大数据局")
        session.add(org)
        session.commit()
        self.org_id = org.id
        self.consumer = self.app.extensions["portal.queue"].consumer(workers=1)
        self.consumer.start()

    def context(self):  # noqa: ANN201
        from portal.actions import Context

        session = self.app.extensions["portal.db"].session()
        return Context(session=session, app=self.app, ignore_auth=True)

    def source(self, name: str, url: str, source_type: str, **config: Any) -> None:
        from portal.actions import call

        data = {"name": name, "url": url, "source_type": source_type, "owner_org": self.org_id}
        call("harvest_source_create", self.context(), {**data, "config": config})

    def harvest(self, name: str, full: bool = False) -> dict[str, Any]:
        """Queue a job, wait for the worker to finish it; the job with its wall time."""
        from portal.actions import call

        writes = self.activities()
        started = time.perf_counter()
        job = call("harvest_job_create", self.context(), {"source_id": name, "full": full})
        while True:
            shown = call("harvest_job_show", self.context(), {"id": job["id"]})
            if shown["status"] not in ("new", "running"):
                break
            time.sleep(0.05)
        shown["seconds"] = time.perf_counter() - started
        shown["dataset_writes"] = self.activities() - writes
        if shown["status"] != "finished" or shown["stats"]["errored"]:
            report = call("harvest_job_report", self.context(), {"id": job["id"], "limit": 3})
            raise SystemExit(f"harvest {name} did not finish cleanly: {json.dumps(report)[:2000]}")
        return shown

    def activities(self) -> int:
        from sqlalchemy import func, select

        from portal.catalog.models import Activity

        session = self.app.extensions["portal.db"].session()
        count = session.scalar(select(func.count()).select_from(Activity)) or 0
        session.commit()
        return count

    def stop(self) -> None:
        self.consumer.stop(graceful=True)
        self.app.extensions["portal.db"].dispose()


def baseline(portal: Portal, base: str, count: int) -> float:
    """The naive importer: parse the same DCAT pages, one package_create (own transaction,
    indexed at once) per dataset. Datasets per second."""
    from harvesters.dcat import parse_dcat
    from harvesters.records import REMOTE_KEYS, slugify
    from portal.actions import call
    from portal.net.fetch import fetch_bytes

    started = time.perf_counter()
    done, page = 0, 1
    while done < count:
        body = fetch_bytes(f"{base}?page={page}", _policy())
        for dataset in parse_dcat(body, "text/turtle", base).datasets:
            data = {k: v for k, v in dataset.items() if k not in REMOTE_KEYS}
            data.update(owner_org=portal.org_id, name=f"baseline-{slugify(dataset['remote_id'])}")
            call("package_create", portal.context(), data)
            done += 1
        page += 1
    return done / (time.perf_counter() - started)


def _policy():  # noqa: ANN202
    from portal.net.policy import FetchPolicy

    return FetchPolicy.from_env("PORTAL_HARVEST_ALLOWED_HOSTS")


def rate(job: dict[str, Any]) -> str:
    listed = job["gathered"]
    return f"{job['seconds']:6.2f} s  {listed / job['seconds']:7.0f} datasets/s"


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss, not inherited across exec
    from the parent that started it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_memory_child(args: argparse.Namespace) -> None:
    """In a fresh process: harvest the data.json file, print the peak RSS."""
    catalogs = Catalogs()
    catalogs.datajson = Path(args.child_file)
    httpd = serve(catalogs)
    host = f"127.0.0.1:{httpd.server_address[1]}"
    with tempfile.TemporaryDirectory() as folder:
        portal = Portal(Path(folder), host)
        before = peak_rss_mb()
        portal.source("pod", f"http://{host}/data.json", "datajson")
        job = portal.harvest("pod")
        peak = peak_rss_mb()
        portal.stop()
    print(json.dumps({"job": job, "peak_mb": peak, "before_mb": before}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--datajson", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=300)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--child-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_file:
        run_memory_child(args)
        return

    catalogs = Catalogs()
    httpd = serve(catalogs)
    host = f"127.0.0.1:{httpd.server_address[1]}"
    base = f"http://{host}/catalog.ttl"
    t0 = time.perf_counter()
    catalogs.dcat = dcat_pages(base, args.datasets)
    catalogs.ckan = [ckan_dict(r) for r in records(args.datasets, seed=9)]
    resources = sum(len(r["resources"]) for r in catalogs.ckan)
    print(f"Generated {args.datasets} datasets ({resources} resources in the CKAN form), "
          f"{len(catalogs.dcat)} Turtle pages in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    with tempfile.TemporaryDirectory() as folder:
        portal = Portal(Path(folder), host)
        try:
            naive = baseline(portal, base, min(args.baseline, args.datasets))
            print(f"Baseline (one package_create per dataset, indexed at once): {naive:.0f}/s")

            print("\nDCAT, hydra-paged Turtle:")
            portal.source("dcat", base, "dcat")
            first = portal.harvest("dcat")
            print(f"  first harvest      {rate(first)}  ({first['stats']['added']} added; "
                  f"{rate_ratio(first, naive)})")  # fmt: skip
            again = portal.harvest("dcat")
            print(f"  unchanged re-run   {rate(again)}  ({again['stats']['unchanged']} unchanged, "
                  f"{again['dataset_writes']} dataset writes; "
                  f"{first['seconds'] / again['seconds']:.1f}x faster than the first)")  # fmt: skip
            catalogs.dcat = dcat_pages(base, args.datasets, revision=lambda n: int(n % 100 == 0))
            changed = portal.harvest("dcat")
            print(f"  1% changed re-run  {rate(changed)}  ({changed['stats']['updated']} updated)")

            print("\nCKAN API (package_search, 1,000 a page):")
            url = f"http://{host}/"
            portal.source("ckan", url, "ckan", page_size=CKAN_PAGE)
            first_ckan = portal.harvest("ckan")
            print(f"  first harvest      {rate(first_ckan)}  ({first_ckan['stats']['added']} "
                  f"added; {rate_ratio(first_ckan, naive)})")  # fmt: skip
            incremental = portal.harvest("ckan")
            print(f"  incremental re-run {rate(incremental)}  "
                  f"({incremental['stats']['unchanged']} unchanged, "
                  f"{incremental['dataset_writes']} dataset writes; "
                  f"{first_ckan['seconds'] / incremental['seconds']:.1f}x faster)")  # fmt: skip
            full = portal.harvest("ckan", full=True)
            print(f"  full re-run        {rate(full)}  ({full['dataset_writes']} dataset writes; "
                  f"{first_ckan['seconds'] / full['seconds']:.1f}x faster)")  # fmt: skip
        finally:
            portal.stop()

    if args.skip_memory:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.json"
        t0 = time.perf_counter()
        write_datajson(path, args.datajson)
        size = path.stat().st_size / 1024 / 1024
        print(f"\ndata.json: {args.datajson} datasets, {size:.0f} MB written in "
              f"{time.perf_counter() - t0:.1f} s; harvesting in a separate process")  # fmt: skip
        env = {**os.environ, "PORTAL_HARVEST_MAX_MB": str(int(size) + 100)}
        child = subprocess.run(
            [sys.executable, __file__, "--child-file", str(path)],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        if child.returncode != 0:
            raise SystemExit(child.stdout[-2000:] + child.stderr[-4000:])
        result = json.loads(child.stdout.strip().splitlines()[-1])
        job = result["job"]
        print(f"  harvest            {rate(job)}  ({job['stats']['added']} added)")
        print(f"  peak RSS           {result['peak_mb']:.0f} MB (after start-up: "
              f"{result['before_mb']:.0f} MB; target < 400 MB)")  # fmt: skip
    httpd.shutdown()


def rate_ratio(job: dict[str, Any], naive: float) -> str:
    return f"{job['gathered'] / job['seconds'] / naive:.1f}x the baseline"


if __name__ == "__main__":
    main()
