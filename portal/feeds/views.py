"""The feeds' routes: DCAT-AP RDF per dataset and for the paged catalog, /data.json, schema.org
JSON-LD, the catalog spreadsheet (CSV, XLSX), the profile namespaces and resource-code links.

Reads go through the actions: a dataset's RDF through package_show as the caller (404 when
the caller may not see it), catalog feeds through package_search as an anonymous visitor, so
only public datasets are ever listed. Bad parameters answer 400 with a plain-text message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    request,
    send_file,
    stream_with_context,
)

from portal.actions import Context, call
from portal.errors import NotAuthorized, NotFound, SearchError, SearchQueryError
from portal.feeds import datajson, dcat_columns, export
from portal.feeds.catalog import (
    CatalogQuery,
    Cursor,
    FeedParameterError,
    catalog_info,
    catalog_page,
    iter_datasets,
    latest_modified,
    parse_query,
    search_page,
)
from portal.feeds.dcat import PageInfo, catalog_triples
from portal.feeds.dcat_dataset import dataset_triples
from portal.feeds.rdf import MEDIA_TYPES, WRITERS, Triples, lit
from portal.feeds.schemaorg import dataset_to_schemaorg
from portal.feeds.values import site_url_of
from portal.feeds.vocab import RDF, RDFS
from portal.request_context import action_context
from schemas.profiles import dataset_types, profiles

bp = Blueprint("feeds", __name__)

RDF_FORMATS = "any(ttl, rdf, jsonld)"
#: Accept header media types -> feed extension, for /catalog's content negotiation.
NEGOTIATED = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/rdf+xml": "rdf",
    "application/ld+json": "jsonld",
}


# --- helpers ---------------------------------------------------------------------------------


def bad_request(message: str) -> Response:
    return Response(message + "\n", status=400, mimetype="text/plain")


def unavailable() -> Response:
    message = "Search is unavailable right now: please try again in a moment.\n"
    return Response(message, status=503, mimetype="text/plain")


def anonymous_context() -> Context:
    """The catalog feeds' reader: an anonymous visitor, whatever token the request carries."""
    session = current_app.extensions["portal.db"].session()
    return Context(session=session, app=current_app._get_current_object(), user=None)


def rdf_response(triples: Triples, fmt: str, public: bool = True) -> Response:
    chunks = (chunk.encode("utf-8") for chunk in WRITERS[fmt](triples))
    response = Response(chunks, mimetype=MEDIA_TYPES[fmt])
    response.mimetype_params["charset"] = "utf-8"
    return _cache_headers(response, public)


def _cache_headers(response: Response, public: bool) -> Response:
    if public:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "public, max-age=300"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def readable_dataset(name: str) -> dict[str, Any]:
    """package_show as the caller; a dataset they may not see is a 404, not a 403."""
    try:
        return call("package_show", action_context(), {"id": name})
    except (NotFound, NotAuthorized):
        abort(404)


def page_url(fmt: str, query: CatalogQuery, number: int) -> str:
    args = {"page": str(number), **query.link_args()}
    return f"{site_url_of(current_app)}/catalog.{fmt}?{urlencode(args)}"


def cursor_url(fmt: str, query: CatalogQuery, cursor: Cursor) -> str:
    args = {"after": cursor.encode(), **query.link_args()}
    return f"{site_url_of(current_app)}/catalog.{fmt}?{urlencode(args)}"


def reuse_references(context: Context, datasets: list[dict[str, Any]]) -> dict[str, list[str]]:
    """dataset id -> the pages of the published reuses citing it, for all `datasets` in one
    action call (one query, whatever their number)."""
    found: dict[str, list[str]] = {}
    if not datasets:
        return found
    rows = call("reuse_references", context, {"dataset_ids": [d["id"] for d in datasets]})
    for row in rows:
        found.setdefault(row["dataset_id"], []).append(row["page_url"])
    return found


# --- per dataset -----------------------------------------------------------------------------


@bp.get(f"/dataset/<name>.<{RDF_FORMATS}:fmt>")
def dataset_rdf(name: str, fmt: str) -> Response:
    dataset = readable_dataset(name)
    references = reuse_references(action_context(), [dataset])
    triples = dataset_triples(site_url_of(current_app), dataset, references)
    dcat_columns.add_columns(triples, site_url_of(current_app), dataset,
                             dcat_columns.table_fields(action_context(), dataset))  # fmt: skip
    return rdf_response(triples, fmt, public=not dataset.get("private"))


@bp.get("/dataset/<name>.schemaorg.jsonld")
def dataset_schemaorg(name: str) -> Response:
    dataset = readable_dataset(name)
    data = dataset_to_schemaorg(dataset, site_url_of(current_app), _catalog_name())
    response = Response(json.dumps(data, ensure_ascii=False), mimetype="application/ld+json")
    response.mimetype_params["charset"] = "utf-8"
    return _cache_headers(response, public=not dataset.get("private"))


def _catalog_name() -> str:
    return catalog_info(current_app).title.get("zh") or "开放数据门户"


# --- the catalog -----------------------------------------------------------------------------


@bp.get("/catalog")
def catalog_negotiate() -> Response:
    """303 to the catalog in the format the Accept header prefers (Turtle by default)."""
    best = request.accept_mimetypes.best_match(list(NEGOTIATED), default="text/turtle")
    query = request.query_string.decode("latin-1")
    target = f"/catalog.{NEGOTIATED[best]}" + (f"?{query}" if query else "")
    return redirect(target, code=303)


