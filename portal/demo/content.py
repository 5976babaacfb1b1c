"""Content of the demo catalog: a provincial open-data catalog as plain Python data.

Nothing here touches a database or Flask.  ``departments()`` and ``themes()`` return
organization and group payloads, ``datasets()`` returns CKAN ``package_create``-shaped
dicts whose resources carry a small real file in ``content`` (bytes).

The subject vocabularies live in :mod:`portal.demo.subjects`, the geography in
:mod:`portal.demo.geography`; this module turns them into deterministic datasets.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from portal.demo import subjects as sub
from portal.demo.geography import (
    CITIES,
    CURRENT_YEAR,
    MEAN_POPULATION,
    PROVINCE_AREA,
    PROVINCE_AREA_EN,
    PROVINCE_CODE,
    ROADS,
    YEARS,
    City,
)
from portal.demo.subjects import Subject

# --------------------------------------------------------------------------- credit codes

#: Character set of the unified social credit code (GB 32100-2015): no I, O, S, V, Z.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1-17, i.e. 3**i mod 31.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: Weights of the organization code body (GB 11714-1997), positions 9-16 of a credit code.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_check_char(first17: str) -> str:
    """Return the 18th (check) character of a unified social credit code (GB 32100-2015)."""
    if len(first17) != 17:
        raise ValueError("a credit code body has exactly 17 characters")
    try:
        total = sum(
            CREDIT_CODE_CHARS.index(char) * weight
            for char, weight in zip(first17.upper(), CREDIT_CODE_WEIGHTS, strict=True)
        )
    except ValueError as exc:
        raise ValueError(f"invalid character in credit code body {first17!r}") from exc
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def organization_code_check_char(first8: str) -> str:
    """Return the check character of a 9-character organization code (GB 11714-1997)."""
    if len(first8) != 8 or not first8.isalnum():
        raise ValueError(f"invalid organization code body {first8!r}")
    pairs = zip(first8.upper(), ORG_CODE_WEIGHTS, strict=True)
    total = sum(int(char, 36) * weight for char, weight in pairs)
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_credit_code(code: str) -> bool:
    """True if ``code`` is 18 characters with correct GB 32100 and GB 11714 check characters."""
    if len(code) != 18 or any(char not in CREDIT_CODE_CHARS for char in code):
        return False
    if code[17] != credit_code_check_char(code[:17]):
        return False
    return code[16] == organization_code_check_char(code[8:16])


def make_credit_code(prefix: str, region: str, org_body: str) -> str:
    """Assemble a credit code from a 2-char prefix, 6-digit region and 8-char org code body."""
    first17 = prefix + region + org_body + organization_code_check_char(org_body)
    return first17 + credit_code_check_char(first17)


def _random_credit_code(rng: random.Random, prefix: str, region: str) -> str:
    """A plausible credit code: enterprises get ``MA...`` bodies, social organizations ``5...``."""
    if prefix.startswith("5"):
        body = f"5{rng.randrange(10**7):07d}"
    else:
        body = "MA" + "".join(rng.choices(CREDIT_CODE_CHARS, k=6))
    return make_credit_code(prefix, region, body)


# --------------------------------------------------------------------------- departments


@dataclass(frozen=True)
class _Department:
    name: str
    title: str
    title_en: str
    description: str
    org_body: str
    host: str
    offices: tuple[str, ...]
    data_office: str
    subjects: tuple[Subject, ...]

    @property
    def code(self) -> str:
        return make_credit_code("11", PROVINCE_CODE, self.org_body)

    @property
    def domain(self) -> str:
        return f"{self.host}.example.gov.cn"


_DEPARTMENTS: tuple[_Department, ...] = (
    _Department(
        name="education-dept",
        title="省教育厅",
        title_en="Provincial Department of Education",
        description="负责全省教育事业的统筹规划和管理，推进各级各类教育改革发展。",
        org_body="00418601",
        host="jyt",
        offices=("发展规划处", "基础教育处", "高等教育处", "学生资助管理中心"),
        data_office="省教育厅信息中心",
        subjects=sub.EDUCATION,
    ),
    _Department(
        name="health-commission",
        title="省卫生健康委员会",
        title_en="Provincial Health Commission",
        description="负责全省卫生健康工作，组织实施医疗服务、疾病预防控制和妇幼健康等政策措施。",
        org_body="00418702",
        host="wsjkw",
        offices=("医政医管处", "疾病预防控制处", "规划发展与信息化处"),
        data_office="省卫生健康委统计信息中心",
        subjects=sub.HEALTH,
    ),
    _Department(
        name="hrss-dept",
        title="省人力资源和社会保障厅",
        title_en="Provincial Department of Human Resources and Social Security",
        description="负责全省就业创业、社会保险、人才队伍建设和劳动关系等工作。",
        org_body="00418603",
        host="hrss",
        offices=("就业促进和失业保险处", "养老保险处", "劳动关系处", "职业能力建设处"),
        data_office="省人力资源和社会保障厅信息中心",
        subjects=sub.HUMAN_RESOURCES,
    ),
    _Department(
        name="transport-dept",
        title="省交通运输厅",
        title_en="Provincial Department of Transport",
        description="负责全省公路、水路交通运输行业管理，统筹城乡客运和城市公共交通发展。",
        org_body="00418604",
        host="jtt",
        offices=("运输服务处", "公路处", "综合规划处"),
        data_office="省交通运输厅数据中心",
        subjects=sub.TRANSPORT,
    ),
    _Department(
        name="environment-dept",
        title="省生态环境厅",
        title_en="Provincial Department of Ecology and Environment",
        description="负责全省生态环境监测、污染防治和生态环境执法监督工作。",
        org_body="00418605",
        host="sthjt",
        offices=("大气环境处", "水生态环境处", "执法监督处", "环境影响评价处"),
        data_office="省生态环境厅信息中心",
        subjects=sub.ENVIRONMENT,
    ),
    _Department(
        name="finance-dept",
        title="省财政厅",
        title_en="Provincial Department of Finance",
        description="负责全省财政收支管理、预决算编制和财政政策组织实施。",
        org_body="00418606",
        host="czt",
        offices=("预算处", "国库处", "政府债务管理处", "政府采购监督管理处"),
        data_office="省财政厅信息网络中心",
        subjects=sub.FINANCE,
    ),
    _Department(
        name="agriculture-dept",
        title="省农业农村厅",
        title_en="Provincial Department of Agriculture and Rural Affairs",
        description="负责全省农业农村发展规划、粮食生产、农产品质量安全和乡村振兴相关工作。",
        org_body="00418607",
        host="nync",
        offices=("种植业管理处", "农产品质量安全监管处", "农田建设管理处", "农村合作经济指导处"),
        data_office="省农业农村厅信息中心",
        subjects=sub.AGRICULTURE,
    ),
    _Department(
        name="housing-dept",
        title="省住房和城乡建设厅",
        title_en="Provincial Department of Housing and Urban-Rural Development",
        description="负责全省住房保障、房地产市场、建筑市场监管和城乡建设管理工作。",
        org_body="00418608",
        host="zjt",
        offices=("住房保障处", "房地产市场监管处", "建筑市场监管处", "城市建设处"),
        data_office="省住房和城乡建设厅信息中心",
        subjects=sub.HOUSING,
    ),
    _Department(
        name="market-regulation-admin",
        title="省市场监督管理局",
        title_en="Provincial Administration for Market Regulation",
        description="负责全省市场主体登记注册、食品安全监管、产品质量和价格监督检查工作。",
        org_body="00418609",
        host="amr",
        offices=("登记注册局", "食品安全抽检监测处", "产品质量安全监督管理处", "价格监督检查处"),
        data_office="省市场监督管理局信息中心",
        subjects=sub.MARKET_REGULATION,
    ),
    _Department(
        name="statistics-bureau",
        title="省统计局",
        title_en="Provincial Bureau of Statistics",
        description="负责组织实施全省统计调查，发布国民经济和社会发展统计数据。",
        org_body="00418610",
        host="tjj",
        offices=("综合处", "国民经济核算处", "人口和就业统计处", "价格统计处"),
        data_office="省统计局数据管理中心",
        subjects=sub.STATISTICS,
    ),
    _Department(
        name="natural-resources-dept",
        title="省自然资源厅",
        title_en="Provincial Department of Natural Resources",
        description="负责全省自然资源调查监测、国土空间规划、不动产登记和地质灾害防治工作。",
        org_body="00418611",
        host="dnr",
        offices=("地质勘查管理处", "土地利用处", "矿业权管理处", "不动产登记局"),
        data_office="省国土空间数据和遥感技术研究院",
        subjects=sub.NATURAL_RESOURCES,
    ),
    _Department(
        name="civil-affairs-dept",
        title="省民政厅",
        title_en="Provincial Department of Civil Affairs",
        description="负责全省社会救助、养老服务、婚姻登记、社会组织和区划地名管理工作。",
        org_body="00418612",
        host="mzt",
        offices=("社会救助处", "养老服务处", "社会组织管理局", "区划地名处"),
        data_office="省民政厅信息中心",
        subjects=sub.CIVIL_AFFAIRS,
    ),
)

_DEPARTMENT_BY_NAME = {dept.name: dept for dept in _DEPARTMENTS}

# --------------------------------------------------------------------------- themes

THEMES: tuple[dict[str, str], ...] = (
    {
        "name": "education-science",
        "title": "教育科技",
        "title_en": "Education and Science",
        "description": "各级各类学校、教育经费、招生考试和科技创新相关数据。",
    },
    {
        "name": "health",
        "title": "医疗卫生",
        "title_en": "Health Care",
        "description": "医疗机构、卫生资源、疾病预防控制和公共卫生服务相关数据。",
    },
    {
        "name": "social-security",
        "title": "社会保障",
        "title_en": "Social Security",
        "description": "社会保险、社会救助、最低生活保障和社会福利相关数据。",
    },
    {
        "name": "employment",
        "title": "就业创业",
        "title_en": "Employment and Entrepreneurship",
        "description": "就业统计、招聘服务、职业培训和劳动关系相关数据。",
    },
    {
        "name": "transport",
        "title": "交通出行",
        "title_en": "Transport",
        "description": "公交线路、道路客运、高速公路和交通运行监测相关数据。",
    },
    {
        "name": "environment",
        "title": "生态环境",
        "title_en": "Ecology and Environment",
        "description": "空气质量、水环境、声环境监测和生态环境执法相关数据。",
    },
    {
        "name": "finance-tax",
        "title": "财税金融",
        "title_en": "Public Finance and Taxation",
        "description": "财政预决算、税收收入、政府债务和政府采购相关数据。",
    },
    {
        "name": "agriculture",
        "title": "农业农村",
        "title_en": "Agriculture and Rural Affairs",
        "description": "粮食生产、农产品价格与质量安全、农民合作社和乡村振兴相关数据。",
    },
    {
        "name": "urban-housing",
        "title": "城建住房",
        "title_en": "Urban Development and Housing",
        "description": "住房保障、房地产市场、建筑工程和城市更新相关数据。",
    },
    {
        "name": "market-regulation",
        "title": "市场监管",
        "title_en": "Market Regulation",
        "description": "市场主体登记、食品安全抽检、产品质量和价格监测相关数据。",
    },
    {
        "name": "economy-statistics",
        "title": "经济统计",
        "title_en": "Economic Statistics",
        "description": "地区生产总值、价格指数、人口和居民收入等统计数据。",
    },
    {
        "name": "resources-energy",
        "title": "资源能源",
        "title_en": "Natural Resources and Energy",
        "description": "土地、矿产、森林资源以及能源生产和利用相关数据。",
    },
    {
        "name": "livelihood",
        "title": "民生服务",
        "title_en": "Public Services",
        "description": "与群众日常生活密切相关的办事网点、公共服务设施和便民信息。",
    },
    {
        "name": "public-safety",
        "title": "公共安全",
        "title_en": "Public Safety",
        "description": "食品药品安全、地质灾害防治、安全监管和突发事件应对相关数据。",
    },
)

# --------------------------------------------------------------------------- dataset metadata

#: ``(license_id, weight)``; mostly government open data terms and CC BY 4.0.
LICENSE_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("gov-open-data", 46),
    ("cc-by-4.0", 34),
    ("cc-by-sa-4.0", 5),
    ("cc0-1.0", 4),
    ("odc-odbl", 3),
    ("odc-pddl", 2),
    ("other-open", 4),
    ("other-closed", 2),
)

#: Update frequency key -> (Chinese, English).
FREQUENCIES: dict[str, tuple[str, str]] = {
    "daily": ("每日", "daily"),
    "weekly": ("每周", "weekly"),
    "monthly": ("每月", "monthly"),
    "quarterly": ("每季度", "quarterly"),
    "yearly": ("每年", "annually"),
    "irregular": ("不定期", "irregular"),
}

VERSIONS = ("1.0", "1.0", "1.0", "1.1", "1.2", "2.0")
TITLE_EN_SHARE = 0.34
PRIVATE_SHARE = 0.05
GB18030_DATASETS = 5
_MIME_TYPES = {"CSV": "text/csv", "JSON": "application/json"}
_JSON_DESCRIPTION = "与CSV文件内容一致的JSON格式数据，便于程序调用。"
_DICTIONARY_DESCRIPTION = "数据集各字段的名称、数据类型和计量单位说明。"


class _Variant(NamedTuple):
    """One concrete dataset of a subject: a year, or an area (province or city)."""

    slug: str
    year: int
    city: City | None


# --------------------------------------------------------------------------- public API


def departments() -> list[dict[str, str]]:
    """The 12 publishing departments as organization payloads.

    Keys: ``name``, ``title``, ``title_en``, ``description``, ``code`` (unified social
    credit code of a government organ, ``11`` + region ``370000``).
    """
    return [
        {
            "name": dept.name,
            "title": dept.title,
            "title_en": dept.title_en,
            "description": dept.description,
            "code": dept.code,
        }
        for dept in _DEPARTMENTS
    ]


def themes() -> list[dict[str, str]]:
    """The catalog themes as group payloads (``name``, ``title``, ``title_en``, ``description``)."""
    return [dict(theme) for theme in THEMES]


def datasets(count: int = 220, seed: int = 20261126) -> list[dict[str, Any]]:
    """Generate ``count`` deterministic datasets spread round-robin over all departments.

    Each dict is a CKAN ``package_create`` payload plus ``title_en`` (about a third of the
    datasets); each resource carries its file as ``content`` bytes and a ``filename``.
    A handful of public CSV resources are GB18030-encoded and marked ``encoding``.
    """
    rng = random.Random(seed)
    picks = _pick_variants(count, rng)
    result = [_build_dataset(dept, subject, variant, seed) for dept, subject, variant in picks]
    _mark_private(result, rng)
    _encode_some_as_gb18030(result, rng)
    for number, (dataset, (dept, subject, variant)) in enumerate(zip(result, picks, strict=True)):
        _describe_with_profile(dataset, dept, subject, variant, number)
    return result


# --------------------------------------------------------------------------- profiles

# EU frequency codes (dcat-ap profile) and cn-gov update cycles for the subjects' frequencies.
EU_FREQUENCY = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
}
UPDATE_CYCLE = {"irregular": "other"}
CN_GOV_EVERY = 3  # every third dataset is catalogued as a government information resource
CATEGORY_BY_GROUP_COUNT = ("departmental", "thematic", "basic")


def _describe_with_profile(
    dataset: dict[str, Any], dept: _Department, subject: Subject, variant: _Variant, number: int
) -> None:
    """Fill the metadata profile fields: cn-gov for every third dataset, dcat-ap otherwise."""
    if number % CN_GOV_EVERY == 0:
        dataset.update(_cn_gov_fields(dataset, dept, subject, variant, number))
    else:
        dataset.update(_dcat_fields(dataset, subject, variant))


def _dcat_fields(dataset: dict[str, Any], subject: Subject, variant: _Variant) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "frequency": EU_FREQUENCY[subject.freq],
        "issued": f"{variant.year}-01-15",
        "language": ["zh", "en"] if dataset.get("title_en") else ["zh"],
        "spatial": variant.city.name if variant.city else PROVINCE_AREA,
        "access_rights": "NON_PUBLIC" if dataset["private"] else "PUBLIC",
    }
    if subject.variant == "year":
        fields["temporal_start"] = f"{variant.year}-01-01"
        fields["temporal_end"] = f"{variant.year}-12-31"
    return fields


def _cn_gov_fields(
    dataset: dict[str, Any], dept: _Department, subject: Subject, variant: _Variant, number: int
) -> dict[str, Any]:
    # Class 1-3 by how widely the subject is shared, then item, sub-item and detail codes.
    klass = max(1, min(len(subject.groups), 3))
    category_code = f"{klass}{_DEPARTMENTS.index(dept) + 1:02d}{len(subject.key) % 1000:03d}0001"
    private = dataset["private"]
    conditional = not private and number % 2 == 0
    fields: dict[str, Any] = {
        "type": "cn-gov",
        "resource_category": CATEGORY_BY_GROUP_COUNT[klass - 1],
        "category_code": category_code,
        "resource_code": f"{category_code}/{number + 1:06d}",
        "resource_format": "spreadsheet",
        "data_items": [
            {"name": column, "type": _item_type(spec)} for column, spec in subject.columns
        ],
        "share_type": "conditional" if conditional else "unconditional",
        "share_method": ["download", "api"],
        "open_to_public": "no" if private else "yes",
        "open_type": "not_open" if private else "unconditional",
        "update_cycle": UPDATE_CYCLE.get(subject.freq, subject.freq),
        "issued": f"{variant.year}-01-15",
    }
    if conditional:
        fields["share_condition"] = f"用于{dept.title}业务协同，需经数据提供部门审核。"
    return fields


def _item_type(spec: sub.Spec) -> str:
    """The catalog's data type code for a column: N numeric, I integer, D date, C text."""
    if spec[0] == "int":
        return "I"
    if _is_numeric(spec):
        return "N"
    if spec[0] in ("date", "rdate", "month"):
        return "D"
    return "C"


