"""schemathesis against /api/3/openapi.json on a throwaway portal under gunicorn: every documented
operation, with generated valid and invalid input as a sysadmin, answers without a 5xx and with a
body that matches its documented response schema.

The run is bounded (MAX_EXAMPLES per operation and phase) and deterministic (schemathesis'
deterministic generation, which keeps no example database), so a failure reproduces on the
next run. Its report is the assertion message.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import ckanapi
import pytest
from live_server import LivePortal, running_portal

pytestmark = pytest.mark.server

MAX_EXAMPLES = 30
RUN_TIMEOUT = 420  # seconds for one schemathesis run; it takes about a minute here
CHECKS = "not_a_server_error,response_schema_conformance"
# Actions that make the server fetch a URL the generated input names (a harvest source's URL,
# fetched by the job worker when a job is created or scheduled): a test may only send traffic
# to loopback, so these are left out. Their validation is covered in tests/test_harvest_*.py.
FETCHING = ("harvest_source_create", "harvest_source_update", "harvest_job_create")
# schemathesis (4.32) crashes on multipart bodies with a `format: binary` field ("Unsupported
# type: 'Binary'", a valid OpenAPI 3.0 upload) when it builds invalid ones (coverage phase,
# negative mode): those operations get valid generated input only.
UPLOADS = ("resource_create", "resource_update", "resource_patch")


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    # No link checks: the generated resource URLs must never be fetched.
    env = {"PORTAL_LINKCHECK": "0"}
    with running_portal(tmp_path_factory.mktemp("fuzz"), workers=2, env=env) as portal:
        yield portal


@pytest.fixture(scope="module")
def known_ids(live_portal: LivePortal) -> list[str]:
    """A small catalog, so generated calls also reach existing objects, not only 404s."""
    with ckanapi.RemoteCKAN(live_portal.url, apikey=live_portal.token) as ckan:
        ckan.action.organization_create(name="transport", title="省交通运输厅")
        ckan.action.group_create(name="traffic", title="交通出行")
        dataset = ckan.action.package_create(
            name="bus-routes",
            title="城市公交线路",
            notes="全市公交线路与站点。",
            owner_org="transport",
            tags=[{"name": "公交"}],
            groups=[{"name": "traffic"}],
            resources=[{"url": "http://example.com/routes.csv", "format": "CSV", "name": "线路"}],
        )
        # A loopback URL with nothing listening: the job worker's fetch guard refuses it.
        source = ckan.action.harvest_source_create(
            name="city-catalog",
            title="市级目录",
            url="http://127.0.0.1:9/catalog.json",
            source_type="datajson",
            owner_org="transport",
        )
        job = ckan.action.harvest_job_create(source_id=source["id"])
    resource_id = dataset["resources"][0]["id"]
    return [
        "transport",
        "traffic",
        "bus-routes",
        dataset["id"],
        resource_id,
        "city-catalog",
        source["id"],
        job["id"],
        live_portal.sysadmin,
    ]


def config_file(path: Path, token: str, ids: list[str]) -> Path:
    """schemathesis.toml: the sysadmin's token, and the known ids offered for id fields."""
    values = ", ".join(f'"{value}"' for value in ids)
    fields = ("id", "package_id", "owner_org", "source_id", "username", "object")
    bindings = "\n".join(
        f'"{location}.{name}" = {{ dictionary = "ids", probability = 0.5 }}'
        for name in fields
        for location in ("body", "query")
    )
    path.write_text(
        f'headers = {{ Authorization = "{token}" }}\n\n'
        # No state carried from run to run: each run generates the same cases afresh.
        "[cache]\nenabled = false\n\n"
        f"[dictionaries.ids]\nvalues = [{values}]\n\n[parameters]\n{bindings}\n",
        encoding="utf-8",
    )
    return path


def schemathesis(config: Path, url: str, phases: str, *options: str) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{url}/api/3/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        phases,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--no-color",
        *[option for name in FETCHING for option in ("--exclude-operation-id", name)],
        *options,
    ]
    return subprocess.run(
        command,
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def report(result: subprocess.CompletedProcess, portal: LivePortal) -> str:
    return f"schemathesis exited {result.returncode}:\n{result.stdout}\n{result.stderr}\n" + (
        f"--- server log (end) ---\n{portal.log()[-3000:]}"
    )


@pytest.fixture(scope="module")
def config(
    live_portal: LivePortal, known_ids: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("schemathesis") / "schemathesis.toml"
    return config_file(path, live_portal.token, known_ids)


def test_every_operation_answers_without_server_errors_and_as_documented(
    live_portal: LivePortal, config: Path
) -> None:
    not_uploads = [o for name in UPLOADS for o in ("--exclude-operation-id", name)]
    result = schemathesis(config, live_portal.url, "examples,coverage,fuzzing", *not_uploads)
    _skip_if_only_schemathesis_crashed(result)
    assert result.returncode == 0, report(result, live_portal)
    assert " passed" in result.stdout, report(result, live_portal)


def test_resource_actions_answer_valid_json_and_multipart_bodies_as_documented(
    live_portal: LivePortal, config: Path
) -> None:
    uploads = [o for name in UPLOADS for o in ("--include-operation-id", name)]
    result = schemathesis(config, live_portal.url, "fuzzing", *uploads, "--mode", "positive")
    assert result.returncode == 0, report(result, live_portal)
    assert " passed" in result.stdout, report(result, live_portal)


def _skip_if_only_schemathesis_crashed(result) -> None:  # noqa: ANN001
    """schemathesis 4 sometimes fails inside its own generator ("Runtime Error ...
    SystemError: AST constructor recursion depth mismatch") with no check failing: that is
    the tool's bug, not a finding about the portal."""
    out = result.stdout
    if result.returncode != 0 and "Runtime Error" in out and "FAILURES" not in out:
        pytest.skip("schemathesis crashed inside its own generator (no check failed)")
