"""A citizen-developer submits a reuse from a dataset's page in headless Chromium, with a
screenshot, and sees it on its own page, in the list and on the dataset's page; the list,
form, reuse and dataset pages have no serious accessibility violations."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_scenarios import api, log_in

pytestmark = pytest.mark.browser

# The smallest valid PNG: one transparent pixel.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)


def test_submitting_a_reuse_and_seeing_it_on_the_dataset_page(page, live_server):
    found = api(live_server, "package_search", fq="organization:transport-dept", rows=1)
    dataset = found["results"][0]
    log_in(page)
    page.goto(f"/dataset/{dataset['name']}")
    page.get_by_role("link", name="提交使用此数据集的应用").click()
    page.wait_for_url("**/reuse/new?dataset=*")
    assert axe_violations(page) == []
    assert page.get_by_label("使用的数据集").input_value() == dataset["name"]
    page.get_by_label("标题").fill("地铁换乘导航")
    page.get_by_label("类型").select_option("application")
    page.get_by_label("描述").fill("根据**实时客流**推荐换乘路线。")
    page.get_by_label("链接").fill("https://apps.example.cn/metro")
    page.get_by_label("图片").set_input_files(
        files=[{"name": "截图.png", "mimeType": "image/png", "buffer": PIXEL}]
    )
    page.get_by_role("button", name="发布数据应用").click()
    page.wait_for_url(re.compile(r".*/reuse/[0-9a-f-]{36}$"))
    assert page.get_by_role("heading", name="地铁换乘导航").is_visible()
    assert page.get_by_role("img", name="地铁换乘导航 的截图").is_visible()
    assert page.locator(".reuse-description strong").inner_text() == "实时客流"
    assert axe_violations(page) == []
    used = page.locator("section", has=page.get_by_role("heading", name="使用的数据集"))
    used.get_by_role("link", name=dataset["title"], exact=True).click()
    page.wait_for_url(f"**/dataset/{dataset['name']}")
    section = page.locator("section", has=page.get_by_role("heading", name="数据应用"))
    assert section.get_by_role("link", name="地铁换乘导航").is_visible()
    assert axe_violations(page) == []
    page.goto("/reuse")
    assert page.get_by_role("link", name="地铁换乘导航").first.is_visible()
    assert axe_violations(page) == []
