"""Feedback actions: feedback_create, _show, _list, _reply, _close, _report, _moderate and
_stats.

A signed-in user who can read a dataset posts a comment, a question or an error report on it
(optionally naming one of its resources), and the editors and admins of the dataset's
department are mailed. They, and sysadmins, answer (an official reply) and close it; the
author may reply in the thread and close it too. Feedback is as public as its dataset: on a
private dataset only its readers see it. Anyone signed in reports abuse (once each);
sysadmins hide and restore items and replies. Posting is limited per user per hour
(PORTAL_FEEDBACK_PER_HOUR).
"""

from __future__ import annotations

from datetime import timedelta
from statistics import median
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from portal import mail
from portal.actions import Context, action, validate
from portal.auth.models import User
from portal.auth.permissions import (
    collaborations,
    has_role,
    readable_org_ids,
    require,
    require_login,
    require_readable,
    require_sysadmin,
)
from portal.catalog import activity
from portal.catalog.dictize import iso
from portal.catalog.models import Dataset, Member, Organization, Resource
from portal.catalog.queries import find_dataset, find_organization
from portal.database import utcnow
from portal.errors import NotFound, ValidationError
from portal.feedback import schemas as s
from portal.feedback.models import (
    ANSWERED,
    CLOSED,
    OPEN,
    STATES,
    Feedback,
    FeedbackReply,
    FeedbackReport,
)

TOO_MANY = "You have posted too much feedback in the last hour; try again later."

# --- lookups and permissions --------------------------------------------------------------------


def find_feedback(context: Context, ident: Any) -> tuple[Feedback, Dataset]:
    """The item and its dataset; one the caller may not see reads as unknown."""
    found = context.session.get(Feedback, ident) if isinstance(ident, str) and ident else None
    dataset = context.session.get(Dataset, found.dataset_id) if found is not None else None
    if found is None or dataset is None or (found.hidden and not context.is_sysadmin):
        raise NotFound("Feedback not found")
    require_readable(context, dataset, "Feedback")
    return found, dataset


def can_answer(context: Context, dataset: Dataset) -> bool:
    """The department of the dataset (editors and admins) or a sysadmin."""
    return has_role(context, dataset.owner_org, "editor")


def _readable_clause(context: Context) -> Any:
    """Feedback on datasets the caller may read (sysadmins: every dataset not deleted)."""
    if context.is_sysadmin:
        return Dataset.state != "deleted"
    shared = or_(
        Dataset.private.is_(False),
        Dataset.owner_org.in_(readable_org_ids(context)),
        Dataset.id.in_(list(collaborations(context))),
    )
    return (Dataset.state == "active") & shared


def _limit_posts(context: Context) -> None:
    """The spam limit: items and replies of the last hour, by this user."""
    if context.is_sysadmin or context.user is None:
        return
    since = utcnow() - timedelta(hours=1)
    items = select(func.count()).where(
        Feedback.user_id == context.user.id, Feedback.created > since
    )
    replies = select(func.count()).where(
        FeedbackReply.user_id == context.user.id,
        FeedbackReply.created > since,
        FeedbackReply.official.is_(False),
    )
    posted = (context.session.scalar(items) or 0) + (context.session.scalar(replies) or 0)
    if posted >= context.settings.feedback_per_hour:
        raise ValidationError({"text": [TOO_MANY]})


def _resource_id(dataset: Dataset, ident: str | None) -> str | None:
    if not ident:
        return None
    if not any(r.id == ident and r.state == "active" for r in dataset.resources):
        raise ValidationError({"resource_id": ["No resource of this dataset has this id."]})
    return ident


# --- dicts --------------------------------------------------------------------------------------


def _by_ids(context: Context, model: Any, ids: set[str | None]) -> dict[str, Any]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {o.id: o for o in context.session.scalars(select(model).where(model.id.in_(wanted)))}