# --------------------------------------------------------------------------- selection


def _variants(subject: Subject, rng: random.Random) -> list[_Variant]:
    """All variants of a subject; the headline variant (province / latest year) first."""
    if subject.variant == "province":
        return [_Variant("", CURRENT_YEAR, None)]
    if subject.variant == "year":
        older = [_Variant(str(year), year, None) for year in YEARS if year != CURRENT_YEAR]
        rng.shuffle(older)
        return [_Variant(str(CURRENT_YEAR), CURRENT_YEAR, None), *older]
    if subject.variant == "area":
        cities = [_Variant(city.code, CURRENT_YEAR, city) for city in CITIES]
        rng.shuffle(cities)
        return [_Variant(PROVINCE_CODE, CURRENT_YEAR, None), *cities]
    raise ValueError(f"unknown variant kind {subject.variant!r}")


def _department_queue(dept: _Department, rng: random.Random) -> deque[tuple[Subject, _Variant]]:
    """Interleave the variants of a department's subjects so every subject shows up early."""
    per_subject = [[(subject, v) for v in _variants(subject, rng)] for subject in dept.subjects]
    layers = itertools.zip_longest(*per_subject)
    return deque(pair for layer in layers for pair in layer if pair is not None)


def _pick_variants(count: int, rng: random.Random) -> list[tuple[_Department, Subject, _Variant]]:
    """Take ``count`` (subject, variant) pairs, one department at a time."""
    queues = [(dept, _department_queue(dept, rng)) for dept in _DEPARTMENTS]
    picks: list[tuple[_Department, Subject, _Variant]] = []
    while len(picks) < count and any(queue for _, queue in queues):
        for dept, queue in queues:
            if queue and len(picks) < count:
                picks.append((dept, *queue.popleft()))
    if len(picks) < count:
        raise ValueError(f"the demo vocabulary yields at most {len(picks)} datasets")
    return picks


