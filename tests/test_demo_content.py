"""The demo catalog content: realistic, valid CKAN payloads, generated deterministically."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections import Counter
from typing import Any

import pytest

from portal.demo import content

CKAN_NAME = re.compile(r"^[a-z0-9_-]{2,100}$")
CKAN_TAG = re.compile(r"^[\w .-]{1,100}$")
EMAIL = re.compile(r"^[a-z0-9._-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")
LICENSES = {
    "cc-by-4.0",
    "cc-by-sa-4.0",
    "cc0-1.0",
    "odc-odbl",
    "odc-pddl",
    "other-open",
    "other-closed",
    "gov-open-data",
}

# GB 32100-2015, written out independently of the module under test.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [3**i % 31 for i in range(17)]


def expected_check_char(first17: str) -> str:
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


@pytest.fixture(scope="module")
def catalog() -> list[dict[str, Any]]:
    return content.datasets()


def decoded(resource: dict[str, Any]) -> str:
    return resource["content"].decode(resource.get("encoding", "utf-8"))


def searchable(dataset: dict[str, Any]) -> str:
    tags = " ".join(tag["name"] for tag in dataset["tags"])
    return " ".join([dataset["title"], dataset.get("title_en", ""), tags, dataset["notes"]])


def test_credit_code_check_char_matches_a_published_code() -> None:
    # 91350100M000100Y43: weighted sum of the first 17 characters is 1640 = 52*31 + 28,
    # so the check character is CHARSET[31 - 28] = "3".
    assert content.credit_code_check_char("91350100M000100Y4") == "3"
    assert content.organization_code_check_char("M000100Y") == "4"
    assert content.is_valid_credit_code("91350100M000100Y43")
    assert not content.is_valid_credit_code("91350100M000100Y44")
    assert not content.is_valid_credit_code("91350100M000100Y4")


def test_credit_code_check_char_agrees_with_an_independent_implementation() -> None:
    for body in ("11370000004186017", "91370100MA3C12345", "5137050059845942"):
        body = body.ljust(17, "0")
        assert content.credit_code_check_char(body) == expected_check_char(body)
    with pytest.raises(ValueError):
        content.credit_code_check_char("9137010OMA3C1234I")


def test_every_department_has_a_valid_credit_code() -> None:
    departments = content.departments()
    assert len(departments) == 12
    codes = [dept["code"] for dept in departments]
    assert len(set(codes)) == 12
    for code in codes:
        assert len(code) == 18
        assert code.startswith("11370000")  # government organ registered in the province
        assert code[17] == expected_check_char(code[:17])
        assert content.is_valid_credit_code(code)


def test_departments_are_the_twelve_provincial_departments() -> None:
    departments = content.departments()
    titles = {dept["title"] for dept in departments}
    assert {
        "省教育厅",
        "省卫生健康委员会",
        "省交通运输厅",
        "省财政厅",
        "省统计局",
        "省民政厅",
    } <= titles
    for dept in departments:
        assert set(dept) == {"name", "title", "title_en", "description", "code"}
        assert CKAN_NAME.match(dept["name"])
        assert dept["title_en"].startswith("Provincial ")
        assert dept["description"].endswith("。")


def test_themes_are_named_groups_that_do_not_clash_with_departments() -> None:
    themes = content.themes()
    assert len(themes) >= 12
    names = {theme["name"] for theme in themes}
    assert len(names) == len(themes)
    assert all(CKAN_NAME.match(name) for name in names)
    # CKAN keeps organizations and groups in one table: their names must not collide.
    assert not names & {dept["name"] for dept in content.departments()}
    assert {"教育科技", "医疗卫生", "交通出行", "生态环境", "财税金融"} <= {
        theme["title"] for theme in themes
    }


def test_demo_catalog_has_over_200_unique_dataset_names(catalog: list[dict[str, Any]]) -> None:
    names = [dataset["name"] for dataset in catalog]
    assert len(names) >= 220
    assert len(set(names)) == len(names)
    assert len({dataset["title"] for dataset in catalog}) == len(catalog)


def test_dataset_names_are_valid_ckan_names(catalog: list[dict[str, Any]]) -> None:
    for dataset in catalog:
        assert CKAN_NAME.match(dataset["name"]), dataset["name"]


def test_every_dataset_belongs_to_a_known_department_and_theme(
    catalog: list[dict[str, Any]],
) -> None:
    departments = {dept["name"] for dept in content.departments()}
    themes = {theme["name"] for theme in content.themes()}
    per_department = Counter(dataset["owner_org"] for dataset in catalog)
    assert set(per_department) == departments
    assert min(per_department.values()) >= 10
    used_themes = set()
    for dataset in catalog:
        groups = [group["name"] for group in dataset["groups"]]
        assert 1 <= len(groups) <= 2
        assert set(groups) <= themes
        used_themes.update(groups)
    assert used_themes == themes


def test_datasets_are_complete_package_payloads(catalog: list[dict[str, Any]]) -> None:
    for dataset in catalog:
        assert dataset["license_id"] in LICENSES
        assert 2 <= len(dataset["tags"]) <= 5
        assert all(CKAN_TAG.match(tag["name"]) for tag in dataset["tags"])
        assert EMAIL.match(dataset["maintainer_email"])
        assert dataset["url"].startswith("https://") and ".example.gov.cn/" in dataset["url"]
        assert dataset["author"] and dataset["maintainer"] and dataset["version"]
        assert 2 <= dataset["notes"].count("。") <= 4
        keys = [extra["key"] for extra in dataset["extras"]]
        assert len(keys) == len(set(keys))
        assert {"数据来源", "覆盖范围"} <= set(keys)
        # The update frequency is a profile field, not an extra beside it.
        assert not {"更新周期", "update_frequency"} & set(keys)
        assert 1 <= len(dataset["resources"]) <= 3


def test_licenses_english_titles_and_privacy_have_realistic_shares(
    catalog: list[dict[str, Any]],
) -> None:
    licenses = Counter(dataset["license_id"] for dataset in catalog)
    assert licenses["gov-open-data"] + licenses["cc-by-4.0"] > 0.7 * len(catalog)
    english = sum("title_en" in dataset for dataset in catalog)
    assert 0.2 * len(catalog) < english < 0.5 * len(catalog)
    private = sum(dataset["private"] for dataset in catalog)
    assert 1 <= private <= 0.1 * len(catalog)


def test_resources_hold_small_real_csv_and_json_files(catalog: list[dict[str, Any]]) -> None:
    for dataset in catalog:
        for resource in dataset["resources"]:
            assert resource["format"] in {"CSV", "JSON"}
            assert resource["filename"].endswith("." + resource["format"].lower())
            if resource["format"] == "JSON":
                records = json.loads(resource["content"].decode("utf-8"))
                assert records and all(isinstance(record, dict) for record in records)
                continue
            header, *rows = list(csv.reader(io.StringIO(decoded(resource))))
            assert all(len(row) == len(header) for row in rows)
            assert 3 <= len(rows) <= 60
            if resource["name"] != "数据字典":
                assert len(rows) >= 5


def test_embedded_credit_codes_are_valid(catalog: list[dict[str, Any]]) -> None:
    checked = 0
    for dataset in catalog:
        for row in csv.DictReader(io.StringIO(decoded(dataset["resources"][0]))):
            code = row.get("统一社会信用代码")
            if code:
                assert content.is_valid_credit_code(code), code
                checked += 1
    assert checked > 50


def test_gb18030_resources_decode_as_chinese_csv(catalog: list[dict[str, Any]]) -> None:
    marked = [
        (dataset, resource)
        for dataset in catalog
        for resource in dataset["resources"]
        if resource.get("encoding") == "gb18030"
    ]
    assert len(marked) >= 3
    for dataset, resource in marked:
        assert not dataset["private"]
        assert resource["format"] == "CSV"
        with pytest.raises(UnicodeDecodeError):
            resource["content"].decode("utf-8")
        header, *rows = list(csv.reader(io.StringIO(resource["content"].decode("gb18030"))))
        assert rows
        assert any("\u4e00" <= char <= "\u9fff" for char in "".join(header))


def test_generation_is_deterministic() -> None:
    first, second = content.datasets(), content.datasets()
    assert first == second
    assert content.datasets(seed=1) != first
    # A smaller catalog is a prefix of the larger one.
    assert [d["name"] for d in content.datasets(50)] == [d["name"] for d in first[:50]]


def test_generation_is_fast() -> None:
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        content.datasets(220)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 1.0


def test_asking_for_more_datasets_than_the_vocabulary_holds_fails() -> None:
    with pytest.raises(ValueError):
        content.datasets(100_000)


def test_searchable_subjects_are_present(catalog: list[dict[str, Any]]) -> None:
    def matching(*words: str) -> list[dict[str, Any]]:
        return [d for d in catalog if all(word in searchable(d) for word in words)]

    for words in [("交通",), ("公交",), ("医院",), ("学校", "名单"), ("空气质量",), ("budget",)]:
        assert len(matching(*words)) >= 3, words
    buses = [d for d in matching("公交") if d["owner_org"] == "transport-dept"]
    assert len(buses) >= 3
    titles = {d["title"] for d in catalog}
    assert {"全省公交线路及站点信息", "全省中小学校名单", "2025年全省空气质量日报"} <= titles