@bp.get(f"/catalog.<{RDF_FORMATS}:fmt>")
def catalog_rdf(fmt: str) -> Response:
    try:
        query = parse_query(request.args)
    except FeedParameterError as exc:
        return bad_request(str(exc))
    context = anonymous_context()
    try:
        found = catalog_page(context, query)
        modified = latest_modified(context)
    except SearchQueryError as exc:
        return bad_request(f"The query could not be understood: {exc.message}")
    except SearchError:
        return unavailable()
    # The next link is always a cursor (keyset paging), also from a numbered page.
    page = PageInfo(
        query.page,
        query.rows,
        found.total,
        lambda n: page_url(fmt, query, n),
        next_url=cursor_url(fmt, query, found.next) if found.next else None,
        keyset=True,
    )
    if query.numbered and query.page > page.last:
        return Response(
            f"There is no page {query.page}: the last page is {page.last}.\n",
            status=404,
            mimetype="text/plain",
        )
    references = reuse_references(context, found.datasets)
    triples = catalog_triples(catalog_info(current_app), found.datasets, modified, page, references)
    return rdf_response(triples, fmt)


def _streamed(query: CatalogQuery) -> Iterator[dict[str, Any]] | Response:
    """Public datasets matching `query`, page by page; the first page is fetched before the
    response starts, so a bad query is still a 400 (and a search outage a 503)."""
    datasets = iter_datasets(anonymous_context(), query)
    try:
        first = next(datasets, None)
    except SearchQueryError as exc:
        return bad_request(f"The query could not be understood: {exc.message}")
    except SearchError:
        return unavailable()

    def chained() -> Iterator[dict[str, Any]]:
        if first is not None:
            yield first
            yield from datasets

    return chained()


@bp.get("/data.json")
def data_json() -> Response:
    datasets = _streamed(CatalogQuery())
    if isinstance(datasets, Response):
        return datasets
    chunks = datajson.stream_catalog(catalog_info(current_app), datasets)
    body = stream_with_context(chunk.encode("utf-8") for chunk in chunks)
    response = Response(body, mimetype="application/json")
    response.mimetype_params["charset"] = "utf-8"
    return _cache_headers(response, public=True)


def _export_query() -> CatalogQuery | Response:
    """The spreadsheet exports take q, fq, modified_since and type (e.g. cn-gov)."""
    try:
        query = parse_query(request.args)
    except FeedParameterError as exc:
        return bad_request(str(exc))
    kind = request.args.get("type", "").strip()
    if kind and kind not in dataset_types():
        known = ", ".join(dataset_types())
        return bad_request(f"type must be one of {known}, not {kind!r}")
    if kind:
        fq = f"type:{kind}" + (f" AND ({query.fq})" if query.fq.strip() else "")
        query = CatalogQuery(1, query.rows, query.q, fq, query.modified_since)
    return query


@bp.get("/catalog.csv")
def catalog_csv() -> Response:
    encoding = export.ENCODINGS.get(request.args.get("encoding", "utf-8").strip().lower())
    if encoding is None:
        return bad_request("encoding must be utf-8 or gb18030")
    query = _export_query()
    if isinstance(query, Response):
        return query
    datasets = _streamed(query)
    if isinstance(datasets, Response):
        return datasets
    body = stream_with_context(export.csv_chunks(datasets, encoding))
    response = Response(body, mimetype="text/csv")
    response.mimetype_params["charset"] = encoding
    response.headers["Content-Disposition"] = "attachment; filename=catalog.csv"
    return _cache_headers(response, public=True)


@bp.get("/catalog.xlsx")
def catalog_xlsx() -> Response:
    query = _export_query()
    if isinstance(query, Response):
        return query
    datasets = _streamed(query)
    if isinstance(datasets, Response):
        return datasets
    response = send_file(
        export.xlsx_file(datasets),
        mimetype=export.XLSX_MEDIA_TYPE,
        as_attachment=True,
        download_name="catalog.xlsx",
    )
    return _cache_headers(response, public=True)


# --- vocabularies and links ------------------------------------------------------------------


@bp.get("/ns/<profile_name>")
def profile_namespace(profile_name: str) -> Response:
    """The properties of a profile's namespace (`<site>/ns/cn-gov#share_type` ...) with their
    bilingual labels, as Turtle."""
    profile = profiles().get(profile_name)
    if profile is None:
        abort(404)
    base = f"{site_url_of(current_app)}/ns/{profile.name}"
    triples = Triples()
    triples.bind("rdf", str(RDF))
    triples.bind("rdfs", str(RDFS))
    fields = [(f.name, f.label, f.help) for f in profile.dataset_fields]
    items = next((f for f in profile.dataset_fields if f.preset == "items"), None)
    if items is not None:
        fields += [(f"item_{f.name}", f.label, f.help) for f in items.item_fields]
        fields.append(("item_position", {"zh": "序号", "en": "Position"}, {}))
    for name, labels, helps in fields:
        term = f"{base}#{name}"
        triples.add(term, RDF.type, RDF.Property)
        triples.add(term, RDFS.isDefinedBy, base)
        for predicate, texts in ((RDFS.label, labels), (RDFS.comment, helps or {})):
            for lang, text in texts.items():
                if isinstance(text, str) and text:
                    triples.add(term, predicate, lit(text, lang))
    return rdf_response(triples, "ttl")


@bp.get("/resource-code/<path:code>")
def resource_code(code: str) -> Response:
    """The dataset with a resource code (the target of dct:relation links)."""
    escaped = code.replace("\\", "\\\\").replace('"', '\\"')
    try:
        found = search_page(
            anonymous_context(), CatalogQuery(rows=1, fq=f'resource_code:"{escaped}"')
        )
    except (SearchQueryError, SearchError):
        abort(404)
    if not found["results"]:
        abort(404)
    return redirect(f"/dataset/{found['results'][0]['name']}", code=303)
