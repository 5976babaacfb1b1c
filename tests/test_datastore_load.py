"""Loading uploaded tabular files into the DataStore (the load job runs at once on memory://)."""

from __future__ import annotations

import io

from bombs import xlsx_bomb
from datastore_support import new_dataset, settings  # noqa: F401


def upload(api, person, dataset_id, name, data, resource_id=None):
    form = {"upload": (io.BytesIO(data), name)}
    if resource_id:
        form["id"] = resource_id
        action = "resource_update"
    else:
        form["package_id"] = dataset_id
        action = "resource_create"
    response = api.client.post(
        f"/api/3/action/{action}",
        data=form,
        headers=person.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]["id"]


def test_gb18030_csv_with_chinese_headers_loads_with_inferred_types(api, cast):
    dataset = new_dataset(api, cast.editor)
    data = (
        "站点编号,站点名称,日客流,开通日期,备注\n"
        "1001,人民广场,N/A,2020-01-05,N/A\n"
        "1002,陆家嘴,,2021-3-1,\n"
        "1003,徐家汇,30500,N/A,换乘站\n"
    )
    rid = upload(api, cast.editor, dataset["id"], "站点.csv", data.encode("gb18030"))
    result = api.ok("datastore_search", resource_id=rid)
    types = {f["id"]: f["type"] for f in result["fields"]}
    # "N/A" and empty cells are no value: they neither decide a type nor become text.
    assert types == {
        "_id": "int",
        "站点编号": "int",
        "站点名称": "text",
        "日客流": "int",
        "开通日期": "date",
        "备注": "text",
    }
    assert [r["日客流"] for r in result["records"]] == [None, None, 30500]
    assert [r["开通日期"] for r in result["records"]] == ["2020-01-05", "2021-03-01", None]
    assert result["records"][0]["站点名称"] == "人民广场"
    assert [r["备注"] for r in result["records"]] == ["N/A", None, "换乘站"]
    assert api.ok("datastore_info", id=rid)["status"]["state"] == "done"


def test_column_of_only_missing_values_is_text(api, cast):
    dataset = new_dataset(api, cast.editor)
    data = "站点编号,日客流\n1001,N/A\n1002,\n"
    rid = upload(api, cast.editor, dataset["id"], "站点.csv", data.encode("gb18030"))
    result = api.ok("datastore_search", resource_id=rid)
    assert {f["id"]: f["type"] for f in result["fields"]}["日客流"] == "text"
    assert [r["日客流"] for r in result["records"]] == ["N/A", None]


def test_utf8_bom_tsv_and_jsonl_load(api, cast):
    dataset = new_dataset(api, cast.editor)
    tsv = "\ufeff线路\t站数\n1路\t12\n2路\t8\n".encode()
    rid = upload(api, cast.editor, dataset["id"], "lines.tsv", tsv)
    assert api.ok("datastore_search", resource_id=rid)["records"][1] == {
        "_id": 2,
        "线路": "2路",
        "站数": 8,
    }
    jsonl = '{"区县": "黄浦区", "人口": 66.2}\n{"区县": "静安区", "人口": 97.6, "备注": "合并"}\n'
    rid = upload(api, cast.editor, dataset["id"], "districts.jsonl", jsonl.encode())
    records = api.ok("datastore_search", resource_id=rid)["records"]
    assert records[1] == {"_id": 2, "区县": "静安区", "人口": 97.6, "备注": "合并"}


def test_xlsx_loads_and_a_bomb_is_refused_with_a_reason(api, cast):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["站点", "客流"])
    book.active.append(["人民广场", 52000])
    buffer = io.BytesIO()
    book.save(buffer)
    dataset = new_dataset(api, cast.editor)
    rid = upload(api, cast.editor, dataset["id"], "stops.xlsx", buffer.getvalue())
    assert api.ok("datastore_search", resource_id=rid)["records"][0]["客流"] == 52000
    bomb = upload(api, cast.editor, dataset["id"], "bomb.xlsx", xlsx_bomb())
    status = api.ok("datastore_info", id=bomb)["status"]
    assert status["state"] == "error" and status["error"]


def test_column_turning_textual_after_row_10000_becomes_text(api, cast):
    dataset = new_dataset(api, cast.editor)
    lines = ["编号,数值"] + [f"{i},{i * 2}" for i in range(1, 10_002)] + ["10002,暂缺"]
    rid = upload(api, cast.editor, dataset["id"], "big.csv", "\n".join(lines).encode())
    result = api.ok("datastore_search", resource_id=rid, limit=1, sort="编号 desc")
    assert {f["id"]: f["type"] for f in result["fields"]}["数值"] == "text"
    assert result["total"] == 10_002 and result["records"][0]["数值"] == "暂缺"


