"""The distributed deployment's files parse and say what docker/DEPLOYMENT.md says: the compose
file runs the web and worker images on PostgreSQL, Elasticsearch, Redis and MinIO (every
PORTAL_* URL pointing at its service, every service with a healthcheck), and each Dockerfile is
well formed (FROM first, known instructions) and starts gunicorn with docker/gunicorn.conf.py
or `portal worker`."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

DOCKER = Path(__file__).resolve().parents[1] / "docker"
INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip
BACKENDS = {"postgres": "postgres:", "redis": "redis:", "minio": "minio/minio"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile: comments dropped, continuations joined."""
    found, pending = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        word, _, rest = line.partition(" ")
        found.append((word.upper(), rest.strip()))
    assert not pending, f"{path.name}: a continuation line at the end"
    return found


def stages(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Each build stage's instructions, by its name (or its position)."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for word, rest in instructions(path):
        if word == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else str(len(found))
            current = found.setdefault(name, [])
        current.append((word, rest))
    return found


def command(rest: str) -> list[str]:
    """A CMD/ENTRYPOINT: the JSON (exec) form, or the shell form split like a shell."""
    return json.loads(rest) if rest.startswith("[") else shlex.split(rest)


def final_command(stage: list[tuple[str, str]], inherited: list[str] | None = None) -> list[str]:
    cmd = [command(rest) for word, rest in stage if word in ("CMD", "ENTRYPOINT")]
    return cmd[-1] if cmd else (inherited or [])


def runs_gunicorn(cmd: list[str]) -> bool:
    return cmd[:1] == ["gunicorn"] and "docker/gunicorn.conf.py" in cmd and "wsgi:app" in cmd


def test_every_dockerfile_starts_with_from_and_uses_known_instructions():
    files = sorted(DOCKER.glob("*Dockerfile*"))
    assert files
    for path in files:
        found = instructions(path)
        assert found[0][0] in ("FROM", "ARG"), path.name
        assert next(w for w, _ in found if w != "ARG") == "FROM", path.name
        unknown = {word for word, _ in found} - INSTRUCTIONS
        assert not unknown, (path.name, unknown)
        for word, rest in found:
            if word in ("CMD", "ENTRYPOINT", "HEALTHCHECK") and rest.startswith("["):
                json.loads(rest)  # a malformed exec form would run through /bin/sh


def test_the_web_image_runs_gunicorn_and_the_worker_image_portal_worker():
    built = stages(DOCKER / "Dockerfile")
    assert {"base", "worker", "portal"} <= set(built)
    assert list(built)[-1] == "portal"  # the default target: the web node
    assert runs_gunicorn(final_command(built["portal"]))
    assert final_command(built["worker"]) == ["portal", "worker"]
    for name in ("worker", "portal"):
        assert built[name][0][1].split()[0] == "base", name  # one installed base
    base = built["base"]
    assert any(w == "RUN" and "pip install ." in rest for w, rest in base)
    assert any(w == "USER" and rest != "root" for w, rest in base)
    assert any(w == "HEALTHCHECK" and "/healthz" in rest for w, rest in built["portal"])
    assert any(w == "COPY" and "gunicorn.conf.py" in rest for w, rest in base)


def test_compose_runs_the_images_on_the_shared_backends(compose):
    services = compose["services"]
    assert {"migrate", "portal", "worker", "postgres", "redis", "elasticsearch", "minio"} <= set(
        services
    )
    for name, prefix in BACKENDS.items():
        assert services[name]["image"].startswith(prefix), name
    assert "elasticsearch" in services["elasticsearch"]["image"]
    assert services["portal"]["build"]["target"] == "portal"
    assert services["worker"]["build"]["target"] == "worker"
    assert services["portal"]["image"] != services["worker"]["image"]
    assert runs_gunicorn(services["portal"]["command"])
    assert services["worker"]["command"] == ["portal", "worker"]
    assert services["migrate"]["command"] == ["portal", "db", "upgrade"]


def test_every_portal_url_points_at_its_service(compose):
    services = compose["services"]
    hosts = {
        "PORTAL_DATABASE_URL": ("postgresql", "postgres", 5432),
        "PORTAL_DATASTORE_URL": ("postgresql", "postgres", 5432),
        "PORTAL_SEARCH_URL": ("http", "elasticsearch", 9200),
        "PORTAL_QUEUE_URL": ("redis", "redis", 6379),
    }
    for name in ("portal", "worker", "migrate"):
        env = services[name]["environment"]
        for key, (scheme, host, port) in hosts.items():
            url = urlsplit(env[key])
            assert (url.scheme, url.hostname, url.port) == (scheme, host, port), (name, key)
        storage = urlsplit(env["PORTAL_STORAGE_URL"])
        assert storage.scheme == "s3" and "endpoint_url=http://minio:9000" in storage.query
        assert env["PORTAL_S3_ACCESS_KEY"] == services["minio"]["environment"]["MINIO_ROOT_USER"]
        assert (
            env["PORTAL_S3_SECRET_KEY"] == services["minio"]["environment"]["MINIO_ROOT_PASSWORD"]
        )
    database = urlsplit(services["portal"]["environment"]["PORTAL_DATABASE_URL"])
    postgres = services["postgres"]["environment"]
    assert (database.username, database.password, database.path.lstrip("/")) == (
        postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"],
    )  # fmt: skip


def test_every_long_running_service_has_a_healthcheck_and_waits_for_the_backends(compose):
    services = compose["services"]
    for name in ("portal", "postgres", "redis", "elasticsearch", "minio"):
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert len(check["test"]) > 1 and check.get("interval"), name
    assert any("/healthz" in part for part in services["portal"]["healthcheck"]["test"])
    for name in ("portal", "worker"):
        waits = services[name]["depends_on"]
        assert waits["migrate"]["condition"] == "service_completed_successfully"
        for backend in ("postgres", "redis", "elasticsearch", "minio"):
            assert waits[backend]["condition"] == "service_healthy", (name, backend)


def test_the_deployment_guide_names_what_is_shared_and_what_must_not_be():
    guide = (DOCKER / "DEPLOYMENT.md").read_text(encoding="utf-8")
    for setting in ("PORTAL_DATABASE_URL", "PORTAL_SEARCH_URL", "PORTAL_QUEUE_URL",
                    "PORTAL_STORAGE_URL", "PORTAL_SECRET_KEY"):  # fmt: skip
        assert setting in guide, setting
    assert "## Not shared" in guide and "tantivy" in guide and "SQLite" in guide
