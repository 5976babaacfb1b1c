"""Dataset and resource links are http(s) or ftp only: a `javascript:` or `data:` address (in
any spelling a browser would still run) is refused with a field error, harvested records
carrying one become record errors, and pages never make an old stored one a live link."""

from __future__ import annotations

import pytest
from test_harvest_support import FakeCkan, ckan_dataset, harvest, make_source, records

from portal.catalog.models import Dataset, Resource
from tests.conftest import create_dataset
from tests.test_web_pages import text

SCRIPTS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/公交.csv",
]


def dataset_payload(cast, **fields) -> dict:
    return {"name": "bus-stops", "title": "公交站点", "owner_org": cast.transport.id, **fields}


@pytest.mark.parametrize("url", SCRIPTS)
def test_a_dataset_url_that_is_not_http_is_refused(api, cast, url):
    response = api.post("package_create", cast.editor, **dataset_payload(cast, url=url))
    body = response.get_json()
    assert response.status_code == 409, body
    assert body["error"]["__type"] == "Validation Error"
    assert "url" in body["error"]


@pytest.mark.parametrize("url", SCRIPTS)
def test_a_resource_url_that_is_not_http_is_refused(api, cast, url):
    dataset = api.ok("package_create", cast.editor, **dataset_payload(cast))
    response = api.post("resource_create", cast.editor, package_id=dataset["id"], url=url)
    body = response.get_json()
    assert response.status_code == 409 and "url" in body["error"], body
    inline = api.post(
        "package_create",
        cast.editor,
        **dataset_payload(cast, name="bus-lines", resources=[{"url": url, "name": "线路"}]),
    )
    assert inline.status_code == 409 and "resources" in inline.get_json()["error"]


@pytest.mark.parametrize(
    "url",
    [
        "https://data.example.gov.cn/公交/stops.csv",
        "http://data.example.gov.cn/stops.csv?year=2024",
        "ftp://files.example.gov.cn/stops.zip",
    ],
)
def test_http_https_and_ftp_links_are_stored(api, cast, url):
    dataset = api.ok(
        "package_create", cast.editor, **dataset_payload(cast, url=url, resources=[{"url": url}])
    )
    assert dataset["url"] == url and dataset["resources"][0]["url"] == url


def test_pages_do_not_link_scripts_stored_before_the_rule(app, client, cast):
    dataset = create_dataset(
        app,
        "old-bus-stops",
        cast.transport,
        title="旧公交站点",
        resources=[{"url": "http://x.cn/a"}],
    )
    session = app.extensions["portal.db"].session()
    row = session.get(Dataset, dataset["id"])
    row.url = "javascript:alert('数据集')"
    row.profile_fields = {**(row.profile_fields or {}), "conforms_to": " JavaScript:alert(2)"}
    session.get(Resource, dataset["resources"][0]["id"]).url = "data:text/html,<b>x</b>"
    session.commit()
    page = text(client.get("/dataset/old-bus-stops"))
    assert "javascript:alert(&#39;数据集&#39;)" in page  # still shown, as text
    lowered = page.lower()
    assert 'href="javascript' not in lowered and 'href=" javascript' not in lowered
    assert 'href="data:' not in lowered
    shown = client.get(f"/dataset/old-bus-stops/resource/{dataset['resources'][0]['id']}")
    assert shown.status_code == 200
    resource_page = text(shown)
    assert 'href="data:' not in resource_page.lower()
    go = client.get(f"/dataset/{dataset['id']}/resource/{dataset['resources'][0]['id']}/go")
    assert go.status_code == 404


def test_harvested_records_with_script_links_are_record_errors(app, cast, server):
    fake = FakeCkan(
        [
            ckan_dataset(1),
            ckan_dataset(2, url="javascript:alert(1)"),
            ckan_dataset(3, resources=[{"id": "r3", "url": "data:text/html,<script>x</script>"}]),
        ]
    )
    fake.install(server)
    source = make_source(app, cast.transport, server.url("/"))
    job = harvest(app, "remote")
    assert job["stats"]["added"] == 1 and job["stats"]["errored"] == 2, job
    found = records(app, source["id"])
    assert found["remote-00001"].status == "added"
    for rid in ("remote-00002", "remote-00003"):
        assert found[rid].status == "errored" and found[rid].dataset_id is None
        assert "http" in found[rid].errors[0]["message"]
