"""The dataset page shows each piece of metadata once, under its label: an extra that repeats a
profile field under another key (CKAN's update_frequency, 更新周期 beside the update cycle, 覆盖范围
beside the spatial coverage) is not listed again, and the quality badge says its band and scale."""

from __future__ import annotations

import re

from tests.conftest import create_dataset
from tests.test_web_pages import text


def row_labels(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]*)</th>', html)


def test_an_extra_repeating_the_update_cycle_is_not_shown_twice(app, client, cast):
    create_dataset(
        app,
        "bus-routes",
        cast.transport,
        title="全省公交线路",
        frequency="QUARTERLY",
        spatial="山东省",
        extras=[
            {"key": "update_frequency", "value": "quarterly"},
            {"key": "更新周期", "value": "每季度"},
            {"key": "覆盖范围", "value": "全省"},
            {"key": "数据来源", "value": "省交通运输厅"},
        ],
    )
    labels = row_labels(text(client.get("/dataset/bus-routes")))
    assert labels.count("更新频率") == 1 and labels.count("空间范围") == 1
    assert not {"update_frequency", "更新周期", "覆盖范围"} & set(labels)
    assert "数据来源" in labels  # an extra saying something else is still listed
    assert len(labels) == len(set(labels))


def test_an_extra_is_listed_when_no_field_says_the_same(app, client, cast):
    create_dataset(
        app,
        "bus-stops",
        cast.transport,
        title="公交站点",
        extras=[{"key": "update_frequency", "value": "monthly"}],
    )
    assert "update_frequency" in row_labels(text(client.get("/dataset/bus-stops")))


def test_the_quality_badge_gives_its_band_and_scale(app, client, cast):
    dataset = create_dataset(app, "bus-routes", cast.transport, title="全省公交线路")
    html = text(client.get("/dataset/bus-routes"))
    badge = re.search(r'<a class="state state-quality[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    quality = dataset["quality"]
    band = {"excellent": "优秀", "good": "良好", "sufficient": "合格", "bad": "较差"}
    assert badge[2] == f"元数据质量: {band[quality['band']]} · {quality['score']} / 405 分"
    assert badge[1] == f"/dataset?quality={quality['band']}"
    english = text(client.get("/dataset/bus-routes?lang=en"))
    assert f"{quality['score']} of 405 points" in english
