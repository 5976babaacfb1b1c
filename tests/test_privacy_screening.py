"""A hit blocks publication: an uploaded table with resident IDs and mobile numbers is withheld
from the public (download, preview, DataStore table) until a department admin overrides the
finding with a reason or a clean file replaces it. The screening job runs at once on memory://."""

from __future__ import annotations

import io
import json
import random
from datetime import date, timedelta

from datastore_support import new_dataset, settings  # noqa: F401
from test_privacy_detectors import make_id

from portal.privacy.screening import TASK_NAME


def person_rows(count: int = 20) -> tuple[list[str], str]:
    rng = random.Random(13)
    ids = [
        make_id(rng, date(1960, 1, 1) + timedelta(days=rng.randint(0, 20000))) for _ in range(count)
    ]
    lines = ["姓名,身份证号,手机号码,所属街道"]
    for i, resident in enumerate(ids):
        lines.append(f"居民{i},{resident},139{rng.randint(0, 99_999_999):08d},五里墩街道")
    return ids, "\n".join(lines) + "\n"


CLEAN = "站点编号,站点名称,日客流\n1001,人民广场,52000\n1002,陆家嘴,48000\n"


def upload(api, person, name, data, dataset_id=None, resource_id=None):
    form = {"upload": (io.BytesIO(data), name)}
    if resource_id:
        form["id"] = resource_id
    else:
        form["package_id"] = dataset_id
    action = "resource_update" if resource_id else "resource_create"
    response = api.client.post(
        f"/api/3/action/{action}",
        data=form,
        headers=person.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def download(api, resource, person=None):
    path = resource["url"].split("://", 1)[1].split("/", 1)[1]
    headers = person.headers if person else {}
    return api.client.get(f"/{path}", headers=headers)


def blocked_upload(api, cast):
    dataset = new_dataset(api, cast.editor)
    ids, text = person_rows()
    resource = upload(api, cast.editor, "居民名单.csv", text.encode("gb18030"), dataset["id"])
    return ids, resource


def test_a_table_of_resident_ids_and_phones_is_withheld_from_the_public(api, cast):
    ids, resource = blocked_upload(api, cast)
    response = download(api, resource)
    assert response.status_code == 403
    assert "个人信息" in response.get_data(as_text=True)
    shown = api.ok("resource_show", id=resource["id"])
    assert shown["privacy"]["state"] == "open" and shown["privacy"]["withheld"]
    preview = api.ok("resource_preview_show", id=resource["id"])
    assert preview["kind"] == "none" and preview["reason"] == "withheld"
    assert not any(i in json.dumps(shown, ensure_ascii=False) for i in ids)


def test_the_datastore_table_of_a_withheld_file_is_withheld_too(api, cast):
    _ids, resource = blocked_upload(api, cast)
    assert api.post("datastore_search", resource_id=resource["id"]).status_code == 403
    assert api.client.get(f"/datastore/dump/{resource['id']}").status_code == 403
    sql = f'SELECT * FROM "{resource["id"]}"'
    assert api.post("datastore_search_sql", sql=sql).status_code == 403
    assert api.ok("datastore_search", cast.editor, resource_id=resource["id"])["total"] == 20


def test_the_resource_page_shows_no_rows_of_a_withheld_file(api, cast):
    ids, resource = blocked_upload(api, cast)
    page = api.client.get(f"/dataset/bus-stops/resource/{resource['id']}")
    assert page.status_code == 200
    assert not any(
        i[:6] + "*" in page.get_data(as_text=True) or i in page.get_data(as_text=True) for i in ids
    )
    assert "居民0" not in page.get_data(as_text=True)


def test_the_department_editor_still_downloads_a_withheld_file(api, cast):
    _ids, resource = blocked_upload(api, cast)
    assert download(api, resource, cast.editor).status_code == 200
    assert download(api, resource, cast.outsider).status_code == 403


def test_a_sysadmin_lists_the_finding_with_masked_samples_and_no_raw_id(api, cast):
    ids, resource = blocked_upload(api, cast)
    response = api.post("privacy_finding_list", cast.sysadmin)
    listed = response.get_json()["result"]
    assert listed["count"] == 1
    finding = listed["results"][0]
    assert finding["resource_id"] == resource["id"] and finding["state"] == "open"
    columns = {c["header"]: c["findings"] for c in finding["columns"]}
    id_hit = next(f for f in columns["身份证号"] if f["detector"] == "resident_id")
    assert id_hit["count"] == 20 and id_hit["share"] == 1.0 and id_hit["severity"] == "block"
    assert id_hit["samples"][0] == ids[0][:6] + "*" * 8 + ids[0][-4:]
    assert any(f["detector"] == "mobile" for f in columns["手机号码"])
    body = response.get_data(as_text=True)
    shown = api.get("privacy_finding_show", cast.editor, id=resource["id"]).get_data(as_text=True)
    assert not any(i in body or i in shown for i in ids)


def test_findings_are_listed_for_their_department_only(api, cast):
    blocked_upload(api, cast)
    assert api.ok("privacy_finding_list", cast.editor)["count"] == 1
    assert api.ok("privacy_finding_list", cast.outsider)["count"] == 0
    assert api.post("privacy_finding_list").status_code == 403
    assert api.post("privacy_finding_show", cast.stranger, id="x").status_code == 404


def test_a_private_resource_finding_answers_outsiders_as_if_it_did_not_exist(api, cast):
    dataset = new_dataset(api, cast.editor, private=True)
    _ids, text = person_rows(3)
    resource = upload(api, cast.editor, "名单.csv", text.encode(), dataset["id"])
    shown = api.post("privacy_finding_show", cast.outsider, id=resource["id"])
    assert shown.status_code == 404
    assert api.post("privacy_finding_show", cast.member, id=resource["id"]).status_code == 403


def test_a_table_is_withheld_until_it_is_screened(api, cast, app, monkeypatch):
    queue, held = app.extensions["portal.queue"], []
    run_now = queue.enqueue

    def enqueue(name, *args):
        if name != TASK_NAME:
            return run_now(name, *args)
        held.append(args)  # as on a busy worker: not yet run

    monkeypatch.setattr(queue, "enqueue", enqueue)
    dataset = new_dataset(api, cast.editor)
    resource = upload(api, cast.editor, "站点.csv", CLEAN.encode("gb18030"), dataset["id"])
    assert api.ok("resource_show", id=resource["id"])["privacy"]["state"] == "pending"
    assert download(api, resource).status_code == 403
    refused = api.post(
        "privacy_finding_override",
        cast.admin,
        id=resource["id"],
        reason="尚未扫描完成，但已人工核实无个人信息。",
    )
    assert refused.status_code == 409
    run_now(TASK_NAME, *held[0])  # the worker gets to it
    assert download(api, resource).status_code == 200
    assert "privacy" not in api.ok("resource_show", id=resource["id"])


def test_a_clean_table_is_not_withheld(api, cast):
    dataset = new_dataset(api, cast.editor)
    resource = upload(api, cast.editor, "站点.csv", CLEAN.encode("gb18030"), dataset["id"])
    assert download(api, resource).status_code == 200
    assert "privacy" not in api.ok("resource_show", id=resource["id"])
    assert api.ok("privacy_finding_list", cast.sysadmin)["count"] == 0


def test_an_editor_may_not_override_a_finding(api, cast):
    _ids, resource = blocked_upload(api, cast)
    response = api.post(
        "privacy_finding_override",
        cast.editor,
        id=resource["id"],
        reason="这些号码均为单位办公电话，已核实。",
    )
    assert response.status_code == 403
    assert download(api, resource).status_code == 403


def test_the_department_admin_overrides_with_a_reason_and_the_file_is_served(api, cast):
    _ids, resource = blocked_upload(api, cast)
    short = api.post("privacy_finding_override", cast.admin, id=resource["id"], reason="已核实")
    assert short.status_code == 409 and "reason" in short.get_json()["error"]
    result = api.ok(
        "privacy_finding_override",
        cast.admin,
        id=resource["id"],
        reason="号码均为测试数据，经部门审核同意公开。",
    )
    assert result["state"] == "overridden" and result["overridden_by"] == cast.admin.user.id
    assert download(api, resource).status_code == 200
    assert api.ok("privacy_finding_list", cast.sysadmin)["count"] == 0
    types = [
        a["activity_type"]
        for a in api.ok("package_activity_list", cast.admin, id=resource["package_id"])
    ]
    assert "privacy overrode block" in types and "privacy blocked resource" in types


def test_replacing_the_file_with_a_clean_one_resolves_the_finding(api, cast):
    _ids, resource = blocked_upload(api, cast)
    replaced = upload(api, cast.editor, "居民名单.csv", CLEAN.encode(), resource_id=resource["id"])
    assert download(api, replaced).status_code == 200
    assert "privacy" not in api.ok("resource_show", id=resource["id"])
    assert api.ok("privacy_finding_list", cast.sysadmin)["count"] == 0


def test_replacing_the_file_with_a_link_resolves_the_finding(api, cast):
    _ids, resource = blocked_upload(api, cast)
    api.ok(
        "resource_patch", cast.editor, id=resource["id"], url="https://data.example.gov.cn/a.csv"
    )
    assert "privacy" not in api.ok("resource_show", id=resource["id"])
    assert api.ok("privacy_finding_list", cast.sysadmin)["count"] == 0


def test_replacing_an_overridden_file_with_another_personal_one_blocks_it_again(api, cast):
    _ids, resource = blocked_upload(api, cast)
    api.ok(
        "privacy_finding_override",
        cast.admin,
        id=resource["id"],
        reason="号码均为测试数据，经部门审核同意公开。",
    )
    _other, text = person_rows(5)
    replaced = upload(api, cast.editor, "新名单.csv", text.encode(), resource_id=resource["id"])
    assert download(api, replaced).status_code == 403
