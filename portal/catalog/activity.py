"""Recording activity: who changed which object, with its dict after the change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.catalog.models import Activity
from portal.database import new_id

if TYPE_CHECKING:
    from portal.actions import Context


def record(context: Context, object_id: str, activity_type: str, data: dict[str, Any]) -> None:
    row = Activity(
        id=new_id(),
        user_id=context.user_id,
        object_id=object_id,
        activity_type=activity_type,
        data=data,
    )
    context.session.add(row)
    # The dataset listeners that follow (portal.feedback.notify) take it from here.
    context.__dict__.setdefault("_recorded", {})[object_id] = row
