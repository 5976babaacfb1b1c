"""datastore_search_sql: one read-only SELECT over readable tables; everything else refused."""

from __future__ import annotations

import pytest
from datastore_support import settings, stops_table  # noqa: F401


def test_select_with_aggregates_over_a_table(api, cast):
    rid = stops_table(api, cast.editor)
    sql = (
        f'SELECT "所属区县", count(*) AS n FROM "{rid}" '
        'GROUP BY "所属区县" ORDER BY n DESC, "所属区县"'
    )
    result = api.ok("datastore_search_sql", sql=sql)
    assert len(result["records"]) == 4 and result["records_truncated"] is False


@pytest.mark.parametrize(
    "template",
    [
        'DROP TABLE "{rid}"',
        'INSERT INTO "{rid}" ("站点名称") VALUES (\'x\')',
        'SELECT * FROM "{rid}"; DELETE FROM "{rid}"',
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA table_info('{rid}')",
        'SELECT * FROM "user"',
        "SELECT * FROM sqlite_master",
        "SELECT load_extension('/tmp/evil')",
        'SELECT * FROM "{rid}" WHERE 1 = (SELECT count(*) FROM api_token)',
        'SELECT * FROM main."{rid}"',
    ],
)
def test_writes_other_tables_and_functions_are_refused(api, cast, template):
    rid = stops_table(api, cast.editor)
    response = api.post("datastore_search_sql", cast.sysadmin, sql=template.format(rid=rid))
    assert response.status_code in (400, 404, 409), response.get_json()
    assert api.ok("datastore_search", resource_id=rid)["total"] == 4


def test_common_table_expressions_read_a_table(api, cast):
    rid = stops_table(api, cast.editor)
    sql = (
        f'WITH RECURSIVE busy AS (SELECT "站点名称", "日客流" FROM "{rid}" '
        'WHERE "日客流" > 50000), '
        "r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
        'SELECT "站点名称", (SELECT max(n) FROM r) AS n FROM busy ORDER BY "日客流" DESC'
    )
    records = api.ok("datastore_search_sql", sql=sql)["records"]
    assert records == [{"站点名称": "火车站北广场", "n": 3}, {"站点名称": "人民广场", "n": 3}]


def test_recursive_cte_bomb_times_out(api, cast, app):
    app.extensions["portal.settings"].datastore_sql_timeout = 0.5
    rid = stops_table(api, cast.editor)
    sql = (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
        f'SELECT count(*) FROM r, "{rid}"'
    )
    response = api.post("datastore_search_sql", sql=sql)
    assert response.status_code == 400
    assert "longer than 0.5 s" in response.get_json()["error"]["message"]


def test_private_tables_are_not_found_through_sql(api, cast):
    rid = stops_table(api, cast.editor, private=True)
    response = api.post("datastore_search_sql", cast.outsider, sql=f'SELECT * FROM "{rid}"')
    assert response.status_code == 404
