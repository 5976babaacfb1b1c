"""The Elasticsearch / OpenSearch engine: `PORTAL_SEARCH_URL=http(s)://[user:pass@]host:9200/<prefix>`.

Layout: the alias `<prefix>-datasets` points at one concrete index `<prefix>-datasets-<stamp>`.
Reads and writes go through the alias; `rebuild()` fills a new index and moves the alias in
one atomic `_aliases` call, so searches never go offline. The first index is created on first
use (with a fixed stamp, so processes racing to create it collide on the name instead of
creating two indices behind the alias).

The documents are the engine-neutral ones of portal.search.documents: text fields already
segmented into space-separated tokens, indexed here through the built-in `whitespace`
analyzer, so both engines rank the same tokens; the query tree (portal.search.syntax) is
translated the way portal.search.tantivy_engine translates it. The index's mappings are in
portal.search.elasticsearch_mapping, the request bodies in portal.search.elasticsearch_queries.

Talking to the server. The official `elasticsearch` client (v9) cannot be used as is: it sends
`Accept: application/vnd.elasticsearch+json; compatible-with=9`, which Elasticsearch 8 rejects
and OpenSearch does not know, and it refuses any server that does not answer with
`X-Elastic-Product: Elasticsearch` (OpenSearch). Its high-level methods and `helpers.bulk`
always go through that code path, and turning it off means patching private attributes. So
this engine uses the client's own HTTP layer, `elastic_transport.Transport` (connection pool,
retries on 429/502/503/504, TLS, several nodes), sends plain `application/json` and
`application/x-ndjson`, raises the client's exception classes, and builds `_bulk` bodies
itself. It uses only the REST subset that Elasticsearch 7.10+/8/9 and OpenSearch 1/2/3 share:
create index with explicit settings and mappings (no index templates), `_alias`/`_aliases`,
`_bulk` (with `require_alias`), `_search` (`from`/`size`, `search_after`, `terms`
aggregations), `_refresh`, `_settings`.

Paging: searches page with `from`/`size`, which the server allows up to
`index.max_result_window`; the index sets it to MAX_RESULT_WINDOW (200,000). Pages past that
window come back empty (with the count and facets); there is one shard (see below), so a
deep page costs one priority queue of `from + size` entries. `versions()` walks every document
with `search_after` instead and has no such limit.

One shard by default (`?shards=` to change): facet counts are exact and relevance statistics
are those of the whole catalogue, as in the embedded engine; a catalogue of a million datasets
is a few GB, well within one shard. Replicas: `auto_expand_replicas: 0-1` (no replica on a
single node, so its health is green; one when there are more nodes), or `?replicas=N`.

URL options: `?timeout=` seconds per request (default 30), `verify_certs=0`, `ca_certs=path`,
`shards=`, `replicas=`. Several nodes: `http://host1:9200,host2:9200/portal`. Path segments
before the prefix are a path prefix (a server behind a reverse proxy). `elasticsearch://` and
`opensearch://` mean `http://`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, NoReturn
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from elastic_transport import NodeConfig, Transport, TransportError
from elasticsearch.exceptions import HTTP_EXCEPTIONS, ApiError, BadRequestError, NotFoundError
from elasticsearch.helpers import BulkIndexError

from portal.errors import SearchQueryError
from portal.search.elasticsearch_mapping import REFRESH_INTERVAL, Json, index_definition, to_source
from portal.search.elasticsearch_queries import facets, search_body, suggest_body, total
from portal.search.engine import SearchHits, SearchRequest, SearchUnavailable

DEFAULT_PREFIX = "portal"
DEFAULT_PORT = 9200
DEFAULT_TIMEOUT = 30.0
INITIAL_STAMP = "0" * 20  # the first index; later ones are stamped %Y%m%d%H%M%S%f (UTC)
BULK_DOCUMENTS = 500  # documents per _bulk request
BULK_BYTES = 10 * 1024 * 1024  # and at most this many bytes (servers accept 100 MB)
VERSIONS_PAGE = 10_000
RETRYABLE = {429, 502, 503, 504}
URL_PARAMETERS = {"timeout", "verify_certs", "ca_certs", "shards", "replicas"}
FALSE = {"0", "false", "no", "off"}
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _fail(meta: Any, data: Any, method: str, target: str) -> NoReturn:
    """Raise for an HTTP error: SearchUnavailable when a retry may succeed (429, 5xx), else
    the `elasticsearch` client's exception for the status (NotFoundError, ...)."""
    error = HTTP_EXCEPTIONS.get(meta.status, ApiError)
    exc = error(message=_error_type(data) or str(data), meta=meta, body=data)
    if meta.status in RETRYABLE or meta.status >= 500:
        raise SearchUnavailable(f"{method} {target} failed: {exc}") from exc
    raise exc


