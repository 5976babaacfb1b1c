"""Telling followers of a new version of a dataset, by mail.

`record_change` is one of the app's dataset listeners (portal.catalog.saving.emit_change). It
does nothing for a private or deleted dataset, nor for a change that recorded no activity (a
re-score, an index refresh); otherwise one indexed lookup asks whether anyone follows the
dataset or its department, and only then is the `follows.notify` task queued after the commit.
The task mails each follower (Chinese first, then English) with a signed unsubscribe link.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select

from portal import mail
from portal.auth.models import User
from portal.catalog.models import Activity, Dataset
from portal.feedback.models import DATASET, ORGANIZATION, Follow
from portal.jobs.queue import task

if TYPE_CHECKING:
    from portal.actions import Context
    from portal.config import Settings

log = logging.getLogger(__name__)
TASK_NAME = "follows.notify"


def signature(settings: Settings, *parts: str) -> str:
    """A keyed hash of the parts: unsubscribe links and feed URLs need no stored secret."""
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def feed_token(settings: Settings, user_id: str) -> str:
    return signature(settings, "feed", user_id)


def unsubscribe_url(settings: Settings, user_id: str, kind: str, object_id: str) -> str:
    query = {"u": user_id, "t": kind, "o": object_id}
    query["s"] = signature(settings, "unfollow", user_id, kind, object_id)
    return f"{settings.site_url.rstrip('/')}/follow/unsubscribe?{urlencode(query)}"


def record_change(context: Context, dataset_id: str) -> None:
    session = context.session
    # The activity saved() recorded just before: none for a re-score or an index refresh.
    change = context.__dict__.get("_recorded", {}).pop(dataset_id, None)
    dataset = session.get(Dataset, dataset_id)
    if change is None or dataset is None or dataset.state != "active" or dataset.private:
        return
    targets = [dataset_id] + ([dataset.owner_org] if dataset.owner_org else [])
    if session.scalar(select(Follow.user_id).where(Follow.object_id.in_(targets)).limit(1)) is None:
        return
    pending: list[str] | None = context.__dict__.get("_follow_pending")
    if pending is None:  # the first of this transaction: one hook sends them all
        pending = context.__dict__["_follow_pending"] = []
        app = context.app
        context.after_commit.append(lambda: _enqueue(app, context))
        context.on_rollback.append(lambda: context.__dict__.pop("_follow_pending", None))
    pending.append(change.id)


def _enqueue(app: Any, context: Context) -> None:
    for activity_id in context.__dict__.pop("_follow_pending", None) or []:
        app.extensions["portal.queue"].enqueue(TASK_NAME, activity_id)


@task(name=TASK_NAME, retries=2, retry_delay=60)
def notify_followers(activity_id: str) -> int:
    """Mail the followers of the dataset an activity changed; returns how many were sent."""
    settings = current_app.extensions["portal.settings"]
    if not mail.mail_configured(settings):
        return 0
    with current_app.extensions["portal.db"].factory() as session:
        change = session.get(Activity, activity_id)
        dataset = session.get(Dataset, change.object_id) if change is not None else None
        if change is None or dataset is None or dataset.state != "active" or dataset.private:
            return 0
        previous = _previous(session, change)
        sent = 0
        for user, kind, object_id in _recipients(session, dataset, change.user_id):
            url = unsubscribe_url(settings, user.id, kind, object_id)
            subject, body = message(settings, user, dataset, change, previous, url)
            try:
                mail.send(settings, user.email or "", subject, body)
                sent += 1
            except (OSError, smtplib.SMTPException):
                log.exception("could not mail follower %s of %s", user.id, dataset.id)
        return sent


def _previous(session: Any, change: Activity) -> Activity | None:
    return session.scalars(
        select(Activity)
        .where(Activity.object_id == change.object_id, Activity.timestamp < change.timestamp)
        .order_by(Activity.timestamp.desc())
        .limit(1)
    ).first()


def _recipients(session: Any, dataset: Dataset, actor: str | None) -> list[tuple[User, str, str]]:
    """Each follower once (by the dataset if they follow it, else by its department), not the
    one who made the change."""
    targets = [(DATASET, dataset.id)]
    if dataset.owner_org:
        targets.append((ORGANIZATION, dataset.owner_org))
    found: dict[str, tuple[User, str, str]] = {}
    for kind, object_id in targets:
        users = session.scalars(
            select(User)
            .join(Follow, Follow.user_id == User.id)
            .where(Follow.object_type == kind, Follow.object_id == object_id)
            .where(User.state == "active", User.email.is_not(None))
        )
        for user in users:
            if user.id != actor:
                found.setdefault(user.id, (user, kind, object_id))
    return list(found.values())


def describe(change: Activity, previous: Activity | None) -> tuple[str, str]:
    """What is new, in Chinese and English: added or replaced files, or the metadata."""
    if change.activity_type == "new package":
        return "新发布的数据集。", "A newly published dataset."
    new = {r["id"]: r for r in (change.data or {}).get("package", {}).get("resources", [])}
    old_data = (previous.data or {}) if previous is not None else {}
    old = {r["id"]: r for r in old_data.get("package", {}).get("resources", [])}
    added = [r.get("name") or r["id"] for rid, r in new.items() if rid not in old]
    replaced = [
        r.get("name") or rid
        for rid, r in new.items()
        if rid in old and _file_of(r) != _file_of(old[rid])
    ]
    if added:
        names = "、".join(added)
        return f"新增资源：{names}", f"New resources: {', '.join(added)}"
    if replaced:
        return f"资源文件已更新：{'、'.join(replaced)}", f"Replaced files: {', '.join(replaced)}"
    return "数据集的元数据已更新。", "The dataset's metadata was updated."


def _file_of(resource: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(resource.get(k) for k in ("url", "hash", "size", "last_modified"))


def message(
    settings: Settings,
    user: User,
    dataset: Dataset,
    change: Activity,
    previous: Activity | None,
    unsubscribe: str,
) -> tuple[str, str]:
    """The subject and body of one follower's mail."""
    zh, en = describe(change, previous)
    title_en = dataset.title_en or dataset.title
    link = f"{settings.site_url.rstrip('/')}/dataset/{dataset.name}"
    subject = f"您关注的数据集有更新：{dataset.title} / Update of a dataset you follow"
    body = (
        f"{user.name}，您好：\n\n您关注的数据集「{dataset.title}」有新版本。\n{zh}\n"
        f"查看：{link}\n\n不再接收此类通知：{unsubscribe}\n\n---\n\n"
        f'Hello {user.name},\n\nThe dataset "{title_en}" that you follow has a new version.\n'
        f"{en}\nSee it: {link}\n\nStop these notifications: {unsubscribe}\n"
    )
    return subject, body
