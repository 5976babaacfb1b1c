"""Citizen pages through the Flask test client: languages, search with facets and filters,
dataset and resource pages, previews, visibility of private datasets and drafts, errors."""

from __future__ import annotations

import io
import json
import re

import pytest
from werkzeug.datastructures import FileStorage

from portal.actions import call
from tests.conftest import create_dataset, site_context


def text(response) -> str:
    return response.get_data(as_text=True)


def login_as(client, person) -> None:
    """A browser session for a fixture user (their passwords are not set)."""
    with client.session_transaction() as session:
        session["_user_id"] = person.user.id
        session["_fresh"] = True


def upload(app, dataset_id: str, filename: str, content: bytes, **fields) -> dict:
    data = {
        "package_id": dataset_id,
        "upload": FileStorage(io.BytesIO(content), filename=filename),
        **fields,
    }
    return call("resource_create", site_context(app), data)


def file_preview(client, app, resource: dict, dataset: str = "bus-routes") -> str:
    """The resource page's file preview: its fallback once the DataStore table is gone (the
    DataStore table itself is tested in test_web_datastore.py)."""
    call("datastore_delete", site_context(app), {"resource_id": resource["id"], "force": True})
    return text(client.get(f"/dataset/{dataset}/resource/{resource['id']}"))


@pytest.fixture
def catalog(app, cast):
    traffic = call(
        "group_create",
        site_context(app),
        {"name": "traffic", "title": "交通出行", "title_en": "Transport"},
    )
    made = {
        "bus": create_dataset(
            app,
            "bus-routes",
            cast.transport,
            title="全省公交线路及站点信息",
            title_en="Bus routes and stops of the province",
            notes="## 说明\n\n包含全省各市**公交线路**。\n\n<script>alert(1)</script>\n\n"
            "[危险链接](javascript:alert(2)) [官网](https://jtt.example.gov.cn/)",
            tags=[{"name": "公交"}, {"name": "交通"}],
            license_id="cc-by-4.0",
            groups=[{"name": "traffic"}],
            resources=[{"url": "https://data.example.gov.cn/bus.csv", "format": "CSV"}],
        ),
        "metro": create_dataset(
            app,
            "metro-stations",
            cast.transport,
            title="地铁站点公交换乘信息",
            tags=[{"name": "地铁"}],
            license_id="gov-open-data",
        ),
        "hospitals": create_dataset(
            app,
            "hospitals",
            cast.health,
            title="全省二级以上医院名单",
            tags=[{"name": "医院"}],
            license_id="gov-open-data",
        ),
        "secret": create_dataset(
            app, "secret-bus-plan", cast.transport, title="公交内部调度计划", private=True
        ),
        "draft": create_dataset(
            app, "draft-bus-fares", cast.transport, title="公交票价草案", state="draft"
        ),
    }
    made["traffic"] = traffic
    return made


# --- languages -------------------------------------------------------------------------------


def test_home_is_chinese_by_default(client, catalog):
    page = text(client.get("/"))
    assert '<html lang="zh-Hans">' in page
    assert "开放数据门户" in page and "搜索数据集" in page
    assert "交通出行" in page  # a theme, with its count
    assert "省交通运输厅" in page  # a department
    assert 'href="/dataset/bus-routes"' in page


def test_english_is_switchable_and_remembered(client, catalog):
    page = text(client.get("/?lang=en"))
    assert '<html lang="en">' in page
    assert "Open Data Portal" in page and "Search datasets" in page
    assert "Transport" in page  # theme title_en
    # The cookie keeps English on the next pages, without ?lang.
    page = text(client.get("/dataset"))
    assert '<html lang="en">' in page and "Department of Transport" in page
    assert "Bus routes and stops of the province" in page
    page = text(client.get("/dataset/bus-routes"))
    assert "<h1>Bus routes and stops of the province</h1>" in page
    # And back to Chinese through the language link.
    response = client.get("/lang/zh?next=/about")
    assert response.status_code == 302 and response.headers["Location"] == "/about"
    assert "关于本门户" in text(client.get("/about"))


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("en-US,en;q=0.9", "en"),
        ("en-GB", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"),
        ("zh-TW", "zh-Hans"),
        ("fr-FR,fr;q=0.9", "zh-Hans"),
        ("fr;q=0.9,en;q=0.5", "en"),
    ],
)
def test_a_first_visit_follows_the_browsers_language(client, catalog, accept, lang):
    response = client.get("/", headers={"Accept-Language": accept})
    assert f'<html lang="{lang}">' in text(response)
    assert "Accept-Language" in response.headers["Vary"]


