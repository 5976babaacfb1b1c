"""datastore_search `q` through the table's full-text index (SQLite FTS5, PostgreSQL GIN): the
same rows as the LIKE clauses it replaces, kept in step with inserts, upserts, deletes and
reloads, and used by the query plan."""

from __future__ import annotations

from datastore_support import new_dataset, settings  # noqa: F401
from test_datastore_load import upload

# (`settings` is re-exported so pytest uses the DataStore-aware fixture.)

FIELDS = [
    {"id": "编号", "type": "int"},
    {"id": "站点名称", "type": "text"},
    {"id": "备注", "type": "text"},
]
ROWS = [
    {"编号": 1, "站点名称": "人民广场", "备注": "换乘站 night bus"},
    {"编号": 2, "站点名称": "火车站北广场", "备注": "无障碍设施完备"},
    {"编号": 3, "站点名称": "徐家汇公交枢纽", "备注": "night shift depot"},
    {"编号": 4, "站点名称": "陆家嘴", "备注": "O'Brien's \"quoted\" stop"},
]


def remarks_table(api, person):
    dataset = new_dataset(api, person)
    result = api.ok("datastore_create", person,
                    resource={"package_id": dataset["id"], "name": "站点备注"},
                    fields=FIELDS, records=ROWS, primary_key=["编号"])  # fmt: skip
    return result["resource_id"]


def found(api, rid, q):
    return [r["编号"] for r in api.ok("datastore_search", resource_id=rid, q=q)["records"]]


def test_chinese_and_english_q_match_whole_words_all_required(api, cast):
    rid = remarks_table(api, cast.editor)
    assert found(api, rid, "广场") == [1, 2]
    assert found(api, rid, "公交枢纽") == [3]
    assert found(api, rid, "night") == [1, 3]
    assert found(api, rid, "night shift") == [3]
    assert found(api, rid, "night bus") == [1, 3]  # the glossary: bus is also 公交
    assert found(api, rid, "NIGHT 换乘站") == [1]
    assert found(api, rid, "nigh") == []
    assert found(api, rid, "night 陆家嘴") == []


def test_quotes_and_query_syntax_in_q_are_plain_words(api, cast):
    rid = remarks_table(api, cast.editor)
    assert found(api, rid, '"quoted"') == [4]
    assert found(api, rid, "night OR 广场") == []
    assert found(api, rid, "night AND bus") == []
    assert found(api, rid, "o'brien's") == [4]
    assert found(api, rid, "night* (depot)") == [3]
    assert found(api, rid, "-night") == [1, 3]


def test_q_per_field_still_matches_within_that_column(api, cast):
    rid = remarks_table(api, cast.editor)
    assert found(api, rid, {"站点名称": "广场"}) == [1, 2]
    assert found(api, rid, {"备注": "广场"}) == []


def test_upserted_row_is_found_by_its_new_text_not_its_old(api, cast):
    rid = remarks_table(api, cast.editor)
    api.ok("datastore_upsert", cast.editor, resource_id=rid,
           records=[{"编号": 2, "备注": "临时站点"}])  # fmt: skip
    assert found(api, rid, "无障碍") == []
    assert found(api, rid, "临时") == [2]
    api.ok("datastore_upsert", cast.editor, resource_id=rid, method="insert",
           records=[{"编号": 5, "站点名称": "外滩", "备注": "临时站点"}])  # fmt: skip
    assert found(api, rid, "临时") == [2, 5]


def test_deleted_row_is_not_found(api, cast):
    rid = remarks_table(api, cast.editor)
    api.ok("datastore_delete", cast.editor, resource_id=rid, filters={"编号": 3})
    assert found(api, rid, "night") == [1]
    assert api.ok("datastore_search", resource_id=rid, q="night")["total"] == 1


def test_dropping_the_table_drops_its_index(api, app, cast):
    rid = remarks_table(api, cast.editor)
    api.ok("datastore_delete", cast.editor, resource_id=rid)
    db = _db(app)
    with db.begin() as conn:
        assert not db.has_full_text_index(conn, rid)
    api.ok("datastore_create", cast.editor, resource_id=rid, fields=FIELDS, records=ROWS[:1])
    assert found(api, rid, "换乘站") == [1]


def test_reload_of_the_file_replaces_the_index(api, app, cast):
    dataset = new_dataset(api, cast.editor)
    first = "编号,站点名称\n1,人民广场\n2,陆家嘴\n"
    rid = upload(api, cast.editor, dataset["id"], "站点.csv", first.encode("gb18030"))
    assert found(api, rid, "陆家嘴") == [2]
    second = "编号,站点名称\n1,徐家汇\n2,外滩\n3,人民广场\n"
    upload(api, cast.editor, dataset["id"], "站点.csv", second.encode("gb18030"), resource_id=rid)
    assert found(api, rid, "陆家嘴") == []
    assert found(api, rid, "人民广场") == [3]
    assert found(api, rid, "外滩") == [2]
    db = _db(app)
    with db.begin() as conn:
        assert db.has_full_text_index(conn, rid)
        assert not db.has_full_text_index(conn, f"{rid}_new")


def test_query_plan_uses_the_full_text_index(api, app, cast):
    from portal.datastore import query as dq

    rid = remarks_table(api, cast.editor)
    db = _db(app)
    with db.begin() as conn:
        info = db.info(conn, rid)
        search = dq.Search(info, dq.known_fields(info), {}, q="换乘站 night",
                           full_text_index=db.dialect)  # fmt: skip
        compiled = dq.rows_query(search).compile(dialect=conn.dialect)
        if db.dialect == "sqlite":
            params = tuple(compiled.params[k] for k in compiled.positiontup)
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # 4 rows: force the choice
            plan = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    assert f"{rid}__fts" in " ".join(str(row) for row in plan)


def test_table_without_the_index_falls_back_and_gets_it_on_datastore_create(api, app, cast):
    rid = remarks_table(api, cast.editor)
    db = _db(app)
    with db.begin() as conn:
        db.drop_full_text_index(conn, rid)  # as a table made before the index existed
    assert found(api, rid, "night shift") == [3]
    assert found(api, rid, "night bus") == [1, 3]  # the glossary: bus is also 公交
    api.ok("datastore_upsert", cast.editor, resource_id=rid, method="insert",
           records=[{"编号": 6, "站点名称": "外滩", "备注": "night shift"}])  # fmt: skip
    assert found(api, rid, "night shift") == [3, 6]
    api.ok("datastore_create", cast.editor, resource_id=rid, fields=FIELDS)
    with db.begin() as conn:
        assert db.has_full_text_index(conn, rid)
    assert found(api, rid, "night shift") == [3, 6]


def test_search_sql_cannot_read_the_index_tables(api, cast):
    rid = remarks_table(api, cast.editor)
    for name in (f"{rid}__fts", f"{rid}__fts_data"):
        response = api.post("datastore_search_sql", sql=f'SELECT * FROM "{name}"')
        assert response.status_code in (400, 409), response.get_json()
    sql = f'SELECT count(*) AS n FROM "{rid}"'
    assert api.ok("datastore_search_sql", sql=sql)["records"] == [{"n": 4}]


def _db(app):
    from portal.datastore.engine import open_datastore

    return open_datastore(app)
