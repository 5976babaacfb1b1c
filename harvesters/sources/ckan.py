"""The `ckan` source type: another CKAN (or this portal) through its Action API.

The gather pages through `package_search` (oldest first, so datasets created meanwhile land on
later pages). A full run (the first one, or `--full`) imports every listed dataset. Later runs
are incremental: they ask only for datasets whose `metadata_modified` is at or after the start
of the last successful job (less `incremental_overlap_minutes`, default 60, for clock skew),
then list the ids of all datasets (`fl=id`) so records the source no longer holds can still be
withdrawn. A listing that ends with fewer datasets than the source counts is incomplete: the
job fails its gather and withdraws nothing.

Config: `api_key` (sent as Authorization, for private datasets), `page_size` (default 100, at
most 1000), `organizations_map` ({remote organization name: local department name}),
`use_remote_organizations` (put datasets in the local department of the same name when there
is one), `default_groups` (local group names added to every dataset), `fq` (an extra filter).
Groups are kept when a local group of the same name exists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from harvesters.errors import GatherError, ParseError
from harvesters.registry import RemoteRecord, SourceType, register
from portal.catalog.models import TEXT_FIELDS
from schemas.profiles import dataset_types, profile_for_type

RESOURCE_KEYS = ("url", "name", "description", "format", "mimetype", "size", "hash")
# Resource keys of CKAN's own bookkeeping, not worth copying as resource extras.
RESOURCE_SKIP = frozenset(
    {
        "id",
        "package_id",
        "position",
        "state",
        "created",
        "metadata_modified",
        "last_modified",
        "url_type",
        "cache_url",
        "cache_last_updated",
        "datastore_active",
        "tracking_summary",
        "revision_id",
        "resource_type",
        "mimetype_inner",
        "download_url",
    }
)
SKIP_EXTRAS = frozenset({"harvest_object_id", "harvest_source_id", "harvest_source_title"})


@register
class CkanSource(SourceType):
    name = "ckan"
    label = "CKAN Action API"
    config_keys = {
        "api_key": str,
        "page_size": int,
        "organizations_map": dict,
        "use_remote_organizations": bool,
        "default_groups": list,
        "fq": str,
        "incremental_overlap_minutes": (int, float),
    }

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        self.base = self.source.url.rstrip("/")
        for suffix in ("/api/3/action/package_search", "/api/3", "/api/action", "/api"):
            if self.base.endswith(suffix):
                self.base = self.base[: -len(suffix)]
                break
        self.page_size = max(1, min(int(self.config.get("page_size") or 100), 1000))
        self._total: int | None = None
        headers = {"Accept": "application/json"}
        if self.config.get("api_key"):
            headers["Authorization"] = str(self.config["api_key"])
        self.headers = headers

    def total(self) -> int | None:
        return self._total

    def _action(self, name: str, params: dict[str, Any]) -> Any:
        url = f"{self.base}/api/3/action/{name}?{urlencode(params)}"
        body, _type = self.run.fetch_bytes(url, self.headers)
        try:
            envelope = json.loads(body)
        except ValueError as exc:
            raise ParseError(f"{name} did not answer JSON: {exc}") from None
        if not isinstance(envelope, dict) or envelope.get("success") is not True:
            error = envelope.get("error") if isinstance(envelope, dict) else None
            raise GatherError(f"{name} failed: {json.dumps(error, ensure_ascii=False)[:500]}")
        return envelope.get("result")

    def _pages(self, fq: str | None, fl: str | None = None) -> Iterator[list[dict[str, Any]]]:
        start = 0
        listed = 0
        count = None
        first_id = None
        while True:
            params: dict[str, Any] = {
                "q": "*:*",
                "rows": self.page_size,
                "start": start,
                "sort": "metadata_created asc",
            }
            filters = [f for f in (fq, self.config.get("fq")) if f]
            if filters:
                params["fq"] = (
                    " ".join(f"({f})" for f in filters) if len(filters) > 1 else filters[0]
                )
            if fl:
                params["fl"] = fl
            if self.config.get("api_key"):
                params["include_private"] = "true"
            result = self._action("package_search", params)
            if not isinstance(result, dict) or not isinstance(result.get("results"), list):
                raise ParseError("package_search answered without a results list")
            count = result.get("count") if isinstance(result.get("count"), int) else count
            if fl is None:
                self._total = count
            rows = [r for r in result["results"] if isinstance(r, dict)]
            if not rows:
                break
            if start and rows[0].get("id") == first_id:
                raise GatherError("The source's paging does not advance (start is ignored?).")
            first_id = rows[0].get("id")
            listed += len(rows)
            yield rows
            start += len(rows)
            if count is not None and start >= count:
                break
        if count is not None and listed < count:
            raise GatherError(
                f"The source counts {count} datasets but listed only {listed}: the listing "
                "is incomplete (it changed during the harvest?)."
            )

    def gather(self) -> Iterator[RemoteRecord]:
        since = None if self.run.job.full else self.run.last_success()
        if since is None:
            for rows in self._pages(None):
                for row in rows:
                    yield self._record(row)
            return
        overlap = float(self.config.get("incremental_overlap_minutes", 60))
        moment = (since - timedelta(minutes=overlap)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for rows in self._pages(f"metadata_modified:[{moment} TO *]"):
            for row in rows:
                yield self._record(row)
        # Then every id, so what the source no longer lists can be withdrawn.
        for rows in self._pages(None, fl="id,name"):
            for row in rows:
                if row.get("id"):
                    yield RemoteRecord(
                        str(row["id"]), None, self._dataset_url(row), f"dataset {row.get('name')}"
                    )

    def _dataset_url(self, row: dict[str, Any]) -> str:
        return f"{self.base}/dataset/{row.get('name') or row.get('id')}"

    def _record(self, row: dict[str, Any]) -> RemoteRecord:
        rid = row.get("id")
        return RemoteRecord(
            str(rid) if rid else None, row, self._dataset_url(row), f"dataset {row.get('name')}"
        )

    def fetch(self, record: RemoteRecord) -> Any:
        result = self._action("package_show", {"id": record.remote_id})
        if not isinstance(result, dict):
            raise ParseError("package_show answered without a dataset")
        return result

    def map(self, record: RemoteRecord, content: Any) -> dict[str, Any]:
        remote: dict[str, Any] = content
        dataset_type = remote.get("type") if remote.get("type") in dataset_types() else "dataset"
        data: dict[str, Any] = {
            k: remote.get(k) for k in TEXT_FIELDS if remote.get(k) not in (None, "")
        }
        data["type"] = dataset_type
        data["name"] = remote.get("name")
        data["private"] = bool(remote.get("private"))
        data["license_id"] = self.run.license_id(
            remote.get("license_id"), remote.get("license_url"), remote.get("license_title")
        )
        data["tags"] = [t.get("name") for t in remote.get("tags") or [] if isinstance(t, dict)]
        extras = [
            {"key": e["key"], "value": e.get("value")}
            for e in remote.get("extras") or []
            if isinstance(e, dict) and e.get("key") and e["key"] not in SKIP_EXTRAS
        ]
        if remote.get("license_id") and data["license_id"] is None:
            extras.append(
                {
                    "key": "remote_license",
                    "value": remote.get("license_title") or remote["license_id"],
                }
            )
        if remote.get("metadata_modified"):
            extras.append({"key": "remote_metadata_modified", "value": remote["metadata_modified"]})
        org = remote.get("organization") if isinstance(remote.get("organization"), dict) else {}
        if org.get("title") or org.get("name"):
            extras.append({"key": "publisher_name", "value": org.get("title") or org.get("name")})
        data["extras"] = extras
        owner = self._owner(org.get("name"))
        if owner:
            data["owner_org"] = owner
        names = [g.get("name") for g in remote.get("groups") or [] if isinstance(g, dict)]
        names += [n for n in self.config.get("default_groups") or [] if isinstance(n, str)]
        data["groups"] = self.run.local_groups(names)
        profile = profile_for_type(dataset_type)
        for item in profile.dataset_fields:
            if remote.get(item.name) not in (None, "", []):
                data[item.name] = remote[item.name]
        data["resources"] = [
            self._resource(r) for r in remote.get("resources") or [] if isinstance(r, dict)
        ]
        return data

    def _owner(self, remote_org: str | None) -> str | None:
        mapping = self.config.get("organizations_map") or {}
        if remote_org and remote_org in mapping:
            return self.run.local_org(str(mapping[remote_org]))
        if remote_org and self.config.get("use_remote_organizations"):
            return self.run.local_org(remote_org)
        return None

    @staticmethod
    def _resource(remote: dict[str, Any]) -> dict[str, Any]:
        resource = {k: remote.get(k) for k in RESOURCE_KEYS if remote.get(k) not in (None, "")}
        resource.setdefault("url", "")
        for key, value in remote.items():
            if key in RESOURCE_KEYS or key in RESOURCE_SKIP or key == "extras" or len(key) > 100:
                continue
            if (
                value is None
                or isinstance(value, (str, int, float, bool))
                and len(str(value)) < 10000
            ):
                resource[key] = value
        return resource