def _mark_private(result: list[dict[str, Any]], rng: random.Random) -> None:
    """Make about 5% of the datasets private (at least one when there are 20+)."""
    for dataset in rng.sample(result, round(len(result) * PRIVATE_SHARE)):
        dataset["private"] = True


def _encode_some_as_gb18030(result: list[dict[str, Any]], rng: random.Random) -> None:
    """Re-encode the main CSV of a handful of public datasets as GB18030."""
    public = [dataset for dataset in result if not dataset["private"]]
    for dataset in rng.sample(public, min(GB18030_DATASETS, len(public))):
        resource = dataset["resources"][0]
        resource["content"] = resource["content"].decode("utf-8").encode("gb18030")
        resource["encoding"] = "gb18030"
        resource["description"] = resource["description"].replace("UTF-8", "GB18030")


# --------------------------------------------------------------------------- dataset assembly


def _build_dataset(
    dept: _Department, subject: Subject, variant: _Variant, seed: int
) -> dict[str, Any]:
    """Assemble one package payload; its randomness depends only on ``seed`` and its name."""
    name = f"{subject.key}-{variant.slug}" if variant.slug else subject.key
    rng = random.Random(f"{seed}:{name}")
    city = variant.city
    area = city.name if city else PROVINCE_AREA
    area_en = city.name_en if city else PROVINCE_AREA_EN
    title = subject.title.format(area=area, area_en=area_en, year=variant.year)
    office = rng.choice(dept.offices)
    source = subject.source or f"{dept.title}{office}"
    header, rows = _generate_rows(subject, variant, rng)
    file_stem = f"{subject.file}_{variant.slug}" if variant.slug else subject.file
    dataset: dict[str, Any] = {
        "name": name,
        "title": title,
        "notes": _notes(dept, subject, variant, area, source, header),
        "owner_org": dept.name,
        "license_id": _license(rng),
        "tags": _tags(subject, city),
        "groups": [{"name": group} for group in subject.groups],
        "private": False,
        "author": f"{dept.title}{office}",
        "maintainer": dept.data_office,
        "maintainer_email": f"opendata@{dept.domain}",
        "version": rng.choice(VERSIONS),
        "url": f"https://{dept.domain}/opendata/{name}",
        "extras": _extras(subject, variant, area, source),
        "resources": _resources(title, file_stem, subject, header, rows, rng),
    }
    if rng.random() < TITLE_EN_SHARE:
        dataset["title_en"] = subject.title_en.format(area=area, area_en=area_en, year=variant.year)
    return dataset


