"""The embedded search engine: a tantivy index in the instance folder.

Layout: `<root>/CURRENT` names the live generation folder (`gen-<n>`); a rebuild fills a new
generation and then switches CURRENT atomically, so searches never go offline. Tantivy allows
one writer per index across processes, so writers (gunicorn workers, the job worker, the CLI)
queue on an flock around each short write; readers notice a commit by the index's meta.json
changing and reload before their next search.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Occur, Query

from portal.search import syntax
from portal.search.documents import TEXT_FIELDS
from portal.search.engine import SearchHits, SearchRequest, SearchUnavailable
from portal.search.fields import DATE_FIELDS, FIELDS, NUMBER_FIELDS, sort_field
from portal.search.text import query_groups

log = logging.getLogger(__name__)
WRITE_TIMEOUT = 30.0
DEEP_PAGE = 10_000  # from this offset on, field-sorted pages may be read from the far end
# Each date field's microsecond integer (metadata_modified -> modified_us), its sort key:
# tantivy's date fast fields keep seconds, and equal keys would make the order of datasets
# saved within one second (and so paging) ambiguous.
MICROS = {name: f"{name.removeprefix('metadata_')}_us" for name in DATE_FIELDS}


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, fast=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace")
    for name in FIELDS:
        # Fast (column-stored): facets count them and sortable ones sort by them.
        builder.add_text_field(f"kw_{name}", fast=True, tokenizer_name="raw")
    builder.add_text_field("labels", tokenizer_name="raw")
    builder.add_text_field("suggest", tokenizer_name="raw")
    builder.add_text_field("title_sort", fast=True, tokenizer_name="raw")
    builder.add_text_field("modified", stored=True, tokenizer_name="raw")
    for name in DATE_FIELDS:
        builder.add_date_field(name, indexed=True, fast=True)
    for name in DATE_FIELDS:
        builder.add_unsigned_field(MICROS[name], fast=True)
    for name in NUMBER_FIELDS:
        builder.add_unsigned_field(name, fast=True)
    # The dataset dict, returned by searches: stored, never indexed.
    builder.add_bytes_field("data", stored=True)
    return builder.build()


def schema_fingerprint() -> str:
    """Changes whenever the indexed fields or documents change (e.g. a profile gains a facet;
    v5: private datasets carry a dataset:<id> label for their collaborators; v6: the
    popularity counts views_recent and downloads)."""
    names = ["v6", *TEXT_FIELDS, *sorted(FIELDS), *NUMBER_FIELDS]
    return hashlib.sha256(" ".join(names).encode()).hexdigest()[:16]


def to_tantivy(doc: dict[str, Any]) -> tantivy.Document:
    out = tantivy.Document()
    out.add_text("id", doc["id"])
    for name in TEXT_FIELDS:
        out.add_text(name, doc[name])
    for name in FIELDS:
        for value in doc.get(f"kw_{name}", []):
            out.add_text(f"kw_{name}", value)
    for label in doc["labels"]:
        out.add_text("labels", label)
    for token in doc["suggest"]:
        out.add_text("suggest", token)
    out.add_text("title_sort", doc["title_sort"])
    for name in DATE_FIELDS:
        if doc.get(name) is not None:
            out.add_date(name, doc[name])
            out.add_unsigned(MICROS[name], _micros(doc[name]))
    for name in NUMBER_FIELDS:
        out.add_unsigned(name, doc.get(name, 0))
    out.add_text(
        "modified", doc["metadata_modified"].isoformat() if doc.get("metadata_modified") else ""
    )
    out.add_bytes("data", doc["data"].encode("utf-8"))
    return out


class TantivyEngine:
    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.schema = build_schema()
        self.fingerprint = schema_fingerprint()
        self._guard = threading.Lock()
        self._index: tantivy.Index | None = None
        self._generation: str | None = None
        self._seen: tuple[float, int] | None = None

    # --- generations and reloading -----------------------------------------------------

    def _current(self) -> str:
        pointer = self.root / "CURRENT"
        generation = pointer.read_text().strip() if pointer.exists() else None
        if generation is None or not self._compatible(generation):
            with self._write_lock():
                generation = pointer.read_text().strip() if pointer.exists() else None
                if generation is None or not self._compatible(generation):
                    # First use, or the fields changed (a profile added a facet): start an
                    # empty generation; `portal search check` then reports what to reindex.
                    if generation is not None:
                        log.warning("search index fields changed: run `portal search reindex`")
                    generation = f"gen-{time.time_ns()}"
                    tantivy.Index(self.schema, path=str(self._make_generation(generation)))
                    self._point_to(generation)
        return generation

    def _compatible(self, generation: str) -> bool:
        marker = self.root / generation / "portal-fields"
        return marker.exists() and marker.read_text() == self.fingerprint

    def _make_generation(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        (path / "portal-fields").write_text(self.fingerprint)
        return path

    def _point_to(self, generation: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(generation)
        os.replace(tmp, self.root / "CURRENT")

    def _reader(self) -> tantivy.Index:
        """The live index, reloaded if another process committed or switched generations."""
        with self._guard:
            generation = self._current()
            meta = self.root / generation / "meta.json"
            stat = meta.stat()
            seen = (stat.st_mtime, stat.st_size)
            if generation != self._generation or self._index is None:
                self._index = tantivy.Index(self.schema, path=str(self.root / generation))
                self._generation, self._seen = generation, seen
            elif seen != self._seen:
                self._index.reload()
                self._seen = seen
            return self._index

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        handle = open(self.root / "write.lock", "a")  # noqa: SIM115 - held for the block
        deadline = time.monotonic() + WRITE_TIMEOUT
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise SearchUnavailable("search index is busy") from None
                    time.sleep(0.005)
            yield
        finally:
            handle.close()

    @contextmanager
    def _writer(self) -> Iterator[tantivy.IndexWriter]:
        self._current()  # create the first generation before taking the (non-reentrant) lock
        with self._write_lock():
            index = tantivy.Index(self.schema, path=str(self.root / self._current()))
            writer = index.writer(heap_size=30_000_000, num_threads=1)
            try:
                yield writer
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
            finally:
                del writer

    # --- writing -------------------------------------------------------------------------

    def index(self, documents: list[dict[str, Any]]) -> None:
        if not documents:
            return
        with self._writer() as writer:
            for doc in documents:
                writer.delete_documents_by_term("id", doc["id"])
                writer.add_document(to_tantivy(doc))

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        with self._writer() as writer:
            for doc_id in ids:
                writer.delete_documents_by_term("id", doc_id)

    def clear(self) -> None:
        with self._writer() as writer:
            writer.delete_all_documents()

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        """Fill a fresh generation, then switch to it; searches keep using the old one
        until the switch."""
        name = f"gen-{time.time_ns()}"
        path = self._make_generation(name)
        index = tantivy.Index(self.schema, path=str(path))
        writer = index.writer(heap_size=200_000_000, num_threads=2)
        count = 0
        try:
            for doc in documents:
                writer.add_document(to_tantivy(doc))
                count += 1
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        with self._write_lock():
            old = (
                (self.root / "CURRENT").read_text().strip()
                if (self.root / "CURRENT").exists()
                else None
            )
            self._point_to(name)
        if old and old != name:
            # Readers elsewhere may still have the old files open; on POSIX they stay
            # readable until closed.
            shutil.rmtree(self.root / old, ignore_errors=True)
        return count

    # --- reading -------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchHits:
        index = self._reader()
        searcher = index.searcher()
        query = self._query(request)
        key, descending = _primary_sort(request.sort)
        if key != "score" and request.start >= DEEP_PAGE:
            count, hits = self._deep_page(searcher, query, request, key, descending)
        else:
            kwargs: dict[str, Any] = {"limit": max(request.rows, 1), "offset": request.start}
            if key != "score":
                kwargs.update(order_by_field=_sort_field(key), order=_order(descending))
            result = searcher.search(query, count=True, **kwargs)
            count, hits = result.count or 0, result.hits[: request.rows]
        datasets = [_dataset(searcher, address) for _key, address in hits]
        facets = self._facets(searcher, query, request) if request.facet_fields else {}
        return SearchHits(count=count, datasets=datasets, facets=facets)

    def _deep_page(self, searcher, query, request, key, descending):  # noqa: ANN001, ANN202
        """A page far from the start of a field-sorted result is read from the other end:
        the engine keeps offset + rows hits in a heap, so this bounds the heap at half the
        matches (start=90000 of 100000 collects 10000, not 90020)."""
        count = searcher.search(query, limit=1, count=True).count or 0
        remaining = count - request.start
        if remaining <= 0 or request.rows == 0:
            return count, []
        if request.start <= count // 2:
            result = searcher.search(
                query,
                limit=request.rows,
                offset=request.start,
                count=False,
                order_by_field=_sort_field(key),
                order=_order(descending),
            )
            return count, result.hits
        rows = min(request.rows, remaining)
        result = searcher.search(
            query,
            limit=rows,
            offset=remaining - rows,
            count=False,
            order_by_field=_sort_field(key),
            order=_order(not descending),
        )
        return count, list(reversed(result.hits))

    def _facets(self, searcher, query, request: SearchRequest) -> dict[str, dict[str, int]]:  # noqa: ANN001
        spec = {
            name: {
                "terms": {
                    "field": f"kw_{name}",
                    "size": request.facet_limit,
                    "min_doc_count": max(request.facet_mincount, 1),
                }
            }
            for name in request.facet_fields
        }
        result = searcher.aggregate(query, spec)
        facets = {}
        for name in request.facet_fields:
            buckets = result.get(name, {}).get("buckets", [])
            ordered = sorted(buckets, key=lambda b: (-b["doc_count"], str(b["key"])))
            facets[name] = {str(b["key"]): b["doc_count"] for b in ordered}
        return facets

    def suggest(self, prefix: str, labels: list[str], limit: int) -> list[dict[str, Any]]:
        index = self._reader()
        searcher = index.searcher()
        pattern = re.escape(prefix) + ".*"
        query = Query.boolean_query(
            [
                (Occur.Must, Query.regex_query(self.schema, "suggest", pattern)),
                (Occur.Must, self._labels(labels)),
            ]
        )
        result = searcher.search(
            query, limit=limit, order_by_field=MICROS["metadata_modified"], order=tantivy.Order.Desc
        )
        return [_dataset(searcher, address) for _key, address in result.hits]

    def versions(self) -> dict[str, str]:
        index = self._reader()
        searcher = index.searcher()
        total = searcher.num_docs
        if not total:
            return {}
        result = searcher.search(Query.all_query(), limit=total, count=False)
        versions = {}
        for _score, address in result.hits:
            doc = searcher.doc(address)
            versions[doc["id"][0]] = doc["modified"][0]
        return versions

    # --- query translation ---------------------------------------------------------------

    def _labels(self, labels: list[str]) -> Query:
        return Query.const_score_query(Query.term_set_query(self.schema, "labels", labels), 0.0)

    def _query(self, request: SearchRequest) -> Query:
        clauses = [(Occur.Must, self._node(request.query))]
        for node in request.filters:
            clauses.append((Occur.Must, Query.const_score_query(self._node(node), 0.0)))
        clauses.append((Occur.Must, self._labels(request.labels)))
        return Query.boolean_query(clauses)

    def _node(self, node: syntax.Node) -> Query:
        if isinstance(node, syntax.All):
            return Query.all_query()
        if isinstance(node, syntax.Text):
            return self._text(node.text, node.fields)
        if isinstance(node, syntax.Phrase):
            return self._phrase(node.text, node.fields)
        if isinstance(node, syntax.Prefix):
            return self._prefix(node.text, node.fields)
        if isinstance(node, syntax.Match):
            return Query.term_query(self.schema, f"kw_{node.field}", node.value)
        if isinstance(node, syntax.Range):
            return Query.range_query(
                self.schema,
                node.field,
                tantivy.FieldType.Date,
                node.lower,
                node.upper,
                node.include_lower,
                node.include_upper,
            )
        if isinstance(node, syntax.Not):
            return Query.boolean_query(
                [(Occur.Must, Query.all_query()), (Occur.MustNot, self._node(node.child))]
            )
        if isinstance(node, syntax.And):
            return self._and([self._node(child) for child in node.children])
        if isinstance(node, syntax.Or):
            return Query.boolean_query([(Occur.Should, self._node(c)) for c in node.children])
        raise TypeError(f"Unknown query node: {node!r}")

    def _and(self, queries: list[Query]) -> Query:
        if len(queries) == 1:
            return queries[0]
        return Query.boolean_query([(Occur.Must, q) for q in queries])

    def _token(self, token: str, fields: tuple[str, ...] | None) -> Query:
        targets = fields or tuple(TEXT_FIELDS)
        return Query.boolean_query(
            [
                (
                    Occur.Should,
                    Query.boost_query(
                        Query.term_query(self.schema, name, token), TEXT_FIELDS[name]
                    ),
                )
                for name in targets
            ]
        )

    def _prefix(self, prefix: str, fields: tuple[str, ...] | None) -> Query:
        """Any indexed token starting with the prefix (a regex over the term dictionary)."""
        pattern = f"{re.escape(prefix)}.*"
        return Query.boolean_query(
            [
                (
                    Occur.Should,
                    Query.boost_query(
                        Query.regex_query(self.schema, name, pattern), TEXT_FIELDS[name]
                    ),
                )
                for name in fields or tuple(TEXT_FIELDS)
            ]
        )

    def _text(self, text: str, fields: tuple[str, ...] | None) -> Query:
        groups = query_groups(text)
        if not groups:
            return Query.all_query()
        group_queries = []
        for alternatives in groups:
            options = [
                self._and([self._token(token, fields) for token in tokens])
                for tokens in alternatives
            ]
            group_queries.append(
                options[0]
                if len(options) == 1
                else Query.boolean_query([(Occur.Should, q) for q in options])
            )
        return self._and(group_queries)

    def _phrase(self, text: str, fields: tuple[str, ...] | None) -> Query:
        words = [alternatives[0][0] for alternatives in query_groups(text)]
        if len(words) < 2:
            return self._text(text, fields)
        slop = 0 if text.isascii() else 3  # search-mode segmentation inserts compound parts
        targets = fields or tuple(TEXT_FIELDS)
        return Query.boolean_query(
            [
                (
                    Occur.Should,
                    Query.boost_query(
                        Query.phrase_query(self.schema, name, words, slop=slop),
                        TEXT_FIELDS[name],
                    ),
                )
                for name in targets
            ]
        )


def _micros(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1_000_000)


def _dataset(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> dict[str, Any]:
    return json.loads(bytes(searcher.doc(address)["data"][0]))


def _order(descending: bool) -> tantivy.Order:
    return tantivy.Order.Desc if descending else tantivy.Order.Asc


def _sort_field(key: str) -> str:
    """The fast field a declared sort key sorts by (portal.search.fields.sort_field)."""
    return MICROS.get(key) or sort_field(key)


def _primary_sort(sort: list[tuple[str, bool]]) -> tuple[str, bool]:
    return sort[0] if sort else ("score", True)
