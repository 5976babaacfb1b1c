"""Download statistics: downloads of uploaded files and followed links are counted per resource
and day, robots and HEAD requests are not, and the counts rank the most downloaded datasets
(package_popular, the home page) and show on the dataset page (package_download_stats)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import FileStorage

from portal.actions import call
from portal.api.openapi import build_spec
from portal.stats import counting
from portal.stats.counting import is_countable, record_download, today
from portal.stats.models import DownloadCount, DownloadTotal
from tests.conftest import create_dataset, site_context
from tests.test_openapi_conformance import response_errors

CSV = "线路,起点\n1路,火车站\n".encode()
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


def text(response) -> str:
    return response.get_data(as_text=True)


def upload(app, dataset_id: str, filename: str = "线路.csv", content: bytes = CSV) -> dict:
    data = {
        "package_id": dataset_id,
        "upload": FileStorage(io.BytesIO(content), filename=filename),
    }
    return call("resource_create", site_context(app), data)


def download(client, resource: dict[str, Any], user_agent: str = BROWSER, method: str = "GET"):
    path = urlsplit(resource["url"]).path
    return client.open(path, method=method, headers={"User-Agent": user_agent})


def go(client, dataset: dict[str, Any], resource: dict[str, Any], person=None, **headers: str):
    headers.setdefault("User-Agent", BROWSER)
    if person is not None:
        headers.update(person.headers)
    return client.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/go", headers=headers)


def stored_counts(app) -> int:
    session = app.extensions["portal.db"].session()
    total = session.scalar(select(func.coalesce(func.sum(DownloadCount.count), 0)))
    session.commit()
    return int(total)


def add_counts(app, dataset: dict[str, Any], count: int, days_ago: int = 0) -> None:
    """Counts of the dataset's first resource on one day."""
    session = app.extensions["portal.db"].session()
    day = today() - timedelta(days=days_ago)
    assert record_download(session, dataset["id"], dataset["resources"][0]["id"], day, count)


def linked(app, cast, name: str, **fields: Any) -> dict[str, Any]:
    return create_dataset(
        app,
        name,
        cast.transport,
        resources=[{"url": f"https://data.example.gov.cn/{name}.csv", "format": "CSV"}],
        **fields,
    )


@pytest.fixture
def bus(app, cast) -> dict[str, Any]:
    return create_dataset(app, "bus-routes", cast.transport, title="全省公交线路")


# --- counting ----------------------------------------------------------------------------------


def test_two_downloads_of_an_uploaded_file_count_two_for_the_resource_and_dataset(
    client, api, app, bus
):
    resource = upload(app, bus["id"])
    for _ in range(2):
        response = download(client, resource)
        assert response.status_code == 200 and response.data == CSV
    stats = api.ok("package_download_stats", id="bus-routes")
    assert stats["total"] == 2 and stats["recent"] == 2
    assert stats["resources"] == {resource["id"]: {"total": 2, "recent": 2}}
    assert stats["by_day"][-1] == {"day": today().isoformat(), "count": 2}


def test_robots_and_head_requests_are_not_counted(client, app, bus):
    resource = upload(app, bus["id"])
    for agent in ("Googlebot/2.1", "Baiduspider-render/2.0", "Yahoo! Slurp", "SomeCrawler/1"):
        assert download(client, resource, user_agent=agent).status_code == 200
    assert download(client, resource, method="HEAD").status_code == 200
    assert stored_counts(app) == 0
    assert is_countable("GET", BROWSER) and not is_countable("GET", "MSNBOT")


def test_a_download_that_is_refused_or_missing_is_not_counted(client, app, cast, bus):
    secret = create_dataset(app, "bus-costs", cast.transport, private=True)
    resource = upload(app, secret["id"])
    assert download(client, resource).status_code in (403, 404)
    public = upload(app, bus["id"])
    wrong_name = {**public, "url": public["url"].rsplit("/", 1)[0] + "/other.csv"}
    assert download(client, wrong_name).status_code == 404
    assert stored_counts(app) == 0