def _notes(
    dept: _Department,
    subject: Subject,
    variant: _Variant,
    area: str,
    source: str,
    header: list[str],
) -> str:
    """Markdown description: what the data covers, where it comes from, how often it changes."""
    summary = subject.notes.format(area=area, year=variant.year)
    freq_zh = FREQUENCIES[subject.freq][0]
    fields = "、".join(f"`{column}`" for column in header[:6])
    more = "等" if len(header) > 6 else ""
    return (
        f"{summary}\n\n"
        f"数据由{source}提供，经{dept.title}审核后发布，{freq_zh}更新。\n\n"
        f"主要字段：{fields}{more}。"
    )


def _license(rng: random.Random) -> str:
    ids, weights = zip(*LICENSE_WEIGHTS, strict=True)
    return rng.choices(ids, weights=weights)[0]


def _tags(subject: Subject, city: City | None) -> list[dict[str, str]]:
    names = list(subject.tags[:4])
    if city is not None:
        names.append(city.name)
    return [{"name": tag} for tag in names]


def _extras(subject: Subject, variant: _Variant, area: str, source: str) -> list[dict[str, str]]:
    region = variant.city.code if variant.city else PROVINCE_CODE
    return [
        {"key": "数据来源", "value": source},
        {"key": "覆盖范围", "value": area},
        {"key": "行政区划代码", "value": region},
        {"key": "数据年度", "value": str(variant.year)},
    ]


