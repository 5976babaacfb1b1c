"""The metadata quality score (after the EU data portal's MQA): what a publishing department
sees for its datasets, in both metadata profiles, and through the quality_report action."""

from __future__ import annotations

import copy
import importlib
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from portal.actions import call
from portal.catalog.linkcheck import rescore
from portal.catalog.linkcheck_models import LinkCheck
from portal.quality import band_for, department_summary, load_config, score_dataset
from portal.quality.config import DEFAULT_PATH
from tests.conftest import create_dataset, site_context

POINTS = {item["id"]: item["points"] for item in load_config().raw_indicators}


def bus_routes(**changes: Any) -> dict[str, Any]:
    """A complete DCAT-AP dataset, shaped as package_show returns it."""
    dataset = {
        "id": "0b7f3c2e-5d1a-4f7e-9a51-6c2d8e4b1f01",
        "name": "jinan-bus-routes",
        "type": "dataset",
        "title": "济南市公交线路及站点信息",
        "title_en": "Bus routes and stops of Jinan",
        "notes": "济南市全部公交线路的编号、名称、起止站点和途经站点，每月更新。",
        "tags": [{"name": "公交"}, {"name": "交通出行"}],
        "groups": [{"name": "transport", "title": "交通运输"}],
        "license_id": "cc-by-4.0",
        "maintainer": "省交通运输厅数据管理处",
        "maintainer_email": "data@jtt.shandong.gov.cn",
        "owner_org": "5f0e1c9a-0000-4000-8000-000000000001",
        "organization": {"name": "transport", "title": "省交通运输厅"},
        "metadata_modified": "2025-03-01T08:00:00",
        "issued": "2023-06-01",
        "frequency": "MONTHLY",
        "language": ["zh"],
        "spatial": "山东省济南市",
        "temporal_start": "2023-01-01",
        "temporal_end": "2024-12-31",
        "access_rights": "PUBLIC",
        "rights": "使用时请注明数据来源：济南市公共数据开放网。",
        "extras": [],
        "resources": [
            {
                "id": "res-routes-csv",
                "name": "公交线路表",
                "url": "https://data.jinan.gov.cn/dataset/x/resource/res-routes-csv/download/routes.csv",
                "url_type": "upload",
                "format": "CSV",
                "mimetype": "text/csv",
                "size": 482_133,
            },
            {
                "id": "res-stops-api",
                "name": "站点查询接口",
                "url": "https://api.jinan.gov.cn/bus/stops",
                "url_type": None,
                "format": "API",
                "mimetype": "application/json",
                "size": None,
            },
        ],
    }
    dataset.update(changes)
    return dataset


def enterprise_registry(**changes: Any) -> dict[str, Any]:
    """A cn-gov government information resource: no spatial or temporal element, and the
    province's own open-data licence."""
    dataset = {
        "id": "9c0d8f1e-2b3a-4c5d-8e7f-0a1b2c3d4e5f",
        "name": "market-entity-registry",
        "type": "cn-gov",
        "title": "全省市场主体登记信息",
        "notes": "全省企业、个体工商户和农民专业合作社的登记信息，按日更新。",
        "tags": [{"name": "市场主体"}, {"name": "企业登记"}],
        "groups": [],
        "license_id": "gov-open-data",
        "maintainer": "省市场监督管理局信息中心",
        "maintainer_email": "xxzx@amr.shandong.gov.cn",
        "owner_org": "5f0e1c9a-0000-4000-8000-000000000002",
        "organization": {"name": "market", "title": "省市场监督管理局"},
        "metadata_modified": "2025-02-10T09:30:00",
        "resource_category": "basic",
        "category_code": "1010010001",
        "resource_code": "1010010001/000123",
        "resource_format": "database",
        "data_items": [
            {"name": "统一社会信用代码", "type": "C", "length": 18},
            {"name": "成立日期", "type": "D"},
        ],
        "share_type": "conditional",
        "share_condition": "仅向政务部门提供，用于市场监管和信用评价。",
        "share_method": ["api", "download"],
        "open_to_public": "yes",
        "open_type": "conditional",
        "open_condition": "申请人须实名注册并签署数据使用协议。",
        "update_cycle": "daily",
        "issued": "2022-03-15",
        "extras": [],
        "resources": [
            {
                "id": "res-entities-csv",
                "name": "市场主体登记信息（2024年）",
                "url": "https://data.sd.gov.cn/files/market-entities-2024.csv",
                "url_type": None,
                "format": "csv",
                "mimetype": "text/csv; charset=utf-8",
                "size": 10_485_760,
            },
            {
                "id": "res-entities-api",
                "name": "市场主体查询接口",
                "url": "https://data.sd.gov.cn/api/market/entities",
                "url_type": None,
                "format": "接口",
                "mimetype": "application/json",
                "size": None,
            },
        ],
    }
    dataset.update(changes)
    return dataset