def test_a_database_error_while_counting_does_not_fail_the_download(
    client, app, bus, monkeypatch, caplog
):
    resource = upload(app, bus["id"])

    def broken(*_args: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(counting, "_add", broken)
    response = download(client, resource)
    assert response.status_code == 200 and response.data == CSV
    assert "not counted" in caplog.text


def test_counts_of_each_day_are_kept_apart_and_added_up(app, bus):
    resource = upload(app, bus["id"])
    session = app.extensions["portal.db"].session()
    yesterday = today() - timedelta(days=1)
    assert record_download(session, bus["id"], resource["id"], yesterday)
    assert record_download(session, bus["id"], resource["id"])
    assert record_download(session, bus["id"], resource["id"])
    rows = session.execute(
        select(DownloadCount.day, DownloadCount.count).order_by(DownloadCount.day)
    ).all()
    session.commit()
    assert [tuple(r) for r in rows] == [(yesterday, 1), (today(), 2)]


# --- links ------------------------------------------------------------------------------------


def test_following_a_link_redirects_to_its_url_and_counts(client, api, app, cast):
    dataset = linked(app, cast, "metro-stations")
    resource = dataset["resources"][0]
    response = go(client, dataset, resource)
    assert response.status_code == 302
    assert response.headers["Location"] == "https://data.example.gov.cn/metro-stations.csv"
    assert api.ok("package_download_stats", id=dataset["id"])["total"] == 1


def test_a_private_datasets_link_is_refused_to_anonymous_and_not_counted(client, app, cast):
    dataset = linked(app, cast, "bus-costs", private=True)
    resource = dataset["resources"][0]
    assert go(client, dataset, resource).status_code in (403, 404)
    assert stored_counts(app) == 0
    # A member of the department follows it, and that counts.
    member = go(client, dataset, resource, cast.member)
    assert member.status_code == 302
    assert stored_counts(app) == 1


def test_links_that_are_not_http_or_belong_to_another_dataset_are_404(client, app, cast):
    dataset = create_dataset(
        app,
        "ftp-data",
        cast.transport,
        resources=[{"url": "ftp://files.example.gov.cn/data.csv", "format": "CSV"}],
    )
    other = linked(app, cast, "metro-stations")
    assert go(client, dataset, dataset["resources"][0]).status_code == 404
    assert go(client, other, dataset["resources"][0]).status_code == 404
    assert stored_counts(app) == 0


def test_the_link_of_an_uploaded_file_goes_to_its_counted_download(client, app, bus):
    resource = upload(app, bus["id"])
    response = go(client, bus, resource)
    assert response.status_code == 302
    location = unquote(urlsplit(response.headers["Location"]).path)
    assert location == urlsplit(resource["url"]).path
    assert stored_counts(app) == 0  # counted when the download itself is fetched


def test_pages_send_go_to_resource_through_the_counted_redirect(client, app, cast):
    dataset = linked(app, cast, "metro-stations")
    resource = dataset["resources"][0]
    target = f"/dataset/{dataset['id']}/resource/{resource['id']}/go"
    for page in ("/dataset/metro-stations", f"/dataset/metro-stations/resource/{resource['id']}"):
        html = text(client.get(page))
        assert f'href="{target}" rel="noopener nofollow"' in html, page


# --- package_popular ---------------------------------------------------------------------------


def test_popular_datasets_are_ordered_by_downloads_then_name(api, app, cast):
    few = linked(app, cast, "few-downloads")
    many = linked(app, cast, "many-downloads")
    tied = linked(app, cast, "also-few")
    linked(app, cast, "no-downloads")
    add_counts(app, few, 2)
    add_counts(app, many, 5, days_ago=3)
    add_counts(app, tied, 2, days_ago=1)
    popular = api.ok("package_popular")
    assert [(d["name"], d["downloads"]) for d in popular] == [
        ("many-downloads", 5),
        ("also-few", 2),
        ("few-downloads", 2),
    ]
    assert {"resources", "organization", "tags"} <= set(popular[0])
    assert [d["name"] for d in api.ok("package_popular", limit=1)] == ["many-downloads"]


def test_popular_never_lists_private_draft_or_deleted_datasets(api, app, cast):
    public = linked(app, cast, "public-data")
    private = linked(app, cast, "private-data", private=True)
    draft = linked(app, cast, "draft-data", state="draft")
    deleted = linked(app, cast, "deleted-data")
    for dataset in (public, private, draft, deleted):
        add_counts(app, dataset, 10 if dataset is not public else 1)
    api.ok("package_delete", cast.sysadmin, id="deleted-data")
    for person in (None, cast.member, cast.sysadmin):
        names = [d["name"] for d in api.ok("package_popular", person)]
        assert names == ["public-data"], person


def test_each_download_also_counts_up_the_datasets_total(client, app, bus):
    first, second = upload(app, bus["id"]), upload(app, bus["id"], "站点.csv")
    for resource in (first, second, first):
        download(client, resource)
    session = app.extensions["portal.db"].session()
    total = session.get(DownloadTotal, bus["id"]).count
    session.commit()
    assert total == stored_counts(app) == 3


def test_days_leaves_out_older_downloads(api, app, cast):
    old = linked(app, cast, "old-favourite")
    new = linked(app, cast, "new-favourite")
    add_counts(app, old, 100, days_ago=60)
    add_counts(app, new, 3, days_ago=6)
    assert [d["name"] for d in api.ok("package_popular")] == ["old-favourite", "new-favourite"]
    recent = api.ok("package_popular", days=7)
    assert [(d["name"], d["downloads"]) for d in recent] == [("new-favourite", 3)]
    assert api.ok("package_popular", days=6) == []


def test_popular_validates_its_parameters(api):
    for bad in ({"limit": 0}, {"limit": 101}, {"days": 0}, {"days": 3651}):
        response = api.post("package_popular", **bad)
        assert response.status_code == 409, bad


# --- package_download_stats ----------------------------------------------------------------


def test_download_stats_separate_recent_from_total_and_list_30_days(api, app, cast):
    dataset = linked(app, cast, "metro-stations")
    add_counts(app, dataset, 4, days_ago=0)
    add_counts(app, dataset, 3, days_ago=13)
    add_counts(app, dataset, 2, days_ago=14)
    add_counts(app, dataset, 1, days_ago=30)
    stats = api.ok("package_download_stats", id="metro-stations")
    assert (stats["total"], stats["recent"]) == (10, 7)
    assert stats["resources"] == {dataset["resources"][0]["id"]: {"total": 10, "recent": 7}}
    days = stats["by_day"]
    assert len(days) == 30
    assert days[0] == {"day": (today() - timedelta(days=29)).isoformat(), "count": 0}
    assert days[-1]["count"] == 4 and days[-14]["count"] == 3 and days[-15]["count"] == 2


def test_download_stats_of_a_private_dataset_need_read_access(api, app, cast):
    linked(app, cast, "bus-costs", private=True)
    assert api.post("package_download_stats", id="bus-costs").status_code == 404
    assert api.post("package_download_stats", cast.outsider, id="bus-costs").status_code == 404
    assert api.ok("package_download_stats", cast.member, id="bus-costs")["total"] == 0
    assert api.post("package_download_stats", id="no-such-dataset").status_code == 404


def test_stats_results_match_their_documented_schemas(api, app, cast):
    dataset = linked(app, cast, "metro-stations")
    add_counts(app, dataset, 3)
    doc = build_spec()
    for name, params in {
        "package_popular": {"days": 30},
        "package_download_stats": {"id": "metro-stations"},
    }.items():
        response = api.get(name, **params)
        assert response.status_code == 200, response.get_json()
        assert response_errors(doc, name, 200, response.get_json(), "get") == [], name


# --- pages and purging -------------------------------------------------------------------------


def popular_section(html: str) -> str:
    return re.search(r'<section aria-labelledby="popular-title">(.*?)</section>', html, re.S)[1]


def test_home_lists_the_most_downloaded_dataset_first(client, app, cast):
    linked(app, cast, "new-but-unloved")
    favourite = linked(app, cast, "favourite-data")
    second = linked(app, cast, "second-favourite")
    linked(app, cast, "latest-update")
    add_counts(app, favourite, 9)
    add_counts(app, second, 4)
    section = popular_section(text(client.get("/")))
    names = re.findall(r'href="/dataset/([a-z0-9-]+)"', section)
    # Only datasets with downloads: the others are already under "newest datasets".
    assert names == ["favourite-data", "second-favourite"]


def test_home_hides_most_downloaded_until_there_are_downloads(client, app, cast):
    for n in range(8):
        linked(app, cast, f"dataset-{n}")
    html = text(client.get("/"))
    assert 'aria-labelledby="popular-title"' not in html
    assert "下载最多" not in html
    names = re.findall(r'href="/dataset/([a-z0-9-]+)"', html)
    assert len(names) == len(set(names)) == 6


def test_dataset_page_shows_its_download_count(client, app, cast):
    dataset = linked(app, cast, "metro-stations")
    add_counts(app, dataset, 12345)
    html = text(client.get("/dataset/metro-stations"))
    assert re.search(r"<th scope=\"row\">下载次数</th><td>12,345</td>", html), html


def test_purging_a_dataset_removes_its_counts(api, app, cast, bus):
    resource = upload(app, bus["id"])
    other = linked(app, cast, "metro-stations")
    record_download(app.extensions["portal.db"].session(), bus["id"], resource["id"])
    add_counts(app, other, 2)
    api.ok("dataset_purge", cast.sysadmin, id="bus-routes")
    assert stored_counts(app) == 2