def _resources(
    title: str,
    file_stem: str,
    subject: Subject,
    header: list[str],
    rows: list[list[str]],
    rng: random.Random,
) -> list[dict[str, Any]]:
    """The main CSV, sometimes a JSON copy and sometimes a CSV data dictionary."""
    resources = [
        _resource(
            title,
            f"{title}数据文件，UTF-8编码，首行为字段名，共{len(rows)}条记录。",
            "CSV",
            f"{file_stem}.csv",
            _csv_bytes(header, rows),
        ),
    ]
    if rng.random() < 0.45:
        numeric = [_is_numeric(spec) for _, spec in subject.columns]
        records = [
            {
                column: _json_value(value, is_num)
                for column, value, is_num in zip(header, row, numeric, strict=True)
            }
            for row in rows
        ]
        content = json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")
        resources.append(
            _resource(f"{title}（JSON）", _JSON_DESCRIPTION, "JSON", f"{file_stem}.json", content)
        )
    if rng.random() < 0.25:
        resources.append(
            _resource(
                "数据字典",
                _DICTIONARY_DESCRIPTION,
                "CSV",
                f"{file_stem}_dictionary.csv",
                _csv_bytes(*_data_dictionary(subject)),
            )
        )
    return resources


def _resource(
    name: str, description: str, fmt: str, filename: str, content: bytes
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "format": fmt,
        "mimetype": _MIME_TYPES[fmt],
        "filename": filename,
        "content": content,
    }


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _data_dictionary(subject: Subject) -> tuple[list[str], list[list[str]]]:
    rows = []
    for number, (column, spec) in enumerate(subject.columns, start=1):
        unit = column[column.rfind("(") + 1 : -1] if column.endswith(")") else "—"
        rows.append([str(number), column, _type_label(spec), unit])
    return ["序号", "字段名称", "数据类型", "计量单位"], rows