def missing_ids(result: dict[str, Any]) -> set[str]:
    return {m["indicator"] for m in result["missing"]}


# --- one dataset ---------------------------------------------------------------------------


def test_a_complete_dcat_ap_dataset_scores_full_marks_in_the_top_band():
    result = score_dataset(bus_routes())
    assert result["score"] == result["max"] == 405
    assert result["band"] == "excellent"
    assert result["profile"] == "dcat-ap"
    assert result["missing"] == []
    assert result["dimensions"] == {
        "findability": {"score": 100, "max": 100},
        "accessibility": {"score": 100, "max": 100},
        "interoperability": {"score": 110, "max": 110},
        "reusability": {"score": 75, "max": 75},
        "contextuality": {"score": 20, "max": 20},
    }


@pytest.mark.parametrize(
    ("removed", "lost"),
    [
        ({"tags": []}, {"keywords"}),
        ({"license_id": None}, {"licence", "licence_vocabulary"}),
        ({"maintainer": "", "maintainer_email": None}, {"contact_point"}),
        ({"groups": []}, {"themes"}),
        ({"spatial": None, "temporal_start": None, "temporal_end": None}, {"spatial", "temporal"}),
        ({"access_rights": None}, {"access_rights", "access_rights_vocabulary"}),
        ({"issued": None, "rights": None}, {"issued", "rights"}),
    ],
)
def test_removing_metadata_lowers_the_score_by_exactly_the_declared_points(removed, lost):
    result = score_dataset(bus_routes(**removed))
    assert missing_ids(result) == lost
    assert result["score"] == 405 - sum(POINTS[i] for i in lost)
    assert {m["indicator"]: m["points"] for m in result["missing"]} == {i: POINTS[i] for i in lost}


def test_what_is_missing_comes_with_advice_in_chinese_and_english():
    result = score_dataset(bus_routes(tags=[], maintainer=None, maintainer_email=None))
    keywords, contact = result["missing"]
    assert keywords["indicator"] == "keywords" and keywords["dimension"] == "findability"
    assert keywords["label"] == {"zh": "关键词", "en": "Keywords"}
    assert "标签" in keywords["advice"]["zh"] and "tag" in keywords["advice"]["en"]
    assert contact["indicator"] == "contact_point" and contact["dimension"] == "reusability"
    assert "维护人" in contact["advice"]["zh"] and "maintainer" in contact["advice"]["en"]


def test_a_licence_without_a_standard_identifier_loses_only_the_vocabulary_points():
    result = score_dataset(bus_routes(license_id="gov-open-data"))
    assert missing_ids(result) == {"licence_vocabulary"}
    assert result["score"] == 405 - POINTS["licence_vocabulary"]


def test_profile_fields_are_also_read_from_extras():
    dataset = bus_routes(spatial=None, issued=None)
    dataset["extras"] = [
        {"key": "spatial", "value": "山东省"},
        {"key": "issued", "value": "2023-06-01"},
    ]
    assert score_dataset(dataset)["score"] == 405


