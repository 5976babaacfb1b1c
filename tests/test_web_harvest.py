"""Harvest pages through the Flask test client: the list of sources, the source form and its
field-keyed errors, "Harvest now" against a fake CKAN served on loopback, the job report with
its counts, errors, stage filter and paging, aborting, deleting, permissions and languages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from test_harvest_support import (
    FakeCkan,
    FixtureServer,
    ckan_dataset,
    make_source,
    records,
    unqueued_job,
)

from harvesters.models import (
    FREQUENCIES,
    JOB_STATUSES,
    SOURCE_TYPES,
    STAGES,
    HarvestJob,
)
from portal.actions import call
from portal.web import harvest as pages
from tests.conftest import site_context
from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf, field_error


@pytest.fixture
def remote(server: FixtureServer) -> FakeCkan:
    """Seven remote datasets; the third fails the portal's validation."""
    fake = FakeCkan([ckan_dataset(n) for n in range(1, 8)])
    fake.datasets[2] = ckan_dataset(3, frequency="EVERY-FULL-MOON", issued="not a date")
    fake.install(server)
    return fake


@pytest.fixture
def source(app, cast, server, remote) -> dict:
    return make_source(app, cast.transport, server.url("/"), name="city-transport")


def source_form(**fields) -> dict:
    form = {
        "title": "市交通开放数据",
        "name": "city-bus",
        "url": "https://data.city.example.gov.cn/",
        "source_type": "ckan",
        "owner_org": "",
        "frequency": "DAILY",
        "enabled": "true",
        "notes": "市交通局维护。",
        "config": "",
    }
    form.update(fields)
    return form


def rows(page: str, table_class: str = "data-table") -> list[str]:
    found = re.search(rf'<table class="{table_class}[^"]*">(.*?)</table>', page, re.S)
    return re.findall(r"<tr>(.*?)</tr>", found.group(1).split("<tbody>", 1)[1], re.S)


def run_harvest(client, name: str, full: bool = False):
    data = {"csrf_token": csrf(client, f"/harvest/{name}")}
    if full:
        data["full"] = "true"
    return client.post(f"/harvest/{name}/jobs", data=data)


def last_job(app, name: str) -> dict:
    return call("harvest_job_list", site_context(app), {"source_id": name, "limit": 1})[0]


def queued_job(app, name: str) -> str:
    """A job that is still new: created the way the scheduler does, and not run."""
    session = app.extensions["portal.db"].factory()
    job_id = unqueued_job(app, name, session).id
    session.close()
    return job_id


# --- access ----------------------------------------------------------------------------------