# --------------------------------------------------------------------------- column values

_NUMERIC_KINDS = {"int", "num", "cnum", "item_num"}
_NUMERIC_DERIVED = {"pct", "growth", "ratio", "total", "rest", "scale"}
_TYPE_LABELS = {"int": "整数", "date": "日期", "rdate": "日期", "month": "年月", "time": "时间"}


def _is_numeric(spec: sub.Spec) -> bool:
    return spec[0] in _NUMERIC_KINDS or (spec[0] == "derive" and spec[1] in _NUMERIC_DERIVED)


def _type_label(spec: sub.Spec) -> str:
    if spec[0] in _TYPE_LABELS:
        return _TYPE_LABELS[spec[0]]
    return "数值" if _is_numeric(spec) else "字符串"


def _json_value(value: str, numeric: bool) -> Any:
    if not numeric:
        return value
    number = float(value)
    return int(number) if "." not in value else number


def _decimal(value: float, nd: int) -> str:
    return f"{value:.{nd}f}"


def _decimals(text: str) -> int:
    return len(text) - text.index(".") - 1 if "." in text else 0


@dataclass
class _Row:
    """Generation state of one table row; city/county stay fixed once a column used them."""

    rng: random.Random
    year: int
    index: int
    city: City
    county: str
    per_city: bool
    movable_city: bool
    values: dict[str, str]
    seen: dict[str, set[str]]
    located: bool = False
    column: str = ""

    def place(self) -> City:
        self.located = True
        return self.city

    def relocate(self) -> None:
        if self.located:
            return
        if self.movable_city:
            self.city = self.rng.choice(CITIES)
        self.county = self.rng.choice(self.city.counties)


