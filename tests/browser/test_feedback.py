"""On a dataset page in headless Chromium, a signed-in user asks a question in the feedback
section and the department (the same editor) answers and closes it, then follows the dataset;
the page and the feedback dashboard have no serious accessibility violations."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_scenarios import api, log_in

pytestmark = pytest.mark.browser


def test_a_question_is_asked_answered_and_closed(page, live_server):
    [dataset] = api(live_server, "package_search", fq="organization:transport-dept", rows=1)[
        "results"
    ]
    log_in(page)
    page.goto(f"/dataset/{dataset['name']}")
    section = page.locator("section.feedback")
    assert section.get_by_role("heading", name="意见反馈").is_visible()
    page.get_by_label("类型").select_option("question")
    question = "请问这份数据是否包含 2024 年的记录？"
    page.get_by_label("您的反馈").fill(question)
    page.get_by_role("button", name="发布反馈").click()
    page.wait_for_url(re.compile(r".*#feedback-title$"))
    item = section.locator("li.feedback-item", has_text=question)
    assert item.get_by_text("待答复").is_visible()
    assert axe_violations(page) == []
    item.get_by_label("您的答复").fill("包含，2024 年的记录在第二个文件中。")
    item.get_by_role("button", name="发布答复").click()
    item = page.locator("li.feedback-item", has_text=question)
    assert item.get_by_text("部门答复").is_visible() and item.get_by_text("已答复").is_visible()
    item.get_by_role("button", name="关闭", exact=True).click()
    item = page.locator("li.feedback-item", has_text=question)
    assert item.get_by_text("已关闭").is_visible()
    page.get_by_role("button", name="关注", exact=True).click()
    assert page.get_by_role("button", name="取消关注").is_visible()
    assert axe_violations(page) == []
    page.goto("/dashboard/feedback")
    assert page.get_by_role("link", name=dataset["title"]).first.is_visible()
    assert axe_violations(page) == []
