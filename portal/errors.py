"""The errors actions raise; the API turns each into CKAN's error body and status code."""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    type_name = "Error"
    status = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def as_error_dict(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": self.message}


def ckan_errors(messages: dict[Any, Any]) -> dict[str, Any]:
    """Field-keyed messages in the one shape the OpenAPI document declares (FieldErrors):
    each field maps to a list of messages, to a list of one object per entry of a list field
    ({} for the entries without errors, as CKAN does for resources and tags), or to an object:
    the fields of a nested object, or the entries of a list of plain values keyed by index.

    Takes marshmallow's messages ({"resources": {1: {"url": [...]}}}) or ones already in this
    shape, so applying it twice changes nothing."""
    return {str(key): _field_messages(value) for key, value in messages.items()}


def _field_messages(value: Any) -> list[Any] | dict[str, Any]:
    if isinstance(value, dict):
        if value and all(isinstance(k, int) for k in value):
            return _entries(value)
        return ckan_errors(value)
    if isinstance(value, list | tuple):
        if all(isinstance(v, str) for v in value):
            return list(value)
        return _entries(dict(enumerate(value)))
    return [str(value)]


def _entries(by_index: dict[int, Any]) -> list[Any] | dict[str, Any]:
    entries = {i: _field_messages(v) for i, v in by_index.items()}
    if all(isinstance(e, dict) for e in entries.values()):
        return [entries.get(i, {}) for i in range(max(entries) + 1)]
    # Entries of plain values (a list of strings) have message lists, not objects.
    return {str(i): e for i, e in sorted(entries.items()) if e}


class ValidationError(ActionError):
    """Field-keyed messages: {"name": ["That URL is already in use."]} (see ckan_errors)."""

    type_name = "Validation Error"
    status = 409

    def __init__(self, errors: dict[Any, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = ckan_errors(errors)

    def as_error_dict(self) -> dict[str, Any]:
        return {"__type": self.type_name, **self.errors}


class NotAuthorized(ActionError):
    type_name = "Authorization Error"
    status = 403


class NotFound(ActionError):
    type_name = "Not Found Error"
    status = 404


class SearchQueryError(ActionError):
    type_name = "Search Query Error"
    status = 400


class BadRequest(ActionError):
    type_name = "Bad Request"
    status = 400


class SearchError(ActionError):
    """The search engine is unreachable: the catalog is fine, try again shortly."""

    type_name = "Search Error"
    status = 503


class DatastoreError(ActionError):
    """The DataStore database is unreachable: the catalog and its files are fine, the rows are
    back when it is."""

    type_name = "DataStore Error"
    status = 503
