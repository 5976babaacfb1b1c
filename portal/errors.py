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


class ValidationError(ActionError):
    """Field-keyed messages: {"name": ["That URL is already in use."]}."""

    type_name = "Validation Error"
    status = 409

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors

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
