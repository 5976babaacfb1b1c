"""The dcat, datajson and spreadsheet source types end to end: the real-world DCAT samples in
shared/fixtures/dcat, a hydra-paged catalog, unsafe XML, the Project Open Data sample catalog
and a truncated data.json, and a government catalog spreadsheet with a bad row."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import SHARED
from flask import Flask
from openpyxl import Workbook
from test_harvest_support import (
    JSON,
    FixtureServer,
    extras,
    harvest,
    harvested,
    make_source,
    records,
    report,
)

import harvesters.dcat
from portal.catalog.models import Group

DCAT_FIXTURES = SHARED / "fixtures" / "dcat"
POD_SAMPLE = SHARED / "specs" / "pod-1.1" / "example-catalog-sample.json"
CONTENT_TYPES = {
    ".rdf": "application/rdf+xml",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
}



def serve_file(server: FixtureServer, path: Path, content_type: str | None = None) -> str:
    kind = content_type or CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    server.routes[f"/{path.name}"] = (200, {"Content-Type": kind}, path.read_bytes())
    return server.url(f"/{path.name}")


def harvest_fixture(app: Flask, cast, server: FixtureServer, filename: str) -> dict[str, dict]:
    url = serve_file(server, DCAT_FIXTURES / filename)
    name = filename.split(".")[0].replace("_", "-")
    source = make_source(app, cast.transport, url, "dcat", name=name)
    job = harvest(app, name)
    assert job["status"] == "finished" and job["stats"]["errored"] == 0, report(app, job["id"])
    return harvested(app, source["id"])


# --- DCAT -------------------------------------------------------------------------------------


def test_spanish_datos_gob_es_turtle(app: Flask, cast, server) -> None:
    [dataset] = harvest_fixture(app, cast, server, "dataset_gob_es.ttl").values()
    assert dataset["title"].startswith("Estudio de Satisfacción con el Programa de Escuelas")
    assert dataset["notes"].startswith("Estudio de satisfacción de las personas directivas")
    assert {t["name"] for t in dataset["tags"]} >= {"deporte escolar", "escuelas", "promoción"}
    assert dataset["frequency"] == "ANNUAL" and dataset["issued"] == "2024-04-15"
    assert extras(dataset)["publisher_name"] == "Ayuntamiento de Madrid"
    assert extras(dataset)["harvest_url"].startswith("https://datos.gob.es/catalogo/l01280796")
    [resource] = dataset["resources"]
    assert resource["url"].endswith("300676-0-deporte-encuesta-escuelas.xlsx")
    assert resource["format"] == "XLS"


def test_german_govdata_rdfxml(app: Flask, cast, server) -> None:
    [dataset] = harvest_fixture(app, cast, server, "dataset_gov_de.rdf").values()
    assert dataset["title"] == "Liefer- und Abholservices (Gastronomie)"
    assert dataset["notes"].startswith("Dieser Datensatz umfasst die Standorte")
    assert dataset["license_id"] == "cc0-1.0"
    assert "lebensmittel" in {t["name"] for t in dataset["tags"]}
    assert extras(dataset)["publisher_name"] == "Hanse- und Universitätsstadt Rostock"
    formats = [r["format"] for r in dataset["resources"]]
    assert len(formats) == 9 and {"CSV", "GEOJSON", "WMS", "XLSX"} <= set(formats)


def test_swedish_rdfxml_and_generic_catalog(app: Flask, cast, server) -> None:
    [nobel] = harvest_fixture(app, cast, server, "dataset_sweden.rdf").values()
    assert nobel["title"] == "Linked Nobel prizes" and nobel["frequency"] == "DAILY"
    assert extras(nobel)["publisher_name"] == "Nobel Media AB"
    assert nobel["resources"][0]["url"] == "http://data.nobelprize.org/"
    catalog = harvest_fixture(app, cast, server, "catalog.rdf")
    assert sorted(d["title"] for d in catalog.values()) == [
        "Example dataset 1",
        "Example dataset 2",
    ]
    first = catalog["https://data.some.org/catalog/datasets/1"]
    assert [r["format"] for r in first["resources"]] == ["CSV", "PDF", None]
    assert extras(first)["publisher_name"] == "Publishing Organization for dataset 1"
    assert {t["name"] for t in first["tags"]} == {"stats", "pollution"}


def test_pod_catalog_as_jsonld_and_multilingual_turtle(app: Flask, cast, server) -> None:
    [widgets] = harvest_fixture(app, cast, server, "catalog_pod.jsonld").values()
    assert widgets["title"] == "U.S. Widget Manufacturing Statistics"
    assert widgets["license_id"] == "cc0-1.0"
    assert extras(widgets)["publisher_name"] == "Widget Services"
    assert len(widgets["resources"]) == 4
    [multi] = harvest_fixture(app, cast, server, "dataset_multilingual.ttl").values()
    assert multi["title"] == "Test DCAT dataset" and multi["notes"] == "Some description"
    assert {t["name"] for t in multi["tags"]} == {"Oaks", "Pines"}


def turtle_page(numbers: range, page: int, last: int, total: int, base: str) -> bytes:
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
        f"<{base}?page={page}> a hydra:PartialCollectionView ;",
        f"  hydra:totalItems {total} ;",
    ]
    if page < last:
        lines.append(f"  hydra:next <{base}?page={page + 1}> ;")
    lines.append(f"  hydra:last <{base}?page={last}> .")
    lines.append("<https://example.org/catalog> a dcat:Catalog ;")
    lines.append(
        "  " + " ;\n  ".join(f"dcat:dataset <https://example.org/ds/{n}>" for n in numbers)
    )
    lines.append(" .")
    for n in numbers:
        lines.append(
            f'<https://example.org/ds/{n}> a dcat:Dataset ; dct:title "数据集 {n}"@zh ; '
            f'dct:identifier "ds-{n}" ; dct:description "Dataset number {n}" ; '
            f'dcat:keyword "k{n % 3}" ; dcat:distribution [ a dcat:Distribution ; '
            f'dcat:downloadURL <https://example.org/files/{n}.csv> ; dct:format "CSV" ] .'
        )
    return "\n".join(lines).encode()


def test_a_hydra_paged_catalog_is_followed_to_its_last_page(app: Flask, cast, server) -> None:
    base = server.url("/catalog.ttl")
    pages = {1: range(1, 4), 2: range(4, 7), 3: range(7, 9)}

    def catalog(_path: str, params):  # noqa: ANN001, ANN202
        page = int(params.get("page", ["1"])[0])
        body = turtle_page(pages[page], page, 3, 8, base)
        return 200, {"Content-Type": "text/turtle; charset=utf-8"}, body

    server.routes["/catalog.ttl"] = catalog
    source = make_source(app, cast.transport, base, "dcat", name="paged")
    job = harvest(app, "paged")
    assert job["status"] == "finished" and job["stats"]["added"] == 8, job
    datasets = harvested(app, source["id"])
    assert sorted(datasets) == [f"ds-{n}" for n in range(1, 9)]
    assert datasets["ds-5"]["title"] == "数据集 5"
    assert datasets["ds-5"]["name"].startswith("shu-ju-ji-5")
    # A catalog that announces more than its pages hold is not complete: nothing withdrawn.
    pages[3] = range(7, 8)
    again = harvest(app, "paged")
    assert again["status"] == "failed" and "announces 8 datasets" in again["message"]
    assert len(harvested(app, source["id"])) == 8


def test_unchanged_pages_are_not_parsed_again(app: Flask, cast, server, monkeypatch) -> None:
    base = server.url("/catalog.ttl")
    pages = {1: turtle_page(range(1, 4), 1, 2, 5, base), 2: turtle_page(range(4, 6), 2, 2, 5, base)}
    server.routes["/catalog.ttl"] = lambda _path, params: (
        200, {"Content-Type": "text/turtle"}, pages[int(params.get("page", ["1"])[0])]
    )  # fmt: skip
    parsed: list[str] = []
    real_parse = harvesters.dcat.parse_dcat

    def counting_parse(content: bytes, content_type, base_url: str):  # noqa: ANN001, ANN202
        parsed.append(base_url)
        return real_parse(content, content_type, base_url)

    monkeypatch.setattr(harvesters.dcat, "parse_dcat", counting_parse)
    source = make_source(app, cast.transport, base, "dcat", name="paged")
    assert harvest(app, "paged")["stats"]["added"] == 5 and len(parsed) == 2
    parsed.clear()
    again = harvest(app, "paged")
    assert again["stats"]["unchanged"] == 5 and parsed == []  # same bytes: nothing parsed
    pages[2] = turtle_page(range(4, 5), 2, 2, 4, base)  # dataset 5 is gone from page 2
    changed = harvest(app, "paged")
    assert parsed == [f"{base}?page=2"]
    assert changed["stats"]["unchanged"] == 4 and changed["stats"]["deleted"] == 1
    parsed.clear()
    assert harvest(app, "paged", full=True)["stats"]["unchanged"] == 4 and len(parsed) == 2
    assert len(harvested(app, source["id"])) == 4


def test_xml_with_entities_is_refused_and_nothing_withdrawn(app: Flask, cast, server) -> None:
    url = serve_file(server, DCAT_FIXTURES / "catalog.rdf")
    source = make_source(app, cast.transport, url, "dcat", name="xxe")
    harvest(app, "xxe")
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rdf [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&x;</rdf:RDF>'
    )
    server.routes["/catalog.rdf"] = (200, {"Content-Type": "application/rdf+xml"}, xxe)
    job = harvest(app, "xxe")
    assert job["status"] == "failed" and job["stats"]["deleted"] == 0
    [error] = report(app, job["id"])["errors"]
    assert error["stage"] == "gather" and "root:" not in error["message"]
    assert len(harvested(app, source["id"])) == 2


# --- data.json ----------------------------------------------------------------------------------


def test_the_project_open_data_sample_catalog(app: Flask, cast, server) -> None:
    session = app.extensions["portal.db"].session()
    session.add(Group(name="energy", title="能源", title_en="Energy"))
    session.commit()
    catalog = json.loads(POD_SAMPLE.read_text(encoding="utf-8"))
    catalog["dataset"][0]["theme"] = ["Energy", "Unknown theme"]
    server.routes["/data.json"] = (200, JSON, json.dumps(catalog).encode())
    source = make_source(app, cast.transport, server.url("/data.json"), "datajson", name="pod")
    job = harvest(app, "pod")
    assert job["status"] == "finished", report(app, job["id"])
    datasets = harvested(app, source["id"])
    assert job["stats"]["added"] == len(catalog["dataset"]) == len(datasets)
    entry = catalog["dataset"][0]
    dataset = datasets[entry["identifier"]]
    assert dataset["title"] == entry["title"]
    assert dataset["notes"] == entry["description"]
    assert {t["name"] for t in dataset["tags"]} == set(entry["keyword"])
    assert dataset["maintainer"] == entry["contactPoint"]["fn"]
    assert extras(dataset)["publisher_name"] == entry["publisher"]["name"]
    assert [g["name"] for g in dataset["groups"]] == ["energy"]
    urls = [d.get("downloadURL") or d.get("accessURL") for d in entry.get("distribution", [])]
    assert [r["url"] for r in dataset["resources"]] == urls


def test_a_truncated_data_json_keeps_what_it_read_and_withdraws_nothing(
    app: Flask, cast, server
) -> None:
    entries = [
        {"identifier": f"pod-{n}", "title": f"POD {n}", "description": "d", "keyword": ["x"]}
        for n in range(6)
    ]
    body = json.dumps({"conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
                       "dataset": entries}).encode()  # fmt: skip
    server.routes["/data.json"] = (200, JSON, body)
    source = make_source(app, cast.transport, server.url("/data.json"), "datajson", name="pod")
    assert harvest(app, "pod")["stats"]["added"] == 6
    cut = body[: body.index(b'"pod-4"') + 3]
    server.routes["/data.json"] = (200, JSON, cut)
    job = harvest(app, "pod")
    assert job["status"] == "failed" and "truncated or malformed" in job["message"]
    assert job["stats"]["unchanged"] == 4 and job["stats"]["deleted"] == 0
    assert len(harvested(app, source["id"])) == 6


# --- spreadsheet ----------------------------------------------------------------------------------

SHEET_HEADERS = [
    "信息资源分类", "分类代码", "信息资源名称", "信息资源代码", "信息资源提供方",
    "信息资源提供方代码", "信息资源摘要", "信息资源格式", "信息项", "共享类型", "共享条件",
    "共享方式", "是否向社会开放", "开放类型", "开放条件", "更新周期", "发布日期", "关联资源代码",
    "标签", "主题", "数据集标识",
]  # fmt: skip
SHEET_ROWS = [
    [
        "基础信息资源", "1010010001", "公交站点", "1010010001/000123", "济南市交通运输局",
        "11370100MB1234567X", "全市公交站点的位置。", "电子表格",
        "站点名称:字符型:50;经度:浮点型;纬度:F:8:WGS84", "有条件共享", "需书面申请",
        "平台文件下载,接口调用", "是", "无条件开放", "", "每月", "2024-01-05", "", "公交,交通",
        "交通出行", "bus-stops",
    ],
    [
        "主题信息资源", "202", "企业名录", "202001/000001", "济南市市场监督管理局", "",
        "企业登记信息。", "数据库", "", "无限共享", "", "接口调用", "否", "不予开放", "", "每年",
        "2024-13-45", "", "", "", "",
    ],
    [
        "部门信息资源", "303", "学校名录", "303001/000009", "济南市教育局", "", "全市学校。",
        "接口", "", "无条件共享", "", "接口调用、在线查询", "是", "有条件开放", "实名注册",
        "每季度", "2023-06-01", "", "", "", "",
    ],
]  # fmt: skip


def sheet_csv(rows: list[list[str]], encoding: str) -> bytes:
    text = "\n".join(",".join(f'"{c}"' for c in row) for row in [SHEET_HEADERS, *rows])
    return text.encode(encoding)


def sheet_xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [SHEET_HEADERS, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["gb18030.csv", "utf-8-sig.csv", "xlsx"])
def test_a_spreadsheet_with_a_bad_row_imports_the_others(app: Flask, cast, server, kind) -> None:
    session = app.extensions["portal.db"].session()
    session.add(Group(name="mobility", title="交通出行"))
    session.commit()
    if kind == "xlsx":
        body, filename = sheet_xlsx(SHEET_ROWS), "catalog.xlsx"
    else:
        body, filename = sheet_csv(SHEET_ROWS, kind.removesuffix(".csv")), "catalog.csv"
    server.routes[f"/files/{filename}"] = (200, {"Content-Type": "application/octet-stream"}, body)
    url = server.url(f"/files/{filename}")
    source = make_source(app, cast.transport, url, "spreadsheet", name="sheet")
    job = harvest(app, "sheet")
    assert job["status"] == "finished", job
    assert job["stats"]["added"] == 2 and job["stats"]["errored"] == 1, report(app, job["id"])
    [error] = report(app, job["id"])["errors"]
    assert error["remote_id"] == "202001/000001" and error["stage"] == "import"
    assert error["message"].startswith("Row 3: ")
    assert set(error["fields"]) >= {"share_type", "issued"}
    datasets = harvested(app, source["id"])
    stops = datasets["1010010001/000123"]
    assert stops["type"] == "cn-gov" and stops["title"] == "公交站点"
    assert stops["name"] == "bus-stops" and stops["share_method"] == ["download", "api"]
    assert [g["name"] for g in stops["groups"]] == ["mobility"]
    assert extras(stops)["publisher_name"] == "济南市交通运输局"
    assert datasets["303001/000009"]["title"] == "学校名录"
    assert records(app, source["id"])["202001/000001"].status == "errored"
