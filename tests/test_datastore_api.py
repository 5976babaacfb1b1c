"""The DataStore actions as CKAN clients call them: create, upsert, delete, info, search."""

from __future__ import annotations

from datastore_support import STOPS, new_dataset, settings, stops_table  # noqa: F401

# (`settings` is re-exported so pytest uses the DataStore-aware fixture.)


def test_create_then_search_returns_records_and_typed_fields(api, cast):
    rid = stops_table(api, cast.editor)
    result = api.ok("datastore_search", cast.anonymous, resource_id=rid)
    assert result["total"] == 4 and result["limit"] == 100
    assert result["records"][0] == {"_id": 1, **STOPS[0]}
    assert {"id": "站点编号", "type": "int"} in result["fields"]
    assert result["fields"][0] == {"id": "_id", "type": "int"}
    assert result["_links"]["next"].endswith("offset=100")


def test_filters_sort_fields_limit_offset(api, cast):
    rid = stops_table(api, cast.editor)
    result = api.ok(
        "datastore_search",
        resource_id=rid,
        sort="日客流 desc",
        fields=["站点名称", "日客流"],
        limit=2,
        offset=1,
    )
    assert result["records"] == [
        {"站点名称": "人民广场", "日客流": 52000},
        {"站点名称": "陆家嘴", "日客流": 48000},
    ]
    assert result["total"] == 4
    filtered = api.ok(
        "datastore_search", resource_id=rid, filters={"所属区县": ["黄浦区", "徐汇区"]}
    )
    assert [r["站点编号"] for r in filtered["records"]] == [1001, 1004]


def test_chinese_full_text_q_matches_words_in_any_column(api, cast):
    rid = stops_table(api, cast.editor)
    result = api.ok("datastore_search", resource_id=rid, q="公交枢纽")
    assert [r["站点编号"] for r in result["records"]] == [1004]
    assert api.ok("datastore_search", resource_id=rid, q="广场")["total"] == 2


def test_distinct_include_total_and_records_formats(api, cast):
    rid = stops_table(api, cast.editor)
    api.ok(
        "datastore_upsert",
        cast.editor,
        resource_id=rid,
        method="insert",
        records=[{"站点编号": 1005, "站点名称": "外滩", "所属区县": "黄浦区", "日客流": 1}],
    )
    districts = api.ok(
        "datastore_search",
        resource_id=rid,
        fields="所属区县",
        distinct=True,
        sort="所属区县",
        include_total=False,
    )
    assert "total" not in districts and len(districts["records"]) == 4
    lists = api.ok(
        "datastore_search", resource_id=rid, fields=["站点编号"], records_format="lists", limit=2
    )
    assert lists["records"] == [[1001], [1002]]
    text = api.ok(
        "datastore_search",
        resource_id=rid,
        fields=["站点编号", "站点名称"],
        records_format="csv",
        limit=1,
    )
    assert text["records"] == "1001,人民广场\n"


def test_upsert_updates_by_primary_key_and_update_refuses_unknown_key(api, cast):
    rid = stops_table(api, cast.editor)
    api.ok(
        "datastore_upsert",
        cast.editor,
        resource_id=rid,
        records=[{"站点编号": 1001, "日客流": 99}, {"站点编号": 2001, "站点名称": "新站"}],
    )
    rows = api.ok("datastore_search", resource_id=rid, filters={"站点编号": [1001, 2001]})[
        "records"
    ]
    assert [(r["站点名称"], r["日客流"]) for r in rows] == [("人民广场", 99), ("新站", None)]
    response = api.post(
        "datastore_upsert",
        cast.editor,
        resource_id=rid,
        method="update",
        records=[{"站点编号": 9999, "日客流": 1}],
    )
    assert response.status_code == 409 and "not found" in str(response.get_json()["error"])


def test_delete_with_filters_removes_rows_and_without_drops_the_table(api, cast):
    rid = stops_table(api, cast.editor)
    api.ok("datastore_delete", cast.editor, resource_id=rid, filters={"所属区县": "黄浦区"})
    assert api.ok("datastore_search", resource_id=rid)["total"] == 3
    api.ok("datastore_delete", cast.editor, resource_id=rid)
    assert api.post("datastore_search", resource_id=rid).status_code == 404


def test_info_reports_fields_count_and_status(api, cast):
    rid = stops_table(api, cast.editor)
    info = api.ok("datastore_info", id=rid)
    assert info["meta"]["count"] == 4 and info["status"]["state"] == "done"
    assert [f["id"] for f in info["fields"]] == ["站点编号", "站点名称", "所属区县", "日客流"]


def test_private_dataset_rows_are_not_found_for_outsiders(api, cast):
    rid = stops_table(api, cast.editor, private=True)
    for person in (cast.anonymous, cast.outsider):
        response = api.post("datastore_search", person, resource_id=rid)
        assert response.status_code == 404, person.name
        assert response.get_json()["error"]["__type"] == "Not Found Error"
    assert api.ok("datastore_search", cast.member, resource_id=rid)["total"] == 4


def test_writes_need_edit_rights_on_the_dataset(api, cast):
    rid = stops_table(api, cast.editor)
    response = api.post(
        "datastore_upsert",
        cast.outsider,
        resource_id=rid,
        method="insert",
        records=[{"站点编号": 7}],
    )
    assert response.status_code == 403
    assert api.post("datastore_delete", cast.stranger, resource_id=rid).status_code == 403


def test_bad_field_names_sort_and_filters_are_validation_errors(api, cast):
    rid = stops_table(api, cast.editor)
    for params in (
        {"sort": "站点编号; DROP TABLE x"},
        {"fields": ['"x" FROM user --']},
        {"filters": {"1=1 OR 站点编号": 1}},
        {"filters": {"站点编号": "abc"}},
    ):
        response = api.post("datastore_search", resource_id=rid, **params)
        assert response.status_code == 409, params
    dataset = api.ok(
        "package_create", cast.editor, name="other", title="其他", owner_org="transport"
    )
    response = api.post(
        "datastore_create",
        cast.editor,
        resource={"package_id": dataset["id"]},
        fields=[{"id": '_x"; DROP TABLE y; --', "type": "text"}],
    )
    assert response.status_code == 409


def test_filter_and_sort_on_indexed_columns_give_the_same_page_however_the_rows_are_read(
    api, cast
):
    # 40 rows, half in each district: a page of 5 is read in the sort index's order (SQLite),
    # a page of 30 from the filter's index and sorted; both must be the same rows.
    dataset = new_dataset(api, cast.editor, name="busy-stops")
    records = [{"站点": f"站{i:02d}", "所属区县": "黄浦区" if i % 2 else "徐汇区",
                "日客流": i * 7 % 40} for i in range(40)]  # fmt: skip
    rid = api.ok("datastore_create", cast.editor, resource={"package_id": dataset["id"]},
                 fields=[{"id": "站点", "type": "text"}, {"id": "所属区县", "type": "text"},
                         {"id": "日客流", "type": "int"}],
                 records=records, indexes=["所属区县", "日客流"])["resource_id"]  # fmt: skip
    expected = sorted((r for r in records if r["所属区县"] == "黄浦区"), key=lambda r: -r["日客流"])
    for limit, offset in ((5, 0), (5, 10), (30, 0)):
        found = api.ok("datastore_search", cast.anonymous, resource_id=rid, limit=limit,
                       offset=offset, filters={"所属区县": ["黄浦区"]},
                       sort="日客流 desc")  # fmt: skip
        assert found["total"] == 20
        assert [r["站点"] for r in found["records"]] == [
            r["站点"] for r in expected[offset : offset + limit]
        ]
