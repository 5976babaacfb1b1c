"""`/api/3/action/<name>`: parse the request, call the action, wrap the result in CKAN's
envelope. No input may produce a 500: every failure becomes a CKAN error body."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from portal.actions import REGISTRY, call
from portal.api.caller import api_context
from portal.api.json_body import MAX_DEPTH, parse_json_object
from portal.errors import ActionError, BadRequest, ValidationError
from schemas.profiles import translated, translations

bp = Blueprint("api", __name__)


# Error bodies quote field names and values from the request: never more than this of each,
# so a 100 MB field is not sent back (and an action name in the URL is cut short as well).
MAX_ECHO = 200


def envelope(name: str, body: dict[str, Any], status: int) -> Response:
    body = {"help": help_url(name), **body}
    text = json.dumps(body, ensure_ascii=False, default=str)
    return Response(text, status=status, mimetype="application/json")


def help_url(name: str) -> str:
    return f"{request.host_url.rstrip('/')}/api/3/action/help_show?name={_clip(name)}"


def error_response(
    name: str, error: ActionError, headers: dict[str, str] | None = None
) -> Response:
    body = _bounded(error.as_error_dict())
    locale = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans"], "en")
    if isinstance(error, ValidationError) and locale.startswith("zh"):
        body = _translate(body, translations(locale))
    response = envelope(name, {"success": False, "error": body}, error.status)
    response.headers.update(headers or {})
    return response


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…"


def _bounded(value: Any) -> Any:
    """An error body with every quoted key and message cut to MAX_ECHO characters."""
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, list):
        return [_bounded(v) for v in value]
    if isinstance(value, dict):
        return {_clip(str(k)): _bounded(v) for k, v in value.items()}
    return value


def _translate(value: Any, table: dict[str, str]) -> Any:
    """Validation messages in the caller's language (Accept-Language: zh gives Chinese)."""
    if isinstance(value, str):
        return translated(value, table) or value
    if isinstance(value, list):
        return [_translate(v, table) for v in value]
    if isinstance(value, dict):
        return {k: v if k == "__type" else _translate(v, table) for k, v in value.items()}
    return value


def request_data() -> dict[str, Any]:
    """The action's input from the query string, a JSON body, or a (multipart) form.

    JSON is read only from `application/json` (or no content type, as scripts send): a
    `text/plain` body is what a hostile page can post cross-site without a preflight, so it is
    refused rather than parsed. Bodies other than multipart uploads are capped by
    PORTAL_MAX_JSON_MB (413) before they are read."""
    if request.method == "GET":
        return _flatten(request.args)
    if request.mimetype != "multipart/form-data" and not request.files:
        _check_body_size()
    if request.files or request.mimetype in (
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ):
        data = _flatten(request.form)
        for key, upload in request.files.items():
            if not isinstance(key, str):
                raise BadRequest("Every form field and file needs a name")
            data[key] = upload
        return _form_tags(_unflatten(data))
    raw = request.stream.read(_json_limit() + 1)
    if len(raw) > _json_limit():
        raise RequestEntityTooLarge()
    if not raw.strip():
        return _flatten(request.args)
    if request.mimetype and not _is_json(request.mimetype):
        error = BadRequest(
            f"Unsupported Content-Type {_clip(request.mimetype)!r}: send JSON as "
            "application/json, or a form as application/x-www-form-urlencoded or "
            "multipart/form-data"
        )
        error.status = 415
        raise error
    return parse_json_object(raw)


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _json_limit() -> int:
    return current_app.extensions["portal.settings"].max_json_bytes


def _check_body_size() -> None:
    if request.content_length is not None and request.content_length > _json_limit():
        raise RequestEntityTooLarge()


def _flatten(multidict) -> dict[str, Any]:  # noqa: ANN001
    # A key given once is a string; repeated keys (fq_list=a&fq_list=b) become a list.
    data: dict[str, Any] = {}
    for key in multidict:
        if not isinstance(key, str):  # a multipart part whose name did not parse
            raise BadRequest("Every form field and file needs a name")
        values = multidict.getlist(key)
        data[key] = values[0] if len(values) == 1 and not key.endswith("_list") else values
    return data


