"""The components of the OpenAPI document every operation shares: CKAN's envelope, its error
bodies (a Validation Error's field-keyed messages) and the error responses by status."""

from __future__ import annotations

from typing import Any

ERROR_TYPES = {
    "400": ("Bad Request", "Search Query Error"),
    "403": ("Authorization Error",),
    "404": ("Not Found Error",),
    "413": ("Bad Request",),
    "429": ("Rate Limit Error",),
}


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


COMPONENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "Envelope": {
        "type": "object",
        "description": "CKAN's envelope around every result and error.",
        "required": ["help", "success"],
        "properties": {
            "help": {
                "type": "string",
                "description": "URL of help_show for the action.",
                "example": "https://data.example.gov.cn/api/3/action/help_show?name=package_show",
            },
            "success": {"type": "boolean"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["__type", "message"],
        "properties": {
            "__type": {"type": "string", "example": "Not Found Error"},
            "message": {"type": "string"},
        },
    },
    "ErrorEnvelope": {
        "allOf": [
            ref("schemas", "Envelope"),
            {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "success": {"type": "boolean", "enum": [False]},
                    "error": ref("schemas", "Error"),
                },
            },
        ]
    },
    "ValidationError": {
        "type": "object",
        "description": "Messages keyed by input field (see FieldMessages for nested fields).",
        "required": ["__type"],
        "properties": {"__type": {"type": "string", "enum": ["Validation Error"]}},
        "additionalProperties": ref("schemas", "FieldMessages"),
        "example": {
            "__type": "Validation Error",
            "name": ["That URL is already in use."],
            "owner_org": ["Missing value"],
            "resources": [{}, {"url": ["Missing value"]}],
        },
    },
    "FieldMessages": {
        "description": "The errors of one field: its messages; for a list of objects (tags, "
        "resources, extras, groups) one object of field errors per entry, `{}` for the entries "
        "without errors; for a nested object (or a list of plain values) an object keyed by "
        "its fields (or the entries' indexes).",
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "array", "items": ref("schemas", "FieldErrors")},
            ref("schemas", "FieldErrors"),
        ],
    },
    "FieldErrors": {
        "type": "object",
        "description": "Field errors of one list entry or nested object.",
        "additionalProperties": ref("schemas", "FieldMessages"),
        "example": {"url": ["Missing value"]},
    },
    "ValidationErrorEnvelope": {
        "allOf": [
            ref("schemas", "Envelope"),
            {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "success": {"type": "boolean", "enum": [False]},
                    "error": ref("schemas", "ValidationError"),
                },
            },
        ]
    },
}


def _error_response(description: str, types: tuple[str, ...]) -> dict[str, Any]:
    schema = {
        "allOf": [
            ref("schemas", "ErrorEnvelope"),
            {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {"__type": {"type": "string", "enum": list(types)}},
                    }
                },
            },
        ]
    }
    return {"description": description, "content": {"application/json": {"schema": schema}}}


COMPONENT_RESPONSES: dict[str, dict[str, Any]] = {
    "BadRequest": _error_response(
        "Bad Request (unknown action, broken JSON, GET of a write action) or Search Query Error.",
        ERROR_TYPES["400"],
    ),
    "NotAuthorized": _error_response(
        "Authorization Error: not logged in, not allowed, or an invalid token.",
        ERROR_TYPES["403"],
    ),
    "NotFound": _error_response("Not Found Error.", ERROR_TYPES["404"]),
    "ValidationError": {
        "description": "Validation Error: field-keyed messages.",
        "content": {"application/json": {"schema": ref("schemas", "ValidationErrorEnvelope")}},
    },
    "TooLarge": _error_response("The request body is over the upload limit.", ERROR_TYPES["413"]),
    "RateLimited": {
        **_error_response(
            "Rate Limit Error: too many calls from this key (or address); wait Retry-After "
            "seconds.",
            ERROR_TYPES["429"],
        ),
        "headers": {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
            "X-RateLimit-Limit": {"schema": {"type": "integer"}},
            "X-RateLimit-Remaining": {"schema": {"type": "integer"}},
        },
    },
}

ERROR_RESPONSES = {
    "400": "BadRequest",
    "403": "NotAuthorized",
    "404": "NotFound",
    "409": "ValidationError",
    "429": "RateLimited",
}