def _generate_rows(
    subject: Subject, variant: _Variant, rng: random.Random
) -> tuple[list[str], list[list[str]]]:
    """The CSV header and rows of a subject's table for one variant."""
    header = [column for column, _ in subject.columns]
    seen: dict[str, set[str]] = {column: set() for column in header}
    rows = []
    for index in range(rng.randint(*subject.rows)):
        if variant.city is not None:
            city = variant.city
        elif subject.per_city:
            city = CITIES[index % len(CITIES)]
        else:
            city = rng.choice(CITIES)
        row = _Row(
            rng,
            variant.year,
            index,
            city,
            rng.choice(city.counties),
            subject.per_city,
            variant.city is None and not subject.per_city,
            {},
            seen,
        )
        for column, spec in subject.columns:
            row.column = column
            value = _GENERATORS[spec[0]](row, *spec[1:])
            row.values[column] = value
            seen[column].add(value)
        rows.append([row.values[column] for column in header])
    return header, rows


def _gen_fmt(row: _Row, template: str, choices: dict[str, tuple[str, ...]]) -> str:
    """Format ``template``; retry (moving the row if still possible) to avoid duplicates."""
    text = ""
    for _ in range(8):
        picked = {key: row.rng.choice(options) for key, options in choices.items()}
        text = template.format(
            city=row.city.name,
            county=row.county,
            citycode=row.city.code,
            year=row.year,
            year4=row.year + 4,
            i=row.index + 1,
            n=row.rng.randint(1, 30),
            m=row.rng.randint(1, 12),
            **picked,
        )
        if text not in row.seen[row.column]:
            break
        row.relocate()
    if any(f"{{{key}" in template for key in ("city", "county", "citycode")):
        row.place()
    return text