def _replies(context: Context, ids: list[str]) -> dict[str, list[FeedbackReply]]:
    query = select(FeedbackReply).where(FeedbackReply.feedback_id.in_(ids))
    if not context.is_sysadmin:
        query = query.where(FeedbackReply.hidden.is_(False))
    threads: dict[str, list[FeedbackReply]] = {i: [] for i in ids}
    for reply in context.session.scalars(query.order_by(FeedbackReply.created, FeedbackReply.id)):
        threads[reply.feedback_id].append(reply)
    return threads


def feedback_dicts(context: Context, items: list[Feedback]) -> list[dict[str, Any]]:
    """The dicts of several items with their threads, in five queries whatever their number."""
    ids = [f.id for f in items]
    threads = _replies(context, ids) if ids else {}
    user_ids = {f.user_id for f in items} | {r.user_id for t in threads.values() for r in t}
    users = _by_ids(context, User, user_ids)
    datasets = _by_ids(context, Dataset, {f.dataset_id for f in items})
    resources = _by_ids(context, Resource, {f.resource_id for f in items})
    return [_feedback_dict(f, threads.get(f.id, []), users, datasets, resources) for f in items]


def _user_name(users: dict[str, User], user_id: str | None) -> str | None:
    user = users.get(user_id or "")
    return user.name if user is not None else None


def _feedback_dict(
    item: Feedback,
    replies: list[FeedbackReply],
    users: dict[str, User],
    datasets: dict[str, Dataset],
    resources: dict[str, Resource],
) -> dict[str, Any]:
    dataset = datasets[item.dataset_id]
    resource = resources.get(item.resource_id or "")
    answered = item.answered
    return {
        "id": item.id,
        "package_id": dataset.id,
        "package_name": dataset.name,
        "package_title": dataset.title,
        "organization_id": dataset.owner_org,
        "resource_id": item.resource_id,
        "resource_name": resource.name if resource is not None else None,
        "user_id": item.user_id,
        "user_name": _user_name(users, item.user_id),
        "kind": item.kind,
        "text": item.text,
        "state": item.state,
        "hidden": item.hidden,
        "report_count": item.report_count,
        "created": iso(item.created),
        "answered": iso(answered),
        "closed": iso(item.closed),
        "modified": iso(item.modified),
        "response_time": (
            int((answered - item.created).total_seconds()) if answered is not None else None
        ),
        "replies": [_reply_dict(r, users) for r in replies],
    }


def _reply_dict(reply: FeedbackReply, users: dict[str, User]) -> dict[str, Any]:
    return {
        "id": reply.id,
        "user_id": reply.user_id,
        "user_name": _user_name(users, reply.user_id),
        "text": reply.text,
        "official": reply.official,
        "hidden": reply.hidden,
        "created": iso(reply.created),
    }


def _result(context: Context, item: Feedback, what: str | None = None) -> dict[str, Any]:
    context.session.flush()
    result = feedback_dicts(context, [item])[0]
    if what is not None:  # the audit trail of the thread and its moderation
        activity.record(context, item.id, f"{what} feedback", {"feedback": result})
    return result


# --- actions ------------------------------------------------------------------------------------


