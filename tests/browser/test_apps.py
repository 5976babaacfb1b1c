"""A developer registers an application, creates a read-only key shown once and revokes it in
headless Chromium; the My applications pages have no serious accessibility violations."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_scenarios import log_in

pytestmark = pytest.mark.browser


def test_registering_an_application_and_managing_its_keys(page, live_server):
    log_in(page)
    page.goto("/user/apps")
    assert axe_violations(page) == []
    page.get_by_label("名称").fill("公交到站提醒")
    page.get_by_label("描述").fill("用公交实时位置提醒乘客车辆到站。")
    page.get_by_label("网址").fill("https://bus.example.cn")
    page.get_by_role("button", name="登记此应用").click()
    page.wait_for_url(re.compile(r".*/user/apps/[0-9a-f-]{36}$"))
    assert page.get_by_role("heading", name="公交到站提醒").is_visible()
    page.get_by_label("密钥名称").fill("只读密钥")
    page.get_by_label("只读：拒绝一切修改数据的调用").check()
    page.get_by_label("有效期（天）").fill("30")
    page.get_by_role("button", name="创建密钥").click()
    assert page.get_by_label("新密钥").input_value().startswith("odp_")
    assert page.get_by_role("cell", name="只读", exact=True).is_visible()
    assert axe_violations(page) == []
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤销 只读密钥").click()
    assert page.get_by_text("密钥已撤销。").is_visible()
    assert page.get_by_text("这个应用还没有密钥。").is_visible()
