"""In headless Chromium, a signed-in user reports a data request from its page; the page with
its report form has no serious accessibility violations."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_scenarios import log_in

pytestmark = pytest.mark.browser


def test_reporting_a_data_request_from_its_page(page, live_server):
    log_in(page)
    page.goto("/datarequest/new")
    page.get_by_label("标题").fill("低价代办各类证件")
    page.get_by_label("描述").fill("加微信代办，价格优惠。")
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_url(re.compile(r".*/datarequest/[0-9a-f-]{36}$"))
    assert page.get_by_role("heading", name="举报此数据需求").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("原因").fill("广告，与数据无关")
    page.get_by_role("button", name="提交举报").click()
    assert page.get_by_text("感谢举报").is_visible()
    assert axe_violations(page) == []
