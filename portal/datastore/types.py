"""Column types of DataStore tables: CKAN's type names, their SQL on each dialect, converting
values in and out, and inferring a column's type from every value of a file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

# CKAN's names (and the aliases clients send) -> the portal's canonical names.
ALIASES = {
    "text": "text", "varchar": "text", "string": "text",
    "int": "int", "int4": "int", "integer": "int", "smallint": "int",
    "bigint": "bigint", "int8": "bigint",
    "numeric": "numeric", "decimal": "numeric",
    "float": "float", "float8": "float", "float4": "float", "double precision": "float",
    "bool": "bool", "boolean": "bool",
    "date": "date",
    "timestamp": "timestamp", "datetime": "timestamp",
    "json": "json", "jsonb": "json",
}  # fmt: skip
SQL = {
    "sqlite": {"text": "TEXT", "int": "INTEGER", "bigint": "INTEGER", "numeric": "NUMERIC",
               "float": "REAL", "bool": "INTEGER", "date": "TEXT", "timestamp": "TEXT",
               "json": "TEXT"},
    "postgresql": {"text": "text", "int": "bigint", "bigint": "bigint", "numeric": "numeric",
                   "float": "double precision", "bool": "boolean", "date": "date",
                   "timestamp": "timestamp", "json": "jsonb"},
}  # fmt: skip
TEXTUAL = {"text"}
#: Cells that mean "no value" in published tables; they do not decide a column's type.
NULLS = frozenset({"", "n/a", "na", "null", "none", "nan", "-", "--", "—", "无", "空"})
_INT = re.compile(r"^[+-]?\d{1,18}$")
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_STAMP = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$"
)
_BOOLS = {"true": True, "false": False, "是": True, "否": False}
# Shortcuts for the common cell of a large file: strings that certainly are an int (no
# leading zero, at most 18 digits) or a plain decimal number; anything else takes the full path.
_PLAIN_INT = re.compile(r"^[+-]?(?:0|[1-9]\d{0,17})$")
_PLAIN_NUM = re.compile(r"^[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


class ConversionError(ValueError):
    """A value does not fit its column's type."""


def canonical(type_name: str) -> str:
    """The canonical type of a CKAN type name; ValueError for an unknown one."""
    name = ALIASES.get(str(type_name).strip().lower())
    if name is None:
        known = ", ".join(sorted(SQL["sqlite"]))
        raise ValueError(f"Unknown type {type_name!r}; use one of {known}.")
    return name


def is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in NULLS)


def parse_date(text: str) -> date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def parse_timestamp(text: str) -> datetime | None:
    match = _STAMP.match(text)
    if not match:
        return None
    y, mo, d, h, mi, s, frac = match.groups()
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0),
                        int((frac or "0").ljust(6, "0")))  # fmt: skip
    except ValueError:
        return None


def to_python(type_name: str, value: Any) -> Any:
    """A value (a file's cell or a JSON value) as the Python value of its column type; None
    for a null. Raises ConversionError when it does not fit."""
    if type_name == "json":
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ConversionError(f"{value[:50]!r} is not JSON") from None
        return value
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if type_name == "text":
        return value if isinstance(value, str) else _text(value)
    if isinstance(value, str) and value.strip().lower() in NULLS:
        return None
    try:
        return _CONVERT[type_name](value)
    except (ValueError, TypeError, InvalidOperation, OverflowError):
        raise ConversionError(f"{str(value)[:50]!r} is not a {type_name}") from None


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not _INT.match(text):
        raise ValueError
    return int(text)


