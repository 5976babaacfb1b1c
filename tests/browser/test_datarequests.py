"""A department editor asks for data, supports and answers the request in headless Chromium;
the list, form and request pages have no serious accessibility violations."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_scenarios import log_in

pytestmark = pytest.mark.browser


def test_asking_supporting_and_answering_a_data_request(page, live_server):
    log_in(page)
    page.goto("/datarequest/new")
    assert axe_violations(page) == []
    page.get_by_label("标题").fill("地铁客流统计数据")
    page.get_by_label("描述").fill("希望按站点和小时开放地铁进出站客流。")
    page.get_by_label("部门").select_option("transport-dept")
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_url(re.compile(r".*/datarequest/[0-9a-f-]{36}$"))
    assert page.get_by_role("heading", name="地铁客流统计数据").is_visible()
    page.get_by_role("button", name="我也需要这些数据").click()
    assert page.get_by_role("heading", name="1 位支持者").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("答复", exact=True).select_option("planned")
    page.get_by_label("说明").fill("已列入今年的开放计划。")
    page.get_by_role("button", name="保存答复").click()
    assert page.get_by_role("heading", name="部门答复").is_visible()
    page.goto("/datarequest?sort=most_supported")
    assert page.get_by_role("link", name="地铁客流统计数据").is_visible()
    assert axe_violations(page) == []