def test_a_cn_gov_resource_is_scored_on_its_own_fields():
    result = score_dataset(enterprise_registry())
    assert result["profile"] == "cn-gov"
    # Themes from the resource category, access rights from the opening type, rights from the
    # opening condition; the catalog has no spatial or temporal element.
    assert missing_ids(result) == {"spatial", "temporal", "licence_vocabulary"}
    assert result["score"] == 405 - 20 - 20 - 10
    assert result["band"] == "excellent"
    spatial = next(m for m in result["missing"] if m["indicator"] == "spatial")
    assert "附加字段" in spatial["advice"]["zh"] and "extra" in spatial["advice"]["en"]


def test_a_cn_gov_resource_gains_spatial_points_from_an_extra():
    dataset = enterprise_registry(extras=[{"key": "spatial", "value": "山东省"}])
    assert "spatial" not in missing_ids(score_dataset(dataset))


@pytest.mark.parametrize("key", ["覆盖范围", "空间范围"])
def test_a_chinese_coverage_extra_counts_as_spatial_coverage(key):
    dataset = enterprise_registry(extras=[{"key": key, "value": "全省"}])
    assert "spatial" not in missing_ids(score_dataset(dataset))


def test_a_cn_gov_resource_without_opening_type_loses_the_access_restriction_points():
    result = score_dataset(enterprise_registry(open_type=None, open_condition=None))
    assert {"access_rights", "access_rights_vocabulary"} <= missing_ids(result)
    access = next(m for m in result["missing"] if m["indicator"] == "access_rights")
    assert "开放类型" in access["advice"]["zh"]


def test_a_cn_gov_resource_breaking_its_profile_loses_compliance():
    without_code = score_dataset(enterprise_registry(resource_code=None))
    assert "dcat_ap_compliance" in missing_ids(without_code)
    # 有条件开放 without an opening condition breaks one of the profile's rules.
    no_condition = score_dataset(enterprise_registry(open_condition=None))
    assert "dcat_ap_compliance" in missing_ids(no_condition)
    bad_choice = score_dataset(enterprise_registry(update_cycle="sometimes"))
    assert "dcat_ap_compliance" in missing_ids(bad_choice)


def test_a_dcat_ap_dataset_without_a_description_is_not_compliant():
    assert missing_ids(score_dataset(bus_routes(notes=""))) == {"dcat_ap_compliance"}


# --- links and resources -------------------------------------------------------------------


def test_a_broken_link_loses_the_accessibility_points():
    dataset = enterprise_registry()
    broken = {"res-entities-csv": {"ok": False, "status": 404, "checked_at": None}}
    result = score_dataset(dataset, broken)
    assert {"access_url", "download_url_ok"} <= missing_ids(result)
    assert result["dimensions"]["accessibility"] == {"score": 20, "max": 100}
    assert score_dataset(dataset)["score"] - result["score"] == 80


def test_a_broken_api_link_loses_the_access_points_but_not_the_download_points():
    broken = {"res-entities-api": {"ok": False, "status": 503}}
    result = score_dataset(enterprise_registry(), broken)
    assert result["dimensions"]["accessibility"]["score"] == 50
    assert "access_url" in missing_ids(result)


def test_uploaded_files_count_as_reachable_and_unchecked_links_are_given_the_benefit():
    dataset = bus_routes()
    # The upload has no link check; the API has not been checked yet.
    assert score_dataset(dataset, {})["dimensions"]["accessibility"]["score"] == 100
    checked = {"res-stops-api": {"ok": True, "status": 200}}
    assert score_dataset(dataset, checked)["score"] == 405


def test_a_dataset_without_resources_has_no_accessibility_or_format_points():
    result = score_dataset(bus_routes(resources=[]))
    assert result["dimensions"]["accessibility"]["score"] == 0
    assert result["dimensions"]["interoperability"] == {"score": 30, "max": 110}
    assert "byte_size" in missing_ids(result)


