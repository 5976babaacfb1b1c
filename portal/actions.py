"""The action registry: one function per operation, called the same way by API, pages, CLI and
harvesters.

An action is `fn(context, data_dict) -> result`. It validates `data_dict` with its marshmallow
schema, checks permission, and works in the context's session. `call()` wraps the outermost
action in one transaction: commit on success, rollback on any error, then run after-commit hooks
(the search outbox, queued jobs).

The registry is a leaf: it imports no domain. The modules that register actions are listed in
portal/__init__.py (ACTION_MODULES) and loaded by create_app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from portal.database import begin_write
from portal.errors import BadRequest, ValidationError, ckan_errors

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from portal.auth.models import User
    from portal.config import Settings
    from portal.storage import Storage

ActionFn = Callable[["Context", dict[str, Any]], Any]


@dataclass
class Context:
    """Who is calling and where: the session, the user (None for anonymous) and the app."""

    session: Session
    app: Flask
    user: User | None = None
    ignore_auth: bool = False
    # Bulk loaders (demo, harvests) leave index updates in the outbox and apply them at once.
    defer_index: bool = False
    depth: int = 0
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    on_rollback: list[Callable[[], None]] = field(default_factory=list)

    @property
    def is_sysadmin(self) -> bool:
        return self.ignore_auth or bool(self.user is not None and self.user.sysadmin)

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user is not None else None

    @property
    def settings(self) -> Settings:
        return self.app.extensions["portal.settings"]

    @property
    def storage(self) -> Storage:
        return self.app.extensions["portal.storage"]


@dataclass
class ActionSpec:
    name: str
    func: ActionFn
    side_effect_free: bool
    schema: type[Schema] | None
    summary: str


REGISTRY: dict[str, ActionSpec] = {}


def action(
    name: str | None = None,
    *,
    side_effect_free: bool = False,
    schema: type[Schema] | None = None,
) -> Callable[[ActionFn], ActionFn]:
    """Register an action. Read actions are `side_effect_free` and may be called with GET."""

    def register(func: ActionFn) -> ActionFn:
        action_name = name or func.__name__
        summary = (func.__doc__ or action_name).strip().splitlines()[0]
        REGISTRY[action_name] = ActionSpec(action_name, func, side_effect_free, schema, summary)
        return func

    return register


def get_action(name: str) -> Callable[[Context, dict[str, Any]], Any]:
    if name not in REGISTRY:
        raise BadRequest(f"Action name not known: {name}")

    def run(context: Context, data_dict: dict[str, Any] | None = None) -> Any:
        return call(name, context, data_dict or {})

    return run


def call(name: str, context: Context, data_dict: dict[str, Any]) -> Any:
    spec = REGISTRY.get(name)
    if spec is None:
        raise BadRequest(f"Action name not known: {name}")
    if context.depth:
        # Nested call (package_patch -> package_update): part of the caller's transaction.
        return spec.func(context, data_dict)
    with transaction(context, write=not spec.side_effect_free):
        result = spec.func(context, data_dict)
    return result


@contextmanager
def transaction(context: Context, write: bool = True) -> Iterator[None]:
    """One transaction around the outermost action call(s) (harvesters batch several): commit
    on success (reads too: it ends their snapshot without expiring loaded objects), roll back
    and run the rollback hooks on any error, then run the after-commit hooks."""
    if write:
        begin_write(context.session)
    context.depth += 1
    try:
        yield
        context.session.commit()
    except BaseException:
        context.session.rollback()
        context.after_commit.clear()
        run_hooks(context.on_rollback)
        raise
    finally:
        context.depth -= 1
    context.on_rollback.clear()
    run_hooks(context.after_commit)


@contextmanager
def batch(context: Context) -> Iterator[None]:
    """One write transaction for several action calls (a harvest batch, a bulk load): the calls
    inside are nested in it, so they commit together and their after-commit hooks (search
    outbox, queued jobs) run once, after the commit; on any error all of it rolls back."""
    with transaction(context, write=True):
        yield


@contextmanager
def savepoint(context: Context) -> Iterator[None]:
    """Part of a `batch` that may fail alone (one harvested record): a savepoint. If the block
    raises, the savepoint rolls back, the hooks added inside are dropped (its rollback hooks
    run now) and the error propagates, for the caller to record; the batch goes on."""
    after, rollback = len(context.after_commit), len(context.on_rollback)
    nested = context.session.begin_nested()
    try:
        yield
        nested.commit()
    except BaseException:
        try:
            nested.rollback()
        except Exception:  # the database itself failed: the batch's rollback reports it
            pass
        undo = context.on_rollback[rollback:]
        del context.on_rollback[rollback:]
        del context.after_commit[after:]
        run_hooks(undo)
        raise


def run_hooks(hooks: list[Callable[[], None]]) -> None:
    pending = list(hooks)
    hooks.clear()
    for hook in pending:
        hook()


def validate(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """Load `data` with a marshmallow schema, raising CKAN-style field-keyed errors."""
    if not isinstance(data, dict):
        raise ValidationError({"message": ["Expected a JSON object."]})
    try:
        return schema.load(data)
    except MarshmallowError as exc:
        raise ValidationError(ckan_errors(exc.messages)) from None