def _gen_day(row: _Row, step: int) -> str:
    offset = (row.index // len(CITIES) if row.per_city else row.index) * step
    return (date(row.year, 1, 1) + timedelta(days=offset)).isoformat()


def _gen_any_date(row: _Row) -> str:
    return (date(row.year, 1, 1) + timedelta(days=row.rng.randrange(365))).isoformat()


def _gen_county(row: _Row) -> str:
    row.place()
    return row.county


def _gen_address(row: _Row) -> str:
    city = row.place()
    return f"{city.name}{row.county}{row.rng.choice(ROADS)}{row.rng.randint(1, 399)}号"


def _gen_phone(row: _Row) -> str:
    return f"{row.place().phone_prefix}-{row.rng.randint(5, 8)}{row.rng.randrange(10**7):07d}"


def _gen_item_num(
    row: _Row, pool: tuple[tuple[Any, ...], ...], index: int, spread: float, nd: int
) -> str:
    base = pool[row.index % len(pool)][index]
    return _decimal(base * row.rng.uniform(1 - spread, 1 + spread), nd)


def _gen_scaled(row: _Row, lo: float, hi: float, nd: int) -> str:
    factor = row.place().population / MEAN_POPULATION
    return _decimal(row.rng.uniform(lo, hi) * factor, nd)


_GENERATORS: dict[str, Callable[..., str]] = {
    "seq": lambda row, template: template.format(row.index + 1),
    "pick": lambda row, options: row.rng.choice(options),
    "int": lambda row, lo, hi: str(row.rng.randint(lo, hi)),
    "num": lambda row, lo, hi, nd: _decimal(row.rng.uniform(lo, hi), nd),
    "cnum": _gen_scaled,
    "city": lambda row: row.place().name,
    "county": _gen_county,
    "addr": _gen_address,
    "phone": _gen_phone,
    "lng": lambda row: f"{row.place().lng + row.rng.uniform(-0.25, 0.25):.6f}",
    "lat": lambda row: f"{row.place().lat + row.rng.uniform(-0.2, 0.2):.6f}",
    "date": _gen_day,
    "rdate": _gen_any_date,
    "month": lambda row: f"{row.year}-{row.index % 12 + 1:02d}",
    "time": lambda row, lo, hi: f"{row.rng.randint(lo, hi):02d}:{row.rng.randrange(0, 60, 5):02d}",
    "fmt": _gen_fmt,
    "item": lambda row, pool, index: str(pool[row.index % len(pool)][index]),
    "item_num": _gen_item_num,
    "credit": lambda row, prefix: _random_credit_code(row.rng, prefix, row.place().code),
    "const": lambda row, value: value,
    "derive": lambda row, name, *args: _DERIVED[name](row, *args),
}

# --------------------------------------------------------------------------- derived values

_AQI_GRADES = ((50, "优"), (100, "良"), (150, "轻度污染"), (200, "中度污染"), (300, "重度污染"))


def _aqi_grade(row: _Row, column: str) -> str:
    aqi = int(row.values[column])
    return next((grade for limit, grade in _AQI_GRADES if aqi <= limit), "严重污染")


def _aqi_pollutant(row: _Row, column: str) -> str:
    if int(row.values[column]) <= 50:
        return "—"
    return row.rng.choice(("PM2.5", "PM2.5", "PM10", "O3", "NO2"))


def _lookup(row: _Row, column: str, mapping: tuple[tuple[str, str], ...]) -> str:
    text = row.values[column]
    return next((value for key, value in mapping if key in text), mapping[-1][1])


def _other_than(row: _Row, column: str, options: tuple[str, ...]) -> str:
    return row.rng.choice([option for option in options if option != row.values[column]])


def _pct(row: _Row, part: str, whole: str) -> str:
    return f"{float(row.values[part]) / float(row.values[whole]) * 100:.1f}"


def _growth(row: _Row, current: str, previous: str) -> str:
    return f"{(float(row.values[current]) / float(row.values[previous]) - 1) * 100:.1f}"


def _ratio(row: _Row, numerator: str, denominator: str, factor: float, nd: int) -> str:
    value = float(row.values[numerator]) / float(row.values[denominator]) * factor
    return _decimal(value, nd)


def _total(row: _Row, *columns: str) -> str:
    texts = [row.values[column] for column in columns]
    return _decimal(sum(float(text) for text in texts), max(_decimals(text) for text in texts))


def _rest(row: _Row, column: str) -> str:
    text = row.values[column]
    return _decimal(100 - float(text), _decimals(text))


def _scale(row: _Row, column: str, lo: float, hi: float, nd: int) -> str:
    return _decimal(float(row.values[column]) * row.rng.uniform(lo, hi), nd)


def _failed_item(row: _Row, column: str, options: tuple[str, ...]) -> str:
    return row.rng.choice(options) if row.values[column] == "不合格" else "—"


def _credit_by(row: _Row, column: str, mapping: tuple[tuple[str, str], ...]) -> str:
    return _random_credit_code(row.rng, dict(mapping)[row.values[column]], row.place().code)


_DERIVED: dict[str, Callable[..., str]] = {
    "aqi_grade": _aqi_grade,
    "aqi_pollutant": _aqi_pollutant,
    "lookup": _lookup,
    "other_than": _other_than,
    "pct": _pct,
    "growth": _growth,
    "ratio": _ratio,
    "total": _total,
    "rest": _rest,
    "scale": _scale,
    "failed_item": _failed_item,
    "credit_by": _credit_by,
}
