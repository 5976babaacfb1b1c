"""The mail of conditional opening, Chinese first then English: reviewers hear of a new
application, the applicant of its approval, rejection or revocation. Sent after the commit
(portal.mail.send_after_commit); addresses go only to the mail server, never into the log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from portal.auth.models import User
from portal.catalog.models import Member
from portal.mail import mail_configured, send_after_commit

if TYPE_CHECKING:
    from portal.actions import Context

SIGNATURE = "\n-- \n数据开放平台 / Open Data Portal\n"


def _send(context: Context, to: str | None, subject: str, body: str) -> None:
    if to and mail_configured(context.settings):
        send_after_commit(context, to, subject, body + SIGNATURE)


def _site(context: Context) -> str:
    return context.settings.site_url.rstrip("/")


def _day(value: str | None) -> str:
    return (value or "")[:10]


def reviewer_addresses(context: Context, org_id: str | None) -> list[str]:
    """The department's admins and editors who have an address."""
    if org_id is None:
        return []
    rows = context.session.scalars(
        select(User.email).join(Member, Member.user_id == User.id).where(
            Member.organization_id == org_id,
            Member.role.in_(("admin", "editor")),
            User.state == "active",
            User.email.is_not(None),
        )
    )
    return sorted({email for email in rows if email})


def new_application(context: Context, org_id: str | None, request: dict[str, Any]) -> None:
    title = request["dataset_title"]
    subject = f"新的数据使用申请：{title} / New application for data access"
    body = (
        f"{request['user_name']}（{request['organization']}）申请使用有条件开放数据集"
        f"“{title}”，申请期限 {request['days']} 天。\n"
        f"用途：{request['purpose']}\n使用场景：{request['scenario']}\n"
        f"请在 {_day(request['due'])} 之前审核：{_site(context)}/access/review\n\n"
        f"{request['user_name']} ({request['organization']}) applies for the data of the "
        f"conditionally open dataset \"{title}\" for {request['days']} days. Please review it "
        f"by {_day(request['due'])}: {_site(context)}/access/review\n"
    )
    for address in reviewer_addresses(context, org_id):
        _send(context, address, subject, body)


def decided(context: Context, to: str | None, request: dict[str, Any]) -> None:
    """The applicant hears of the approval or rejection of their application."""
    title = request["dataset_title"]
    link = f"{_site(context)}/dataset/{request['dataset_name']}"
    if request["state"] == "approved":
        until = _day(request["grant"]["expires_at"])
        subject = f"您的数据使用申请已通过：{title} / Your application was approved"
        body = (
            f"您对数据集“{title}”的使用申请已通过，有效期至 {until}。\n{link}\n\n"
            f"Your application for the data of \"{title}\" was approved; your access lasts "
            f"until {until}.\n"
        )
    else:
        subject = f"您的数据使用申请未通过：{title} / Your application was rejected"
        body = (
            f"您对数据集“{title}”的使用申请未通过。\n理由：{request['reason']}\n\n"
            f"Your application for the data of \"{title}\" was rejected.\n"
            f"Reason: {request['reason']}\n"
        )
    if request.get("reason") and request["state"] == "approved":
        body += f"\n{request['reason']}\n"
    _send(context, to, subject, body)


def revoked(context: Context, to: str | None, request: dict[str, Any]) -> None:
    title = request["dataset_title"]
    reason = (request["grant"] or {}).get("revoke_reason") or "—"
    subject = f"您的数据使用权限已被撤销：{title} / Your access was revoked"
    body = (
        f"您对数据集“{title}”的使用权限已被所属部门撤销。\n理由：{reason}\n\n"
        f"Your access to the data of \"{title}\" was revoked by its department.\n"
        f"Reason: {reason}\n"
    )
    _send(context, to, subject, body)
