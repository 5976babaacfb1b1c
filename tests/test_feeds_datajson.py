"""/data.json against the Project Open Data 1.1 JSON Schemas, the schema.org JSON-LD, and the
catalog spreadsheet export (XLSX, CSV) in the cn-gov column layout with its round trip.

POD 1.1 exemptions: `bureauCode` and `programCode` are required by dataset.json but are codes
of the US federal budget (OMB Circular A-11 agency/bureau codes and the Federal Program
Inventory); a Chinese provincial catalog has no such codes, so the feed leaves them out and the
validation below accepts exactly those two "required" errors, nothing else.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import SHARED, site_context
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft4Validator, FormatChecker
from openpyxl import load_workbook
from referencing import Registry
from referencing.jsonschema import DRAFT4
from test_feeds_dcat import (
    cn_gov_closed_payload,
    cn_gov_payload,
    create_profiled,
    dcat_ap_payload,
    module_app,
)
from werkzeug.datastructures import FileStorage

from portal.actions import call
from portal.demo import content
from portal.feeds.catalog_layout import (
    COLUMNS,
    HEADERS,
    dataset_from_row,
    format_items,
    parse_items,
    row_from_dataset,
)
from portal.feeds.datajson import US_FEDERAL_ONLY
from portal.feeds.schemaorg import dataset_to_schemaorg
from schemas.profiles import profiles

POD = SHARED / "specs" / "pod-1.1"
CATALOG_EMAIL = "opendata@dsj.example.gov.cn"
CN_FIELDS = [f.name for f in profiles()["cn-gov"].dataset_fields]


# --- a small catalog of both profiles --------------------------------------------------------


@pytest.fixture(scope="module")
def small_app(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    app = module_app(
        tmp_path_factory, request, catalog={"email": CATALOG_EMAIL, "title": {"zh": "省开放数据"}}
    )
    context = site_context(app)
    for org in content.departments()[:3]:
        call("organization_create", context, org)
    for theme in content.themes()[:2]:
        call("group_create", context, theme)
    orgs = [o["name"] for o in content.departments()[:3]]
    themes = [t["name"] for t in content.themes()[:2]]
    made = {
        "cn": create_profiled(app, cn_gov_payload(orgs[0], themes[0]))[0],
        "closed": create_profiled(app, cn_gov_closed_payload(orgs[1]))[0],
        "dcat": create_profiled(app, dcat_ap_payload(orgs[2], themes[1]))[0],
    }
    # A bare dataset: no tags, no contact, no description, one uploaded file.
    bare = call(
        "package_create",
        site_context(app),
        {"name": "bare-minimum", "title": "最简数据集", "owner_org": orgs[1]},
    )
    upload = FileStorage(io.BytesIO("区县,人口\n历下区,100\n".encode()), "pop.csv", "text/csv")
    call(
        "resource_create",
        site_context(app),
        {"package_id": bare["id"], "name": "人口", "format": "CSV", "upload": upload},
    )
    made["bare"] = call("package_show", site_context(app), {"id": bare["id"]})
    app.extensions["feeds.test"] = made
    yield app
    app.extensions["portal.db"].dispose()


@pytest.fixture(scope="module")
def small_client(small_app: Flask) -> FlaskClient:
    return small_app.test_client()


@pytest.fixture(scope="module")
def made(small_app: Flask) -> dict[str, dict[str, Any]]:
    return small_app.extensions["feeds.test"]


def shown(app: Flask, name: str) -> dict[str, Any]:
    return call("package_show", site_context(app), {"id": name})


# --- Project Open Data 1.1 -------------------------------------------------------------------


def pod_validator() -> Draft4Validator:
    """catalog.json with its relative $refs (dataset.json, ...) resolved to the local files."""
    schemas = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in POD.glob("*.json")}
    registry = Registry().with_resources(
        (schema["id"].rstrip("#"), DRAFT4.create_resource(schema))
        for name, schema in schemas.items()
        if name != "example-catalog-sample"
    )
    checker = FormatChecker()

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and parts.netloc) and " " not in value

    return Draft4Validator(schemas["catalog"], registry=registry, format_checker=checker)


def pod_errors(document: Any) -> tuple[list[str], list[str]]:
    """(errors, exempted errors): exempt are only 'required' errors for US_FEDERAL_ONLY."""
    errors, exempted = [], []
    for error in pod_validator().iter_errors(document):
        where = "/".join(str(p) for p in error.absolute_path)
        missing = (
            [p for p in error.validator_value if p not in error.instance]
            if error.validator == "required"
            else []
        )
        if missing and set(missing) <= set(US_FEDERAL_ONLY):
            exempted.append(f"{where}: {error.message}")
        else:
            errors.append(f"{where}: {error.message[:300]}")
    return errors, exempted


def test_the_validator_catches_errors() -> None:
    sample = json.loads((POD / "example-catalog-sample.json").read_text(encoding="utf-8"))
    assert pod_errors(sample) == ([], [])
    broken = json.loads(json.dumps(sample))
    broken["dataset"][0]["contactPoint"]["hasEmail"] = "not an address"
    broken["dataset"][0]["modified"] = "last week"
    del broken["dataset"][0]["bureauCode"]
    errors, exempted = pod_errors(broken)
    assert len(errors) == 2 and len(exempted) == 1


def test_data_json_is_valid_project_open_data_1_1(
    small_client: FlaskClient, made: dict[str, dict[str, Any]]
) -> None:
    response = small_client.get("/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    errors, exempted = pod_errors(document)
    assert errors == []
    # Exactly the two federal codes, for every dataset, and nothing else was exempted.
    assert len(exempted) == len(document["dataset"]) * len(US_FEDERAL_ONLY)
    print(f"data.json: {len(document['dataset'])} datasets, exempted: {sorted(set(exempted))}")


def test_data_json_content(
    small_app: Flask, small_client: FlaskClient, made: dict[str, dict[str, Any]]
) -> None:
    document = small_client.get("/data.json").get_json()
    assert document["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert document["@context"].endswith("/v1.1/schema/catalog.jsonld")
    assert document["@type"] == "dcat:Catalog"
    titles = {d["title"]: d for d in document["dataset"]}
    assert set(titles) == {made[k]["title"] for k in ("cn", "dcat", "bare")}
    assert made["closed"]["title"] not in titles  # private

    cn = titles[made["cn"]["title"]]
    assert cn["identifier"] == "1010010001/000123"
    assert cn["accrualPeriodicity"] == "R/P1M"
    assert cn["accessLevel"] == "restricted public"
    assert cn["issued"] == "2024-03-01"
    assert cn["keyword"] == ["人口", "户籍"]
    assert cn["publisher"] == {
        "@type": "org:Organization",
        "name": content.departments()[0]["title"],
    }
    assert cn["contactPoint"] == {
        "@type": "vcard:Contact",
        "fn": "省公安厅人口管理处",
        "hasEmail": "mailto:renkou@gat.example.gov.cn",
    }
    assert cn["theme"] == [content.themes()[0]["title"]]
    assert cn["references"][0].endswith("/resource-code/1010010001/000124")
    assert [d["format"] for d in cn["distribution"]] == ["XLSX", "API"]
    assert cn["distribution"][1]["mediaType"] == "application/json"
    assert cn["license"].endswith("/license/gov-open-data")

    dcat = titles[made["dcat"]["title"]]
    assert dcat["accessLevel"] == "public"
    assert dcat["accrualPeriodicity"] == "R/P1D"
    assert dcat["language"] == ["zh", "en"]
    assert dcat["temporal"] == "2024-01-01/2024-12-31"
    assert dcat["spatial"] == "370000"
    assert dcat["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert dcat["conformsTo"].startswith("https://www.mee.gov.cn/")

    bare = titles[made["bare"]["title"]]
    assert bare["description"] == bare["title"]
    assert bare["keyword"] == [made["bare"]["organization"]["title"]]
    assert bare["contactPoint"]["hasEmail"] == f"mailto:{CATALOG_EMAIL}"
    (distribution,) = bare["distribution"]
    assert distribution["downloadURL"].endswith("/download/pop.csv")
    assert distribution["mediaType"] == "text/csv"


def test_data_json_is_streamed(small_client: FlaskClient) -> None:
    response = small_client.get("/data.json", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 5  # the head, one chunk per dataset, the tail
    assert json.loads(b"".join(chunks))["dataset"]


# --- schema.org ------------------------------------------------------------------------------


def test_schemaorg_document(
    small_app: Flask, small_client: FlaskClient, made: dict[str, dict[str, Any]]
) -> None:
    name = made["cn"]["name"]
    response = small_client.get(f"/dataset/{name}.schemaorg.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    data = response.get_json()
    site = small_app.extensions["portal.settings"].site_url
    assert data["@context"] == "https://schema.org/" and data["@type"] == "Dataset"
    assert data["url"] == f"{site}/dataset/{name}"
    assert data["name"] == "全省常住人口基础信息"
    assert data["alternateName"] == "Resident population register"
    assert data["identifier"] == ["1010010001/000123", made["cn"]["id"]]
    assert data["keywords"] == ["人口", "户籍"]
    assert data["license"] == f"{site}/license/gov-open-data"
    assert data["creator"]["@type"] == "GovernmentOrganization"
    assert data["creator"]["identifier"] == content.departments()[0]["code"]
    assert data["publisher"] == data["creator"]
    assert data["datePublished"] == "2024-03-01"
    assert data["dateModified"] and data["dateCreated"]
    assert data["isAccessibleForFree"] is True
    assert data["includedInDataCatalog"]["name"] == "省开放数据"
    assert [v["name"] for v in data["variableMeasured"]][:2] == ["行政区划代码", "常住人口数"]
    assert data["distribution"][0] == {
        "@type": "DataDownload",
        "name": "常住人口统计表",
        "description": "按县（市、区）汇总的常住人口统计。",
        "contentUrl": "https://gat.example.gov.cn/opendata/population.xlsx",
        "encodingFormat": "XLSX",
    } | {k: v for k, v in data["distribution"][0].items() if k == "dateModified"}
    closed = made["closed"]["name"]
    assert small_client.get(f"/dataset/{closed}.schemaorg.jsonld").status_code == 404


def test_dataset_to_schemaorg_for_the_web_pages(small_app: Flask, made: dict[str, Any]) -> None:
    dataset = shown(small_app, made["dcat"]["name"])
    data = dataset_to_schemaorg(dataset, "https://data.example.gov.cn")
    assert data["url"] == f"https://data.example.gov.cn/dataset/{dataset['name']}"
    assert data["temporalCoverage"] == "2024-01-01/2024-12-31"
    assert data["spatialCoverage"] == {"@type": "Place", "name": "370000"}
    assert data["inLanguage"] == ["zh", "en"]
    assert data["distribution"][0]["encodingFormat"] == "text/csv"
    with small_app.app_context():  # the site URL comes from the app, as the pages call it
        assert dataset_to_schemaorg(dataset)["url"].startswith("http://127.0.0.1")
    with pytest.raises(RuntimeError):
        dataset_to_schemaorg(dataset)


# --- the catalog spreadsheet -----------------------------------------------------------------


def lookups(app: Flask) -> dict[str, dict[str, str]]:
    orgs = {o["code"]: o["name"] for o in content.departments()}
    groups = {t["title"]: t["name"] for t in content.themes()}
    return {"organizations": orgs, "groups": groups}


def assert_round_trip(app: Flask, row: dict[str, Any], dataset: dict[str, Any]) -> None:
    back = dataset_from_row(row, **lookups(app))
    for name in CN_FIELDS:
        assert back.get(name) == dataset.get(name), name
    for key in ("title", "notes", "name", "owner_org", "type"):
        expected = dataset["organization"]["name"] if key == "owner_org" else dataset[key]
        assert back[key] == expected, key
    assert back["tags"] == [{"name": t["name"]} for t in dataset["tags"]]
    assert back["groups"] == [{"name": g["name"]} for g in dataset["groups"]]


def test_xlsx_export(small_app: Flask, small_client: FlaskClient, made: dict[str, Any]) -> None:
    response = small_client.get("/catalog.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "catalog.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert HEADERS[:4] == ["信息资源分类", "分类代码", "信息资源名称", "信息资源代码"]
    records = [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]
    assert sorted(r["数据集标识"] for r in records) == sorted(
        made[k]["name"] for k in ("cn", "dcat", "bare")
    )
    cn = next(r for r in records if r["数据集标识"] == made["cn"]["name"])
    assert cn["信息资源分类"] == "基础信息资源"
    assert cn["共享类型"] == "有条件共享"
    assert cn["共享方式"] == "平台文件下载,接口调用"
    assert cn["是否向社会开放"] == "是"
    assert cn["更新周期"] == "每月"
    assert cn["信息资源提供方代码"] == content.departments()[0]["code"]
    assert cn["信息项"].startswith("行政区划代码:字符型:6:GB/T 2260;常住人口数:整型:10:")
    assert cn["发布日期"].date().isoformat() == "2024-03-01"  # a real date cell
    assert_round_trip(small_app, cn, shown(small_app, made["cn"]["name"]))
    dcat = next(r for r in records if r["数据集标识"] == made["dcat"]["name"])
    assert dcat["更新周期"] == "每日"  # from the dcat-ap frequency


def test_csv_export(small_app: Flask, small_client: FlaskClient, made: dict[str, Any]) -> None:
    response = small_client.get("/catalog.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(records) == 3
    cn = next(r for r in records if r["数据集标识"] == made["cn"]["name"])
    assert cn["发布日期"] == "2024-03-01"
    assert_round_trip(small_app, cn, shown(small_app, made["cn"]["name"]))

    gb = small_client.get("/catalog.csv?encoding=gb18030")
    assert gb.mimetype_params["charset"] == "gb18030" and not gb.data.startswith(b"\xef\xbb\xbf")
    assert list(csv.DictReader(io.StringIO(gb.data.decode("gb18030")))) == records

    only_cn = small_client.get("/catalog.csv?type=cn-gov").data.decode("utf-8-sig")
    assert [r["数据集标识"] for r in csv.DictReader(io.StringIO(only_cn))] == [made["cn"]["name"]]
    for bad in ("encoding=latin-1", "type=nonsense", "modified_since=soon"):
        response = small_client.get(f"/catalog.csv?{bad}")
        assert response.status_code == 400 and response.mimetype == "text/plain", bad


def test_layout_headers_are_the_profile_elements() -> None:
    """Headers are the cn-gov profile's catalog elements; two are the short forms a
    department's spreadsheet uses, and the long forms are accepted on import."""
    short_forms = {"分类代码": "信息资源分类代码", "信息项": "信息项信息"}
    profile = profiles()["cn-gov"]
    for header, name, _kind in COLUMNS:
        field = profile.field(name)
        if field is not None:
            assert field.cn == short_forms.get(header, header), name
    row = {
        "信息资源分类代码": "1010010",
        "信息项信息": "姓名:字符型:50",
        "Sharing type": "无条件共享",
    }
    back = dataset_from_row(row)
    assert back["category_code"] == "1010010"
    assert back["data_items"] == [{"name": "姓名", "type": "C", "length": 50}]
    assert back["share_type"] == "unconditional"