def test_a_chosen_language_outranks_the_browsers(client, catalog):
    client.get("/lang/zh?next=/")
    page = text(client.get("/dataset", headers={"Accept-Language": "en-US,en"}))
    assert '<html lang="zh-Hans">' in page
    english = text(client.get("/about?lang=en", headers={"Accept-Language": "zh-CN"}))
    assert '<html lang="en">' in english


def test_language_link_refuses_offsite_redirects(client):
    response = client.get("/lang/en?next=//evil.example.com/")
    assert response.headers["Location"] == "/"


def test_every_citizen_page_renders_in_both_languages(client, catalog):
    bus = catalog["bus"]
    paths = [
        "/",
        "/dataset",
        "/dataset/bus-routes",
        f"/dataset/bus-routes/resource/{bus['resources'][0]['id']}",
        "/organization",
        "/organization/transport",
        "/group",
        "/group/traffic",
        "/about",
        "/api-help",
        "/user/login",
    ]
    for lang in ("zh", "en"):
        for path in paths:
            response = client.get(path, query_string={"lang": lang, "q": "公交"})
            assert response.status_code == 200, (lang, path)
            assert response.mimetype == "text/html"
            assert "Content-Security-Policy" in response.headers


def test_dates_are_formatted_for_the_locale(client, catalog):
    year = catalog["bus"]["metadata_modified"][:4]
    assert f"{year}年" in text(client.get("/dataset/bus-routes"))
    english = text(client.get("/dataset/bus-routes?lang=en"))
    assert re.search(rf"[A-Z][a-z]{{2}} \d{{1,2}}, {year}", english)


# --- search ----------------------------------------------------------------------------------


def test_search_finds_and_highlights(client, catalog):
    page = text(client.get("/dataset", query_string={"q": "公交"}))
    assert "找到 2 个数据集" in page
    assert "<mark>公交</mark>" in page
    assert "secret-bus-plan" not in page and "draft-bus-fares" not in page


def test_highlights_are_escaped(client, app, cast, catalog):
    create_dataset(app, "xss", cast.transport, title="<script>alert('x')</script>公交")
    page = text(client.get("/dataset", query_string={"q": "公交"}))
    assert "<script>alert(" not in page
    assert "&lt;script&gt;" in page


def test_facets_filter_and_chips(client, catalog):
    page = text(client.get("/dataset", query_string={"q": "公交"}))
    for label in ("部门", "主题", "标签", "格式", "许可协议"):
        assert f'class="facet-title">{label}</h3>' in page
    assert "知识共享署名 4.0" in page  # licence facet shows the licence title
    filtered = text(client.get("/dataset", query_string={"q": "公交", "tags": "地铁"}))
    assert "找到 1 个数据集" in filtered and "metro-stations" in filtered
    assert 'class="chip"' in filtered and "地铁" in filtered
    # Department filter by name, shown with its title; removing the chip drops the filter.
    by_org = text(client.get("/dataset", query_string={"organization": "health"}))
    assert "hospitals" in by_org and "bus-routes" not in by_org
    assert "省卫生健康委员会" in by_org
    english = text(client.get("/dataset", query_string={"organization": "health", "lang": "en"}))
    assert "Health Commission" in english and "Department" in english


def test_several_filters_combine(client, catalog):
    page = text(
        client.get("/dataset", query_string={"organization": "transport", "groups": "traffic"})
    )
    assert "找到 1 个数据集" in page and "bus-routes" in page
    page = text(client.get("/dataset", query_string={"res_format": "CSV"}))
    assert "bus-routes" in page and "hospitals" not in page


def test_empty_results_suggest_removing_filters(client, catalog):
    page = text(client.get("/dataset", query_string={"q": "医院", "organization": "transport"}))
    assert "没有符合条件的数据集" in page
    assert "去掉“省交通运输厅”" in page
    assert "去掉全部筛选重新搜索" in page


