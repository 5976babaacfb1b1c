"""`/api/3/action/<name>`: parse the request, call the action, wrap the result in CKAN's
envelope. No input may produce a 500: every failure becomes a CKAN error body."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from portal.actions import REGISTRY, call
from portal.errors import ActionError, BadRequest, ValidationError
from portal.web.context import action_context
from schemas.profiles import translations

bp = Blueprint("api", __name__)


def envelope(name: str, body: dict[str, Any], status: int) -> Response:
    body = {"help": help_url(name), **body}
    text = json.dumps(body, ensure_ascii=False, default=str)
    return Response(text, status=status, mimetype="application/json")


def help_url(name: str) -> str:
    return f"{request.host_url.rstrip('/')}/api/3/action/help_show?name={name}"


def error_response(name: str, error: ActionError) -> Response:
    body = error.as_error_dict()
    locale = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans"], "en")
    if isinstance(error, ValidationError) and locale.startswith("zh"):
        body = _translate(body, translations(locale))
    return envelope(name, {"success": False, "error": body}, error.status)


def _translate(value: Any, table: dict[str, str]) -> Any:
    """Validation messages in the caller's language (Accept-Language: zh gives Chinese)."""
    if isinstance(value, str):
        return table.get(value, value)
    if isinstance(value, list):
        return [_translate(v, table) for v in value]
    if isinstance(value, dict):
        return {k: v if k == "__type" else _translate(v, table) for k, v in value.items()}
    return value


def request_data() -> dict[str, Any]:
    """The action's input from the query string, a JSON body, or a (multipart) form."""
    if request.method == "GET":
        return _flatten(request.args)
    if request.files or request.mimetype in (
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ):
        data = _flatten(request.form)
        for key, upload in request.files.items():
            data[key] = upload
        return data
    raw = request.get_data(cache=False)
    if not raw.strip():
        return _flatten(request.args)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("JSON Error: the request body is not valid UTF-8") from None
    except ValueError as exc:
        raise BadRequest(f"JSON Error: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("JSON Error: the request body must be a JSON object")
    return data


def _flatten(multidict) -> dict[str, Any]:  # noqa: ANN001
    # A key given once is a string; repeated keys (fq_list=a&fq_list=b) become a list.
    data: dict[str, Any] = {}
    for key in multidict:
        values = multidict.getlist(key)
        data[key] = values[0] if len(values) == 1 and not key.endswith("_list") else values
    return data


@bp.route("/api/action/<name>", methods=["GET", "POST"])
@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
def dispatch(name: str) -> Response:
    spec = REGISTRY.get(name)
    if spec is None:
        return error_response(name, BadRequest(f"Bad request - Action name not known: {name}"))
    if request.method == "GET" and not spec.side_effect_free:
        return error_response(
            name, BadRequest(f"Bad request - {name} changes data: use a POST request")
        )
    try:
        data = request_data()
        context = action_context()
        result = call(name, context, data)
    except ActionError as exc:
        return error_response(name, exc)
    except RequestEntityTooLarge:
        return error_response(name, _too_large())
    return envelope(name, {"success": True, "result": result}, 200)


def _too_large() -> ActionError:
    error = BadRequest("Request body too large")
    error.status = 413
    return error


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    name = (request.view_args or {}).get("name", "")
    if isinstance(exc, RequestEntityTooLarge):
        return error_response(name, _too_large())
    error = BadRequest(exc.description or exc.name)
    error.status = exc.code or 400
    if error.status >= 500:
        error.type_name = "Internal Server Error"
    return error_response(name, error)


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
