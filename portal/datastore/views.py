"""GET /datastore/dump/<resource_id>?format=csv|tsv|json|xlsx (with q, filters, fields, sort):
a thin caller of the DataStore's checked search, streamed."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context

from portal.actions import REGISTRY, Context, transaction
from portal.api.caller import api_caller
from portal.datastore.actions import build_search
from portal.datastore.dump import FORMATS, dump
from portal.datastore.engine import open_datastore
from portal.errors import ActionError

bp = Blueprint("datastore", __name__)


@bp.get("/datastore/dump/<resource_id>")
def dump_view(resource_id: str) -> Response:
    fmt = (request.args.get("format") or "csv").lower()
    if fmt not in FORMATS:
        return _error(400, f"Unknown format {fmt!r}; use csv, tsv, json or xlsx.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    context = Context(session=app.extensions["portal.db"].session(), app=app)
    args = {"resource_id": resource_id, **{k: request.args.get(k) for k in
            ("q", "filters", "fields", "sort") if request.args.get(k)}}  # fmt: skip
    try:
        context.user = api_caller(context, REGISTRY["datastore_search"])
        with transaction(context, write=False):
            search = build_search(context, args)
    except ActionError as exc:
        return _error(exc.status, exc.message or str(exc))
    stream = dump(open_datastore(app), search, fmt)
    filename = f"{resource_id}.{fmt}"
    return Response(
        stream_with_context(stream),
        mimetype=FORMATS[fmt].split(";")[0],
        content_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _error(status: int, message: str) -> Response:
    return Response(message, status=status, mimetype="text/plain")
