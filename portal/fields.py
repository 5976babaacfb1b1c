"""marshmallow building blocks shared by every domain's schemas: CKAN names, bounded text."""

from __future__ import annotations

import re
import unicodedata
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


# C0/C1 controls other than tab and line breaks, and the bidirectional overrides and isolates
# that make a title display reversed (a right-to-left override spoofs breadcrumbs and links).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
CONTROL_MESSAGE = "Must not contain control characters."
SURROGATE_MESSAGE = "Not valid Unicode text (an unpaired surrogate)."


def clean_text(value: str) -> str:
    """Text as stored: NFC-normalised, with no control characters or lone surrogates."""
    if _SURROGATE.search(value):
        raise MarshmallowError(SURROGATE_MESSAGE)
    if _CONTROL.search(value):
        raise MarshmallowError(CONTROL_MESSAGE)
    return unicodedata.normalize("NFC", value)


def clean_strings(data: Any, deep: bool = False) -> Any:
    """Every string of an input object cleaned (clean_text), or one field-keyed error for
    all the fields that hold a refused character. Lists of strings are walked; nested objects
    only when `deep` (a nested TextSchema cleans its own, reporting its own field names)."""
    if not isinstance(data, dict):
        return data
    errors: dict[str, list[str]] = {}
    cleaned: dict[Any, Any] = {}
    for key, value in data.items():
        try:
            cleaned[key] = _clean_value(value, deep)
        except MarshmallowError as exc:
            errors[str(key)] = exc.messages if isinstance(exc.messages, list) else [exc.messages]
    if errors:
        raise MarshmallowError(errors)
    return cleaned


def _clean_value(value: Any, deep: bool) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_value(v, deep) for v in value]
    if isinstance(value, dict) and deep:
        return {k: _clean_value(v, deep) for k, v in value.items()}
    return value


class TextSchema(Schema):
    """Input text is normalised and refused with control characters (see clean_text)."""

    @pre_load
    def clean_text_fields(self, data: Any, **_kwargs: Any) -> Any:
        return clean_strings(data)


class StrictSchema(TextSchema):
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


class LenientSchema(TextSchema):
    class Meta:
        unknown = EXCLUDE
