"""A large, deterministic synthetic catalog for benchmarks, bulk-loaded straight into SQLite.

The vocabulary is the demo catalog's (portal.demo): its 12 departments, 14 themes, 85 subject
families with their tags and descriptions, and the province's 16 cities and their counties.
Each synthetic dataset is one subject for one place and year, e.g. "青岛市2024年公交线路及
站点信息", with a 2-4 sentence Chinese description, an English title for about a third, 1-4
resources (CSV, JSON, XLSX, API, PDF), about 5% private and a few drafts.

Loading bypasses the actions on purpose: this is benchmark setup, not the product path. Rows
go in with SQLAlchemy Core executemany in batches, after `portal.migrate.upgrade`.

    import synthetic_catalog  # with benchmarks/ on sys.path
    stats = synthetic_catalog.load("sqlite:////tmp/x/portal.db", 100_000)
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, event, insert

from portal.catalog.models import (
    Dataset,
    Group,
    Organization,
    Resource,
    Tag,
    dataset_group,
    dataset_tag,
)
from portal.demo import content
from portal.demo import subjects as sub
from portal.demo.geography import CITIES, PROVINCE_AREA, PROVINCE_AREA_EN, PROVINCE_CODE, City
from portal.demo.subjects import Subject

DEFAULT_SEED = 20261126
PRIVATE_SHARE = 0.05
DRAFT_SHARE = 0.002
TITLE_EN_SHARE = 1 / 3
YEARS = tuple(range(2015, 2026))
FORMATS = ("CSV", "JSON", "XLSX", "API", "PDF")
FORMAT_WEIGHTS = (40, 20, 20, 12, 8)
MIMETYPES = {
    "CSV": "text/csv",
    "JSON": "application/json",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "API": "application/json",
    "PDF": "application/pdf",
}
EXTENSIONS = {"CSV": "csv", "JSON": "json", "XLSX": "xlsx", "API": "json", "PDF": "pdf"}

#: Which subject families each demo department publishes.
DEPARTMENT_SUBJECTS: dict[str, tuple[Subject, ...]] = {
    "education-dept": sub.EDUCATION,
    "health-commission": sub.HEALTH,
    "hrss-dept": sub.HUMAN_RESOURCES,
    "transport-dept": sub.TRANSPORT,
    "environment-dept": sub.ENVIRONMENT,
    "finance-dept": sub.FINANCE,
    "agriculture-dept": sub.AGRICULTURE,
    "housing-dept": sub.HOUSING,
    "market-regulation-admin": sub.MARKET_REGULATION,
    "statistics-bureau": sub.STATISTICS,
    "natural-resources-dept": sub.NATURAL_RESOURCES,
    "civil-affairs-dept": sub.CIVIL_AFFAIRS,
}

#: Extra tags that any dataset may carry, beyond its subject's.
EXTRA_TAGS = (
    "开放数据",
    "政务公开",
    "年度数据",
    "月度数据",
    "便民服务",
    "信息公开",
    "统计数据",
    "open data",
    "民生",
    "数字政府",
    "公共服务",
    "监测数据",
)
QUALIFIERS = ("", "", "", "", "（汇总）", "（第一季度）", "（上半年）", "（修订版）", "明细")
USAGES = (
    "政策研究",
    "统计分析",
    "公众查询",
    "便民服务",
    "行业监管",
    "学术研究",
    "城市规划",
    "应用开发",
)
RESOURCE_DESCRIPTIONS = {
    "CSV": "{title}数据文件，UTF-8编码，首行为字段名，共{rows}条记录。",
    "JSON": "与CSV文件内容一致的JSON格式数据，便于程序调用。",
    "XLSX": "{title}Excel表格，按区县分工作表整理。",
    "API": "{title}数据接口，支持按区县和年度查询，返回JSON格式结果。",
    "PDF": "{title}正式发布文件（PDF版），含填报说明。",
}
RESOURCE_SUFFIXES = {
    "CSV": "",
    "JSON": "（JSON）",
    "XLSX": "（Excel）",
    "API": "接口",
    "PDF": "（PDF）",
}


def subject_core(subject: Subject) -> str:
    """The subject part of a demo title: '{year}年全省空气质量日报' -> '空气质量日报'."""
    core = subject.title.replace("{year}年", "").replace("{area}", "")
    return re.sub(r"^(全省各市|全省|各市|省级|省对市县)", "", core) or core


@dataclass(frozen=True)
class Place:
    name: str
    name_en: str
    code: str
    city: City | None


def places() -> list[Place]:
    """The province, its cities and their counties (counties share their city's code)."""
    found = [Place(PROVINCE_AREA, PROVINCE_AREA_EN, PROVINCE_CODE, None)]
    for city in CITIES:
        found.append(Place(city.name, city.name_en, city.code, city))
        for county in city.counties:
            found.append(Place(city.name + county, f"{county}, {city.name_en}", city.code, city))
    return found


@dataclass
class Vocabulary:
    """Everything the generator draws from, with the ids the rows refer to."""

    seed: int
    organizations: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # name -> id
    places: list[Place] = field(default_factory=list)

    @classmethod
    def build(cls, seed: int = DEFAULT_SEED) -> Vocabulary:
        rng = random.Random(f"vocabulary:{seed}")
        vocab = cls(seed=seed, places=places())
        created = datetime(2014, 6, 1)
        for dept in content.departments():
            vocab.organizations.append(
                {**dept, "id": _uuid(rng), "state": "active", "created": created}
            )
        for theme in content.themes():
            vocab.groups.append({**theme, "id": _uuid(rng), "state": "active", "created": created})
        names: list[str] = []
        for subjects in DEPARTMENT_SUBJECTS.values():
            for subject in subjects:
                names.extend(subject.tags)
        names.extend(city.name for city in CITIES)
        names.extend(EXTRA_TAGS)
        names.extend(str(year) for year in YEARS)
        for name in dict.fromkeys(names):
            vocab.tags[name] = _uuid(rng)
        return vocab

    @property
    def group_ids(self) -> dict[str, str]:
        return {g["name"]: g["id"] for g in self.groups}


@dataclass
class Batch:
    """Rows for one batch of datasets, ready for executemany."""

    datasets: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    dataset_tags: list[dict[str, Any]] = field(default_factory=list)
    dataset_groups: list[dict[str, Any]] = field(default_factory=list)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _moment(rng: random.Random, year: int) -> datetime:
    start = datetime(min(year + 1, 2025), 1, 1)
    return start + timedelta(seconds=rng.randrange(300 * 86400))


class Generator:
    """Deterministic datasets: dataset i depends only on the seed and i's position in the
    stream (one random.Random for the whole stream)."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.rng = random.Random(vocab.seed)
        self.orgs = vocab.organizations
        self.subjects = [DEPARTMENT_SUBJECTS[o["name"]] for o in self.orgs]
        self.cores = {s.key: subject_core(s) for subjects in self.subjects for s in subjects}
        self.group_ids = vocab.group_ids
        self.licenses, self.license_weights = zip(*content.LICENSE_WEIGHTS, strict=True)
        self.number = 0

    def batches(self, count: int, batch_size: int) -> Iterator[Batch]:
        while self.number < count:
            batch = Batch()
            for _ in range(min(batch_size, count - self.number)):
                self.add(batch)
            yield batch

    def add(self, batch: Batch) -> None:
        rng = self.rng
        self.number += 1
        org_index = rng.randrange(len(self.orgs))
        org = self.orgs[org_index]
        subject = rng.choice(self.subjects[org_index])
        place = self._place(rng, subject)
        year = rng.choice(YEARS)
        core = self.cores[subject.key]
        qualifier = rng.choice(QUALIFIERS)
        if place.city is None:
            title = f"{year}年{place.name}{core}{qualifier}"
        else:
            title = f"{place.name}{year}年{core}{qualifier}"
        dataset_id = _uuid(rng)
        created = _moment(rng, year)
        modified = created + timedelta(seconds=rng.randrange(200 * 86400))
        state = "draft" if rng.random() < DRAFT_SHARE else "active"
        title_en = None
        if rng.random() < TITLE_EN_SHARE:
            title_en = subject.title_en.format(
                area_en=place.name_en, year=year, area=place.name
            ).replace("the province", place.name_en if place.city else "the province")
            if "{" not in subject.title_en and str(year) not in title_en:
                title_en = f"{title_en}, {year}"
        freq_zh, freq_en = content.FREQUENCIES[subject.freq]
        office = f"{org['title']}数据管理处"
        host = org["name"].split("-")[0]
        name = f"{subject.key}-{place.code}-{year}-{self.number:07d}"
        batch.datasets.append(
            {
                "id": dataset_id,
                "name": name,
                "title": title,
                "title_en": title_en,
                "notes": self._notes(rng, subject, org, place, year, freq_zh),
                "url": f"https://{host}.example.gov.cn/opendata/{name}",
                "version": rng.choice(content.VERSIONS),
                "author": office,
                "author_email": None,
                "maintainer": f"{org['title']}信息中心",
                "maintainer_email": f"opendata@{host}.example.gov.cn",
                "license_id": rng.choices(self.licenses, weights=self.license_weights)[0],
                "private": rng.random() < PRIVATE_SHARE,
                "state": state,
                "type": "dataset",
                "owner_org": org["id"],
                "creator_user_id": None,
                "extras": {
                    "更新周期": freq_zh,
                    "update_frequency": freq_en,
                    "数据来源": office,
                    "覆盖范围": place.name,
                    "行政区划代码": place.code,
                    "数据年度": str(year),
                },
                "metadata_created": created,
                "metadata_modified": modified,
            }
        )
        tags = list(subject.tags[:4])
        if place.city is not None:
            tags.append(place.city.name)
        if rng.random() < 0.3:
            tags.append(rng.choice(EXTRA_TAGS))
        if rng.random() < 0.2:
            tags.append(str(year))
        for tag in dict.fromkeys(tags):
            batch.dataset_tags.append({"dataset_id": dataset_id, "tag_id": self.vocab.tags[tag]})
        for group in subject.groups:
            batch.dataset_groups.append(
                {"dataset_id": dataset_id, "group_id": self.group_ids[group]}
            )
        self._resources(rng, batch, dataset_id, name, title, host, modified)

    def _place(self, rng: random.Random, subject: Subject) -> Place:
        all_places = self.vocab.places
        if subject.variant == "province" or rng.random() < 0.15:
            return all_places[0]
        return rng.choice(all_places[1:])

    def _notes(
        self,
        rng: random.Random,
        subject: Subject,
        org: dict[str, Any],
        place: Place,
        year: int,
        freq_zh: str,
    ) -> str:
        summary = subject.notes.format(area=place.name, year=year)
        sentences = [summary.replace(PROVINCE_AREA, place.name)]
        extra = [
            f"数据由{org['title']}提供，经审核后发布，{freq_zh}更新。",
            "主要字段包括" + "、".join(column for column, _spec in subject.columns[:4]) + "等。",
            f"本数据集覆盖{place.name}，统计时点为{year}年末。",
            f"可用于{rng.choice(USAGES)}和{rng.choice(USAGES)}等场景。",
        ]
        sentences += rng.sample(extra, rng.randint(1, 3))
        return "".join(sentences)

    def _resources(
        self,
        rng: random.Random,
        batch: Batch,
        dataset_id: str,
        name: str,
        title: str,
        host: str,
        modified: datetime,
    ) -> None:
        count = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
        formats = ["CSV" if rng.random() < 0.7 else rng.choice(FORMATS)]
        while len(formats) < count:
            formats.append(rng.choices(FORMATS, weights=FORMAT_WEIGHTS)[0])
        for position, fmt in enumerate(formats):
            ext = EXTENSIONS[fmt]
            batch.resources.append(
                {
                    "id": _uuid(rng),
                    "package_id": dataset_id,
                    "url": f"https://{host}.example.gov.cn/opendata/{name}/{position}.{ext}"
                    if fmt != "API"
                    else f"https://{host}.example.gov.cn/api/{name}",
                    "url_type": None,
                    "storage_key": None,
                    "name": f"{title}{RESOURCE_SUFFIXES[fmt]}" if position else title,
                    "description": RESOURCE_DESCRIPTIONS[fmt].format(
                        title=title, rows=rng.randint(8, 5000)
                    ),
                    "format": fmt,
                    "mimetype": MIMETYPES[fmt],
                    "size": rng.randint(2_000, 8_000_000) if fmt != "API" else None,
                    "hash": None,
                    "position": position,
                    "state": "active",
                    "extras": {},
                    "created": modified,
                    "last_modified": modified,
                    "metadata_modified": modified,
                }
            )


@dataclass
class LoadStats:
    datasets: int
    resources: int
    dataset_tags: int
    dataset_groups: int
    seconds: float
    public: int = 0
    private: int = 0
    drafts: int = 0


def _fast_sqlite(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.execute("PRAGMA cache_size=-200000")
    cursor.close()


def load(
    database_url: str,
    count: int,
    seed: int = DEFAULT_SEED,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    migrate: bool = True,
) -> LoadStats:
    """Create the schema (alembic upgrade) and bulk-insert `count` synthetic datasets."""
    started = time.perf_counter()
    if migrate:
        from portal.migrate import upgrade

        upgrade(database_url)
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _fast_sqlite)
    vocab = Vocabulary.build(seed)
    stats = LoadStats(0, 0, 0, 0, 0.0)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Organization.__table__), vocab.organizations)
            conn.execute(insert(Group.__table__), vocab.groups)
            conn.execute(
                insert(Tag.__table__), [{"id": i, "name": n} for n, i in vocab.tags.items()]
            )
        for batch in Generator(vocab).batches(count, batch_size):
            with engine.begin() as conn:
                conn.execute(insert(Dataset.__table__), batch.datasets)
                conn.execute(insert(Resource.__table__), batch.resources)
                conn.execute(insert(dataset_tag), batch.dataset_tags)
                conn.execute(insert(dataset_group), batch.dataset_groups)
            stats.datasets += len(batch.datasets)
            stats.resources += len(batch.resources)
            stats.dataset_tags += len(batch.dataset_tags)
            stats.dataset_groups += len(batch.dataset_groups)
            for row in batch.datasets:
                if row["state"] == "draft":
                    stats.drafts += 1
                elif row["private"]:
                    stats.private += 1
                else:
                    stats.public += 1
            if progress is not None:
                progress(len(batch.datasets))
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    stats.seconds = time.perf_counter() - started
    return stats


# --------------------------------------------------------------------------- query vocabulary

#: Hand-picked queries a citizen or journalist types (Chinese, English, mixed).
CURATED_QUERIES = (
    "公交",
    "医院 名单",
    "空气质量 2024",
    "budget",
    "bus",
    "hospital",
    "学校",
    "青岛市 公交",
    "养老机构",
    "食品安全 抽检",
    "air quality",
    "population",
    "预算 2023",
    "幼儿园 济南市",
    "统计",
    "school list",
    "地质灾害",
    "公积金",
    "GDP",
    "最低工资",
)
STOPWORDS = {"the", "and", "of", "in", "by", "for", "area", "province", "city", "year"}


def _english_words(subject: Subject) -> list[str]:
    """Content words of a subject's English title ('Bus routes and stops of ...' -> bus, ...)."""
    words = re.findall(r"[a-z]{3,}", subject.title_en.lower())
    return [w for w in words if w not in STOPWORDS] or ["data"]


def queries(count: int = 200, seed: int = DEFAULT_SEED) -> list[str]:
    """`count` search strings of 1-3 terms drawn from the catalog's own vocabulary, so most
    find something: subject tags and title words, city names, years, English words."""
    rng = random.Random(f"queries:{seed}")
    subjects = [s for subjects in DEPARTMENT_SUBJECTS.values() for s in subjects]
    found = list(CURATED_QUERIES)
    while len(found) < count:
        subject = rng.choice(subjects)
        pool = [*subject.tags, subject_core(subject)]
        terms = [rng.choice(pool)]
        extra = rng.choices((0, 1, 2), weights=(45, 40, 15))[0]
        for _ in range(extra):
            kind = rng.random()
            if kind < 0.35:
                terms.append(rng.choice(CITIES).name)
            elif kind < 0.6:
                terms.append(str(rng.choice(YEARS)))
            elif kind < 0.8:
                terms.append(rng.choice(_english_words(subject)))
            else:
                terms.append(rng.choice(pool))
        terms = [t for t in dict.fromkeys(terms) if " " not in t]
        if terms:
            found.append(" ".join(terms))
    return found[:count]
