"""A department admin uploads a GB18030 CSV with a resident ID column to a public dataset in
headless Chromium, sees it withheld with the screening report, masks the column, and the masked
file is published; the pages have no serious accessibility violations."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date, timedelta

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.live import ROOT, portal_env
from tests.test_privacy_detectors import make_id

pytestmark = pytest.mark.browser

ADMIN = ("privacy-admin", "privacy-admin-pass-2024")
DATASET = "browser-residents"
SETUP = """
from portal import create_app
from portal.actions import Context, call
from portal.errors import ValidationError

app = create_app()
with app.app_context():
    context = Context(session=app.extensions["portal.db"].session(), app=app, ignore_auth=True)
    try:
        call("user_create", context, {"name": NAME, "email": NAME + "@example.gov.cn",
                                      "password": PASSWORD, "fullname": "部门管理员"})
        call("organization_member_create", context,
             {"id": "transport-dept", "username": NAME, "role": "admin"})
        call("package_create", context, {"name": DATASET, "title": "社区居民名单（测试）",
                                         "owner_org": "transport-dept", "private": False})
    except ValidationError:
        pass  # a copied instance may have them already
"""


@pytest.fixture
def admin(live_server):
    port = live_server.url.rsplit(":", 1)[1]
    code = f"NAME, PASSWORD = {ADMIN!r}\nDATASET = {DATASET!r}\n{SETUP}"
    subprocess.run([sys.executable, "-c", code], env=portal_env(live_server.instance, int(port)),
                   cwd=ROOT, check=True, capture_output=True, text=True)  # fmt: skip
    return ADMIN


def residents_csv(path) -> list[str]:
    rng = random.Random(7)
    ids = [make_id(rng, date(1950, 1, 1) + timedelta(days=rng.randint(0, 25000)))
           for _ in range(8)]
    lines = ["姓名,身份证号,所属社区"] + [f"居民{i},{v},五里墩社区" for i, v in enumerate(ids)]
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    return ids


def test_an_admin_sees_a_withheld_upload_masks_the_id_column_and_it_is_published(
    page, browser, live_server, admin, tmp_path
):
    page.goto("/user/login")
    page.get_by_label("用户名或邮箱").fill(admin[0])
    page.get_by_label("密码").fill(admin[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/dashboard")
    page.goto(f"/dataset/{DATASET}/resource/new")
    csv = tmp_path / "居民名单.csv"
    ids = residents_csv(csv)
    page.get_by_label("文件", exact=True).set_input_files(str(csv))
    page.get_by_label("名称", exact=True).fill("居民名单")
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url(f"**/dataset/{DATASET}")
    page.get_by_role("link", name="居民名单").first.click()
    page.wait_for_url("**/resource/*")
    resource_url = page.url
    assert page.get_by_role("heading", name="暂不公开：含个人信息").is_visible()
    row = page.locator("table.privacy-report tr[data-detector=resident_id]")
    assert "身份证号" in row.inner_text() and ids[0][:6] + "********" in row.inner_text()
    assert axe_violations(page) == []

    public = browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True)
    outsider = public.new_page()
    outsider.goto(resource_url)
    assert outsider.get_by_text("此文件疑似包含个人信息").is_visible()
    assert outsider.locator("table.privacy-report code").count() == 0  # no samples for them
    assert axe_violations(outsider) == []

    page.get_by_label("身份证号", exact=True).select_option("keep")
    page.get_by_role("button", name="脱敏并发布新版本").click()
    page.wait_for_selector(".flash-success")
    assert page.locator("#privacy-title").count() == 0
    assert axe_violations(page) == []

    outsider.goto(resource_url)
    link = outsider.get_by_role("link", name="下载")
    served = public.request.get(link.get_attribute("href"))
    assert served.status == 200
    text = served.body().decode("gb18030")
    assert ids[0][:6] + "********" + ids[0][-4:] in text
    assert not any(v in text for v in ids)
    public.close()