def test_harvest_pages_need_a_login(client, source):
    for path in (
        "/harvest",
        "/harvest/new",
        "/harvest/city-transport",
        "/harvest/edit/city-transport",
        "/harvest/city-transport/delete",
        "/harvest/city-transport/job/some-job",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/user/login?next=" in response.headers["Location"], path
    assert 'href="/harvest"' not in text(client.get("/"))


def test_logged_in_users_find_harvesting_in_the_header(client, cast):
    login_as(client, cast.member)
    page = text(client.get("/dashboard"))
    assert 'href="/harvest"' in page and "数据采集" in page
    page = text(client.get("/harvest"))
    assert 'href="/harvest" aria-current="page"' in page


def test_an_editor_of_another_department_may_not_change_or_run_a_source(client, app, cast, source):
    job_id = queued_job(app, "city-transport")
    login_as(client, cast.outsider)  # admin of health, nothing in transport
    token = csrf(client, "/harvest")
    assert client.get("/harvest/edit/city-transport").status_code == 403
    edit = client.post("/harvest/edit/city-transport", data={**source_form(), "csrf_token": token})
    assert edit.status_code == 403
    assert (
        client.post("/harvest/city-transport/jobs", data={"csrf_token": token}).status_code == 403
    )
    assert client.get("/harvest/city-transport/delete").status_code == 403
    deleted = client.post("/harvest/city-transport/delete", data={"csrf_token": token})
    assert deleted.status_code == 403
    aborted = client.post(f"/harvest/city-transport/job/{job_id}/abort", data={"csrf_token": token})
    assert aborted.status_code == 403
    # Jobs and reports are for the source's department only.
    assert client.get("/harvest/city-transport").status_code == 403
    assert client.get(f"/harvest/city-transport/job/{job_id}").status_code == 403
    # The list shows their own departments' sources only; the form offers only them.
    assert "city-transport" not in text(client.get("/harvest"))
    form = text(client.get("/harvest/new"))
    assert cast.health.id in form and cast.transport.id not in form
    # Nothing changed.
    assert call("harvest_source_show", site_context(app), {"id": "city-transport"})["enabled"]
    assert last_job(app, "city-transport")["status"] == "new"


def test_members_read_sources_and_reports_but_cannot_manage_them(client, app, cast, source):
    job_id = queued_job(app, "city-transport")
    login_as(client, cast.member)
    listing = text(client.get("/harvest"))
    assert "city-transport" in listing
    assert "添加采集源" not in listing and "/harvest/edit/city-transport" not in listing
    page = text(client.get("/harvest/city-transport"))
    assert "立即采集" not in page and "中止" not in page
    assert client.get(f"/harvest/city-transport/job/{job_id}").status_code == 200
    assert client.get("/harvest/edit/city-transport").status_code == 403
    assert client.get("/harvest/new").status_code == 403
    token = csrf(client, "/harvest")
    assert (
        client.post("/harvest/city-transport/jobs", data={"csrf_token": token}).status_code == 403
    )


def test_sysadmins_see_every_departments_sources(client, app, cast, server):
    make_source(app, cast.transport, server.url("/a/"), name="transport-feed")
    make_source(app, cast.health, server.url("/b/"), name="health-feed", source_type="datajson")
    login_as(client, cast.sysadmin)
    page = text(client.get("/harvest"))
    assert "transport-feed" in page and "health-feed" in page
    assert "2 个采集源" in page
    only = text(client.get("/harvest?org=health"))
    assert "health-feed" in only and "transport-feed" not in only
    login_as(client, cast.editor)
    page = text(client.get("/harvest"))
    assert "transport-feed" in page and "health-feed" not in page


def test_unknown_sources_and_jobs_are_404(client, app, cast, source, server):
    login_as(client, cast.editor)
    assert client.get("/harvest/no-such-source").status_code == 404
    assert client.get("/harvest/city-transport/job/no-such-job").status_code == 404
    # A job shown under another source's address is not found either.
    make_source(app, cast.transport, server.url("/other/"), name="other-source")
    job_id = queued_job(app, "other-source")
    assert client.get(f"/harvest/city-transport/job/{job_id}").status_code == 404


# --- the form --------------------------------------------------------------------------------


def test_editor_creates_a_source_after_fixing_the_marked_fields(client, app, cast):
    login_as(client, cast.editor)
    assert "添加采集源" in text(client.get("/harvest"))
    token = csrf(client, "/harvest/new")
    response = client.post(
        "/harvest/new",
        data={
            **source_form(url="not a url", config='{"timeout": 30,}'),
            "owner_org": cast.transport.id,
            "csrf_token": token,
        },
    )
    assert response.status_code == 409
    page = text(response)
    assert field_error(page, "url") == "不是有效的网址。"
    assert "这不是有效的 JSON：第 1 行第 16 列有误" in field_error(page, "config")
    assert 'aria-invalid="true" aria-describedby="field-config-help field-config-error"' in page
    assert 'href="#field-url"' in page and 'href="#field-config"' in page  # the error summary
    # What was typed is kept.
    assert 'value="市交通开放数据"' in page and "{&#34;timeout&#34;: 30,}" in page
    assert call("harvest_source_list", site_context(app), {}) == []
    response = client.post(
        "/harvest/new",
        data={
            **source_form(config='{"timeout": 30}'),
            "owner_org": cast.transport.id,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/harvest/city-bus"
    page = text(client.get("/harvest/city-bus"))
    assert "采集源已保存" in page and "市交通开放数据" in page and "每天" in page
    assert "此采集源尚未采集过" in page
    listing = text(client.get("/harvest"))
    [row] = rows(listing)
    assert "市交通开放数据" in row and "省交通运输厅" in row and "CKAN Action API" in row
    assert "每天" in row and "从未采集" in row


def test_config_errors_of_the_action_are_shown_next_to_the_field(client, cast):
    login_as(client, cast.editor)
    token = csrf(client, "/harvest/new")
    form = {**source_form(), "owner_org": cast.transport.id, "csrf_token": token}
    response = client.post("/harvest/new", data={**form, "config": "[1, 2]"})
    assert response.status_code == 409
    assert field_error(text(response), "config") == "必须是一个 JSON 对象。"
    response = client.post("/harvest/new", data={**form, "config": '{"colour": "red"}'})
    assert response.status_code == 409 and "colour" in field_error(text(response), "config")
    response = client.post("/harvest/new", data={**form, "config": "[" * 50_000})
    assert response.status_code == 409 and "不是有效的 JSON" in field_error(
        text(response), "config"
    )
    response = client.post("/harvest/new", data={**form, "name": "Not A Name"})
    assert response.status_code == 409 and "小写字母" in field_error(text(response), "name")


def test_every_form_input_has_a_label(client, cast):
    login_as(client, cast.editor)
    page = text(client.get("/harvest/new"))
    ids = re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*id="([^"]+)"', page
    )
    assert {"field-title", "field-name", "field-url", "field-config"} <= set(ids)
    assert {"field-source_type", "field-owner_org", "field-frequency", "field-enabled"} <= set(ids)
    for ident in ids:
        assert f'for="{ident}"' in page, ident
    assert 'name="csrf_token"' in page