@action(schema=s.CreateSchema)
def feedback_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Post a comment, a question or an error report on a dataset."""
    require_login(context)
    args = validate(s.CreateSchema(), data_dict)
    dataset = find_dataset(context, args["package_id"])
    require_readable(context, dataset)
    require(dataset.state == "active", "Feedback is only taken on published datasets.")
    _limit_posts(context)
    item = Feedback(
        dataset_id=dataset.id,
        resource_id=_resource_id(dataset, args["resource_id"]),
        user_id=context.user_id,
        kind=args["kind"],
        text=args["text"].strip(),
        state=OPEN,
    )
    context.session.add(item)
    result = _result(context, item, "new")
    _tell_department(context, dataset, result)
    return result


KIND_NAMES = {
    "comment": ("评论", "comment"),
    "question": ("提问", "question"),
    "wrong_data": ("数据有误", "wrong data"),
    "broken_link": ("链接失效", "broken link"),
    "other": ("其他", "other"),
}


def _tell_department(context: Context, dataset: Dataset, item: dict[str, Any]) -> None:
    """Mail the editors and admins of the dataset's department, once the item is committed."""
    if not mail.mail_configured(context.settings) or dataset.owner_org is None:
        return
    addresses = context.session.scalars(
        select(User.email)
        .join(Member, Member.user_id == User.id)
        .where(
            Member.organization_id == dataset.owner_org,
            Member.role.in_(("editor", "admin")),
            User.state == "active",
            User.email.is_not(None),
            User.id != (context.user_id or ""),
        )
    )
    zh, en = KIND_NAMES[item["kind"]]
    link = f"{context.settings.site_url.rstrip('/')}/dataset/{dataset.name}#feedback-{item['id']}"
    subject = f"数据集「{dataset.title}」收到新的反馈 / New feedback on a dataset"
    body = (
        f"数据集「{dataset.title}」收到一条新的{zh}：\n\n{item['text']}\n\n请答复：{link}\n\n---\n\n"
        f'The dataset "{dataset.title_en or dataset.title}" has new feedback ({en}):\n\n'
        f"{item['text']}\n\nAnswer it: {link}\n"
    )
    for address in sorted(set(addresses)):
        mail.send_after_commit(context, address, subject, body)


@action(side_effect_free=True, schema=s.IdSchema)
def feedback_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A feedback item with its replies."""
    args = validate(s.IdSchema(), data_dict)
    return feedback_dicts(context, [find_feedback(context, args["id"])[0]])[0]


@action(side_effect_free=True, schema=s.ListSchema)
def feedback_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Feedback newest first: of one dataset, of one department's datasets, of one state or
    kind; only on datasets the caller may read."""
    args = validate(s.ListSchema(), data_dict)
    query = select(Feedback).join(Dataset, Dataset.id == Feedback.dataset_id)
    query = query.where(_readable_clause(context))
    if args["package_id"]:
        dataset = find_dataset(context, args["package_id"])
        require_readable(context, dataset)
        query = query.where(Feedback.dataset_id == dataset.id)
    if args["organization_id"]:
        query = query.where(Dataset.owner_org == _organization_id(context, args))
    for key in ("state", "kind"):
        if args[key]:
            query = query.where(getattr(Feedback, key) == args[key])
    if args["reported"] or args["include_hidden"]:
        require_sysadmin(context, "see reported or hidden feedback")
    if args["reported"]:
        query = query.where(Feedback.report_count > 0)
    if not args["include_hidden"]:
        query = query.where(Feedback.hidden.is_(False))
    total = context.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(Feedback.created.desc(), Feedback.id)
    page = list(context.session.scalars(query.offset(args["offset"]).limit(args["limit"])))
    return {"count": total, "results": feedback_dicts(context, page)}


def _organization_id(context: Context, args: dict[str, Any]) -> str:
    try:
        return find_organization(context, args["organization_id"]).id
    except NotFound:
        raise ValidationError({"organization_id": ["Organization does not exist"]}) from None


