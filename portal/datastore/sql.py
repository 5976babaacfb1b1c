"""datastore_search_sql: one read-only SELECT over DataStore tables the caller may read.

The SQL is parsed with sqlglot and refused unless it is a single SELECT (UNIONs and CTEs
included) whose every table is a readable resource's DataStore table (or a CTE of the query)
and whose every function is allow-listed. The query that runs is sqlglot's re-rendering of
the checked tree (so what was checked is what runs), wrapped in a row cap. It then runs with
the database's own guards: SQLite opens the file read-only, with an authorizer that admits
only reads of those tables and the allowed functions, and a progress handler for the
timeout; PostgreSQL runs it in a READ ONLY transaction with a statement_timeout.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlglot
from marshmallow import fields
from sqlglot import exp

from portal.actions import Context, action, validate
from portal.datastore.actions import readable_resource
from portal.datastore.engine import FULL_TEXT, check_resource_id, open_datastore
from portal.datastore.types import from_db
from portal.errors import NotFound, SearchQueryError
from portal.fields import REQUIRED, LenientSchema

ROW_CAP = 32_000
MAX_SQL = 20_000
FUNCTIONS = frozenset({
    "count", "sum", "avg", "min", "max", "abs", "round", "floor", "ceil", "ceiling",
    "lower", "upper", "length", "substr", "substring", "trim", "ltrim", "rtrim", "replace",
    "coalesce", "nullif", "cast", "concat", "instr", "strftime", "date", "datetime", "ifnull",
    "group_concat", "string_agg", "date_trunc", "extract", "to_char", "position", "sign",
    "greatest", "least", "case", "if", "variance", "stddev", "typeof",
})  # fmt: skip
# sqlglot's names for some of the above.
_ALIASES = {"Avg": "avg", "Count": "count", "Sum": "sum", "Min": "min", "Max": "max",
            "Substring": "substr", "Length": "length", "Lower": "lower", "Upper": "upper",
            "Coalesce": "coalesce", "Cast": "cast", "TryCast": "cast", "Round": "round",
            "Abs": "abs", "Trim": "trim", "Nullif": "nullif", "Concat": "concat",
            "GroupConcat": "group_concat", "Ceil": "ceil", "Floor": "floor",
            "StrPosition": "instr", "TimeToStr": "strftime", "Date": "date",
            "DateTrunc": "date_trunc", "Extract": "extract", "Greatest": "greatest",
            "Least": "least", "If": "if", "Case": "case", "Variance": "variance",
            "Stddev": "stddev", "Sign": "sign", "Replace": "replace",
            "StrToTime": "strftime", "TimeStrToTime": "datetime", "DPipe": "concat",
            "ArrayAgg": "string_agg", "Typeof": "typeof", "ToChar": "to_char"}  # fmt: skip
_SQLITE_READ_OK = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                   getattr(sqlite3, "SQLITE_RECURSIVE", 33)}  # fmt: skip


class DatastoreSqlSchema(LenientSchema):
    sql = fields.String(required=True, error_messages=REQUIRED)


def _refuse(message: str) -> SearchQueryError:
    return SearchQueryError(f"Query refused: {message}")


# SQLAlchemy's dialect names as sqlglot spells them.
SQLGLOT_DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite"}


def checked(sql: str, dialect: str) -> tuple[str, set[str], set[str]]:
    """The query to run, the tables it reads and the names of its CTEs; SearchQueryError for
    anything else."""
    dialect = SQLGLOT_DIALECTS.get(dialect, dialect)
    if len(sql) > MAX_SQL:
        raise _refuse(f"longer than {MAX_SQL} characters.")
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _refuse(f"not valid SQL ({str(exc).splitlines()[0][:200]}).") from None
    if len(statements) != 1:
        raise _refuse("give exactly one statement.")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise _refuse("only SELECT is allowed.")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables: set[str] = set()
    for node in tree.walk():
        _check_node(node, ctes, tables)
    return tree.sql(dialect=dialect), tables, ctes


def _check_node(node: exp.Expression, ctes: set[str], tables: set[str]) -> None:
    if isinstance(node, (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Command,
                         exp.Pragma, exp.Attach, exp.Detach, exp.Into, exp.Lock,
                         exp.Set, exp.Transaction)):  # fmt: skip
        raise _refuse("only reading is allowed.")
    if isinstance(node, exp.Table):
        if node.args.get("db") or node.args.get("catalog"):
            raise _refuse("tables are named by resource id alone.")
        name = node.name
        if name in ctes:
            return
        if not name:
            raise _refuse("only DataStore tables can be read.")
        tables.add(name)
    elif isinstance(node, exp.Func):
        name = _ALIASES.get(type(node).__name__) or (
            node.name.lower() if isinstance(node, exp.Anonymous) else type(node).__name__.lower()
        )
        if name not in FUNCTIONS:
            raise _refuse(f"the function {name} is not allowed.")
    elif isinstance(node, exp.Column) and node.name == FULL_TEXT:
        return


def _readable(context: Context, tables: set[str]) -> None:
    db = open_datastore(context.app)
    for name in tables:
        try:
            check_resource_id(name)
        except ValueError:
            raise _refuse(f"{name[:80]!r} is not a DataStore table.") from None
        readable_resource(context, name)  # Not Found when the caller may not read it
        if not db.exists(name):
            raise NotFound(f'Resource "{name}" has no DataStore table.')


@action(side_effect_free=True, schema=DatastoreSqlSchema)
def datastore_search_sql(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Run one read-only SELECT over DataStore tables (row cap, statement timeout)."""
    args = validate(DatastoreSqlSchema(), data_dict)
    db = open_datastore(context.app)
    query, tables, ctes = checked(args["sql"], db.dialect)
    if not tables:
        raise _refuse("read at least one DataStore table.")
    _readable(context, tables)
    wrapped = f"SELECT * FROM ({query}) AS _q LIMIT {ROW_CAP + 1}"
    run = _run_sqlite if db.dialect == "sqlite" else _run_postgres
    names, rows = run(db, wrapped, tables | ctes, context.settings.datastore_sql_timeout)
    truncated = len(rows) > ROW_CAP
    rows = rows[:ROW_CAP]
    keep = [i for i, n in enumerate(names) if n != FULL_TEXT]
    records = [{names[i]: from_db("", row[i]) for i in keep} for row in rows]
    fields_out = [{"id": names[i], "type": _kind(rows, i)} for i in keep]
    return {"sql": args["sql"], "records": records, "fields": fields_out,
            "records_truncated": truncated}  # fmt: skip


