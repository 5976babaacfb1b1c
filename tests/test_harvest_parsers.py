"""The harvest parsers: DCAT documents (harvesters.dcat) and catalog spreadsheets
(harvesters.spreadsheet). Pure parsing: no app, no database, no network."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import rdflib
from openpyxl import Workbook

from harvesters import dcat
from harvesters.dcat import license_id, parse_dcat
from harvesters.errors import ParseError
from harvesters.spreadsheet import parse_spreadsheet, unknown_headers

SHARED_DCAT = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "dcat"
HERE = Path(__file__).resolve().parent / "fixtures" / "harvest"


def parse_fixture(name: str, content_type: str | None = None, base: str = "") -> dcat.DcatPage:
    path = SHARED_DCAT / name if (SHARED_DCAT / name).exists() else HERE / name
    return parse_dcat(path.read_bytes(), content_type, base or f"https://harvest.example/{name}")


def only(page: dcat.DcatPage) -> dict[str, Any]:
    assert len(page.datasets) == 1
    return page.datasets[0]


def extras(dataset: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in dataset["extras"]}


def tags(dataset: dict[str, Any]) -> list[str]:
    return [t["name"] for t in dataset["tags"]]


# --- the real-world DCAT fixtures --------------------------------------------------------------


def test_spain_datos_gob_es_turtle() -> None:
    ds = only(parse_fixture("dataset_gob_es.ttl", "text/turtle"))
    assert ds["title"] == (
        "Estudio de Satisfacción con el Programa de Escuelas Municipales de Promoción "
        "Deportiva en centros escolares"
    )
    assert ds["title_en"] is None
    assert ds["notes"].startswith("Estudio de satisfacción de las personas directivas")
    assert tags(ds) == ["deporte escolar", "escuelas", "promoción"]
    assert ds["issued"] == "2024-04-15"
    assert ds["frequency"] == "ANNUAL"  # a time:DurationDescription of one year
    assert "language" not in ds  # Spanish is none of our languages ...
    assert extras(ds)["language"] == "es"  # ... so it is kept as an extra
    # The licence is a legal notice page: unknown, kept as given.
    assert ds["license_id"] is None
    assert extras(ds)["license"] == "https://datos.madrid.es/egob/catalogo/aviso-legal"
    assert ds["publisher"] == {"name": "Ayuntamiento de Madrid", "identifier": "L01280796"}
    assert (
        ds["remote_id"]
        == "https://datos.madrid.es/egob/catalogo/300676-0-deporte-encuesta-escuelas"
    )
    assert ds["remote_url"].startswith("https://datos.gob.es/catalogo/l01280796-estudio-de-")
    assert ds["resources"] == [
        {
            "url": "https://datos.madrid.es/egob/catalogo/300676-0-deporte-encuesta-escuelas.xlsx",
            "name": "Estudio de satisfacción temporada 2023-2024",
            "format": "XLS",
            "mimetype": "application/vnd.ms-excel",
            "size": 43008,
        }
    ]
    assert "owner_org" not in ds and "name" not in ds


def test_germany_govdata_rdfxml() -> None:
    ds = only(parse_fixture("dataset_gov_de.rdf", "application/rdf+xml"))
    assert ds["title"] == "Liefer- und Abholservices (Gastronomie)"
    assert ds["notes"].startswith("Dieser Datensatz umfasst die Standorte")
    assert tags(ds) == [
        "gastronomiebetriebe",
        "handel",
        "handel-und-verbrauch",
        "lebensmittel",
        "nahrung",
        "nahrungsmittelgewerbe",
        "wirtschaft",
        "ökonomie",
    ]
    assert ds["url"] == "https://www.opendata-hro.de/dataset/c1be4007-d811-48fb-8818-2cb358b06a63"
    # No licence on the dataset: the first distribution's (dcat-ap.de cc-zero).
    assert ds["license_id"] == "cc0-1.0"
    assert ds["maintainer"] == (
        "Hanse- und Universitätsstadt Rostock – Kataster-, Vermessungs- und Liegenschaftsamt"
    )
    assert ds["maintainer_email"] == "geodienste@rostock.de"
    assert ds["publisher"] == {
        "name": "Hanse- und Universitätsstadt Rostock",
        "identifier": "https://www.opendata-hro.de/organization/b952e781-ab4c-456a-8e7a-2845f7efaf83",
    }
    assert ds["access_rights"] == "PUBLIC"
    assert ds["issued"] == "2020-04-21"
    assert ds["conforms_to"] == "http://dcat-ap.de/def/dcatde/"
    assert ds["spatial"] == "Rostock"
    assert extras(ds)["spatial_uri"] == (
        "http://dcat-ap.de/def/politicalGeocoding/regionalKey/130030000000"
    )
    assert ds["remote_id"] == "c1be4007-d811-48fb-8818-2cb358b06a63"
    assert extras(ds)["identifier"] == "c1be4007-d811-48fb-8818-2cb358b06a63"

    resources = ds["resources"]
    assert [r.get("format") for r in resources] == [
        "GEOJSON", "WMS", "WFS", None, None, "XLSX", "CSV", "GML", "KML",
    ]  # fmt: skip
    geojson = resources[0]
    assert geojson == {
        "url": "https://geo.sv.rostock.de/download/opendata/lieferservices/lieferservices.json",
        "name": "Liefer- und Abholservices (Gastronomie)",
        "format": "GEOJSON",
        "mimetype": "application/geo+json",
        "size": 147253,
        "hash": "sha256:1d5a3926327046c8fcd75652c6e44d3c74004c6727939f33fb05e16e324df241",
        "license": "http://dcat-ap.de/def/licenses/cc-zero",
    }
    # accessURL when there is no downloadURL
    assert resources[1]["url"] == "https://geo.sv.rostock.de/geodienste/lieferservices/wms"
    assert resources[3]["description"].startswith("Diese Daten umfassen die Standorte")
    assert resources[5]["mimetype"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_sweden_rdfxml() -> None:
    ds = only(parse_fixture("dataset_sweden.rdf", "application/rdf+xml"))
    assert ds["title"] == "Linked Nobel prizes"
    assert ds["notes"].startswith("This dataset contains Nobel prizes, Nobel laureates")
    assert tags(ds) == ["Nobel prize", "prize", "science"]
    assert ds["url"] == "http://data.nobelprize.org/"
    # Only the distribution has a licence: CC BY-NC 3.0, known and not open.
    assert ds["license_id"] == "cc-nc"  # CC BY-NC 3.0: CKAN's non-commercial licence
    assert ds["maintainer"] == "Nobel Media AB"  # adms:contactPoint
    assert ds["maintainer_email"] == "info@nobelmedia.org"
    assert ds["publisher"] == {"name": "Nobel Media AB", "identifier": None}
    assert ds["frequency"] == "DAILY"  # http://purl.org/cld/freq/daily
    assert ds["language"] == ["en"]
    assert ds["spatial"] == "Stockholm"  # the label of the geonames URI
    assert ds["temporal_start"] == "1905-03-01"  # schema:startDate
    assert ds["temporal_end"] == "2013-01-05"
    assert ds["issued"] == "2014-01-15"
    assert ds["conforms_to"].startswith("http://www.nobelprize.org/nobel_organizations/")
    assert ds["remote_id"] == ds["remote_url"] == "http://nobelprize.org/datasets/dcat#ds1"
    assert ds["resources"] == [
        {
            "url": "http://data.nobelprize.org/",
            "name": "Linked Data endpoint",
            "description": "Provides browsable linked data and a SPARQL endpoint.",
            "format": "RDF",
            "mimetype": "application/rdf+xml",
            "license": "http://creativecommons.org/licenses/by-nc/3.0/",
        }
    ]


def test_generic_catalog_rdf_with_two_datasets() -> None:
    page = parse_fixture("catalog.rdf", "application/rdf+xml")
    assert page.next_url is None and page.total is None
    first, second = page.datasets
    assert first["title"] == "Example dataset 1"
    assert "Θεσσαλονίκη" in first["notes"]
    assert tags(first) == ["stats", "pollution"]
    assert first["license_id"] is None  # a link to a licence page of the publisher
    assert first["publisher"] == {
        "name": "Publishing Organization for dataset 1",
        "identifier": None,
    }
    assert first["remote_id"] == "https://data.some.org/catalog/datasets/1"
    assert first["issued"] == "2013-04-26"
    assert [(r["name"], r.get("format"), r.get("mimetype")) for r in first["resources"]] == [
        ("A distribution for this dataset in CSV format", "CSV", "text/csv"),  # dcat:mediaType
        ("A distribution for this dataset in PDF format", "PDF", "application/pdf"),  # dct:IMT
        ("A distribution for this dataset as an API", None, None),
    ]
    assert first["resources"][0]["url"] == (
        "https://data.some.org/the/actual/catalog/datasets/1/resources/1.csv"
    )
    assert first["resources"][2]["url"] == "https://data.some.org/the/actual/catalog/link/to/an/api"
    assert second["title"] == "Example dataset 2"
    assert "Łódź" in second["notes"]
    assert tags(second) == ["stats", "education", "sloths"]
    assert second["issued"] == "2012-06-21"
    assert second["publisher"]["name"] == "Publishing Organization for dataset 2"
    assert [r["format"] for r in second["resources"]] == ["HTML", "PDF"]  # a "html" literal


def test_project_open_data_catalog_as_jsonld() -> None:
    ds = only(parse_fixture("catalog_pod.jsonld", "application/ld+json"))
    assert ds["title"] == "U.S. Widget Manufacturing Statistics"
    assert ds["notes"] == "This dataset provides national statistics on the production of widgets"
    assert tags(ds) == ["widget", "manufacturing", "factory"]
    assert ds["url"] == "http://agency.gov/widgets/data"
    # The POD context maps license to "http://purl.org/dc/terms/#license": read all the same.
    assert ds["license_id"] == "cc0-1.0"
    assert ds["maintainer"] == "Jane Doe"
    assert ds["maintainer_email"] == "jane.doe@agency.gov"  # without mailto:
    assert ds["publisher"] == {"name": "Widget Services", "identifier": None}
    assert ds["remote_id"] == "widgets-0001"
    assert ds["remote_url"] == "http://www.agency.gov/datasets/widgets-data"
    assert ds["frequency"] == "ANNUAL"  # R/P1Y
    assert ds["language"] == ["en"]  # en-US
    assert ds["spatial"] == "United States"
    assert (ds["temporal_start"], ds["temporal_end"]) == ("2009-09-01", "2010-05-31")
    assert ds["conforms_to"] == "http://www.agency.gov/widget-taxonomy/"
    assert [(r["name"], r["format"], r.get("mimetype")) for r in ds["resources"]] == [
        ("widgets.csv", "CSV", "text/csv"),
        ("widgets-all.zip", "ZIP", "application/zip"),  # "Zipped CSV" + application/zip
        ("widgets-all.json", "JSON", "application/json"),
        ("Widgets REST API", "API", None),
    ]
    assert ds["resources"][3]["url"] == "https://data.agency.gov/api/widgets-statistics/"


def test_multilingual_record_prefers_chinese_or_untagged_then_english() -> None:
    ds = only(parse_fixture("dataset_multilingual.ttl", "text/turtle"))
    # Catalan, English and Spanish: no Chinese or untagged literal, so English is the title.
    assert ds["title"] == "Test DCAT dataset"
    assert ds["title_en"] is None
    assert ds["notes"] == "Some description"
    assert tags(ds) == ["Oaks", "Pines"]  # the keywords in the chosen language
    assert ds["maintainer"] == "Contact 2"  # the first contact point, its English name
    assert ds["maintainer_email"] == "contact2@example.org"
    assert ds["version"] == "1.0b"
    assert ds["language"] == ["en"]
    assert ds["issued"] == "2024-05-01"
    assert ds["remote_id"] == "0112cf32-bce0-4071-9504-923375f9f2ad"
    assert ds["url"] == "http://example.org/ds1"
    assert ds["resources"] == [
        {
            "url": "https://example.com/data.csv",
            "name": "Resource 1",
            "description": "Some description",
            "format": "CSV",
            "mimetype": "text/csv",
        }
    ]


def test_chinese_english_record_takes_chinese_title_and_english_title_en() -> None:
    ds = only(parse_fixture("dataset_zh_en.ttl", "text/turtle"))
    assert ds["title"] == "公交站点"
    assert ds["title_en"] == "Bus stops"
    assert ds["notes"] == "全市公交站点的位置和线路。"
    assert tags(ds) == ["公交", "交通 出行"]  # Chinese keywords; commas stripped; deduplicated
    assert ds["license_id"] == "cc-by-4.0"  # the EU licence authority URI
    assert ds["publisher"] == {"name": "济南市交通运输局", "identifier": "11370100MB1234567X"}
    assert (ds["maintainer"], ds["maintainer_email"]) == ("数据管理科", "data@jtj.example.cn")
    assert ds["frequency"] == "MONTHLY"
    assert ds["language"] == ["zh", "en"]
    assert ds["access_rights"] == "RESTRICTED"
    assert ds["spatial"] == "370100"
    assert (ds["temporal_start"], ds["temporal_end"]) == ("2020-01-01", "2023-12-31")
    csv_file, api = ds["resources"]
    assert csv_file == {
        "url": "https://files.example.cn/bus-stops.csv",  # downloadURL over accessURL
        "name": "CSV",  # no title: named after its format
        "format": "CSV",  # a dct:MediaTypeOrExtent node
        "mimetype": "text/csv",
        "size": 2048,
        "hash": "sha1:a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
    }
    assert api["format"] == "API"  # a dcat:accessService
    assert api["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"


def test_content_type_is_sniffed_when_missing_or_wrong() -> None:
    expected = only(parse_fixture("dataset_gov_de.rdf", "application/rdf+xml"))
    assert only(parse_fixture("dataset_gov_de.rdf", None)) == expected
    assert only(parse_fixture("dataset_gov_de.rdf", "text/turtle")) == expected
    turtle = only(parse_fixture("dataset_gob_es.ttl", "text/turtle"))
    assert only(parse_fixture("dataset_gob_es.ttl", "application/octet-stream")) == turtle
    assert only(parse_fixture("dataset_gob_es.ttl", "application/rdf+xml")) == turtle
    jsonld = only(parse_fixture("catalog_pod.jsonld", "application/ld+json"))
    assert only(parse_fixture("catalog_pod.jsonld", "text/plain; charset=utf-8")) == jsonld


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://creativecommons.org/licenses/by/4.0/", "cc-by-4.0"),
        ("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "cc-by-4.0"),
        ("CC BY 4.0", "cc-by-4.0"),
        ("http://creativecommons.org/publicdomain/zero/1.0/", "cc0-1.0"),
        ("http://dcat-ap.de/def/licenses/cc-zero", "cc0-1.0"),
        ("https://opendatacommons.org/licenses/odbl/1-0/", "odc-odbl"),
        ("http://publications.europa.eu/resource/authority/licence/ODC_BL", "odc-odbl"),
        ("http://opendatacommons.org/licenses/pddl/", "odc-pddl"),
        ("https://creativecommons.org/licenses/by-sa/4.0/deed.zh", "cc-by-sa-4.0"),
        ("CC BY-SA", "cc-by-sa-4.0"),
        ("http://dcat-ap.de/def/licenses/dl-by-de/2.0", "other-open"),
        ("https://www.govdata.de/dl-de/by-2-0", "other-open"),
        ("https://creativecommons.org/licenses/by/3.0/", "other-open"),
        ("http://creativecommons.org/licenses/by-nc/3.0/", "cc-nc"),
        ("https://creativecommons.org/licenses/by-nd/4.0/", "other-closed"),
        ("https://portal.example/license/gov-open-data", "gov-open-data"),
        ("https://data.some.org/link/to/license", None),
    ],
)
def test_licence_mapping(given: str, expected: str | None) -> None:
    assert license_id(given) == expected


# --- paging -----------------------------------------------------------------------------------


def test_hydra_paging_gives_the_absolute_next_page_and_the_total() -> None:
    page = parse_fixture(
        "catalog_page2.ttl", "text/turtle", base="https://data.example.cn/catalog.ttl?page=2"
    )
    assert page.next_url == "https://data.example.cn/catalog.ttl?page=3"
    assert page.total == 5
    assert [d["title"] for d in page.datasets] == ["空气质量日报", "公交线路"]
    assert [d["remote_id"] for d in page.datasets] == ["air-quality", "bus-lines"]


def test_the_last_page_has_no_next_url() -> None:
    page = parse_fixture(
        "catalog_last_page.ttl", "text/turtle", base="https://data.example.cn/catalog.ttl?page=3"
    )
    assert page.next_url is None
    assert page.total == 5
    assert [d["title"] for d in page.datasets] == ["城市公园"]


# --- unsafe and malformed documents -----------------------------------------------------------


@pytest.fixture
def rdflib_must_not_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("rdflib was given a document with a DTD")

    monkeypatch.setattr(rdflib.Graph, "parse", refuse)


@pytest.mark.usefixtures("rdflib_must_not_parse")
@pytest.mark.parametrize("content_type", ["application/rdf+xml", None, "text/turtle"])
def test_billion_laughs_is_refused(content_type: str | None) -> None:
    with pytest.raises(ParseError, match="DOCTYPE or ENTITY"):
        parse_fixture("billion_laughs.rdf", content_type)


@pytest.mark.usefixtures("rdflib_must_not_parse")
def test_external_entity_is_refused_and_the_file_never_appears(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="DOCTYPE or ENTITY") as caught:
        parse_fixture("external_entity.rdf", "application/rdf+xml")
    assert "root:" not in str(caught.value)

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    document = (HERE / "external_entity.rdf").read_text(encoding="utf-8")
    document = document.replace("file:///etc/passwd", secret.as_uri())
    for encoded in (
        document.encode("utf-8"),
        document.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>', 1).encode("utf-16"),
    ):
        with pytest.raises(ParseError) as caught:
            parse_dcat(encoded, "application/rdf+xml", "https://evil.example/")
        assert "TOP-SECRET-VALUE" not in str(caught.value)


def test_truncated_turtle_raises_parse_error() -> None:
    content = (SHARED_DCAT / "dataset_gob_es.ttl").read_bytes()
    for cut in (len(content) // 2, len(content) - 40):
        with pytest.raises(ParseError, match="Invalid Turtle"):
            parse_dcat(content[:cut], "text/turtle", "https://harvest.example/")


def test_turtle_syntax_error_names_the_line() -> None:
    content = b'@prefix dct: <http://purl.org/dc/terms/> .\n<http://a> dct:title "x"\n<b> <c> .\n'
    with pytest.raises(ParseError, match="line 3"):
        parse_dcat(content, "text/turtle", "https://harvest.example/")


def test_malformed_jsonld_raises_parse_error_with_the_line() -> None:
    content = b'{"@context": {"t": "http://purl.org/dc/terms/title"},\n "t": "x",\n}'
    with pytest.raises(ParseError, match="Invalid JSON-LD at line 3"):
        parse_dcat(content, "application/ld+json", "https://harvest.example/")
    truncated = (SHARED_DCAT / "catalog_pod.jsonld").read_bytes()[:3000]
    with pytest.raises(ParseError, match="Invalid JSON-LD"):
        parse_dcat(truncated, "application/ld+json", "https://harvest.example/")


def test_jsonld_with_a_remote_context_is_refused_without_fetching_it() -> None:
    content = b'{"@context": "https://unreachable.invalid/context.jsonld", "title": "x"}'
    with pytest.raises(ParseError, match="remote @context"):
        parse_dcat(content, "application/ld+json", "https://harvest.example/")


def test_malformed_rdfxml_and_html_raise_parse_error() -> None:
    content = (SHARED_DCAT / "dataset_sweden.rdf").read_bytes()[:1500]
    with pytest.raises(ParseError, match="Invalid RDF/XML at line"):
        parse_dcat(content, "application/rdf+xml", "https://harvest.example/")
    with pytest.raises(ParseError, match="HTML page"):
        parse_dcat(b"<!DOCTYPE html><html><body>Not found</body></html>", "text/html", "x")
    with pytest.raises(ParseError, match="empty"):
        parse_dcat(b"  \n", None, "https://harvest.example/")


def test_the_number_of_triples_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dcat.document, "MAX_TRIPLES", 50)
    with pytest.raises(ParseError, match="more than 50 triples"):
        parse_fixture("dataset_gov_de.rdf", "application/rdf+xml")
    with pytest.raises(ParseError, match="more than 50 triples"):
        parse_fixture("catalog_pod.jsonld", "application/ld+json")


# --- catalog spreadsheets ---------------------------------------------------------------------

HEADERS = [
    "信息资源分类", "分类代码", "信息资源名称", "信息资源代码", "信息资源提供方",
    "信息资源提供方代码", "信息资源摘要", "信息资源格式", "信息项", "共享类型", "共享条件",
    "共享方式", "是否向社会开放", "开放类型", "开放条件", "更新周期", "发布日期", "关联资源代码",
    "标签", "主题", "数据集标识",
]  # fmt: skip
GOOD_ROW = [
    "基础信息资源", "1010010001", "公交站点", "1010010001/000123", "济南市交通运输局",
    "11370100MB1234567X", "全市公交站点的位置。", "电子表格",
    "站点名称:字符型:50;经度:浮点型;纬度:F:8:WGS84", "有条件共享", "需书面申请",
    "平台文件下载,接口调用", "是", "无条件开放", "", "每月", "2024-01-05",
    "1010010001/000124，1010010001/000125", "公交,交通", "交通出行", "bus-stops",
]  # fmt: skip
BAD_ROW = [
    "主题信息资源", "202", "企业名录", "202001/000001", "济南市市场监督管理局", "",
    "企业登记信息。", "数据库", "", "无限共享", "", "接口调用", "否", "不予开放", "", "每年",
    "2024-13-45", "", "", "", "",
]  # fmt: skip
THIRD_ROW = [
    "部门信息资源", "303", "学校名录", "303001/000009", "济南市教育局", "", "", "接口", "",
    "无条件共享", "", "接口调用、在线查询", "是", "有条件开放", "实名注册", "每季度",
    "2023年6月1日", "", "", "", "",
]  # fmt: skip
GOOD_DATASET = {
    "type": "cn-gov",
    "resource_category": "basic",
    "category_code": "1010010001",
    "title": "公交站点",
    "resource_code": "1010010001/000123",
    "notes": "全市公交站点的位置。",
    "resource_format": "spreadsheet",
    "data_items": [
        {"name": "站点名称", "type": "C", "length": 50},
        {"name": "经度", "type": "F"},
        {"name": "纬度", "type": "F", "length": 8, "description": "WGS84"},
    ],
    "share_type": "conditional",
    "share_condition": "需书面申请",
    "share_method": ["download", "api"],
    "open_to_public": "yes",
    "open_type": "unconditional",
    "update_cycle": "monthly",
    "issued": "2024-01-05",
    "related_codes": ["1010010001/000124", "1010010001/000125"],
    "tags": [{"name": "公交"}, {"name": "交通"}],
    "groups": [{"name": "交通出行"}],
    "name": "bus-stops",
    "publisher": {"name": "济南市交通运输局", "code": "11370100MB1234567X"},
}


def csv_bytes(rows: list[list[str]], encoding: str, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    import csv

    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], sheet: str = "Sheet1", before: str | None = None) -> bytes:
    workbook = Workbook()
    if before:  # another sheet first, so the catalog is not the first one
        workbook.active.title = before
        workbook.active.append(["这不是目录"])
        worksheet = workbook.create_sheet(sheet)
    else:
        worksheet = workbook.active
        worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parsed(content: bytes, filename: str) -> list[tuple[int, str | None, Any, dict]]:
    return [(r.row, r.remote_id, r.dataset, r.errors) for r in parse_spreadsheet(content, filename)]


def test_the_same_catalog_in_csv_utf8_bom_gb18030_and_xlsx_parses_the_same() -> None:
    rows = [HEADERS, GOOD_ROW, BAD_ROW, THIRD_ROW]
    expected = parsed(csv_bytes(rows, "utf-8"), "catalog.csv")
    assert expected[0] == (2, "1010010001/000123", GOOD_DATASET, {})
    assert parsed(csv_bytes(rows, "utf-8-sig"), "catalog.csv") == expected
    assert parsed(csv_bytes(rows, "gb18030"), "catalog.csv") == expected
    assert parsed(csv_bytes(rows, "gbk"), "目录.txt") == expected
    assert parsed(xlsx_bytes(rows), "catalog.xlsx") == expected
    # with the file name saying nothing, by content
    assert parsed(xlsx_bytes(rows), "upload") == expected
    # tab- and semicolon-separated
    assert parsed(csv_bytes(rows, "utf-8", "\t"), "catalog.csv") == expected
    assert parsed(csv_bytes(rows, "gb18030", ";"), "catalog.csv") == expected


def test_a_bad_row_has_errors_and_the_other_rows_parse() -> None:
    rows = parsed(csv_bytes([HEADERS, GOOD_ROW, BAD_ROW, THIRD_ROW], "utf-8"), "catalog.csv")
    assert [r[0] for r in rows] == [2, 3, 4]
    good, bad, third = rows
    assert good[3] == {} and third[3] == {}
    number, remote_id, dataset, errors = bad
    assert (number, remote_id) == (3, "202001/000001")
    assert set(errors) == {"share_type", "issued"}
    assert "无限共享" in errors["share_type"][0] and "有条件共享" in errors["share_type"][0]
    assert "2024-13-45" in errors["issued"][0]
    # The values that could not be mapped are left out; the rest is there.
    assert "share_type" not in dataset and "issued" not in dataset
    assert dataset["title"] == "企业名录"
    assert dataset["open_to_public"] == "no" and dataset["update_cycle"] == "yearly"
    assert dataset["publisher"] == {"name": "济南市市场监督管理局", "code": None}
    assert "name" not in dataset
    # the third row: 、-separated methods, a date written in Chinese
    assert third[2]["share_method"] == ["api", "online"]
    assert third[2]["issued"] == "2023-06-01"
    assert third[2]["open_type"] == "conditional"
    assert third[2]["update_cycle"] == "quarterly"


def test_an_unknown_update_cycle_label_is_reported() -> None:
    row = list(THIRD_ROW)
    row[HEADERS.index("更新周期")] = "不定期"  # irregular: a dcat-ap frequency, no update cycle
    (result,) = parsed(csv_bytes([HEADERS, row], "utf-8"), "catalog.csv")
    assert list(result[3]) == ["update_cycle"]
    assert "不定期" in result[3]["update_cycle"][0]


def test_excel_date_cells() -> None:
    rows: list[list[Any]] = [HEADERS, list(GOOD_ROW), list(GOOD_ROW), list(GOOD_ROW)]
    column = HEADERS.index("发布日期")
    rows[1][column] = datetime(2024, 1, 5)  # a date cell
    rows[2][column] = 45296  # a date typed into a General cell: the Excel serial day
    rows[3][column] = "2024/1/5"  # text
    results = parsed(xlsx_bytes(rows), "catalog.xlsx")
    assert [r[2]["issued"] for r in results] == ["2024-01-05"] * 3
    assert all(r[3] == {} for r in results)


def test_items_column_parsing() -> None:
    row = list(GOOD_ROW)
    column = HEADERS.index("信息项")
    row[column] = "企业名称:字符型:200;注册资本:Y:18:单位为万元;成立日期:日期型"
    (result,) = parsed(csv_bytes([HEADERS, row], "utf-8"), "catalog.csv")
    assert result[2]["data_items"] == [
        {"name": "企业名称", "type": "C", "length": 200},
        {"name": "注册资本", "type": "Y", "length": 18, "description": "单位为万元"},
        {"name": "成立日期", "type": "D"},
    ]
    row[column] = "企业名称：字符型：200；成立日期：日期型"  # typed with a Chinese input method
    (result,) = parsed(csv_bytes([HEADERS, row], "utf-8"), "catalog.csv")
    assert result[2]["data_items"] == [
        {"name": "企业名称", "type": "C", "length": 200},
        {"name": "成立日期", "type": "D"},
    ]
    row[column] = "企业名称:神秘型:abc"
    (result,) = parsed(csv_bytes([HEADERS, row], "utf-8"), "catalog.csv")
    assert "data_items" not in result[2]
    assert len(result[3]["data_items"]) == 2  # the unknown type and the bad length


def test_headers_are_matched_tolerantly_and_unknown_ones_listed() -> None:
    headers = list(HEADERS)
    headers[2] = " ＊信息资源名称（必填） "  # full-width asterisk and brackets, spaces
    headers[3] = "信息资源代码\u3000"  # an ideographic space
    headers[18] = "关键字"  # the cn-gov profile's element name for tags
    headers.append("备注")
    rows = [["XX市政务信息资源目录"], [], headers, GOOD_ROW + ["内部备注"], [""] * 22, GOOD_ROW]
    content = csv_bytes(rows, "utf-8")
    results = parsed(content, "catalog.csv")
    # The header is on row 3; blank rows are skipped but counted.
    assert [r[0] for r in results] == [4, 6]
    assert results[0][2] == GOOD_DATASET
    assert unknown_headers(content, "catalog.csv") == ["备注"]
    assert unknown_headers(xlsx_bytes(rows), "catalog.xlsx") == ["备注"]
    assert [r[0] for r in parsed(xlsx_bytes(rows), "catalog.xlsx")] == [4, 6]


def test_the_catalog_sheet_is_chosen_by_name() -> None:
    content = xlsx_bytes([HEADERS, GOOD_ROW], sheet="信息资源目录", before="说明")
    assert parsed(content, "catalog.xlsx") == [(2, "1010010001/000123", GOOD_DATASET, {})]


def test_the_dataset_name_is_the_remote_id_without_a_resource_code() -> None:
    row = list(GOOD_ROW)
    row[HEADERS.index("信息资源代码")] = ""
    (result,) = parsed(csv_bytes([HEADERS, row], "utf-8"), "catalog.csv")
    assert result[1] == "bus-stops"
    assert "resource_code" not in result[2]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"PK\x03\x04 not really a zip", "catalog.xlsx", "not a readable XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "catalog.xls", r"\.xls"),
        (bytes(range(256)) * 4, "catalog.csv", "neither UTF-8 nor GB18030"),
        ("名称,说明\n一,二\n".encode(), "catalog.csv", "No header row"),
        (b"", "catalog.csv", "empty"),
    ],
)
def test_unreadable_files_raise_parse_error(content: bytes, filename: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_spreadsheet(content, filename)