def test_an_api_alone_offers_no_download():
    dataset = bus_routes()
    dataset["resources"] = dataset["resources"][1:]
    assert {"download_url", "download_url_ok", "byte_size"} <= missing_ids(score_dataset(dataset))


def resources_of(*formats: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"res-{i}",
            "url": f"https://data.jinan.gov.cn/files/report-{i}.{fmt.lower()}",
            "format": fmt,
            "mimetype": mime,
            "size": 1024,
        }
        for i, (fmt, mime) in enumerate(formats)
    ]


XLSX = ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PDF = ("PDF", "application/pdf")
CSV = ("CSV", "text/csv")


@pytest.mark.parametrize(
    ("formats", "lost"),
    [
        ([XLSX], {"non_proprietary"}),
        ([PDF], {"non_proprietary", "machine_readable"}),
        ([PDF, CSV], set()),  # only the best resource counts
        ([("ttl", "text/turtle")], set()),
        ([("GeoJSON", "application/geo+json")], set()),
        (
            [("Excel表格", "")],
            {"media_type", "format_vocabulary", "non_proprietary", "machine_readable"},
        ),
    ],
)
def test_interoperability_is_read_from_the_best_resource(formats, lost):
    result = score_dataset(bus_routes(resources=resources_of(*formats)))
    assert missing_ids(result) == lost
    assert result["dimensions"]["interoperability"]["score"] == 110 - sum(POINTS[i] for i in lost)


# --- bands, determinism, speed --------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (405, "excellent"),
        (351, "excellent"),
        (350, "good"),
        (221, "good"),
        (220, "sufficient"),
        (121, "sufficient"),
        (120, "bad"),
        (0, "bad"),
    ],
)
def test_band_thresholds(score, band):
    assert band_for(score) == band


def test_scoring_is_pure_and_deterministic():
    dataset = enterprise_registry()
    before = copy.deepcopy(dataset)
    first = score_dataset(dataset, {"res-entities-api": {"ok": False}})
    assert dataset == before
    assert score_dataset(dataset, {"res-entities-api": {"ok": False}}) == first


def test_scoring_a_typical_dataset_takes_well_under_a_millisecond():
    dataset = bus_routes()
    score_dataset(dataset)
    runs = 500
    started = time.perf_counter()
    for _ in range(runs):
        score_dataset(dataset)
    assert (time.perf_counter() - started) / runs < 0.001


# --- the weights are data -------------------------------------------------------------------