def test_sort_and_pagination(client, app, cast, catalog):
    for number in range(25):
        create_dataset(app, f"extra-{number:02d}", cast.health, title=f"统计表 {number:02d}")
    page = text(client.get("/dataset", query_string={"sort": "title_string asc"}))
    assert 'aria-current="page" href="/dataset?sort=title_string+asc&amp;page=1"' in page
    assert 'rel="next"' in page
    second = text(client.get("/dataset", query_string={"sort": "title_string asc", "page": 2}))
    assert 'rel="prev"' in second
    assert client.get("/dataset?page=abc").status_code == 200


def test_a_malformed_query_is_a_friendly_400(client, catalog):
    response = client.get("/dataset", query_string={"q": "organization:"})
    assert response.status_code == 400
    assert "无法理解搜索条件" in text(response)


def test_autocomplete_suggests_titles(client, catalog):
    found = client.get("/suggest", query_string={"q": "gj"}).get_json()
    assert "bus-routes" in {item["name"] for item in found}
    assert all("secret" not in item["name"] for item in found)


# --- dataset page ----------------------------------------------------------------------------


def test_dataset_page_renders_sanitized_markdown_and_metadata(client, catalog):
    page = text(client.get("/dataset/bus-routes"))
    assert "<h2>说明</h2>" in page and "<strong>公交线路</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert 'href="javascript:' not in page
    assert 'href="https://jtt.example.gov.cn/"' in page
    assert "知识共享署名 4.0" in page  # licence title in Chinese
    assert 'href="/organization/transport"' in page and 'href="/group/traffic"' in page
    for link in (".ttl", ".rdf", ".jsonld"):
        assert f'href="/dataset/bus-routes{link}"' in page
    assert "/api/3/action/package_show?id=bus-routes" in page
    assert "ckanapi action package_show id=bus-routes" in page
    assert "创建" in page  # activity history


def test_dataset_page_embeds_schema_org_json_ld(client, catalog):
    page = text(client.get("/dataset/bus-routes"))
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found
    data = json.loads(found.group(1))
    assert data["@type"] == "Dataset"
    assert data["name"] == "全省公交线路及站点信息"
    assert "</script>" not in found.group(1)


def test_unknown_dataset_is_a_friendly_404_in_both_languages(client, catalog):
    response = client.get("/dataset/no-such-thing")
    assert response.status_code == 404 and "页面不存在" in text(response)
    response = client.get("/dataset/no-such-thing?lang=en")
    assert response.status_code == 404 and "Page not found" in text(response)
    assert client.get("/dataset/bus-routes.unknown").status_code == 404


def test_api_errors_stay_json(client):
    response = client.get("/api/3/no-such-endpoint")
    assert response.status_code == 404
    assert response.get_json()["success"] is False
    response = client.get("/api/3/action/package_show?id=nothing")
    assert response.get_json()["error"]["__type"] == "Not Found Error"


# --- private datasets and drafts -------------------------------------------------------------


def test_private_datasets_and_drafts_are_hidden_from_citizens(client, catalog):
    for path in ("/", "/dataset", "/dataset?q=公交", "/organization/transport", "/sitemap.xml"):
        page = text(client.get(path))
        assert "secret-bus-plan" not in page and "公交内部调度计划" not in page, path
        assert "draft-bus-fares" not in page and "公交票价草案" not in page, path
    assert client.get("/dataset/secret-bus-plan").status_code == 404
    assert client.get("/dataset/draft-bus-fares").status_code == 404


def test_department_members_see_their_private_datasets(client, cast, catalog):
    login_as(client, cast.member)
    page = text(client.get("/dataset/secret-bus-plan"))
    assert "公交内部调度计划" in page and "私有" in page
    assert client.get("/dataset/draft-bus-fares").status_code == 404  # drafts: editors only


def test_outsiders_and_the_sitemap_never_see_private_datasets(client, cast, catalog):
    login_as(client, cast.outsider)
    assert client.get("/dataset/secret-bus-plan").status_code == 404
    login_as(client, cast.sysadmin)
    sitemap = text(client.get("/sitemap.xml"))
    assert "secret-bus-plan" not in sitemap and "draft-bus-fares" not in sitemap
    assert "<loc>http://localhost/dataset/bus-routes</loc>" in sitemap


# --- departments, themes and other pages -----------------------------------------------------