@action(schema=s.ReplySchema)
def feedback_reply(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Reply in an item's thread: the department's reply answers it; its author may reply too."""
    require_login(context)
    args = validate(s.ReplySchema(), data_dict)
    item, dataset = find_feedback(context, args["id"])
    _add_reply(context, item, dataset, args["text"])
    return _result(context, item, "replied")


def _add_reply(context: Context, item: Feedback, dataset: Dataset, text: str) -> None:
    official = can_answer(context, dataset)
    own = context.user_id is not None and item.user_id == context.user_id
    require(
        official or own,
        "Only the department of the dataset, a sysadmin or its author may reply to feedback.",
    )
    if item.state == CLOSED:
        raise ValidationError({"id": ["This feedback is closed."]})
    if not official:
        _limit_posts(context)
    now = utcnow()
    context.session.add(
        FeedbackReply(
            feedback_id=item.id,
            user_id=context.user_id,
            text=text.strip(),
            official=official,
            created=now,
        )
    )
    if official:
        item.state = ANSWERED
        item.answered = item.answered or now
    item.modified = now


@action(schema=s.CloseSchema)
def feedback_close(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Close an item (with an optional last reply): its department, a sysadmin or its author."""
    require_login(context)
    args = validate(s.CloseSchema(), data_dict)
    item, dataset = find_feedback(context, args["id"])
    own = context.user_id is not None and item.user_id == context.user_id
    require(
        can_answer(context, dataset) or own,
        "Only the department of the dataset, a sysadmin or its author may close feedback.",
    )
    if (args["text"] or "").strip():
        _add_reply(context, item, dataset, args["text"])
    if item.state != CLOSED:
        item.state = CLOSED
        item.closed = item.modified = utcnow()
    return _result(context, item, "closed")


@action(schema=s.ReportSchema)
def feedback_report(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Flag an item as abuse or spam for the moderators (once per user)."""
    require_login(context)
    args = validate(s.ReportSchema(), data_dict)
    item, _dataset = find_feedback(context, args["id"])
    require(context.user is not None, "Only a signed-in user may report feedback.")
    key = {"feedback_id": item.id, "user_id": context.user_id}
    if context.session.get(FeedbackReport, key) is None:
        try:
            with context.session.begin_nested():
                context.session.add(FeedbackReport(**key, reason=args["reason"]))
        except IntegrityError:
            return _result(context, item)  # a concurrent report of the same user counted
        item.report_count = (item.report_count or 0) + 1
    return _result(context, item)


@action(schema=s.ModerateSchema)
def feedback_moderate(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Hide or restore an item, or one of its replies (sysadmins)."""
    require_login(context)
    require_sysadmin(context, "moderate feedback")
    args = validate(s.ModerateSchema(), data_dict)
    item, _dataset = find_feedback(context, args["id"])
    hidden = args["moderation"] == "hide"
    if args["reply_id"]:
        reply = context.session.get(FeedbackReply, args["reply_id"])
        if reply is None or reply.feedback_id != item.id:
            raise ValidationError({"reply_id": ["No reply of this feedback has this id."]})
        reply.hidden = hidden
    else:
        item.hidden = hidden
        if not hidden:
            item.report_count = 0  # restored after review: off the queue of reported items
    return _result(context, item, "hidden" if hidden else "restored")


@action(side_effect_free=True, schema=s.StatsSchema)
def feedback_stats(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Feedback counts by state and the median time to the first answer, per department."""
    args = validate(s.StatsSchema(), data_dict)
    query = (
        select(Dataset.owner_org, Feedback.state, Feedback.created, Feedback.answered)
        .join(Dataset, Dataset.id == Feedback.dataset_id)
        .where(_readable_clause(context), Feedback.hidden.is_(False))
    )
    if args["organization_id"]:
        query = query.where(Dataset.owner_org == _organization_id(context, args))
    per_org: dict[str | None, list[Any]] = {}
    for row in context.session.execute(query):
        per_org.setdefault(row.owner_org, []).append(row)
    orgs = _by_ids(context, Organization, set(per_org))
    departments = [_stats_row(orgs.get(org_id or ""), rows) for org_id, rows in per_org.items()]
    departments.sort(key=lambda d: (-d["count"], d["organization_id"] or ""))
    every = [row for rows in per_org.values() for row in rows]
    return {"total": _counts(every), "departments": departments}


def _counts(rows: list[Any]) -> dict[str, Any]:
    times = [(r.answered - r.created).total_seconds() for r in rows if r.answered is not None]
    counts = {state: sum(1 for r in rows if r.state == state) for state in STATES}
    return {
        "count": len(rows),
        **counts,
        "median_response_time": int(median(times)) if times else None,
    }


def _stats_row(org: Organization | None, rows: list[Any]) -> dict[str, Any]:
    return {
        "organization_id": org.id if org is not None else None,
        "organization_name": org.name if org is not None else None,
        "organization_title": org.title if org is not None else None,
        "organization_title_en": org.title_en if org is not None else None,
        **_counts(rows),
    }