def test_items_cells() -> None:
    items = [
        {"name": "统一社会信用代码", "type": "C", "length": 18, "description": "GB 32100"},
        {"name": "登记日期", "type": "D"},
        {"name": "注册资本", "type": "Y", "description": "单位: 万元; 人民币"},
    ]
    text = format_items(items)
    assert text == (
        "统一社会信用代码:字符型:18:GB 32100;登记日期:日期型;注册资本:货币型::单位： 万元； 人民币"
    )
    back = parse_items(text)
    assert back[:2] == items[:2]
    assert back[2]["description"] == "单位： 万元； 人民币"
    # Typed with a Chinese input method: full-width separators, codes or labels.
    assert parse_items("姓名：C：20；出生日期：日期型") == [
        {"name": "姓名", "type": "C", "length": 20},
        {"name": "出生日期", "type": "D"},
    ]
    assert parse_items("") == []


def test_rows_from_a_filled_in_spreadsheet() -> None:
    """What a department types: Chinese labels, dates in Chinese, numbers as numbers."""
    from datetime import datetime

    row = {
        "信息资源分类": "主题信息资源",
        "信息资源名称": "企业登记信息",
        "信息资源代码": "2020010001/000042",
        "信息资源提供方": "省市场监督管理局",
        "信息资源提供方代码": "11370000MB0000000X",
        "共享类型": "无条件共享",
        "共享方式": "接口调用、在线查询",
        "是否向社会开放": "否",
        "开放类型": "不予开放",
        "更新周期": "每季度",
        "发布日期": datetime(2024, 5, 6),
        "关联资源代码": "2020010001/000041，2020010001/000043",
        "标签": "企业、登记,市场主体",
        "主题": "经济建设",
        "信息资源摘要": "   ",
    }
    data = dataset_from_row(row, organizations={"11370000MB0000000X": "market-regulation-admin"})
    assert data == {
        "type": "cn-gov",
        "resource_category": "thematic",
        "title": "企业登记信息",
        "resource_code": "2020010001/000042",
        "owner_org": "market-regulation-admin",
        "share_type": "unconditional",
        "share_method": ["api", "online"],
        "open_to_public": "no",
        "open_type": "not_open",
        "update_cycle": "quarterly",
        "issued": "2024-05-06",
        "related_codes": ["2020010001/000041", "2020010001/000043"],
        "tags": [{"name": "企业、登记"}, {"name": "市场主体"}],
        "groups": [{"name": "经济建设"}],
    }
    assert dataset_from_row({"发布日期": "2024年5月6日"})["issued"] == "2024-05-06"


def test_row_of_a_dataset_dict() -> None:
    dataset = {
        "name": "x",
        "title": "标题",
        "type": "cn-gov",
        "organization": {"name": "o", "title": "某厅", "code": "11370000MB0000000X"},
        "tags": [{"name": "甲"}],
        "groups": [{"name": "g", "title": "主题一"}],
        "share_type": "not_shared",
        "related_codes": ["1/2"],
    }
    row = row_from_dataset(dataset)
    assert list(row) == HEADERS
    assert row["共享类型"] == "不予共享" and row["关联资源代码"] == "1/2"
    assert row["信息资源提供方"] == "某厅" and row["主题"] == "主题一"
    assert row["信息项"] == "" and row["发布日期"] == ""
