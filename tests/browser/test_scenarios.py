"""What citizens and department staff do, in headless Chromium against the portal under
gunicorn with the demo catalog: search, filter, preview, download; create, fix a validation
error, upload, publish; switch language; accessibility checks; screenshots."""

from __future__ import annotations

import hashlib
import json
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.live import EDITOR

pytestmark = pytest.mark.browser


def api(server, action: str, **params) -> dict:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{server.url}/api/3/action/{action}?{query}") as response:
        return json.load(response)["result"]


def log_in(page) -> None:  # noqa: ANN001
    page.goto("/user/login")
    page.get_by_label("用户名或邮箱").fill(EDITOR[0])
    page.get_by_label("密码").fill(EDITOR[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/dashboard")


def test_citizen_searches_filters_previews_and_downloads(page, live_server, tmp_path):
    page.goto("/")
    page.get_by_label("搜索数据集").fill("公交")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.wait_for_url("**/dataset?q=*")
    assert "找到" in page.locator("#results-title").inner_text()
    # Filter by a department from the facet list: a chip appears.
    page.locator(".facet-item", has_text="省交通运输厅").first.click()
    page.wait_for_url("**organization=transport-dept**")
    assert page.locator(".chip", has_text="省交通运输厅").is_visible()
    cards = page.locator(".dataset-card")
    assert cards.count() > 0
    for org in page.locator(".dataset-card .card-meta a").all_inner_texts():
        assert org == "省交通运输厅"
    # Open a dataset with a CSV file.
    page.locator(".dataset-card", has=page.locator(".badge-csv")).first.locator("h3 a").click()
    page.wait_for_selector("h1")
    assert page.locator("script[type='application/ld+json']").count() == 1
    resource = page.locator(".resource", has=page.locator(".badge-csv")).first
    resource.get_by_role("link", name="预览").click()
    table = page.locator("table.preview-table")
    table.wait_for()
    assert table.locator("thead th").count() > 1 and table.locator("tbody tr").count() > 0
    # The first cells are real Chinese text, decoded (UTF-8 or GB18030).
    header = table.locator("thead th").first.inner_text()
    assert header and "\ufffd" not in header
    # Download and compare with the API's size and checksum.
    resource_id = page.url.rstrip("/").rsplit("/", 1)[1]
    with page.expect_download() as info:
        page.get_by_role("link", name="下载").first.click()
    saved = tmp_path / "download.bin"
    info.value.save_as(saved)
    content = saved.read_bytes()
    shown = api(live_server, "resource_show", id=resource_id)
    assert len(content) == shown["size"]
    assert shown["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    with urllib.request.urlopen(shown["url"]) as response:
        assert response.read() == content


def test_editor_creates_fixes_uploads_publishes(page, live_server, browser, tmp_path):
    log_in(page)
    page.get_by_role("link", name="新建数据集").click()
    page.wait_for_url("**/dataset/new")
    page.get_by_label("标题（中文）").fill("浏览器测试公交站点")
    page.get_by_label("标题（英文）").fill("Browser test bus stops")
    name = page.get_by_label("网址名称")
    assert name.input_value() == "browser-test-bus-stops"  # suggested from the English title
    name.fill("Bad Name!")  # one validation error, fixed below
    page.get_by_label("描述", exact=True).fill("浏览器测试创建的数据集。")
    page.get_by_label("标签").fill("公交, 测试")
    page.get_by_role("button", name="保存草稿并添加文件").click()
    error = page.locator("#field-name-error")
    error.wait_for()
    assert "2 至 100" in error.inner_text()
    assert page.get_by_label("网址名称").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("标题（中文）").input_value() == "浏览器测试公交站点"
    page.get_by_label("网址名称").fill("browser-bus-stops")
    page.get_by_role("button", name="保存草稿并添加文件").click()
    page.wait_for_url("**/dataset/browser-bus-stops/resource/new")
    # Upload a GB18030 CSV through the XHR form with a progress bar.
    csv = tmp_path / "站点.csv"
    csv.write_bytes("站点,线路\n火车站,1路\n大学城,2路\n".encode("gb18030"))
    page.get_by_label("文件", exact=True).set_input_files(str(csv))
    page.get_by_label("名称", exact=True).fill("站点表")
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url("**/dataset/browser-bus-stops")
    assert page.locator(".resource", has_text="站点表").is_visible()
    assert page.locator(".state-draft").is_visible()
    # Not public while a draft.
    anonymous = browser.new_context(base_url=live_server.url, locale="zh-CN")
    other = anonymous.new_page()
    other.goto("/dataset?q=浏览器测试公交站点")
    assert other.locator("a[href='/dataset/browser-bus-stops']").count() == 0
    page.get_by_role("button", name="发布").click()
    page.wait_for_selector(".flash-success")
    assert page.locator(".state-draft").count() == 0
    other.goto("/dataset?q=浏览器测试公交站点")
    assert other.locator("a[href='/dataset/browser-bus-stops']").count() == 1
    other.goto("/dataset/browser-bus-stops")
    other.get_by_role("link", name="预览").first.click()
    assert other.locator("table.preview-table td", has_text="火车站").is_visible()
    anonymous.close()


def test_english_is_remembered_across_pages(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("link", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("heading", name="Find and use public data").is_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    page.wait_for_url("**/dataset")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Search", exact=True).is_visible()
    page.locator(".dataset-card h3 a").first.click()
    assert page.get_by_role("heading", name="Data and resources").is_visible()
    page.get_by_role("link", name="中文").click()
    page.wait_for_selector("html[lang=zh-Hans]")
    assert page.get_by_role("heading", name="数据与资源").is_visible()


def test_keyboard_users_can_skip_to_the_content(page):
    page.goto("/dataset")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


@pytest.mark.parametrize(
    "path", ["/", "/dataset?q=公交", "/dataset/{dataset}", "/dataset/{dataset}/resource/{res}"]
)
def test_no_serious_accessibility_violations(page, live_server, path):
    found = api(live_server, "package_search", q="公交", rows=1, fq="res_format:CSV")
    dataset = found["results"][0]
    page.goto(path.format(dataset=dataset["name"], res=dataset["resources"][0]["id"]))
    assert axe_violations(page) == []


def test_no_serious_accessibility_violations_on_the_forms(page, live_server):
    page.goto("/user/login")
    assert axe_violations(page) == []
    log_in(page)
    assert axe_violations(page) == []
    found = api(live_server, "package_search", fq="organization:transport-dept", rows=1)
    dataset = found["results"][0]
    resource_edit = f"/dataset/{dataset['name']}/resource/{dataset['resources'][0]['id']}/edit"
    for path in (
        "/dataset/new",
        "/dataset/new?type=cn-gov",
        "/user/tokens",
        resource_edit,
        "/dashboard/deleted",
        "/harvest",
        "/harvest/new",
        "/harvest/transport-ckan",
    ):
        page.goto(path)
        assert axe_violations(page) == [], path


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshots(browser, live_server, artifacts: Path, width: int):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 900},
        device_scale_factor=1,
        locale="zh-CN",
    )
    page = context.new_page()
    found = api(live_server, "package_search", q="公交", rows=1, fq="res_format:CSV")
    shots = {
        "home": "/",
        "search": "/dataset?q=公交",
        "dataset": f"/dataset/{found['results'][0]['name']}",
    }
    for label, path in shots.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        # Nothing may stick out sideways on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (label, width, overflow)
        page.screenshot(path=str(artifacts / f"{label}-{width}.png"), full_page=True)
    context.close()


def test_search_page_server_time(live_server, artifacts: Path):
    """50 requests of the search page against gunicorn; the figure goes to the artifacts."""
    url = f"{live_server.url}/dataset?q={urllib.parse.quote('公交')}"
    urllib.request.urlopen(url).read()  # warm up
    times = []
    for _ in range(50):
        started = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    figures = {
        "requests": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(sorted(times)[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(max(times), 1),
    }
    (artifacts / "search-timing.json").write_text(json.dumps(figures, indent=2))
    print("search page /dataset?q=公交:", figures)
    assert figures["median_ms"] < 1000


def test_department_pages_fit_a_phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 800}, locale="zh-CN"
    )
    page = context.new_page()
    log_in(page)
    pages = ("/dashboard", "/dataset/new?type=cn-gov", "/user/tokens", "/dashboard/deleted")
    for path in (*pages, "/harvest", "/harvest/new", "/harvest/transport-ckan"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    context.close()


def datastore_table(server) -> tuple[dict, dict, list[dict]]:
    """A public CSV resource of the demo catalog with a DataStore table that has a text and a
    numeric column: (dataset, resource, fields)."""
    found = api(server, "package_search", fq="res_format:CSV", rows=50)
    for dataset in found["results"]:
        for resource in dataset["resources"]:
            try:
                fields = api(server, "datastore_info", id=resource["id"])["fields"]
            except urllib.error.HTTPError:
                continue
            kinds = {f["type"] for f in fields}
            if "text" in kinds and kinds & {"int", "bigint", "numeric", "float"}:
                return dataset, resource, fields
    pytest.skip("the demo catalog has no DataStore table with a numeric column")


def test_citizen_filters_sorts_and_charts_a_datastore_table(page, live_server):
    dataset, resource, fields = datastore_table(live_server)
    text_column = next(f["id"] for f in fields if f["type"] == "text")
    number = next(f["id"] for f in fields if f["type"] in ("int", "bigint", "numeric", "float"))
    page.goto(f"/dataset/{dataset['name']}/resource/{resource['id']}")
    table = page.locator("table.data-table")
    table.wait_for()
    assert axe_violations(page) == []
    # Filter on the first row's value of the text column: every row shown has it.
    position = [f["id"] for f in fields].index(text_column)
    value = table.locator("tbody tr").first.locator("td").nth(position).inner_text()
    page.get_by_label("列", exact=True).select_option(text_column)
    page.get_by_label("等于").fill(value)
    page.get_by_role("button", name="应用").click()
    page.wait_for_url("**column=**")
    cells = table.locator(f"tbody tr td:nth-child({position + 1})").all_inner_texts()
    assert cells and set(cells) == {value}
    page.get_by_role("link", name="清除筛选条件").click()
    page.wait_for_url(f"**/resource/{resource['id']}#data-title")
    # Sort by the numeric column: ascending on the first click, descending on the second.
    header = table.locator("thead th").nth([f["id"] for f in fields].index(number))
    header.locator("a").click()
    page.wait_for_url("**order=asc**")
    assert header.get_attribute("aria-sort") == "ascending"
    header.locator("a").click()
    page.wait_for_url("**order=desc**")
    assert header.get_attribute("aria-sort") == "descending"
    column = [f["id"] for f in fields].index(number) + 1
    shown = [
        float(t) for t in table.locator(f"tbody tr td:nth-child({column})").all_inner_texts() if t
    ]
    assert shown == sorted(shown, reverse=True)
    # Draw a bar chart, then a pie chart, of the numeric column by the text column.
    page.get_by_label("图表类型").select_option("bar")
    page.get_by_label("类别（横轴）").select_option(text_column)
    page.get_by_label("数值（纵轴）").select_option(number)
    page.get_by_role("button", name="绘制图表").click()
    page.wait_for_selector("#chart svg")
    assert "柱状图" in page.locator("#chart").get_attribute("aria-label")
    page.get_by_label("图表类型").select_option("pie")
    page.get_by_role("button", name="绘制图表").click()
    page.wait_for_function(
        "document.querySelector('#chart').getAttribute('aria-label').includes('饼图')"
    )
    assert page.locator("#chart svg").count() == 1
    assert axe_violations(page) == []


# Words of table headers split over two lines: a header cell whose word is wider than the cell.
SPLIT_HEADERS = """() => [...document.querySelectorAll('th')].filter(th => {
    const range = document.createRange();
    range.selectNodeContents(th);
    const words = th.innerText.split(/\\s+/).filter(Boolean);
    return th.children.length === 0 && words.length === 1 && range.getClientRects().length > 1;
}).map(th => th.innerText)"""
# Code blocks whose text runs past their box (hidden behind a scroll bar or clipped).
CLIPPED_CODE = """() => [...document.querySelectorAll('pre')]
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1).map(pre => pre.innerText.slice(0, 40))"""


@pytest.mark.parametrize("width", [390, 1280])
def test_english_dataset_pages_wrap_cleanly(browser, live_server, width):
    found = api(live_server, "package_search", fq="type:cn-gov", rows=1)["results"]
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 900},
        locale="en-US",
    )
    page = context.new_page()
    dataset = found[0] if found else api(live_server, "package_search", rows=1)["results"][0]
    for path in (f"/dataset/{dataset['name']}", "/api-help"):
        page.goto(path)  # no ?lang: the browser's Accept-Language picks English
        assert page.locator("html").get_attribute("lang") == "en", path
        assert page.evaluate(SPLIT_HEADERS) == [], path
        assert page.evaluate(CLIPPED_CODE) == [], path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    context.close()


def test_the_statistics_page_draws_its_charts(page):
    page.goto("/stats")
    page.wait_for_selector(".chart-box svg")
    drawn = page.locator(".chart-box svg").count()
    assert drawn == page.locator(".chart-box").count() >= 4
    assert "省交通运输厅" in page.locator("#chart-departments-title + .chart-box").inner_html()
    assert axe_violations(page) == []
