"""Reuses (showcases) through the Action API: submitting, listing by dataset, featuring by a
department admin, reporting and moderating, the daily limit, private datasets never revealed,
sanitized descriptions, images and URL schemes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from conftest import create_dataset

from portal.api.openapi import build_spec
from tests.test_openapi_conformance import response_errors

BUS_APP = {
    "title": "公交到站提醒小程序",
    "description": "用**实时公交位置**数据提醒乘客车辆到站。",
    "type": "application",
    "url": "https://apps.example.cn/bus-alert",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_spec()


@pytest.fixture
def bus(app, cast) -> dict[str, Any]:
    return create_dataset(app, "bus-positions", cast.transport, title="公交车实时位置")


def submit(api, person, datasets=("bus-positions",), **fields: Any) -> dict[str, Any]:
    return api.ok("reuse_create", person, **{**BUS_APP, "datasets": list(datasets), **fields})


def error(response, status: int, kind: str) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["__type"] == kind, body
    return body["error"]


def test_signed_in_user_submits_a_reuse_published_at_once(api, cast, bus):
    reuse = submit(api, cast.stranger)
    assert reuse["title"] == "公交到站提醒小程序" and reuse["state"] == "published"
    assert reuse["user_name"] == "citizen" and reuse["featured"] is False
    assert [d["name"] for d in reuse["datasets"]] == ["bus-positions"]
    assert reuse["datasets"][0]["organization"]["title"] == "省交通运输厅"
    assert reuse["page_url"].endswith(f"/reuse/{reuse['id']}") and reuse["image_url"] is None
    shown = api.get("reuse_show", id=reuse["id"]).get_json()["result"]
    assert shown["description"] == BUS_APP["description"] and shown["can_edit"] is False


def test_anonymous_caller_cannot_submit(api, bus):
    body = {**BUS_APP, "datasets": ["bus-positions"]}
    error(api.post("reuse_create", None, **body), 403, "Authorization Error")


def test_list_by_dataset_type_and_paging(api, app, cast, bus):
    create_dataset(app, "hospital-beds", cast.health, title="医院床位")
    submit(api, cast.stranger)
    submit(api, cast.member, datasets=["hospital-beds"], title="床位地图", type="visualisation")
    submit(api, cast.member, datasets=["hospital-beds", "bus-positions"], title="就医出行指南",
           type="article")  # fmt: skip
    by_bus = api.get("reuse_list", dataset_id="bus-positions").get_json()["result"]
    assert by_bus["count"] == 2
    assert [r["title"] for r in by_bus["results"]] == ["就医出行指南", "公交到站提醒小程序"]
    by_id = api.get("reuse_list", dataset_id=bus["id"]).get_json()["result"]
    assert by_id["count"] == 2
    maps = api.get("reuse_list", type="visualisation").get_json()["result"]
    assert [r["title"] for r in maps["results"]] == ["床位地图"]
    page = api.get("reuse_list", limit=1, offset=2).get_json()["result"]
    assert page["count"] == 3 and [r["title"] for r in page["results"]] == ["公交到站提醒小程序"]
    unknown = api.get("reuse_list", dataset_id="no-such-dataset")
    assert "dataset_id" in error(unknown, 409, "Validation Error")


def test_only_a_sysadmin_or_an_admin_of_the_datasets_department_features(api, cast, bus):
    reuse = submit(api, cast.stranger)
    later = submit(api, cast.stranger, title="公交线路可视化", type="visualisation")
    for person in (cast.stranger, cast.editor, cast.member, cast.outsider, cast.anonymous):
        response = api.post("reuse_feature", person, id=reuse["id"])
        error(response, 403, "Authorization Error")
    featured = api.ok("reuse_feature", cast.admin, id=reuse["id"])
    assert featured["featured"] is True and featured["can_feature"] is True
    listed = api.get("reuse_list").get_json()["result"]["results"]
    assert [r["id"] for r in listed] == [reuse["id"], later["id"]]  # featured first
    only = api.get("reuse_list", featured="true").get_json()["result"]
    assert [r["id"] for r in only["results"]] == [reuse["id"]]
    assert api.ok("reuse_unfeature", cast.sysadmin, id=reuse["id"])["featured"] is False


def test_report_and_moderate_hide_then_restore(api, cast, bus):
    reuse = submit(api, cast.stranger)
    error(api.post("reuse_report", None, id=reuse["id"], reason="垃圾广告"), 403,
          "Authorization Error")  # fmt: skip
    assert "reason" in error(api.post("reuse_report", cast.member, id=reuse["id"], reason=" "),
                             409, "Validation Error")  # fmt: skip
    api.ok("reuse_report", cast.member, id=reuse["id"], reason="链接指向赌博网站")
    api.ok("reuse_report", cast.member, id=reuse["id"], reason="链接指向赌博网站，请处理")
    api.ok("reuse_report", cast.editor, id=reuse["id"], reason="与数据无关")
    error(api.post("reuse_report_list", cast.admin), 403, "Authorization Error")
    queue = api.ok("reuse_report_list", cast.sysadmin)
    assert queue["count"] == 1 and queue["results"][0]["open_reports"] == 2
    reasons = {r["reason"] for r in queue["results"][0]["reports"]}
    assert reasons == {"链接指向赌博网站，请处理", "与数据无关"}

    body = {"id": reuse["id"], "decision": "hide"}
    error(api.post("reuse_moderate", cast.admin, **body), 403, "Authorization Error")
    hidden = api.ok("reuse_moderate", cast.sysadmin, **body)
    assert hidden["state"] == "hidden" and hidden["open_reports"] == 0
    assert api.ok("reuse_report_list", cast.sysadmin)["count"] == 0
    for person in (cast.anonymous, cast.member, cast.admin):
        error(api.post("reuse_show", person, id=reuse["id"]), 404, "Not Found Error")
    assert api.get("reuse_list").get_json()["result"]["count"] == 0
    assert api.ok("reuse_show", cast.stranger, id=reuse["id"])["state"] == "hidden"  # the owner
    mine = api.ok("reuse_list", cast.stranger, include_hidden=True)
    assert [r["id"] for r in mine["results"]] == [reuse["id"]]
    assert api.ok("reuse_list", cast.member, include_hidden=True)["count"] == 0
    restored = api.ok("reuse_moderate", cast.sysadmin, id=reuse["id"], decision="restore")
    assert restored["state"] == "published"
    assert api.get("reuse_show", id=reuse["id"]).status_code == 200


def test_hidden_reuse_of_a_purged_account_stays_hidden(api, app, cast, bus):
    from sqlalchemy import update

    from portal.reuses.models import Reuse

    reuse = submit(api, cast.stranger)
    api.ok("reuse_moderate", cast.sysadmin, id=reuse["id"], decision="hide")
    session = app.extensions["portal.db"].session()
    session.execute(update(Reuse).where(Reuse.id == reuse["id"]).values(user_id=None))
    session.commit()
    assert api.ok("reuse_list", None, include_hidden=True)["count"] == 0
    assert api.ok("reuse_list", cast.member, include_hidden=True)["count"] == 0
    assert api.ok("reuse_list", cast.sysadmin, include_hidden=True)["count"] == 1


def test_daily_limit_per_user(api, app, cast, bus):
    app.extensions["portal.settings"].reuse_daily_limit = 2
    submit(api, cast.stranger)
    submit(api, cast.stranger, title="第二个应用")
    third = {**BUS_APP, "title": "第三个应用", "datasets": ["bus-positions"]}
    refused = api.post("reuse_create", cast.stranger, **third)
    assert error(refused, 409, "Validation Error")["limit"] == [
        "You have reached the daily limit of new reuses: try again tomorrow."
    ]
    submit(api, cast.member, title="别人的应用")  # the limit is per user
    submit(api, cast.sysadmin, title="管理员")
    submit(api, cast.sysadmin, title="管理员二")
    assert submit(api, cast.sysadmin, title="管理员三")["state"] == "published"


def test_private_dataset_is_never_revealed(api, app, cast, bus):
    create_dataset(app, "bus-internal", cast.transport, title="公交内部调度数据", private=True)
    body = {**BUS_APP, "datasets": ["bus-internal"]}
    outsider = api.post("reuse_create", cast.stranger, **body)
    missing = api.post("reuse_create", cast.stranger, **{**body, "datasets": ["no-such-data"]})
    assert error(outsider, 409, "Validation Error")["datasets"] == [
        "Dataset not found: bus-internal"
    ]
    assert error(missing, 409, "Validation Error")["datasets"] == [
        "Dataset not found: no-such-data"
    ]
    reuse = submit(api, cast.member, datasets=["bus-positions", "bus-internal"])
    assert reuse["num_datasets"] == 2
    for person in (cast.anonymous, cast.stranger, cast.outsider):
        shown = api.ok("reuse_show", person, id=reuse["id"])
        assert [d["name"] for d in shown["datasets"]] == ["bus-positions"], person.name
        assert "bus-internal" not in str(api.ok("reuse_list", person))
        listed = api.post("reuse_list", person, dataset_id="bus-internal")
        assert "dataset_id" in error(listed, 409, "Validation Error")
    assert api.ok("reuse_list", cast.editor, dataset_id="bus-internal")["count"] == 1
    refs = api.ok("reuse_references", None, dataset_ids=[bus["id"], _id(api, cast, "bus-internal")])
    assert [r["dataset_id"] for r in refs] == [bus["id"]]


def _id(api, cast, name: str) -> str:
    return api.ok("package_show", cast.sysadmin, id=name)["id"]


def test_owner_edit_keeps_private_links_the_owner_cannot_see(api, app, cast, bus):
    create_dataset(app, "bus-internal", cast.transport, private=True)
    create_dataset(app, "bus-stops", cast.transport, title="公交站点")
    reuse = submit(api, cast.member, datasets=["bus-positions", "bus-internal"])
    api.ok("reuse_update", cast.sysadmin, id=reuse["id"], datasets=["bus-internal", "bus-stops"])
    changed = api.ok("reuse_update", cast.member, id=reuse["id"], title="公交到站提醒 2.0")
    assert changed["title"] == "公交到站提醒 2.0" and changed["type"] == "application"
    assert {d["name"] for d in changed["datasets"]} == {"bus-internal", "bus-stops"}
    error(api.post("reuse_update", cast.stranger, id=reuse["id"], title="x"), 403,
          "Authorization Error")  # fmt: skip


def test_delete_by_owner_or_sysadmin(api, cast, bus):
    reuse = submit(api, cast.stranger)
    error(api.post("reuse_delete", cast.admin, id=reuse["id"]), 403, "Authorization Error")
    assert api.ok("reuse_delete", cast.stranger, id=reuse["id"]) is None
    error(api.post("reuse_show", None, id=reuse["id"]), 404, "Not Found Error")
    other = submit(api, cast.stranger)
    assert api.ok("reuse_delete", cast.sysadmin, id=other["id"]) is None


def test_script_and_html_in_the_description_are_sanitized(api, client, cast, bus):
    hostile = (
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[点我](javascript:alert(1)) 和 [数据](https://data.example.cn/)"
    )
    reuse = submit(api, cast.stranger, description=hostile, title="<b>标题</b>")
    page = client.get(f"/reuse/{reuse['id']}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'href="javascript' not in page and "<b>标题</b>" not in page
    assert "&lt;b&gt;标题&lt;/b&gt;" in page
    assert 'href="https://data.example.cn/"' in page


def test_url_must_be_http_or_https(api, cast, bus):
    for url in ("javascript:alert(1)", " java\tscript:alert(1)", "ftp://files.example.cn/a",
                "data:text/html,hi", "//evil.example.cn", "no-scheme", ""):  # fmt: skip
        response = api.post("reuse_create", cast.stranger,
                            **{**BUS_APP, "url": url, "datasets": ["bus-positions"]})  # fmt: skip
        assert "url" in error(response, 409, "Validation Error"), url
    reuse = submit(api, cast.stranger, url="http://apps.example.cn/")
    response = api.post("reuse_update", cast.stranger, id=reuse["id"], url="javascript:void(0)")
    assert "url" in error(response, 409, "Validation Error")


def test_invalid_input_is_a_ckan_validation_error(api, cast, bus):
    cases = [
        ({**BUS_APP, "type": "game"}, "type"),
        ({**BUS_APP, "title": "  "}, "title"),
        ({**BUS_APP, "title": "标" * 201}, "title"),
        ({**BUS_APP, "description": "说明\x07"}, "description"),
        ({k: v for k, v in BUS_APP.items() if k != "url"}, "url"),
    ]
    for body, field in cases:
        response = api.post("reuse_create", cast.stranger, datasets=["bus-positions"], **body)
        assert field in error(response, 409, "Validation Error"), body
    for datasets in ([], 42, [""]):
        response = api.post("reuse_create", cast.stranger, **BUS_APP, datasets=datasets)
        assert "datasets" in error(response, 409, "Validation Error"), datasets
    error(api.get("reuse_show", id="no-such-reuse"), 404, "Not Found Error")


def upload_reuse(client, person, content: bytes, filename: str):
    data = {**BUS_APP, "datasets": "bus-positions",
            "image_upload": (io.BytesIO(content), filename)}  # fmt: skip
    return client.post("/api/3/action/reuse_create", data=data, headers=person.headers,
                       content_type="multipart/form-data")  # fmt: skip


def test_image_must_be_png_jpeg_or_webp_and_small(api, app, client, cast, bus):
    refused = upload_reuse(client, cast.stranger, b"<svg onload=alert(1)></svg>", "logo.png")
    assert error(refused, 409, "Validation Error")["image_upload"] == [
        "Only PNG, JPEG and WebP images can be uploaded."
    ]
    big = upload_reuse(client, cast.stranger, PNG + b"\x00" * (5 * 1024 * 1024), "big.png")
    assert "image_upload" in error(big, 409, "Validation Error")
    made = upload_reuse(client, cast.stranger, PNG, "截图.png").get_json()["result"]
    image = client.get(f"/reuse/{made['id']}/image")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    webp = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 16
    data = {"id": made["id"], "image_upload": (io.BytesIO(webp), "new.webp")}
    changed = client.post("/api/3/action/reuse_update", data=data, headers=cast.stranger.headers,
                          content_type="multipart/form-data")  # fmt: skip
    assert changed.status_code == 200, changed.get_json()
    assert client.get(f"/reuse/{made['id']}/image").mimetype == "image/webp"
    cleared = api.ok("reuse_update", cast.stranger, id=made["id"], clear_image=True)
    assert cleared["image_url"] is None
    assert client.get(f"/reuse/{made['id']}/image").status_code == 404


def test_changes_are_recorded_as_activity_without_dataset_names(api, app, cast, bus):
    from portal.catalog.models import Activity

    reuse = submit(api, cast.stranger)
    api.ok("reuse_feature", cast.admin, id=reuse["id"])
    session = app.extensions["portal.db"].session()
    rows = session.query(Activity).filter_by(object_id=reuse["id"]).all()
    assert {(a.activity_type, a.user_id) for a in rows} == {
        ("new reuse", cast.stranger.user.id),
        ("featured reuse", cast.admin.user.id),
    }
    assert all("datasets" not in a.data for a in rows)


def test_results_match_the_documented_schemas(api, cast, bus, doc):
    reuse = submit(api, cast.stranger)
    api.ok("reuse_report", cast.member, id=reuse["id"], reason="广告")
    calls = [
        ("reuse_show", cast.anonymous, {"id": reuse["id"]}),
        ("reuse_list", cast.sysadmin, {"dataset_id": "bus-positions"}),
        ("reuse_update", cast.stranger, {"id": reuse["id"], "title": "新标题"}),
        ("reuse_feature", cast.admin, {"id": reuse["id"]}),
        ("reuse_unfeature", cast.admin, {"id": reuse["id"]}),
        ("reuse_report", cast.editor, {"id": reuse["id"], "reason": "重复"}),
        ("reuse_report_list", cast.sysadmin, {}),
        ("reuse_moderate", cast.sysadmin, {"id": reuse["id"], "decision": "hide"}),
        ("reuse_references", cast.anonymous, {"dataset_ids": ["x"]}),
        ("reuse_delete", cast.sysadmin, {"id": reuse["id"]}),
    ]
    for name, person, body in calls:
        response = api.post(name, person, **body)
        assert response.status_code == 200, (name, response.get_json())
        assert response_errors(doc, name, 200, response.get_json()) == [], name
