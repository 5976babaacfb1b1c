"""A harvest source pointing at this portal's own catalog is refused (409, a field error on
`url`), however the address is spelled; another portal on another port is not this one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from test_harvest_support import make_source, site

from portal import create_app
from portal.actions import call
from portal.config import Settings
from portal.errors import ValidationError

SITE = "https://data.jinan.gov.cn"


@pytest.fixture
def site_app(settings: Settings) -> Iterator[Flask]:
    """A portal published at https://data.jinan.gov.cn, served by `portal serve` on port 8080."""
    app = create_app(dataclasses.replace(settings, site_url=SITE, port=8080))
    yield app
    app.extensions["portal.db"].dispose()


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/catalog.ttl",
        "HTTPS://Data.Jinan.Gov.CN:443/catalog.rdf?page=2",
        "https://data.jinan.gov.cn./api/3/action/package_search",
        "http://127.0.0.1:8080/catalog.ttl",
        "http://localhost:8080/",
        "http://[::1]:8080/data.json",
    ],
)
def test_a_source_pointing_at_this_portal_is_refused(site_app: Flask, cast, url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        make_source(site_app, cast.transport, url, "dcat", name="self")
    assert "this portal itself" in refused.value.errors["url"][0]


def test_the_same_host_on_another_port_is_another_portal(site_app: Flask, cast) -> None:
    with pytest.raises(ValidationError):
        make_source(site_app, cast.transport, "http://127.0.0.1:8080/catalog.ttl", "dcat")
    made = make_source(site_app, cast.transport, "http://127.0.0.1:8081/catalog.ttl", "dcat")
    assert made["url"] == "http://127.0.0.1:8081/catalog.ttl"
    other = make_source(site_app, cast.transport, "https://data.qingdao.gov.cn/", name="qd")
    assert other["url"] == "https://data.qingdao.gov.cn/"


def test_the_api_answers_a_field_error_on_url(client: FlaskClient, cast) -> None:
    # The test client's requests come to http://localhost/: that address is this portal.
    response = client.post(
        "/api/3/action/harvest_source_create",
        json={
            "name": "self",
            "title": "本门户自己",
            "url": "http://localhost/catalog.ttl",
            "source_type": "dcat",
            "owner_org": cast.transport.name,
        },
        headers=cast.editor.headers,
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["__type"] == "Validation Error"
    assert "this portal itself" in error["url"][0]


def test_moving_a_source_onto_this_portal_is_refused(site_app: Flask, cast) -> None:
    made = make_source(site_app, cast.transport, "https://data.qingdao.gov.cn/catalog.ttl", "dcat")
    with pytest.raises(ValidationError) as refused:
        call("harvest_source_update", site(site_app), {"id": made["id"], "url": f"{SITE}/"})
    assert "url" in refused.value.errors
