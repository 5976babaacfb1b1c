"""privacy_mask: a withheld table's columns are masked (keep first 6 and last 4, keyed hash,
or drop) into a new version of the file, in the file's own encoding; the new version is
screened again and published when clean, the old one stays in storage unpublished, and the
finding is resolved with the methods recorded."""

from __future__ import annotations

import io
import re

import openpyxl
from datastore_support import new_dataset, settings  # noqa: F401
from sqlalchemy import select
from test_privacy_screening import blocked_upload, download, person_rows, upload

from portal.privacy.models import PrivacyFinding

MASK_BOTH = {"身份证号": "keep", "手机号码": "hash"}


def mask(api, person, resource_id, columns):
    return api.post("privacy_mask", person, id=resource_id, columns=columns)


def test_masking_publishes_a_new_gb18030_file_with_ids_kept_partly_and_phones_hashed(
    app, api, cast
):
    ids, resource = blocked_upload(api, cast)
    response = mask(api, cast.editor, resource["id"], MASK_BOTH)
    assert response.status_code == 200, response.get_json()
    finding = response.get_json()["result"]
    assert finding["state"] == "resolved" and finding["masking"]["columns"] == MASK_BOTH
    shown = api.ok("resource_show", id=resource["id"])
    assert "privacy" not in shown
    served = download(api, shown)
    assert served.status_code == 200
    text = served.get_data().decode("gb18030")  # the file's own encoding, kept
    lines = text.splitlines()
    assert lines[0] == "姓名,身份证号,手机号码,所属街道"
    first = lines[1].split(",")
    assert first[0] == "居民0" and first[3] == "五里墩街道"
    assert first[1] == ids[0][:6] + "*" * 8 + ids[0][-4:]
    assert re.fullmatch(r"[0-9a-f]{16}", first[2])
    assert not any(i in text for i in ids)
    assert api.ok("privacy_finding_list", cast.sysadmin)["count"] == 0


def test_the_old_file_is_kept_unpublished_under_its_own_key(app, api, cast):
    _ids, resource = blocked_upload(api, cast)
    with app.extensions["portal.db"].factory() as session:
        old_key = session.scalars(select(PrivacyFinding.storage_key)).one()
    finding = api.ok("privacy_mask", cast.editor, id=resource["id"], columns=MASK_BOTH)
    assert finding["masking"]["storage_key"] != old_key
    assert b"".join(app.extensions["portal.storage"].open(old_key))  # still stored


def test_hashing_is_stable_and_keyed(api, cast):
    dataset = new_dataset(api, cast.editor)
    text = "姓名,手机号码\n张三,13912345678\n李四,13912345678\n王五,13812345679\n"
    resource = upload(api, cast.editor, "热线.csv", text.encode(), dataset["id"])
    api.ok("privacy_mask", cast.editor, id=resource["id"], columns={"手机号码": "hash"})
    served = download(api, api.ok("resource_show", id=resource["id"])).get_data(as_text=True)
    rows = [line.split(",") for line in served.splitlines()[1:]]
    assert rows[0][1] == rows[1][1] != rows[2][1]
    assert "13912345678" not in served


def test_a_dropped_column_is_gone_and_a_utf8_bom_is_kept(api, cast):
    dataset = new_dataset(api, cast.editor)
    _ids, text = person_rows(4)
    resource = upload(api, cast.editor, "名单.csv", "\ufeff".encode() + text.encode(),
                      dataset["id"])  # fmt: skip
    columns = {"身份证号": "drop", "手机号码": "drop"}
    api.ok("privacy_mask", cast.editor, id=resource["id"], columns=columns)
    data = download(api, api.ok("resource_show", id=resource["id"])).get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == "姓名,所属街道"


def test_masking_one_column_of_two_leaves_the_file_withheld(api, cast):
    _ids, resource = blocked_upload(api, cast)
    api.ok("privacy_mask", cast.editor, id=resource["id"], columns={"身份证号": "keep"})
    shown = api.ok("resource_show", id=resource["id"])
    assert shown["privacy"]["state"] == "open" and shown["privacy"]["withheld"]
    headers = [c["header"] for c in shown["privacy"]["columns"]]
    assert headers == ["手机号码"]


def test_an_xlsx_workbook_is_masked(api, cast):
    ids, _text = person_rows(6)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["姓名", "身份证号", "年龄"])
    for i, resident in enumerate(ids):
        sheet.append([f"居民{i}", resident, 30 + i])
    data = io.BytesIO()
    book.save(data)
    dataset = new_dataset(api, cast.editor)
    resource = upload(api, cast.editor, "名单.xlsx", data.getvalue(), dataset["id"])
    assert api.ok("resource_show", id=resource["id"])["privacy"]["withheld"]
    api.ok("privacy_mask", cast.editor, id=resource["id"], columns={"1": "keep"})
    served = download(api, api.ok("resource_show", id=resource["id"]))
    assert served.status_code == 200
    masked = openpyxl.load_workbook(io.BytesIO(served.get_data()), read_only=True)
    rows = list(masked.worksheets[0].iter_rows(values_only=True))
    assert masked.worksheets[0].title == "名单"
    assert rows[0] == ("姓名", "身份证号", "年龄")
    assert rows[1] == ("居民0", ids[0][:6] + "*" * 8 + ids[0][-4:], 30)


def test_masking_is_for_the_departments_editors_and_is_recorded(api, cast):
    _ids, resource = blocked_upload(api, cast)
    assert mask(api, cast.outsider, resource["id"], MASK_BOTH).status_code == 403
    assert mask(api, cast.member, resource["id"], MASK_BOTH).status_code == 403
    assert mask(api, cast.anonymous, resource["id"], MASK_BOTH).status_code == 403
    assert download(api, resource).status_code == 403
    api.ok("privacy_mask", cast.admin, id=resource["id"], columns=MASK_BOTH)
    activity = api.ok("package_activity_list", cast.admin, id=resource["package_id"])
    masked = next(a for a in activity if a["activity_type"] == "privacy masked columns")
    assert masked["user_id"] == cast.admin.user.id
    assert masked["data"]["privacy"]["state"] == "resolved"


def test_bad_mask_requests_are_validation_errors(api, cast):
    _ids, resource = blocked_upload(api, cast)
    unknown = mask(api, cast.editor, resource["id"], {"户籍地址": "keep"})
    assert unknown.status_code == 409 and "columns" in unknown.get_json()["error"]
    method = mask(api, cast.editor, resource["id"], {"身份证号": "erase"})
    assert method.status_code == 409
    assert mask(api, cast.editor, resource["id"], {}).status_code == 409
    assert download(api, resource).status_code == 403
    dataset = new_dataset(api, cast.editor, name="clean-stops")
    clean = upload(api, cast.editor, "站点.csv", "站点,客流\n人民广场,52000\n".encode(),
                   dataset["id"])  # fmt: skip
    assert mask(api, cast.editor, clean["id"], {"站点": "keep"}).status_code == 404
