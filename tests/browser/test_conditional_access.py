"""A citizen applies for the data of a conditionally open dataset in headless Chromium and the
department's editor approves it from the review queue; the dataset page, the application
list and the review queue have no serious accessibility violations."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.live import EDITOR, ROOT, portal_env
from tests.browser.test_scenarios import log_in

pytestmark = pytest.mark.browser

CITIZEN = ("browser-citizen", "browser-citizen-pass-2024")
# A citizen account and an API token of the editor's, made in the live instance's database.
SETUP = """
import json
from portal import create_app
from portal.actions import Context, call
from portal.errors import ValidationError

app = create_app()
with app.app_context():
    context = Context(session=app.extensions["portal.db"].session(), app=app, ignore_auth=True)
    try:
        call("user_create", context, {"name": NAME, "email": NAME + "@example.gov.cn",
                                      "password": PASSWORD, "fullname": "浏览器测试市民"})
    except ValidationError:
        pass
    print(json.dumps(call("api_token_create", context, {"user": EDITOR, "name": "access"})))
"""
# A name and catalog code of its own per run: a copied instance (PORTAL_BROWSER_TEMPLATE) may
# hold the dataset of an earlier run.
RUN = f"{random.randrange(10**6):06d}"
DATASET = {
    "name": f"browser-bus-positions-{RUN}",
    "title": "公交车辆实时位置（有条件开放）",
    "type": "cn-gov",
    "owner_org": "transport-dept",
    "resource_category": "basic",
    "category_code": "1010010001",
    "resource_code": f"1010010001/{RUN}",
    "share_type": "conditional",
    "share_condition": "仅限交通出行服务使用",
    "share_method": ["api"],
    "open_to_public": "yes",
    "open_type": "conditional",
    "open_condition": "经申请并签署数据安全承诺后开放",
    "update_cycle": "realtime",
    "resources": [{"name": "车辆位置接口", "url": "https://data.example.gov.cn/bus/positions"}],
}


def editor_token(server) -> str:
    port = str(urlsplit(server.url).port)
    code = f"NAME, PASSWORD = {CITIZEN!r}\nEDITOR = {EDITOR[0]!r}\n{SETUP}"
    done = subprocess.run([sys.executable, "-c", code], env=portal_env(server.instance, port),
                          cwd=ROOT, check=True, capture_output=True, text=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])["token"]


def create_dataset(server, token: str) -> None:
    request = urllib.request.Request(
        f"{server.url}/api/3/action/package_create",
        data=json.dumps(DATASET).encode(),
        headers={"Authorization": token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response)["success"]


def test_a_citizen_applies_and_the_department_approves(browser, live_server, page, artifacts):
    create_dataset(live_server, editor_token(live_server))
    citizen = browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True)
    citizen.set_default_timeout(15_000)
    applicant = citizen.new_page()
    applicant.goto("/user/login")
    applicant.get_by_label("用户名或邮箱").fill(CITIZEN[0])
    applicant.get_by_label("密码").fill(CITIZEN[1])
    applicant.get_by_role("button", name="登录").click()
    applicant.wait_for_url("**/dashboard")
    applicant.goto(f"/dataset/{DATASET['name']}")
    assert applicant.get_by_role("heading", name="有条件开放数据").is_visible()
    assert applicant.get_by_role("link", name="访问资源").count() == 0
    assert axe_violations(applicant) == []
    applicant.screenshot(path=str(artifacts / "conditional-access-apply.png"), full_page=True)
    applicant.get_by_role("textbox", name="用途").fill("开发公交到站提醒小程序")
    applicant.get_by_role("textbox", name="使用场景").fill("面向市民的出行服务")
    applicant.get_by_role("textbox", name="申请单位").fill("某某科技有限公司")
    applicant.get_by_role("spinbutton", name="使用期限（天）").fill("30")
    applicant.get_by_label("我承诺保障数据安全", exact=False).check()
    applicant.get_by_role("button", name="提交申请").click()
    applicant.wait_for_url("**/access/mine")
    assert applicant.get_by_text("您的申请已提交所属部门审核。").is_visible()
    card = applicant.locator("article", has_text=DATASET["title"])
    assert card.locator(".state", has_text="审核中").is_visible()
    assert axe_violations(applicant) == []
    log_in(page)
    page.goto("/access/review")
    application = page.locator("article", has_text=DATASET["title"])
    assert application.get_by_text("某某科技有限公司").is_visible()
    assert axe_violations(page) == []
    application.get_by_role("button", name="批准").click()
    assert page.get_by_text("申请已批准。").is_visible()
    applicant.goto(f"/dataset/{DATASET['name']}")
    assert applicant.get_by_text("您可以使用此数据集的文件和数据。").is_visible()
    assert applicant.get_by_role("link", name="访问资源").is_visible()
    applicant.screenshot(path=str(artifacts / "conditional-access-granted.png"), full_page=True)
    citizen.close()