def _unflatten(data: dict[str, Any]) -> dict[str, Any]:
    """CKAN's form keys: `tags__0__name`, `resources__1__url` become nested lists of dicts."""
    result: dict[str, Any] = {}
    nested: dict[str, dict[int, dict[str, Any]]] = {}
    for key, value in data.items():
        parts = key.split("__")
        if len(parts) == 3 and parts[1].isdigit() and parts[0] and parts[2]:
            nested.setdefault(parts[0], {}).setdefault(int(parts[1]), {})[parts[2]] = value
        else:
            result[key] = value
    for key, items in nested.items():
        result[key] = [items[i] for i in sorted(items)]
    return result


def _form_tags(data: dict[str, Any]) -> dict[str, Any]:
    """A form's `tags=交通,公交` (CKAN's tag_string) is the list of tag dicts."""
    for key in ("tags", "tag_string"):
        if isinstance(data.get(key), str):
            names = [n.strip() for n in data.pop(key).split(",") if n.strip()]
            data["tags"] = [{"name": n} for n in names]
    return data


@bp.route("/api/2/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
@bp.route("/api/2", methods=["GET", "POST"])
def api_v2(rest: str = "") -> Response:
    """CKAN 2.9 removed API v2 (/api/2/rest, /api/2/util): say what to call instead."""
    error = BadRequest("API v2 is not supported: use /api/3/action/<name> (the CKAN Action API)")
    error.status = 410
    return error_response("", error)


@bp.route("/api/action/<name>", methods=["GET", "POST"])
@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
def dispatch(name: str) -> Response:
    spec = REGISTRY.get(name)
    if spec is None:
        return error_response(name, BadRequest(f"Bad request - Action name not known: {name}"))
    if request.method == "GET" and not spec.side_effect_free:  # CKAN answers 400 here too
        return error_response(
            name, BadRequest(f"Bad request - {name} changes data: use a POST request")
        )
    try:
        data = request_data()
        result = call(name, api_context(spec), data)
    except ActionError as exc:
        return error_response(name, exc)
    except RequestEntityTooLarge:
        return error_response(name, _too_large())
    except RecursionError:  # a value nested past what any parser here can walk
        return error_response(name, BadRequest(f"Input nested deeper than {MAX_DEPTH} levels"))
    return envelope(name, {"success": True, "result": result}, 200)


def _too_large() -> ActionError:
    settings = current_app.extensions["portal.settings"]
    if request.mimetype == "multipart/form-data":
        detail = f"uploads are limited to {_megabytes(settings.max_upload_bytes)}"
    else:
        detail = (
            f"at most {_megabytes(settings.max_json_bytes)} of JSON or form fields "
            "(files go in a multipart upload)"
        )
    error = BadRequest(f"Request body too large: {detail}")
    error.status = 413
    return error


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    name = (request.view_args or {}).get("name", "")
    if isinstance(exc, RequestEntityTooLarge):
        return error_response(name, _too_large())
    return error_response(name, http_action_error(exc), allow_header(exc))


def http_action_error(exc: HTTPException) -> ActionError:
    error = BadRequest(exc.description or exc.name)
    error.status = exc.code or 400
    if error.status >= 500:
        error.type_name = "Internal Server Error"
    elif error.status == 404:
        error.type_name = "Not Found Error"
    return error


def allow_header(exc: HTTPException) -> dict[str, str]:
    """A 405 names the methods the URL takes (RFC 9110)."""
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        return {"Allow": ", ".join(sorted(exc.valid_methods))}
    return {}


@bp.route("/api/3/action/help_show")
def help_show() -> Response:
    name = request.args.get("name", "")
    spec = REGISTRY.get(name)
    if spec is None:
        return error_response("help_show", BadRequest(f"Action name not known: {name}"))
    doc = (spec.func.__doc__ or "").strip()
    return envelope("help_show", {"success": True, "result": doc}, 200)


@bp.route("/api/3")
@bp.route("/api")
def api_root() -> Response:
    return Response(
        json.dumps({"version": 3, "openapi": url_for("api.openapi", _external=True)}),
        mimetype="application/json",
    )


@bp.route("/api/3/openapi.json")
def openapi() -> Response:
    from portal.api.openapi import build_spec

    spec = current_app.extensions.get("portal.openapi")
    if spec is None:
        spec = current_app.extensions["portal.openapi"] = build_spec()
    return Response(json.dumps(spec, ensure_ascii=False), mimetype="application/json")
