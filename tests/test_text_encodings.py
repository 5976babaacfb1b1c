"""Text files in the encodings Chinese publishers actually send: UTF-8 (with or without BOM),
GB18030/GBK, Big5 (Taiwan, Hong Kong and Macao sources) and UTF-16 (Excel's "Unicode text").
Previews show the right characters, downloads say the charset and the DataStore loads them."""

from __future__ import annotations

import io

import pytest
from datastore_support import new_dataset, settings  # noqa: F401

from portal.actions import call
from portal.files.preview import decode_text
from tests.conftest import create_dataset, site_context
from tests.test_preview_limits import page, preview_of, upload
from tests.test_resources import path_of

TRADITIONAL = (
    "站點名稱,所屬區域,日客流量,備註\n"
    "臺北車站,中正區,120000,轉乘站\n"
    "市政府,信義區,85000,無\n"
    "淡水,淡水區,43000,觀光景點\n"
)
SIMPLIFIED = "站点名称,所属区县,日客流\n人民广场,黄浦区,52000\n陆家嘴,浦东新区,48000\n"
# Excel's "Unicode text": UTF-16 little-endian with a BOM, tab-separated.
UNICODE_TEXT = "线路\t起点\t终点\r\n1路\t火车站\t大学城\r\n2路\t体育馆\t植物园\r\n".encode("utf-16")


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (TRADITIONAL.encode("big5"), "big5"),
        (SIMPLIFIED.encode("gb18030"), "gb18030"),
        (SIMPLIFIED.encode("gbk"), "gb18030"),
        (TRADITIONAL.encode("gb18030"), "gb18030"),  # Traditional characters written in GBK
        (SIMPLIFIED.encode("utf-8"), "utf-8-sig"),
        (UNICODE_TEXT, "utf-16"),
        ("\ufeff線路,起點\n".encode("utf-16-be"), "utf-16"),
    ],
)
def test_the_encoding_of_a_chinese_text_is_recognised(content, encoding):
    text, found = decode_text(content)
    assert found == encoding
    assert text.lstrip("\ufeff")[:2] in {"站點", "站点", "线路", "線路"}


def test_a_utf16_head_cut_inside_a_character_still_decodes():
    text, found = decode_text(UNICODE_TEXT[:-3], complete=False)
    assert found == "utf-16" and text.startswith("线路\t起点")


@pytest.fixture
def dataset(app, cast):
    return create_dataset(app, "bus-routes", cast.transport, title="全省公交线路及站点信息")


def test_a_big5_csv_previews_in_traditional_characters(app, client, api, dataset):
    resource = upload(app, dataset, "站點.csv", TRADITIONAL.encode("big5"))
    result = preview_of(api, resource)
    assert result["encoding"] == "big5"
    assert result["header"] == ["站點名稱", "所屬區域", "日客流量", "備註"]
    assert result["rows"][0] == ["臺北車站", "中正區", "120000", "轉乘站"]
    # The page shows the file preview when the resource has no DataStore table.
    call("datastore_delete", site_context(app), {"resource_id": resource["id"], "force": True})
    html = page(client, resource)
    assert "<td>臺北車站</td>" in html and "字符编码：Big5。" in html


def test_excel_unicode_text_previews_as_a_table(app, client, api, dataset):
    resource = upload(app, dataset, "线路.tsv", UNICODE_TEXT)
    result = preview_of(api, resource)
    assert result["encoding"] == "utf-16"
    assert result["header"] == ["线路", "起点", "终点"]
    assert result["rows"] == [["1路", "火车站", "大学城"], ["2路", "体育馆", "植物园"]]


def test_a_big5_download_says_charset_big5(app, client, dataset):
    content = TRADITIONAL.encode("big5")
    resource = upload(app, dataset, "站點.csv", content)
    response = client.get(path_of(resource["url"]))
    assert response.status_code == 200 and response.data == content
    assert response.headers["Content-Type"] == "text/csv; charset=big5"


def load(api, person, dataset_id, filename, content) -> str:
    form = {"upload": (io.BytesIO(content), filename), "package_id": dataset_id}
    response = api.client.post(
        "/api/3/action/resource_create",
        data=form,
        headers=person.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]["id"]


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("站點.csv", TRADITIONAL.encode("big5")),
        ("站點.tsv", TRADITIONAL.replace(",", "\t").encode("utf-16")),
    ],
)
def test_big5_and_utf16_files_load_into_the_datastore(api, cast, filename, content):
    dataset = new_dataset(api, cast.editor)
    rid = load(api, cast.editor, dataset["id"], filename, content)
    result = api.ok("datastore_search", resource_id=rid, sort="日客流量 desc")
    assert [f["id"] for f in result["fields"]][1:] == ["站點名稱", "所屬區域", "日客流量", "備註"]
    assert [r["站點名稱"] for r in result["records"]] == ["臺北車站", "市政府", "淡水"]
    assert result["records"][0]["日客流量"] == 120000
