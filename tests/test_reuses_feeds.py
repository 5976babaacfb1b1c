"""Reuses in the DCAT-AP feeds: each dataset's RDF, and every dataset of a catalog page, gains
dct:isReferencedBy <the reuse's page> for each published reuse; hidden reuses and private
datasets stay out, the catalog looks the references up in one query per page, and the result
still has no violation of the DCAT-AP 3.0.1 shapes."""

from __future__ import annotations

from contextlib import contextmanager

from conftest import create_dataset
from rdflib import Graph, Namespace, URIRef
from sqlalchemy import event

from tests.test_feeds_dcat import SH, describe, results, shacl, shapes

DCT = Namespace("http://purl.org/dc/terms/")
APP = {
    "title": "公交到站提醒小程序",
    "description": "提醒乘客车辆即将到站。",
    "type": "application",
    "url": "https://apps.example.cn/bus-alert",
}


def submit(api, person, datasets, **fields):
    return api.ok("reuse_create", person, **{**APP, "datasets": datasets, **fields})


def turtle(client, path: str, person=None) -> Graph:
    response = client.get(path, headers=person.headers if person else {})
    assert response.status_code == 200, response.data[:300]
    return Graph().parse(data=response.data, format="turtle")


def referenced_by(graph: Graph, site: str, dataset: dict) -> set[str]:
    subject = URIRef(f"{site}/dataset/{dataset['id']}")
    return {str(o) for o in graph.objects(subject, DCT.isReferencedBy)}


@contextmanager
def statements(app):
    """The SQL statements run meanwhile."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = app.extensions["portal.db"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_dataset_rdf_is_referenced_by_its_published_reuses(app, client, api, cast):
    site = app.extensions["portal.settings"].site_url
    bus = create_dataset(app, "bus-positions", cast.transport, title="公交车实时位置")
    shown = submit(api, cast.stranger, ["bus-positions"])
    hidden = submit(api, cast.stranger, ["bus-positions"], title="推广链接")
    api.ok("reuse_moderate", cast.sysadmin, id=hidden["id"], decision="hide")
    graph = turtle(client, "/dataset/bus-positions.ttl")
    assert referenced_by(graph, site, bus) == {f"{site}/reuse/{shown['id']}"}
    report = shacl(graph, shapes("dcat-ap-SHACL.ttl"))
    violations = results(report, SH.Violation)
    assert not violations, describe(report, violations)


def test_catalog_page_references_come_from_one_query(app, client, api, cast):
    site = app.extensions["portal.settings"].site_url
    datasets = [
        create_dataset(app, f"bus-line-{n}", cast.transport, title=f"公交线路{n}") for n in range(6)
    ]
    reuses = [submit(api, cast.member, [d["name"]], title=f"线路应用{n}")
              for n, d in enumerate(datasets[:4])]  # fmt: skip
    both = submit(api, cast.sysadmin, [datasets[0]["name"], datasets[1]["name"]], title="总览")
    with statements(app) as seen:
        graph = turtle(client, "/catalog.ttl")
    assert len([s for s in seen if "reuse_dataset" in s]) == 1
    assert referenced_by(graph, site, datasets[0]) == {
        f"{site}/reuse/{reuses[0]['id']}",
        f"{site}/reuse/{both['id']}",
    }
    assert referenced_by(graph, site, datasets[3]) == {f"{site}/reuse/{reuses[3]['id']}"}
    assert referenced_by(graph, site, datasets[5]) == set()


def test_private_dataset_references_only_for_its_readers(app, client, api, cast):
    site = app.extensions["portal.settings"].site_url
    create_dataset(app, "bus-positions", cast.transport)
    internal = create_dataset(app, "bus-internal", cast.transport, private=True)
    reuse = submit(api, cast.member, ["bus-positions", "bus-internal"])
    catalog = turtle(client, "/catalog.ttl")
    assert referenced_by(catalog, site, internal) == set()
    assert URIRef(f"{site}/dataset/{internal['id']}") not in set(catalog.subjects())
    assert client.get("/dataset/bus-internal.ttl").status_code == 404
    own = turtle(client, "/dataset/bus-internal.ttl", cast.editor)
    assert referenced_by(own, site, internal) == {f"{site}/reuse/{reuse['id']}"}