def _numeric(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    text = str(value).strip().replace(",", "") if _looks_grouped(str(value)) else str(value).strip()
    if not _NUM.match(text):
        raise ValueError
    return Decimal(text)


def _looks_grouped(text: str) -> bool:
    return bool(re.match(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", text.strip()))


def _float(value: Any) -> float:
    return float(_numeric(value))


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    found = _BOOLS.get(str(value).strip().lower())
    if found is None:
        raise ValueError
    return found


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    found = parse_date(str(value).strip())
    if found is None:
        raise ValueError
    return found


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    found = parse_timestamp(text)
    if found is None:
        day = parse_date(text)
        if day is None:
            raise ValueError
        found = datetime(day.year, day.month, day.day)
    return found


_CONVERT = {"int": _int, "bigint": _int, "numeric": _numeric, "float": _float, "bool": _bool,
            "date": _date, "timestamp": _timestamp}  # fmt: skip


def to_db(type_name: str, value: Any, dialect: str) -> Any:
    """A Python value (from to_python) as the driver takes it on `dialect`."""
    if value is None:
        return None
    if type_name == "json":
        return json.dumps(value, ensure_ascii=False)
    if dialect == "sqlite":
        if type_name == "numeric":
            return _number(value)
        if type_name == "bool":
            return int(value)
        if type_name in ("date", "timestamp"):
            return value.isoformat()
    return value


def cell_converter(type_name: str, dialect: str) -> Callable[[Any], Any]:
    """to_db(type, to_python(type, cell), dialect) for one column, with shortcuts for plain
    cells (the load of a large file spends its time here); raises ConversionError alike."""

    def full(cell: Any) -> Any:
        return to_db(type_name, to_python(type_name, cell), dialect)

    if type_name == "text":
        return lambda c: (c if c and not c.isspace() else None) if isinstance(c, str) else full(c)
    if type_name in ("int", "bigint"):
        return lambda c: int(c) if isinstance(c, str) and _PLAIN_INT.match(c) else full(c)
    if type_name == "numeric" and dialect == "sqlite":
        return lambda c: _plain_number(c) if isinstance(c, str) and _PLAIN_NUM.match(c) else full(c)
    if type_name == "numeric":  # PostgreSQL's COPY reads a plain number's text as it is
        return lambda c: c if isinstance(c, str) and _PLAIN_NUM.match(c) else full(c)
    if type_name in ("date", "timestamp"):
        cached = lru_cache(maxsize=65_536)(full)
        return lambda c: cached(c) if isinstance(c, str) else full(c)
    return full


def _plain_number(text: str) -> int | float:
    """A _PLAIN_NUM string as SQLite's NUMERIC column keeps it (what _number gives)."""
    if "." not in text and "e" not in text and "E" not in text:
        return int(text)
    number = float(text)
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return _number(Decimal(text)) if number.is_integer() else number


def from_db(type_name: str, value: Any) -> Any:
    """A stored value as JSON-ready Python (what datastore_search returns)."""
    if value is None:
        return None
    if type_name == "json":
        return json.loads(value) if isinstance(value, str) else value
    if type_name == "numeric" or isinstance(value, Decimal):
        return _number(value)
    if type_name == "bool":
        return bool(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def column_reader(type_name: str) -> Callable[[Any], Any]:
    """from_db for one column, skipping the work its stored values cannot need (dumps and
    searches read every value through this)."""
    if type_name in ("text", "int", "bigint", "float"):
        return lambda value: value if value is None or isinstance(value, (str, int)) else (
            from_db(type_name, value))  # fmt: skip
    if type_name == "numeric":
        # SQLite's NUMERIC keeps integral numbers as integers: a float is not integral.
        return lambda value: value if value is None or type(value) in (int, float) else (
            from_db(type_name, value))  # fmt: skip
    return lambda value: from_db(type_name, value)


def _number(value: Any) -> int | float:
    number = Decimal(str(value))
    if number == number.to_integral_value() and abs(number) < 2**63:
        return int(number)
    return float(number)


# Inference: each column starts as the narrowest type and widens as values arrive.
ORDER = ("int", "numeric", "date", "timestamp", "text")


def widen(current: str | None, value: Any) -> str | None:
    """The type a column must have to hold `value` too (None: no value seen yet)."""
    if current == "text":
        return current
    if isinstance(value, str) and (
        (current == "int" and _PLAIN_INT.match(value))
        or (current == "numeric" and _PLAIN_NUM.match(value))
    ):
        return current  # the shortcut for most cells of a large file
    if is_null(value):
        return current
    if isinstance(value, bool):
        return "text" if current not in (None, "bool") else "bool"
    if isinstance(value, int):
        return _wider(current, "int")
    if isinstance(value, (float, Decimal)):
        return _wider(current, "numeric")
    if isinstance(value, datetime):
        return _wider(current, "timestamp")
    if isinstance(value, date):
        return _wider(current, "date")
    if isinstance(value, (dict, list)):
        return "json" if current in (None, "json") else "text"
    return _wider(current, _kind(str(value).strip()))


@lru_cache(maxsize=65_536)  # dates, codes and categories repeat down a column
def _kind(text: str) -> str:
    if re.match(r"^[+-]?0\d", text):
        return "text"  # a code with leading zeros (邮编 010020) stays as written
    if _INT.match(text):
        return "int"
    if _NUM.match(text) or _looks_grouped(text):
        return "numeric"
    if parse_date(text):
        return "date"
    if parse_timestamp(text):
        return "timestamp"
    return "text"


def _wider(current: str | None, kind: str) -> str:
    if current is None or current == kind:
        return kind
    pair = {current, kind}
    if pair == {"int", "numeric"}:
        return "numeric"
    if pair == {"date", "timestamp"}:
        return "timestamp"
    return "text"