def _error_type(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("type", ""))
        if isinstance(error, str):
            return error
    return ""


# --- the engine -----------------------------------------------------------------------------


class ElasticsearchEngine:
    def __init__(
        self,
        transport: Transport,
        prefix: str = DEFAULT_PREFIX,
        *,
        shards: int = 1,
        replicas: int | None = None,
    ) -> None:
        if not _PREFIX.match(prefix):
            raise ValueError(
                f"Bad index prefix {prefix!r}: use lowercase letters, digits, '-', '_' or '.'"
            )
        self.transport = transport
        self.prefix = prefix
        self.alias = f"{prefix}-datasets"
        self.shards = shards
        self.replicas = replicas
        self._ready = False  # the alias is known to exist

    @classmethod
    def from_url(cls, url: str) -> ElasticsearchEngine:
        parsed = urlsplit(url)
        scheme = {"elasticsearch": "http", "opensearch": "http"}.get(parsed.scheme, parsed.scheme)
        if scheme not in ("http", "https"):
            raise ValueError(f"Not an Elasticsearch URL: {url!r}")
        params = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        unknown = set(params) - URL_PARAMETERS
        if unknown:
            raise ValueError(f"Unknown search URL parameters: {', '.join(sorted(unknown))}")
        userinfo, _, hostinfo = parsed.netloc.rpartition("@")
        headers = {}
        if userinfo:
            user, _, password = userinfo.partition(":")
            token = f"{unquote(user)}:{unquote(password)}".encode()
            headers["authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
        segments = [unquote(s) for s in parsed.path.split("/") if s]
        prefix = segments.pop() if segments else DEFAULT_PREFIX
        path_prefix = "/" + "/".join(segments) if segments else ""
        nodes = []
        for host in filter(None, hostinfo.split(",")):
            address = urlsplit(f"//{host}")
            nodes.append(
                NodeConfig(
                    scheme,
                    address.hostname or "localhost",
                    address.port or DEFAULT_PORT,
                    path_prefix=path_prefix,
                    headers=headers,
                    request_timeout=float(params.get("timeout", DEFAULT_TIMEOUT)),
                    verify_certs=params.get("verify_certs", "1").lower() not in FALSE,
                    ca_certs=params.get("ca_certs") or None,
                )
            )
        if not nodes:
            raise ValueError(f"No host in search URL: {url!r}")
        replicas = params.get("replicas")
        return cls(
            Transport(nodes, meta_header=False),
            prefix,
            shards=int(params.get("shards", "1")),
            replicas=int(replicas) if replicas not in (None, "") else None,
        )

    # --- HTTP ----------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        ndjson: bool = False,
    ) -> Any:
        """One REST call with plain JSON. Unreachable, overloaded or failing servers raise
        SearchUnavailable; other HTTP errors the `elasticsearch` client's ApiError classes."""
        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/x-ndjson" if ndjson else "application/json"
        target = f"{path}?{urlencode(params)}" if params else path
        try:
            meta, data = self.transport.perform_request(method, target, headers=headers, body=body)
        except TransportError as exc:
            raise SearchUnavailable(f"search engine unreachable: {exc}") from exc
        if not 200 <= meta.status < 300:
            _fail(meta, data, method, target)
        return data

    def _head_status(self, path: str) -> int:
        """200 or 404 (HEAD answers have no body)."""
        try:
            meta, _data = self.transport.perform_request("HEAD", path)
        except TransportError as exc:
            raise SearchUnavailable(f"search engine unreachable: {exc}") from exc
        if meta.status not in (200, 404):
            _fail(meta, None, "HEAD", path)
        return meta.status

    # --- indices -------------------------------------------------------------------------

    def _index_name(self, stamp: str) -> str:
        return f"{self.alias}-{stamp}"

    def _create_index(self, name: str, *, alias: bool, loading: bool = False) -> None:
        body = index_definition(self.shards, self.replicas, "-1" if loading else REFRESH_INTERVAL)
        if alias:
            body["aliases"] = {self.alias: {}}
        self._request("PUT", f"/{name}", body=body)

    def _ensure(self) -> None:
        """Create the first index behind the alias unless the alias exists."""
        if self._ready:
            return
        if self._head_status(f"/_alias/{self.alias}") != 200:
            try:
                self._create_index(self._index_name(INITIAL_STAMP), alias=True)
            except BadRequestError as exc:
                # Another process created it first.
                if _error_type(exc.body) != "resource_already_exists_exception":
                    raise
        self._ready = True

    def alias_targets(self) -> list[str]:
        """The concrete indices behind the alias (one, except in a broken cluster)."""
        try:
            found = self._request("GET", f"/_alias/{self.alias}")
        except NotFoundError:
            return []
        return sorted(found or {})

    def _drop_index(self, name: str) -> None:
        try:
            self._request("DELETE", f"/{name}")
        except NotFoundError:
            pass

    def drop(self) -> None:
        """Delete the alias and every index of this prefix (tests, decommissioning)."""
        found = self._request("GET", f"/{self.alias}-*/_alias") or {}
        for name in sorted(set(found) | set(self.alias_targets())):
            self._drop_index(name)
        self._ready = False

    # --- writing -------------------------------------------------------------------------

    def _bulk(self, path: str, actions: Iterable[tuple[str, Any]], params: dict[str, str]) -> int:
        """Send ("index", document) and ("delete", id) actions in `_bulk` requests of at most
        BULK_DOCUMENTS actions / BULK_BYTES; return how many succeeded. A 404 on delete is
        success. Failed items raise SearchUnavailable when a retry may succeed (429, 5xx, a
        missing index), else elasticsearch.helpers.BulkIndexError."""
        done = 0
        for lines in _chunks(actions):
            response = self._request("POST", path, params=params, body=lines, ndjson=True)
            failed = []
            for item in response.get("items", []):
                op, result = next(iter(item.items()))
                status = int(result.get("status", 500))
                if 200 <= status < 300 or (op == "delete" and status == 404):
                    done += 1
                else:
                    failed.append(item)
            if failed:
                self._bulk_failed(failed)
        return done

    def _bulk_failed(self, failed: list[Json]) -> None:
        results = [next(iter(item.values())) for item in failed]
        kinds = {_error_type(result) for result in results}
        if "index_not_found_exception" in kinds:
            self._ready = False  # someone deleted the index: recreate it on the next call
        first = results[0].get("error")
        message = f"{len(failed)} document(s) failed in the search index, first: {first}"
        if all(
            int(r.get("status", 500)) in RETRYABLE
            or int(r.get("status", 500)) >= 500
            or _error_type(r) == "index_not_found_exception"
            for r in results
        ):
            raise SearchUnavailable(message)
        raise BulkIndexError(message, failed)

    def index(self, documents: list[dict[str, Any]]) -> None:
        if not documents:
            return
        self._ensure()
        params = {"refresh": "wait_for", "require_alias": "true"}
        self._bulk(f"/{self.alias}/_bulk", [("index", doc) for doc in documents], params)

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        self._ensure()
        params = {"refresh": "wait_for"}
        self._bulk(f"/{self.alias}/_bulk", [("delete", i) for i in ids], params)

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        """Fill a new index (refresh off while loading), then move the alias to it in one
        `_aliases` call and delete the old index; searches use the old one until then."""
        name = self._index_name(datetime.now(UTC).strftime("%Y%m%d%H%M%S%f"))
        self._create_index(name, alias=False, loading=True)
        try:
            count = self._bulk(f"/{name}/_bulk", (("index", doc) for doc in documents), {})
            settings = {"index": {"refresh_interval": REFRESH_INTERVAL}}
            self._request("PUT", f"/{name}/_settings", body=settings)
            self._request("POST", f"/{name}/_refresh")
            old = [index for index in self.alias_targets() if index != name]
            actions: list[Json] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
            actions.append({"add": {"index": name, "alias": self.alias}})
            self._request("POST", "/_aliases", body={"actions": actions})
        except BaseException:
            self._abandon(name)
            raise
        self._ready = True
        for index in old:
            # Searches already use the new index; a failure here leaves only garbage.
            try:
                self._drop_index(index)
            except (SearchUnavailable, ApiError):
                pass
        return count

    def _abandon(self, name: str) -> None:
        """Delete a half-built index unless the alias reached it after all."""
        try:
            if name not in self.alias_targets():
                self._drop_index(name)
        except (SearchUnavailable, ApiError):
            pass

    def clear(self) -> None:
        """Empty the index: swap in a new, empty one (also resets the mapping)."""
        self.rebuild([])

    # --- reading -------------------------------------------------------------------------

    def _search(self, body: Json) -> Json:
        self._ensure()
        try:
            return self._request("POST", f"/{self.alias}/_search", body=body)
        except NotFoundError as exc:
            if _error_type(exc.body) != "index_not_found_exception":
                raise
            self._ready = False  # deleted behind our back: recreate it, empty
            self._ensure()
            return self._request("POST", f"/{self.alias}/_search", body=body)

    def search(self, request: SearchRequest) -> SearchHits:
        try:
            response = self._search(search_body(request))
        except BadRequestError as exc:
            # Servers cap the clauses of a query (indices.query.bool.max_clause_count).
            if "too_many" in json.dumps(exc.body):
                raise SearchQueryError("The query has too many words; shorten it.") from exc
            raise
        hits = response.get("hits", {})
        datasets = [json.loads(hit["_source"]["data"]) for hit in hits.get("hits", [])]
        found = facets(request, response.get("aggregations", {}))
        return SearchHits(count=total(hits), datasets=datasets, facets=found)

    def suggest(self, prefix: str, labels: list[str], limit: int) -> list[dict[str, Any]]:
        if not prefix or limit <= 0:
            return []
        response = self._search(suggest_body(prefix, labels, limit))
        return [json.loads(hit["_source"]["data"]) for hit in response["hits"]["hits"]]

    def versions(self) -> dict[str, str]:
        """id -> stored metadata_modified, walking the index with search_after on id."""
        versions: dict[str, str] = {}
        after: list[Any] | None = None
        while True:
            body: Json = {
                "query": {"match_all": {}},
                "size": VERSIONS_PAGE,
                "sort": [{"id": {"order": "asc"}}],
                "track_total_hits": False,
                "_source": ["id", "metadata_modified"],
            }
            if after is not None:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            for hit in hits:
                source = hit["_source"]
                versions[source["id"]] = source.get("metadata_modified") or ""
            if len(hits) < VERSIONS_PAGE:
                return versions
            after = hits[-1]["sort"]

    def close(self) -> None:
        self.transport.close()


def _chunks(actions: Iterable[tuple[str, Any]]) -> Iterator[list[bytes]]:
    lines: list[bytes] = []
    size = count = 0
    for op, item in actions:
        if op == "index":
            chunk = [_line({"index": {"_id": item["id"]}}), _line(to_source(item))]
        elif op == "delete":
            chunk = [_line({"delete": {"_id": item}})]
        else:
            raise ValueError(f"Unknown bulk action {op!r}")
        chunk_size = sum(len(line) for line in chunk)
        if lines and (count >= BULK_DOCUMENTS or size + chunk_size > BULK_BYTES):
            yield lines
            lines, size, count = [], 0, 0
        lines.extend(chunk)
        size += chunk_size
        count += 1
    if lines:
        yield lines


def _line(value: Json) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
