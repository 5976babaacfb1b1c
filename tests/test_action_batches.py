"""Several action calls in one transaction (portal.actions.batch), each part that may fail on its
own in a savepoint (portal.actions.savepoint), as a harvest batch writes its records."""

from __future__ import annotations

import pytest
from conftest import Cast, site_context
from flask import Flask
from sqlalchemy import select

from portal.actions import batch, call, savepoint
from portal.catalog.models import Dataset
from portal.errors import ValidationError


def test_a_failed_savepoint_drops_only_its_own_hooks_and_the_batch_commits(
    app: Flask, cast: Cast
) -> None:
    context = site_context(app)
    ran: list[str] = []
    with batch(context):
        with savepoint(context):
            call(
                "package_create",
                context,
                {"name": "bus-routes", "title": "公交线路", "owner_org": cast.transport.id},
            )
            context.after_commit.append(lambda: ran.append("first committed"))
        with pytest.raises(ValidationError), savepoint(context):
            context.after_commit.append(lambda: ran.append("second committed"))
            context.on_rollback.append(lambda: ran.append("second undone"))
            call("package_create", context, {"name": "x", "owner_org": cast.transport.id})
        assert ran == ["second undone"]
    assert ran == ["second undone", "first committed"]
    names = set(context.session.scalars(select(Dataset.name)))
    assert names == {"bus-routes"}


def test_an_error_outside_the_savepoints_rolls_the_whole_batch_back(app: Flask, cast: Cast) -> None:
    context = site_context(app)
    ran: list[str] = []
    with pytest.raises(RuntimeError), batch(context):
        with savepoint(context):
            call(
                "package_create",
                context,
                {"name": "metro-lines", "title": "地铁线路", "owner_org": cast.transport.id},
            )
            context.after_commit.append(lambda: ran.append("committed"))
        raise RuntimeError("the batch failed")
    assert ran == []
    assert context.session.scalar(select(Dataset).where(Dataset.name == "metro-lines")) is None
