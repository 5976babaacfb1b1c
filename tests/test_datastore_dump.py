"""Dumps of a DataStore table: CSV with a BOM, TSV, JSON and XLSX, with filters and sort."""

from __future__ import annotations

import csv
import io
import json

from datastore_support import new_dataset, settings, stops_table  # noqa: F401


def test_csv_dump_has_bom_and_chinese_rows(api, client, cast):
    rid = stops_table(api, cast.editor)
    response = client.get(f"/datastore/dump/{rid}?sort=日客流 desc&fields=站点名称,日客流")
    assert response.status_code == 200
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff站点名称,日客流\r\n火车站北广场,61000")


def test_json_tsv_and_xlsx_dumps_with_filters(api, client, cast):
    from openpyxl import load_workbook

    rid = stops_table(api, cast.editor)
    filters = json.dumps({"所属区县": "黄浦区"}, ensure_ascii=False)
    body = client.get(f"/datastore/dump/{rid}", query_string={"format": "json", "filters": filters})
    assert [r[2] for r in json.loads(body.data)["records"]] == ["人民广场"]
    tsv = client.get(f"/datastore/dump/{rid}?format=tsv&q=陆家嘴").data.decode()
    assert tsv.splitlines()[1].split("\t")[2] == "陆家嘴"
    xlsx = client.get(f"/datastore/dump/{rid}?format=xlsx").data
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.max_row == 5


def test_private_table_dump_is_not_found_for_anonymous(api, client, cast):
    rid = stops_table(api, cast.editor, private=True)
    assert client.get(f"/datastore/dump/{rid}").status_code == 404
    assert client.get(f"/datastore/dump/{rid}", headers=cast.member.headers).status_code == 200


def test_csv_dump_writes_each_type_as_datastore_search_shows_it(api, client, cast):
    dataset = new_dataset(api, cast.editor, name="typed-values")
    fields = [{"id": "名称", "type": "text"}, {"id": "票价", "type": "numeric"},
              {"id": "开通日期", "type": "date"}, {"id": "属性", "type": "json"},
              {"id": "线路数", "type": "int"}]  # fmt: skip
    records = [{"名称": "人民广场", "票价": 2.5, "开通日期": "1995-04-10",
                "属性": {"换乘": ["1号线", "2号线"]}, "线路数": 3},
               {"名称": "外滩",
                **dict.fromkeys(["票价", "开通日期", "属性", "线路数"])}]  # fmt: skip
    rid = api.ok("datastore_create", cast.editor, resource={"package_id": dataset["id"]},
                 fields=fields, records=records)["resource_id"]  # fmt: skip
    text = client.get(f"/datastore/dump/{rid}?sort=_id").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["_id", "名称", "票价", "开通日期", "属性", "线路数"]
    assert rows[1][1:4] == ["人民广场", "2.5", "1995-04-10"]
    assert json.loads(rows[1][4]) == {"换乘": ["1号线", "2号线"]} and rows[1][5] == "3"
    assert rows[2][1:] == ["外滩", "", "", "", ""]