def test_department_and_theme_pages_list_their_datasets(client, catalog):
    page = text(client.get("/organization/transport"))
    assert "省交通运输厅" in page and "bus-routes" in page and "hospitals" not in page
    page = text(client.get("/group/traffic"))
    assert "交通出行" in page and "bus-routes" in page and "metro-stations" not in page
    assert client.get("/organization/nowhere").status_code == 404


def test_api_help_and_about(client, catalog):
    page = text(client.get("/api-help"))
    assert "/api/3/openapi.json" in page and "ckanapi" in page
    assert "Authorization" in page
    assert "开放数据门户" in text(client.get("/about"))


# --- resource previews -----------------------------------------------------------------------

CSV_TEXT = "线路,起点,终点\n1路,火车站,大学城\n2路,汽车站,开发区\n"


def test_preview_decodes_a_gb18030_csv(client, app, catalog):
    resource = upload(app, catalog["bus"]["id"], "lines.csv", CSV_TEXT.encode("gb18030"))
    page = file_preview(client, app, resource)
    assert '<th scope="col">线路</th>' in page
    assert "<td>火车站</td>" in page and "<td>开发区</td>" in page
    assert "GB18030" in page


def test_preview_decodes_utf8_with_bom(client, app, catalog):
    resource = upload(app, catalog["bus"]["id"], "lines.csv", CSV_TEXT.encode("utf-8-sig"))
    page = file_preview(client, app, resource)
    assert '<th scope="col">线路</th>' in page and "\ufeff" not in page


def test_preview_shows_only_the_first_rows(client, app, catalog):
    rows = "".join(f"{n},站{n}\n" for n in range(500))
    resource = upload(app, catalog["bus"]["id"], "big.csv", ("编号,站点\n" + rows).encode())
    page = file_preview(client, app, resource)
    assert "<td>站99</td>" in page and "<td>站100</td>" not in page
    assert "显示前 100 行" in page


def test_preview_of_an_xlsx_sheet(client, app, catalog):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["城市", "线路数"])
    sheet.append(["济南", 312])
    buffer = io.BytesIO()
    workbook.save(buffer)
    resource = upload(app, catalog["bus"]["id"], "lines.xlsx", buffer.getvalue())
    page = file_preview(client, app, resource)
    assert '<th scope="col">城市</th>' in page and "<td>312</td>" in page


def test_preview_pretty_prints_json(client, app, catalog):
    content = json.dumps({"线路": [{"编号": 1}]}, ensure_ascii=False).encode()
    resource = upload(app, catalog["bus"]["id"], "lines.json", content)
    page = text(client.get(f"/dataset/bus-routes/resource/{resource['id']}"))
    assert "&#34;线路&#34;: [" in page or "&quot;线路&quot;: [" in page


def test_remote_resources_are_not_fetched(client, catalog):
    resource = catalog["bus"]["resources"][0]
    page = text(client.get(f"/dataset/bus-routes/resource/{resource['id']}"))
    assert "此资源链接到其他网站" in page
    # "Go to resource" leads to the URL through the portal's counted redirect.
    go = f"/dataset/{catalog['bus']['id']}/resource/{resource['id']}/go"
    assert f'href="{go}"' in page
    assert client.get(go).headers["Location"] == "https://data.example.gov.cn/bus.csv"


def test_download_link_serves_the_uploaded_bytes(client, app, catalog):
    content = CSV_TEXT.encode("gb18030")
    resource = upload(app, catalog["bus"]["id"], "lines.csv", content)
    page = text(client.get(f"/dataset/bus-routes/resource/{resource['id']}"))
    link = re.search(r'href="(/dataset/[^"]+/download/[^"]+)" download', page).group(1)
    assert client.get(link).data == content


def test_resource_of_a_private_dataset_is_hidden(client, app, catalog):
    resource = upload(app, catalog["secret"]["id"], "plan.csv", b"a,b\n1,2\n")
    assert client.get(f"/dataset/secret-bus-plan/resource/{resource['id']}").status_code == 404
    other = f"/dataset/bus-routes/resource/{resource['id']}"
    assert client.get(other).status_code == 404


def test_missing_catalogs_are_compiled_on_start(tmp_path):
    import shutil

    from babel.support import Translations

    from portal.web.i18n import TRANSLATIONS, compile_catalogs

    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    assert compile_catalogs(copy) == copy
    catalog = Translations.load(str(copy), ["zh"])
    assert catalog.gettext("Search datasets") == "搜索数据集"