def _kind(rows: list[tuple[Any, ...]], index: int) -> str:
    for row in rows:
        value = row[index]
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int"
        if isinstance(value, float):
            return "float"
        if value is not None:
            return "text"
    return "text"


def _timed_out(seconds: float) -> SearchQueryError:
    return SearchQueryError(f"Query canceled: it took longer than {seconds:g} s.")


def _run_sqlite(
    db: Any, query: str, readable: set[str], timeout: float
) -> tuple[list[str], list[tuple]]:
    """`readable`: the checked tables and the query's own CTEs (SQLite reports reading a CTE
    as reading a table of that name; a CTE shadows any table so named)."""
    connection = sqlite3.connect(f"file:{db.sqlite_path}?mode=ro", uri=True, timeout=5)
    deadline = time.monotonic() + timeout

    def authorize(action: int, arg1: Any, arg2: Any, _db: Any, _trigger: Any) -> int:
        if action not in _SQLITE_READ_OK:
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_READ and arg1 not in readable:
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() not in FUNCTIONS:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    try:
        connection.execute("PRAGMA query_only = 1")
        connection.set_authorizer(authorize)
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        cursor = connection.execute(query)
        rows = cursor.fetchall()
        return [d[0] for d in cursor.description], rows
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise _timed_out(timeout) from None
        raise SearchQueryError(f"Query failed: {str(exc)[:200]}") from None
    except sqlite3.DatabaseError as exc:
        raise SearchQueryError(f"Query failed: {str(exc)[:200]}") from None
    finally:
        connection.close()


def _run_postgres(
    db: Any, query: str, _tables: set[str], timeout: float
) -> tuple[list[str], list[tuple]]:
    from sqlalchemy.exc import DBAPIError

    try:
        with db.engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
            result = conn.exec_driver_sql(query.replace("%", "%%"))
            names = list(result.keys())
            rows = [tuple(r) for r in result]
            return names, rows
    except DBAPIError as exc:
        text = str(exc.orig).splitlines()[0][:200]
        if "statement timeout" in text:
            raise _timed_out(timeout) from None
        raise SearchQueryError(f"Query failed: {text}") from None