def test_malformed_file_keeps_the_previous_table_and_reports_the_row(api, cast):
    dataset = new_dataset(api, cast.editor)
    rid = upload(api, cast.editor, dataset["id"], "a.csv", "站点,客流\n人民广场,1\n".encode())
    bad = "站点,客流\n陆家嘴,2\n外滩,3,多余\n".encode()
    upload(api, cast.editor, dataset["id"], "a.csv", bad, resource_id=rid)
    status = api.ok("datastore_info", id=rid)["status"]
    assert status["state"] == "error" and status["error_row"] == 3
    records = api.ok("datastore_search", resource_id=rid)["records"]
    assert records == [{"_id": 1, "站点": "人民广场", "客流": 1}]


def test_deleting_the_resource_drops_its_table(api, cast):
    dataset = new_dataset(api, cast.editor)
    rid = upload(api, cast.editor, dataset["id"], "a.csv", "站点,客流\n人民广场,1\n".encode())
    api.ok("resource_delete", cast.editor, id=rid)
    assert api.post("datastore_search", resource_id=rid).status_code == 404


def test_a_loaded_resource_says_datastore_active_until_its_table_is_dropped(api, cast):
    dataset = new_dataset(api, cast.editor)
    data = "站点编号,站点名称\n1,人民广场\n".encode()
    rid = upload(api, cast.editor, dataset["id"], "站点.csv", data)
    assert api.ok("resource_show", id=rid)["datastore_active"] is True
    # Editing the resource's description keeps the flag: only the DataStore sets it.
    api.ok("resource_patch", cast.editor, id=rid, description="全市地铁站点")
    shown = api.ok("package_show", id=dataset["id"])["resources"][0]
    assert shown["datastore_active"] is True and shown["description"] == "全市地铁站点"
    api.ok("datastore_delete", cast.editor, resource_id=rid, force=True)
    assert api.ok("resource_show", id=rid)["datastore_active"] is False


def test_a_linked_resource_without_a_table_is_not_datastore_active(api, cast):
    dataset = new_dataset(api, cast.editor)
    created = api.ok("resource_create", cast.editor, package_id=dataset["id"], name="说明",
                     url="https://jt.example.gov.cn/readme.pdf", format="PDF")  # fmt: skip
    assert created["datastore_active"] is False


def table_indexes(app, rid):
    from portal.datastore.engine import open_datastore

    db = open_datastore(app)
    with db.begin() as conn:
        return sorted(db.user_indexes(conn, rid)), db.info(conn, rid).primary_key


STATIONS = "站点编号,站点名称,所属区县\n1001,人民广场,黄浦区\n1002,陆家嘴,浦东新区\n"


def test_indexes_and_primary_key_survive_a_reload_of_the_file(api, app, cast):
    dataset = new_dataset(api, cast.editor)
    rid = upload(api, cast.editor, dataset["id"], "站点.csv", STATIONS.encode("gb18030"))
    api.ok("datastore_create", cast.editor, resource_id=rid, force=True,
           primary_key=["站点编号"], indexes=["所属区县"])  # fmt: skip
    before = table_indexes(app, rid)
    changed = STATIONS + "1003,徐家汇,徐汇区\n"
    upload(api, cast.editor, dataset["id"], "站点.csv", changed.encode("gb18030"), resource_id=rid)
    assert api.ok("datastore_search", resource_id=rid)["total"] == 3
    assert table_indexes(app, rid) == before
    assert before == ([(["所属区县"], False), (["站点编号"], True)], ["站点编号"])


def test_a_reload_that_repeats_the_primary_key_drops_it_and_still_loads(api, app, cast):
    dataset = new_dataset(api, cast.editor)
    rid = upload(api, cast.editor, dataset["id"], "站点.csv", STATIONS.encode("gb18030"))
    api.ok("datastore_create", cast.editor, resource_id=rid, force=True, primary_key=["站点编号"])
    repeated = STATIONS + "1002,陆家嘴东,浦东新区\n"
    upload(api, cast.editor, dataset["id"], "站点.csv", repeated.encode("gb18030"), resource_id=rid)
    assert api.ok("datastore_info", id=rid)["status"]["state"] == "done"
    assert api.ok("datastore_search", resource_id=rid)["total"] == 3
    assert table_indexes(app, rid) == ([], [])
