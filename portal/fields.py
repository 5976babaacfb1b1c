"""marshmallow building blocks shared by every domain's schemas: CKAN names, bounded text."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, pre_load, validate
from marshmallow import ValidationError as MarshmallowError
from werkzeug.datastructures import FileStorage

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
NAME_MESSAGE = "Must be 2 to 100 characters of lowercase letters (a-z), digits, '-' and '_'."
REQUIRED = {"required": "Missing value", "null": "Missing value"}


class FullMatch(validate.Regexp):
    """Regexp that must match the whole value (`$` alone lets a trailing newline through)."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise MarshmallowError(self._format_error(value))
        return value


# Names that are page addresses (/dataset/new, /harvest/edit/...), refused as in CKAN.
RESERVED_NAMES = frozenset({"new", "edit", "search"})


def _not_reserved(value: str) -> str:
    if value in RESERVED_NAMES:
        raise MarshmallowError("That name cannot be used.")
    return value


def Name(**kwargs: Any) -> fields.String:  # noqa: N802 - reads like a field class
    return fields.String(
        validate=[FullMatch(NAME_RE, error=NAME_MESSAGE), _not_reserved],
        error_messages=REQUIRED,
        **kwargs,
    )


def Text(max_length: int, **kwargs: Any) -> fields.String:  # noqa: N802
    kwargs.setdefault("allow_none", True)
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


_email = validate.Email(error="Not a valid email address.")


def _optional_email(value: str) -> str:
    return value if value == "" else _email(value)


def Email(**kwargs: Any) -> fields.String:  # noqa: N802
    kwargs.setdefault("allow_none", True)
    return fields.String(validate=[validate.Length(max=254), _optional_email], **kwargs)


class Upload(fields.Field):
    """A multipart file field; JSON callers cannot send one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value in (None, ""):
            return None
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")

        return value

    default_error_messages = {"invalid": "Send the file as a multipart form field."}


class StrictSchema(Schema):
    """Unknown keys are errors, except the read-only keys that *_show returns, which a client may
    send back unchanged in the usual show -> edit -> update round trip."""

    READ_ONLY: frozenset[str] = frozenset()

    class Meta:
        unknown = RAISE

    @pre_load
    def drop_read_only(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, dict) and self.READ_ONLY:
            return {k: v for k, v in data.items() if k not in self.READ_ONLY}
        return data


class LenientSchema(Schema):
    class Meta:
        unknown = EXCLUDE
