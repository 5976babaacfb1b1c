"""The resource page's DataStore sections through the Flask test client: the table (paged,
sorted, filtered), the load status, the data dictionary (edited by the department, kept across
a reload of the file, in the DCAT feed), the row API snippets and the chart builder."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from bombs import xlsx_bomb
from datastore_support import new_dataset, settings  # noqa: F401
from rdflib import RDF, Graph, Literal, Namespace

from portal.datastore.models import DatastoreStatus

CSVW = Namespace("http://www.w3.org/ns/csvw#")
DCT = Namespace("http://purl.org/dc/terms/")
DISTRICTS = ["黄浦区", "静安区", "浦东新区", "徐汇区", "长宁区", "普陀区"]
# 30 stations: two pages of the table (25 rows a page).
STATIONS = "站点编号,站点名称,所属区县,日客流\n" + "".join(
    f"{1001 + i},站点{i + 1:02d},{DISTRICTS[i % 6]},{1000 * (i + 1)}\n" for i in range(30)
)


def text(response) -> str:
    return response.get_data(as_text=True)


def login_as(client, person) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = person.user.id
        session["_fresh"] = True


def upload(
    api, person, dataset_id: str, data: bytes, resource_id=None, filename="站点客流.csv"
) -> str:
    form = {"upload": (io.BytesIO(data), filename), "name": "站点客流"}
    action = "resource_update" if resource_id else "resource_create"
    form.update({"id": resource_id} if resource_id else {"package_id": dataset_id})
    response = api.client.post(f"/api/3/action/{action}", data=form, headers=person.headers,
                               content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]["id"]


@pytest.fixture
def loaded(api, cast) -> dict:
    dataset = new_dataset(api, cast.editor)
    rid = upload(api, cast.editor, dataset["id"], STATIONS.encode("gb18030"))
    assert api.ok("datastore_info", id=rid)["status"]["state"] == "done"
    return {"dataset": dataset, "id": rid, "path": f"/dataset/bus-stops/resource/{rid}"}


def body_rows(page: str) -> list[list[str]]:
    table = re.search(r'<table class="preview-table data-table">.*?</table>', page, re.S).group(0)
    tbody = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def test_the_table_comes_from_the_datastore_in_pages_with_the_row_count(client, loaded):
    page = text(client.get(loaded["path"]))
    rows = body_rows(page)
    assert len(rows) == 25 and rows[0] == ["1001", "站点01", "黄浦区", "1000"]
    assert "行数：30" in page and "第 1 页，共 2 页" in page
    assert 'rel="next"' in page
    assert f"/datastore/dump/{loaded['id']}?format=csv" in page
    assert f"/datastore/dump/{loaded['id']}?format=xlsx" in page
    second = body_rows(text(client.get(loaded["path"] + "?page=2")))
    assert [r[1] for r in second] == [f"站点{i}" for i in range(26, 31)]
    # A page past the end is the last page, not an empty table.
    assert body_rows(text(client.get(loaded["path"] + "?page=99"))) == second


def test_clicking_a_column_header_sorts_descending_then_ascending(client, loaded):
    page = text(client.get(loaded["path"]))
    link = re.search(r'<a href="([^"]*sort=%E6%97%A5%E5%AE%A2%E6%B5%81[^"]*)"', page).group(1)
    sorted_page = text(client.get(html.unescape(link).split("#")[0]))
    assert body_rows(sorted_page)[0][3] == "1000"  # first click: ascending
    assert 'aria-sort="ascending"' in sorted_page
    page = text(client.get(loaded["path"] + "?sort=日客流&order=desc"))
    assert body_rows(page)[0] == ["1030", "站点30", "普陀区", "30000"]
    assert 'aria-sort="descending"' in page


def test_the_filter_form_filters_by_a_column_value_and_by_words(client, loaded):
    page = text(client.get(loaded["path"], query_string={"column": "所属区县", "value": "静安区"}))
    rows = body_rows(page)
    assert len(rows) == 5 and {r[2] for r in rows} == {"静安区"}
    assert "行数：5" in page
    assert "filters=%7B%22%E6%89%80%E5%B1%9E%E5%8C%BA%E5%8E%BF%22" in page  # dump of these rows
    page = text(client.get(loaded["path"], query_string={"q": "站点07"}))
    assert [r[1] for r in body_rows(page)] == ["站点07"]


def test_a_filter_value_the_column_cannot_hold_is_a_message_not_an_error(client, loaded):
    response = client.get(loaded["path"], query_string={"column": "日客流", "value": "很多"})
    assert response.status_code == 200
    assert "无法应用筛选条件" in text(response)
    # A column the table does not have is ignored.
    response = client.get(loaded["path"], query_string={"column": "没有这列", "value": "x"})
    assert len(body_rows(text(response))) == 25


def test_without_a_table_the_page_shows_the_load_status_and_the_file_preview(
    app, client, api, cast
):
    dataset = new_dataset(api, cast.editor)
    bad = upload(api, cast.editor, dataset["id"], xlsx_bomb(), filename="站点.xlsx")
    status = api.ok("datastore_info", id=bad)["status"]
    assert status["state"] == "error"
    page = text(client.get(f"/dataset/bus-stops/resource/{bad}"))
    assert "数据未能载入数据存储" in page and html.escape(status["error"]) in page
    assert 'id="preview-title"' in page and "data-table" not in page
    session = app.extensions["portal.db"].session()
    session.get(DatastoreStatus, bad).state = "pending"
    session.commit()
    page = text(client.get(f"/dataset/bus-stops/resource/{bad}"))
    assert "数据正在等待载入数据存储" in page and 'id="preview-title"' in page


def test_a_failed_reload_says_so_above_the_previous_table(app, client, loaded):
    session = app.extensions["portal.db"].session()
    status = session.get(DatastoreStatus, loaded["id"])
    status.state, status.error, status.error_row = "error", "第 12 行：日客流不是数字。", 12
    session.commit()
    page = text(client.get(loaded["path"]))
    assert "第 12 行：日客流不是数字。" in page and "(第 12 行)" in page
    assert len(body_rows(page)) == 25


def dictionary_form(client, path: str) -> dict[str, str]:
    page = text(client.get(path))
    form = re.search(r'<form method="post" action="([^"]+/dictionary)">(.*?)</form>', page, re.S)
    assert form, "no dictionary form"
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    data["_action"] = form.group(1)
    return {k: html.unescape(v) for k, v in data.items()}


def describe(form: dict[str, str], descriptions: dict[str, str]) -> dict[str, str]:
    data = {k: v for k, v in form.items() if k != "_action"}
    for key, name in form.items():
        if key.startswith("column-") and name in descriptions:
            data["notes-" + key.removeprefix("column-")] = descriptions[name]
    return data


def test_an_editor_describes_the_columns_and_a_reload_of_the_file_keeps_them(
    client, api, cast, loaded
):
    login_as(client, cast.editor)
    form = dictionary_form(client, loaded["path"])
    data = describe(form, {"日客流": "工作日平均进站人次", "所属区县": "站点所在的区"})
    response = client.post(form["_action"], data=data)
    assert response.status_code == 302
    page = text(client.get(loaded["path"]))
    assert "数据字典已保存" in page and "工作日平均进站人次" in page
    fields = {f["id"]: f for f in api.ok("datastore_info", id=loaded["id"])["fields"]}
    assert fields["日客流"]["info"]["notes"] == "工作日平均进站人次"
    # The department uploads a new version of the file with one more station.
    more = STATIONS + "1031,新站点,黄浦区,500\n"
    upload(api, cast.editor, loaded["dataset"]["id"], more.encode("gb18030"), loaded["id"])
    assert api.ok("datastore_search", resource_id=loaded["id"], limit=0)["total"] == 31
    client.get("/user/logout")
    anonymous = client.application.test_client()
    page = text(anonymous.get(loaded["path"]))
    assert "工作日平均进站人次" in page and "站点所在的区" in page
    assert "/dictionary" not in page  # visitors read it, without a form


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member"])
def test_only_the_department_may_change_the_dictionary(client, cast, loaded, api, who):
    login_as(client, cast.editor)
    form = dictionary_form(client, loaded["path"])
    data = describe(form, {"日客流": "被篡改的说明"})
    other = client.application.test_client()
    if who != "anonymous":
        login_as(other, getattr(cast, who))
    # A CSRF token of its own session (the login form, or the logout form of the header).
    token_page = text(other.get("/user/login" if who == "anonymous" else loaded["path"]))
    data["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', token_page).group(1)
    response = other.post(form["_action"], data=data)
    assert response.status_code == 403
    fields = {f["id"]: f for f in api.ok("datastore_info", id=loaded["id"])["fields"]}
    assert "info" not in fields["日客流"] or fields["日客流"]["info"].get("notes") != "被篡改的说明"


def test_the_row_api_snippets_name_the_resource(client, loaded):
    page = html.unescape(text(client.get(loaded["path"])))
    rid = loaded["id"]
    assert f'--data-urlencode "resource_id={rid}"' in page
    assert f"--data-urlencode 'sql=SELECT * FROM \"{rid}\" LIMIT 5'" in page
    assert f'portal.action.datastore_search(resource_id="{rid}", limit=5)' in page
    assert "/api/3/action/datastore_search_sql" in page


def test_the_chart_builder_uses_the_portals_own_echarts(app, client, loaded):
    vendor = Path(app.blueprints["web"].static_folder) / "vendor" / "echarts.min.js"
    page = text(client.get(loaded["path"]))
    assert 'src="/assets/chart.js"' in page and "cdn" not in page.lower()
    if vendor.is_file():
        assert 'src="/assets/vendor/echarts.min.js"' in page
        assert "data-chart" in page and 'id="chart-y"' in page
        assert '<option value="日客流">' in page.split('id="chart-y"')[1].split("</select>")[0]
        assert client.get("/assets/vendor/echarts.min.js").status_code == 200
    else:
        assert "echarts.min.js" not in page and 'id="chart-unavailable"' in page


def test_without_echarts_the_page_works_and_the_chart_section_says_so(
    app, client, loaded, monkeypatch
):
    monkeypatch.setattr("portal.web.datatable.ECHARTS", "vendor/missing.js")
    page = text(client.get(loaded["path"]))
    assert "echarts.min.js" not in page and "data-chart" not in page
    assert "未安装图表库" in page
    assert len(body_rows(page)) == 25 and 'id="dictionary-title"' in page


def test_the_dcat_document_lists_the_columns_of_each_table(client, cast, loaded):
    login_as(client, cast.editor)
    form = dictionary_form(client, loaded["path"])
    client.post(form["_action"], data=describe(form, {"日客流": "工作日平均进站人次"}))
    graph = Graph().parse(data=text(client.get("/dataset/bus-stops.ttl")), format="turtle")
    columns = {str(graph.value(c, CSVW.name)): c for c in graph.subjects(RDF.type, CSVW.Column)}
    assert set(columns) == {"站点编号", "站点名称", "所属区县", "日客流"}
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert str(graph.value(columns["日客流"], CSVW.datatype)) == xsd + "integer"
    assert str(graph.value(columns["站点名称"], CSVW.datatype)) == xsd + "string"
    assert graph.value(columns["日客流"], DCT.description) == Literal("工作日平均进站人次")
    distribution = next(d for d in graph.subjects(DCT.conformsTo, None) if loaded["id"] in d)
    schema = graph.value(distribution, DCT.conformsTo)
    assert set(graph.objects(schema, CSVW.column)) == set(columns.values())
