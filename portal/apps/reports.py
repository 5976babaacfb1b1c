"""API usage figures: `stats_api_usage` (per month, action and key, for the caller's own
applications and tokens; a sysadmin's for everyone) and `stats_api_calls` (the public figure:
all API calls per month). Read from portal.apps.models.ApiCallCount, which
portal.apps.usage fills in batches."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from portal.actions import Context, action, validate
from portal.apps.actions import find_app
from portal.apps.models import ApiCallCount, App
from portal.apps.schemas import UsageSchema
from portal.auth.models import ApiToken
from portal.auth.permissions import require_login
from portal.stats.reports import MonthsSchema, month_range


def _month(context: Context) -> Any:
    if context.session.get_bind().dialect.name == "postgresql":
        return func.to_char(ApiCallCount.day, "YYYY-MM")
    return func.strftime("%Y-%m", ApiCallCount.day)


def _start(months: list[str]) -> date:
    return date.fromisoformat(months[0] + "-01")


def _monthly(context: Context, months: list[str], *where: Any) -> list[dict[str, Any]]:
    month = _month(context)
    query = (
        select(month, func.sum(ApiCallCount.count))
        .where(ApiCallCount.day >= _start(months), *where)
        .group_by(month)
    )
    calls = {m: int(n or 0) for m, n in context.session.execute(query)}
    return [{"month": key, "calls": calls.get(key, 0)} for key in months]


@action(side_effect_free=True, schema=MonthsSchema)
def stats_api_calls(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Action API calls per month, all callers together (the public statistics' figure)."""
    args = validate(MonthsSchema(), data_dict)
    return _monthly(context, month_range(args["months"]))


def _scope(context: Context, app_id: str | None) -> list[Any]:
    """Which rows the caller may see: one application's, their own apps' and tokens', or all."""
    if app_id:
        return [ApiCallCount.app_id == find_app(context, app_id).id]
    if context.is_sysadmin:
        return []
    own_apps = select(App.id).where(App.user_id == context.user_id)
    own_tokens = select(ApiToken.id).where(ApiToken.user_id == context.user_id)
    return [or_(ApiCallCount.app_id.in_(own_apps), ApiCallCount.token_id.in_(own_tokens))]


@action(side_effect_free=True, schema=UsageSchema)
def stats_api_usage(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """API calls of the caller's applications and tokens (a sysadmin: of everyone, calls
    without a token included) in the last N months: per month, per action (most called
    first) and per key (token_id "" is calls without one)."""
    require_login(context)
    args = validate(UsageSchema(), data_dict)
    months = month_range(args["months"])
    where = [*_scope(context, args["app_id"]), ApiCallCount.day >= _start(months)]
    actions = context.session.execute(
        select(ApiCallCount.action, func.sum(ApiCallCount.count).label("calls"))
        .where(*where)
        .group_by(ApiCallCount.action)
        .order_by(func.sum(ApiCallCount.count).desc(), ApiCallCount.action)
    )
    return {
        "months": _monthly(context, months, *where),
        "actions": [{"action": a, "calls": int(n)} for a, n in actions],
        "keys": _per_key(context, where),
    }


def _names(context: Context, model: Any, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    query = select(model.id, model.name).where(model.id.in_(ids))
    return dict(context.session.execute(query).all())


def _per_key(context: Context, where: list[Any]) -> list[dict[str, Any]]:
    rows = context.session.execute(
        select(
            ApiCallCount.token_id,
            ApiCallCount.app_id,
            func.sum(ApiCallCount.count),
            func.max(ApiCallCount.day),
        )
        .where(*where)
        .group_by(ApiCallCount.token_id, ApiCallCount.app_id)
        .order_by(func.sum(ApiCallCount.count).desc(), ApiCallCount.token_id)
    ).all()
    token_ids = {r[0] for r in rows if r[0]}
    app_ids = {r[1] for r in rows if r[1]}
    names = _names(context, ApiToken, token_ids)
    apps = _names(context, App, app_ids)
    return [
        {
            "token_id": token_id,
            "key_name": names.get(token_id),
            "app_id": app_id or None,
            "app_name": apps.get(app_id),
            "calls": int(calls),
            "last_day": str(last) if last is not None else None,
        }
        for token_id, app_id, calls, last in rows
    ]