def test_editing_a_source_replaces_its_settings(client, app, cast, source):
    login_as(client, cast.editor)
    page = text(client.get("/harvest/edit/city-transport"))
    assert 'value="city-transport"' in page and 'id="field-enabled" name="enabled"' in page
    token = csrf(client, "/harvest/edit/city-transport")
    response = client.post(
        "/harvest/edit/city-transport",
        data={
            **source_form(name="city-transport", url=source["url"], frequency="WEEKLY"),
            "owner_org": cast.transport.id,
            "enabled": "",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    saved = call("harvest_source_show", site_context(app), {"id": "city-transport"})
    assert saved["frequency"] == "WEEKLY" and saved["enabled"] is False
    assert saved["title"] == "市交通开放数据"
    page = text(client.get("/harvest/city-transport"))
    assert "已停用" in page and "每周" in page
    response = run_harvest(client, "city-transport")
    assert response.status_code == 302
    assert "该采集源已停用。" in text(client.get("/harvest/city-transport"))


def test_secrets_in_the_config_are_not_shown_on_the_source_page(client, app, cast, server):
    make_source(
        app, cast.transport, server.url("/"), name="keyed", config={"api_key": "s3cret-key"}
    )
    login_as(client, cast.member)
    assert "s3cret-key" not in text(client.get("/harvest/keyed"))
    login_as(client, cast.editor)
    page = text(client.get("/harvest/keyed"))
    assert "s3cret-key" not in page and "••••••" in page
    assert "s3cret-key" in text(client.get("/harvest/edit/keyed"))  # managers may change it


# --- jobs and reports ------------------------------------------------------------------------


def test_harvest_now_runs_a_job_and_its_report_shows_counts_and_errors(client, app, cast, source):
    login_as(client, cast.editor)
    response = run_harvest(client, "city-transport")
    assert response.status_code == 302
    assert response.headers["Location"] == "/harvest/city-transport"
    page = text(client.get("/harvest/city-transport"))
    assert "采集任务已加入队列" in page
    job = last_job(app, "city-transport")
    assert job["status"] == "finished" and job["stats"]["errored"] == 1, job
    [row] = rows(page)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert "已完成" in cells[0]
    assert [c.strip() for c in cells[4:9]] == ["6", "0", "0", "0", "1"]
    assert f'href="/harvest/city-transport/job/{job["id"]}"' in row
    listing = rows(text(client.get("/harvest")))[0]
    assert "已完成" in listing and ">6<" in listing  # last job and dataset count

    report = text(client.get(f"/harvest/city-transport/job/{job['id']}"))
    assert "采集任务报告" in report and "已完成" in report
    assert '<td data-count="added">6</td>' in report
    assert '<td data-count="errored">1</td>' in report
    assert '<td data-stage="import">1</td>' in report and '<td data-stage="gather">0</td>' in report
    [error] = rows(report, "data-table error-table")
    assert "remote-00003" in error and "导入" in error
    assert "<code>frequency</code>" in error and "<code>issued</code>" in error
    assert "不是有效的日期" in error or "Not a valid date" in error

    fetch_only = text(client.get(f"/harvest/city-transport/job/{job['id']}?stage=fetch"))
    assert "没有错误" in fetch_only and "remote-00003" not in fetch_only
    assert '<option value="fetch" selected>' in fetch_only
    imported = text(client.get(f"/harvest/city-transport/job/{job['id']}?stage=import"))
    assert "remote-00003" in imported


def test_a_full_reharvest_is_marked_as_such(client, app, cast, source):
    login_as(client, cast.editor)
    assert run_harvest(client, "city-transport", full=True).status_code == 302
    job = last_job(app, "city-transport")
    assert job["full"] is True
    page = text(client.get("/harvest/city-transport"))
    assert "完整重新采集已加入队列" in page
    [row] = rows(page)
    assert "完整重新采集" in row


def test_the_error_list_is_paged(client, app, cast, server):
    fake = FakeCkan([ckan_dataset(n, frequency="BAD") for n in range(1, 26)])
    fake.install(server)
    make_source(app, cast.transport, server.url("/"), name="broken")
    login_as(client, cast.editor)
    run_harvest(client, "broken")
    job = last_job(app, "broken")
    assert job["stats"]["errored"] == 25
    first = text(client.get(f"/harvest/broken/job/{job['id']}"))
    assert "25 个错误" in first and len(rows(first, "data-table error-table")) == 20
    assert 'class="pager"' in first and 'rel="next"' in first
    second = text(client.get(f"/harvest/broken/job/{job['id']}?page=2"))
    assert len(rows(second, "data-table error-table")) == 5 and 'rel="prev"' in second


def test_an_unfinished_job_can_be_aborted(client, app, cast, source):
    job_id = queued_job(app, "city-transport")
    login_as(client, cast.editor)
    page = text(client.get("/harvest/city-transport"))
    assert "排队中" in page and f"/harvest/city-transport/job/{job_id}/abort" in page
    # A second job cannot start while this one is unfinished: the action says why.
    run_harvest(client, "city-transport")
    assert "此采集源已有一个未完成的任务。" in text(client.get("/harvest/city-transport"))
    token = csrf(client, "/harvest/city-transport")
    response = client.post(
        f"/harvest/city-transport/job/{job_id}/abort", data={"csrf_token": token}
    )
    assert response.status_code == 302
    page = text(client.get("/harvest/city-transport"))
    assert "已中止" in page and f"/job/{job_id}/abort" not in page
    assert last_job(app, "city-transport")["status"] == "aborted"
    # Aborting again is refused politely, not with an error page.
    response = client.post(
        f"/harvest/city-transport/job/{job_id}/abort", data={"csrf_token": token}
    )
    assert response.status_code == 302


def test_delete_asks_for_confirmation_then_removes_the_source(client, app, cast, source):
    login_as(client, cast.editor)
    confirm = client.get("/harvest/city-transport/delete")
    assert confirm.status_code == 200 and "删除此采集源？" in text(confirm)
    assert "city-transport" in text(client.get("/harvest"))  # asking deleted nothing
    token = csrf(client, "/harvest/city-transport/delete")
    response = client.post("/harvest/city-transport/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/harvest"
    listing = text(client.get("/harvest"))
    assert "采集源已删除" in listing and "city-transport" not in listing
    assert client.get("/harvest/city-transport").status_code == 404


def test_deleting_a_source_can_also_delete_its_datasets_which_stay_restorable(
    client, app, cast, source
):
    login_as(client, cast.editor)
    run_harvest(client, "city-transport")
    harvested = [r.dataset_id for r in records(app, source["id"]).values() if r.dataset_id]
    assert len(harvested) == 6
    confirm = text(client.get("/harvest/city-transport/delete"))
    assert "同时删除它采集的 6 个数据集" in confirm
    response = client.post(
        "/harvest/city-transport/delete",
        data={"csrf_token": csrf(client, "/harvest/city-transport/delete"), "clear": "true"},
    )
    assert response.status_code == 302
    context = site_context(app)
    states = {call("package_show", context, {"id": i})["state"] for i in harvested}
    assert states == {"deleted"}
    trash = text(client.get("/dashboard/deleted"))
    shown = call("package_show", context, {"id": harvested[0]})
    assert f'href="/dataset/{shown["name"]}"' in trash  # restorable like any deleted dataset


def test_older_jobs_are_paged_twenty_at_a_time(client, app, cast, source):
    session = app.extensions["portal.db"].factory()
    started = datetime(2026, 1, 1, 8, 0)
    for n in range(25):
        session.add(
            HarvestJob(
                source_id=source["id"],
                status="finished",
                created=started + timedelta(days=n),
                added=n,
            )
        )
    session.commit()
    session.close()
    login_as(client, cast.editor)
    first = text(client.get("/harvest/city-transport"))
    assert first.count("/job/") == 20 and 'rel="next"' in first and 'rel="prev"' not in first
    second = text(client.get("/harvest/city-transport?page=2"))
    assert second.count("/job/") == 5 and 'rel="prev"' in second and 'rel="next"' not in second
    assert "2026年1月1日" in second and "2026年1月1日" not in first  # the oldest come last
    beyond = text(client.get("/harvest/city-transport?page=9"))
    assert "没有更多任务" in beyond


# --- languages -------------------------------------------------------------------------------


def test_pages_are_chinese_by_default_and_english_on_request(client, app, cast, source):
    login_as(client, cast.editor)
    run_harvest(client, "city-transport")
    job = last_job(app, "city-transport")
    paths = (
        "/harvest",
        "/harvest/new",
        "/harvest/city-transport",
        "/harvest/edit/city-transport",
        "/harvest/city-transport/delete",
        f"/harvest/city-transport/job/{job['id']}",
    )
    for path in paths:
        chinese = client.get(path)
        assert chinese.status_code == 200, path
        assert '<html lang="zh-Hans">' in text(chinese), path
    page = text(client.get("/harvest/city-transport"))
    assert "立即采集" in page and "最近的任务" in page and "已完成" in page
    english = text(client.get("/harvest/city-transport?lang=en"))
    assert '<html lang="en">' in english
    assert "Harvest now" in english and "Recent jobs" in english and "Finished" in english
    assert "立即采集" not in english
    # The language link remembers the choice for the next pages.
    client.get("/lang/en?next=/harvest")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200 and '<html lang="en">' in text(response), path
    report = text(client.get(f"/harvest/city-transport/job/{job['id']}"))
    assert "Harvest job report" in report and "Import (create or update datasets)" in report
    assert "Manual only" in text(client.get("/harvest"))


def test_every_status_stage_frequency_and_type_has_a_label():
    assert set(pages.STATUS_LABELS) == set(JOB_STATUSES) == set(pages.STATUS_CLASSES)
    assert set(pages.STAGE_LABELS) == set(STAGES)
    assert set(pages.FREQUENCY_LABELS) == set(FREQUENCIES)
    assert set(pages.TYPE_LABELS) == set(SOURCE_TYPES)