def edited_copy(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "mqa.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_weights_are_read_from_the_yaml(tmp_path):
    def heavier_keywords(raw: dict[str, Any]) -> None:
        next(i for i in raw["indicators"] if i["id"] == "keywords")["points"] = 45

    config = load_config(edited_copy(tmp_path, heavier_keywords))
    assert config.max == 420
    assert score_dataset(bus_routes(), config=config)["score"] == 420
    result = score_dataset(bus_routes(tags=[]), config=config)
    assert result["score"] == 375
    assert result["missing"][0]["points"] == 45
    assert result["dimensions"]["findability"] == {"score": 70, "max": 115}


def test_bands_are_read_from_the_yaml(tmp_path):
    def stricter(raw: dict[str, Any]) -> None:
        next(b for b in raw["bands"] if b["name"] == "excellent")["min"] = 400

    config = load_config(edited_copy(tmp_path, stricter))
    assert band_for(399, config) == "good"
    assert score_dataset(bus_routes(rights=None, issued=None), config=config)["band"] == "good"


def test_a_yaml_naming_an_unknown_check_is_refused(tmp_path):
    def typo(raw: dict[str, Any]) -> None:
        raw["indicators"][0]["check"] = "presnet"

    with pytest.raises(ValueError, match="unknown check 'presnet'"):
        load_config(edited_copy(tmp_path, typo))


def test_the_shipped_yaml_follows_mqa():
    config = load_config()
    assert config.max == 405
    assert config.dimension_max() == {
        "findability": 100,
        "accessibility": 100,
        "interoperability": 110,
        "reusability": 75,
        "contextuality": 20,
    }
    assert [(b.name, b.min) for b in config.bands] == [
        ("excellent", 351),
        ("good", 221),
        ("sufficient", 121),
        ("bad", 0),
    ]
    assert "XLSX" in config.vocabularies["machine_readable"]
    assert "XLSX" not in config.vocabularies["non_proprietary"]
    assert "PDF" not in config.vocabularies["machine_readable"]


# --- a department ---------------------------------------------------------------------------


def test_department_summary():
    scores = [
        score_dataset(bus_routes()),
        score_dataset(bus_routes(tags=[], maintainer=None, maintainer_email=None)),
        score_dataset(enterprise_registry(resources=[], tags=[])),
    ]
    summary = department_summary(scores)
    assert [s["score"] for s in scores] == [405, 355, 140]
    assert summary["count"] == 3
    assert summary["average"] == 300.0
    assert summary["band"] == "good"
    assert summary["bands"] == {"excellent": 2, "good": 0, "sufficient": 1, "bad": 0}
    assert summary["dimensions"]["findability"] == {"average": 66.7, "max": 100}
    assert summary["dimensions"]["accessibility"] == {"average": 66.7, "max": 100}
    # What to fix first: keywords cost the department the most points.
    assert summary["missing"][0] == {
        "indicator": "keywords",
        "dimension": "findability",
        "label": {"zh": "关键词", "en": "Keywords"},
        "count": 2,
        "points_lost": 60,
    }
    assert summary["missing"][1]["indicator"] == "access_url"


def test_an_empty_department_has_no_average():
    summary = department_summary([])
    assert summary["count"] == 0 and summary["average"] is None and summary["band"] is None
    assert summary["bands"] == {"excellent": 0, "good": 0, "sufficient": 0, "bad": 0}


# --- the quality_report action --------------------------------------------------------------


@pytest.fixture
def report(app) -> ModuleType:
    """The quality_report action module (registered by portal.load_actions)."""
    return importlib.import_module("portal.quality.actions")


@pytest.fixture
def transport(app, cast) -> dict[str, dict[str, Any]]:
    """Three datasets of the Department of Transport (one private) and one of Health."""
    return {
        "bus": create_dataset(
            app,
            "bus-routes",
            cast.transport,
            title="全省公交线路及站点信息",
            notes="全省各市公交线路的编号、名称和起止站点。",
            tags=[{"name": "公交"}],
            license_id="cc-by-4.0",
            maintainer="数据管理处",
            maintainer_email="data@jtt.example.gov.cn",
            resources=[
                {
                    "url": "https://data.example.gov.cn/bus.csv",
                    "format": "CSV",
                    "mimetype": "text/csv",
                    "size": 20480,
                }
            ],
        ),
        "taxi": create_dataset(
            app,
            "taxi-fares",
            cast.transport,
            title="出租车运价标准",
            notes="各市出租车起步价和里程价。",
        ),
        "costs": create_dataset(
            app,
            "fuel-costs",
            cast.transport,
            title="公务用车燃油成本",
            notes="内部成本核算数据。",
            private=True,
            tags=[{"name": "成本"}],
        ),
        "hospitals": create_dataset(
            app, "hospitals", cast.health, title="全省二级以上医院名单", notes="医院名称和等级。"
        ),
    }


def ok(response) -> Any:
    body = response.get_json()
    assert response.status_code == 200 and body["success"], body
    return body["result"]


def test_quality_report_for_a_dataset(api, report, transport):
    result = ok(api.get("quality_report", id="bus-routes"))
    assert result["dataset"]["name"] == "bus-routes"
    assert result["dataset"]["title"] == "全省公交线路及站点信息"
    shown = api.ok("package_show", id="bus-routes")
    expected = score_dataset(shown)
    assert {k: result[k] for k in expected} == expected
    assert {"themes", "spatial", "temporal", "keywords"} & missing_ids(result) == {
        "themes",
        "spatial",
        "temporal",
    }
    by_id = ok(api.get("quality_report", id=transport["bus"]["id"]))
    assert by_id["score"] == result["score"]


def test_a_complete_dataset_published_through_the_api_is_reported_excellent(app, api, cast, report):
    call("group_create", site_context(app), {"name": "traffic", "title": "交通出行"})
    create_dataset(
        app,
        "metro-stations",
        cast.transport,
        title="济南轨道交通站点信息",
        notes="济南轨道交通各线路站点名称、位置和换乘信息。",
        tags=[{"name": "地铁"}, {"name": "轨道交通"}],
        groups=[{"name": "traffic"}],
        license_id="cc-by-4.0",
        maintainer="省交通运输厅数据管理处",
        maintainer_email="data@jtt.example.gov.cn",
        issued="2024-05-01",
        spatial="山东省济南市",
        temporal_start="2024-01-01",
        access_rights="PUBLIC",
        resources=[
            {
                "url": "https://data.example.gov.cn/metro-stations.csv",
                "format": "CSV",
                "mimetype": "text/csv",
                "size": 8192,
                "rights": "使用时请注明来源。",
            }
        ],
    )
    result = ok(api.get("quality_report", id="metro-stations"))
    assert (result["score"], result["band"], result["missing"]) == (405, "excellent", [])


def test_a_cn_gov_resource_published_through_the_api_is_scored_on_its_profile(
    app, api, cast, report
):
    create_dataset(
        app,
        "bus-company-registry",
        cast.transport,
        type="cn-gov",
        title="全省道路运输企业名录",
        notes="道路客运、货运企业的名称、许可证号和经营范围。",
        tags=[{"name": "道路运输"}],
        license_id="gov-open-data",
        maintainer="省交通运输厅运输处",
        resource_category="departmental",
        resource_code="3010010001/000007",
        share_type="unconditional",
        open_to_public="yes",
        open_type="unconditional",
        update_cycle="monthly",
        issued="2023-01-10",
        resources=[
            {
                "url": "https://data.example.gov.cn/transport-companies.csv",
                "format": "CSV",
                "mimetype": "text/csv",
                "size": 65536,
            }
        ],
    )
    result = ok(api.get("quality_report", id="bus-company-registry"))
    assert result["profile"] == "cn-gov"
    assert missing_ids(result) == {"spatial", "temporal", "licence_vocabulary", "rights"}
    assert result["score"] == 405 - 20 - 20 - 10 - 5


def test_quality_report_uses_the_link_check(app, api, report, transport):
    before = ok(api.get("quality_report", id="bus-routes"))
    resource = transport["bus"]["resources"][0]
    session = app.extensions["portal.db"].session()
    session.add(LinkCheck(resource_id=resource["id"], url=resource["url"], ok=False, status=404))
    session.commit()
    rescore(app, transport["bus"]["id"])  # as the link checker does after storing results
    after = ok(api.get("quality_report", id="bus-routes"))
    assert {"access_url", "download_url_ok"} <= missing_ids(after)
    assert before["score"] - after["score"] == 80


def test_a_private_dataset_is_reported_only_to_those_who_may_read_it(api, cast, report, transport):
    assert api.get("quality_report", id="fuel-costs").status_code == 404
    assert api.get("quality_report", cast.outsider, id="fuel-costs").status_code == 404
    assert ok(api.get("quality_report", cast.member, id="fuel-costs"))["dataset"]["private"]


def test_quality_report_for_a_department(api, cast, report, transport):
    result = ok(api.get("quality_report", organization="transport"))
    assert result["organization"]["title"] == "省交通运输厅"
    assert {d["name"] for d in result["datasets"]} == {"bus-routes", "taxi-fares"}
    assert result["count"] == result["summary"]["count"] == 2
    scores = [d["score"] for d in result["datasets"]]
    assert scores == sorted(scores)  # the ones to fix first
    assert result["summary"]["average"] == sum(scores) / 2
    assert sum(result["summary"]["bands"].values()) == 2
    taxi = next(d for d in result["datasets"] if d["name"] == "taxi-fares")
    assert {"keywords", "licence", "contact_point"} <= set(taxi["missing"])
    assert taxi["score"] == ok(api.get("quality_report", id="taxi-fares"))["score"]


@pytest.mark.parametrize(
    ("who", "count"),
    [("anonymous", 2), ("outsider", 2), ("stranger", 2), ("member", 3), ("sysadmin", 3)],
)
def test_hidden_private_datasets_do_not_leak_into_the_department_report(
    api, cast, report, transport, who, count
):
    result = ok(api.get("quality_report", getattr(cast, who), organization="transport"))
    assert result["summary"]["count"] == result["count"] == count
    assert ("fuel-costs" in {d["name"] for d in result["datasets"]}) is (count == 3)


def test_department_report_band_filter_and_paging(api, cast, report, transport):
    everything = ok(api.get("quality_report", cast.member, organization="transport"))
    band = everything["datasets"][0]["band"]
    filtered = ok(api.get("quality_report", cast.member, organization="transport", band=band))
    assert {d["band"] for d in filtered["datasets"]} == {band}
    assert filtered["count"] == sum(d["band"] == band for d in everything["datasets"])
    assert filtered["summary"] == everything["summary"]  # the summary covers the department
    page = ok(api.get("quality_report", cast.member, organization="transport", limit=1, offset=1))
    assert page["count"] == 3 and page["datasets"] == everything["datasets"][1:2]


@pytest.mark.parametrize(
    "params",
    [{}, {"id": "bus-routes", "organization": "transport"}, {"id": "x", "band": "superb"}],
)
def test_quality_report_needs_one_dataset_or_one_department(api, report, params):
    response = api.get("quality_report", **params)
    assert response.status_code == 409
    assert response.get_json()["error"]["__type"] == "Validation Error"


def test_quality_report_for_an_unknown_department(api, report):
    assert api.get("quality_report", organization="no-such-department").status_code == 404


def test_a_stored_current_score_is_used_and_an_outdated_one_recomputed(app, report):
    context = site_context(app)
    stored = {**score_dataset(bus_routes()), "score": 1}
    dataset = bus_routes(quality=stored)
    assert report.quality_of(context, dataset) is stored
    dataset["quality"] = {**stored, "version": "mqa-0"}
    assert report.quality_of(context, dataset)["score"] == 405


def test_the_score_is_stored_on_save_shown_and_faceted_by_band(api, cast):
    created = api.ok(
        "package_create",
        cast.editor,
        name="bare",
        title="公交站点",
        owner_org="transport",
    )
    shown = api.ok("package_show", id="bare")
    assert shown["quality"]["score"] == created["quality"]["score"]
    assert shown["quality"]["band"] == "bad"
    result = api.ok("package_search", fq="quality:bad", **{"facet.field": ["quality"]})
    assert [d["name"] for d in result["results"]] == ["bare"]
    assert result["facets"]["quality"] == {"bad": 1}
    improved = api.ok(
        "package_patch",
        cast.editor,
        id="bare",
        notes="全省公交站点位置。",
        tags=[{"name": "公交"}],
        license_id="cc-by-4.0",
        maintainer="省交通运输厅信息中心",
    )
    assert improved["quality"]["score"] > created["quality"]["score"]


def test_only_sysadmins_may_rescore_a_dataset(api, app, cast):
    create_dataset(app, "bus-lines", cast.transport, title="公交线路")
    for person in (cast.anonymous, cast.editor, cast.admin):
        assert api.post("quality_rescore", person, id="bus-lines").status_code == 403
    score = api.ok("quality_rescore", cast.sysadmin, id="bus-lines")
    assert score == api.ok("package_show", id="bus-lines")["quality"]
    assert api.ok("package_activity_list", id="bus-lines")[0]["activity_type"] == "new package"
