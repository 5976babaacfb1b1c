"""marshmallow *output* schemas of the feedback and follow actions, for the OpenAPI document
(RESULTS below; see portal.result_schemas). Keep in step with portal.feedback.actions
(_feedback_dict, feedback_stats) and portal.feedback.follows."""

from __future__ import annotations

from typing import Any

from marshmallow import fields as mf

from portal.catalog.result_schemas import ActivitySchema
from portal.result_schemas import NullStr, ResultSchema, Str, Timestamp, many


class FeedbackReplySchema(ResultSchema):
    id = Str()
    user_id = NullStr()
    user_name = NullStr()
    text = Str()
    official = mf.Boolean(
        required=True, metadata={"description": "Written by the dataset's department."}
    )
    hidden = mf.Boolean(required=True)
    created = Timestamp(required=True)


class FeedbackSchema(ResultSchema):
    id = Str()
    package_id = Str()
    package_name = Str()
    package_title = Str()
    organization_id = NullStr(metadata={"description": "The department that answers."})
    resource_id = NullStr()
    resource_name = NullStr()
    user_id = NullStr(metadata={"description": "The author (null once the account is gone)."})
    user_name = NullStr()
    kind = Str(metadata={"description": "comment, question, wrong_data, broken_link or other"})
    text = Str(metadata={"description": "Markdown, shown sanitized."})
    state = Str(metadata={"description": "open, answered or closed"})
    hidden = mf.Boolean(required=True, metadata={"description": "Hidden by a moderator."})
    report_count = mf.Integer(required=True)
    created = Timestamp(required=True)
    answered = Timestamp(required=True, allow_none=True)  # the department's first reply
    closed = Timestamp(required=True, allow_none=True)
    modified = Timestamp(required=True)
    response_time = mf.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Seconds from the item to its first answer; null if none."},
    )
    replies = mf.List(mf.Nested(FeedbackReplySchema), required=True)


class FeedbackListSchema(ResultSchema):
    count = mf.Integer(required=True, metadata={"description": "Matching items, all pages."})
    results = mf.List(mf.Nested(FeedbackSchema), required=True)


class FeedbackCountsSchema(ResultSchema):
    count = mf.Integer(required=True)
    open = mf.Integer(required=True)
    answered = mf.Integer(required=True)
    closed = mf.Integer(required=True)
    median_response_time = mf.Integer(
        required=True, allow_none=True, metadata={"description": "Seconds; null if none."}
    )


class FeedbackDepartmentStatsSchema(FeedbackCountsSchema):
    organization_id = NullStr()
    organization_name = NullStr()
    organization_title = NullStr()
    organization_title_en = NullStr()


class FeedbackStatsSchema(ResultSchema):
    total = mf.Nested(FeedbackCountsSchema, required=True)
    departments = mf.List(mf.Nested(FeedbackDepartmentStatsSchema), required=True)


class FollowSchema(ResultSchema):
    follower_id = Str()
    object_id = Str()
    object_type = Str(metadata={"description": "dataset or organization"})
    datetime = Timestamp(required=True)


class FollowerSchema(ResultSchema):
    id = Str()
    name = Str()
    display_name = Str()


class FolloweeSchema(ResultSchema):
    id = Str()
    name = Str()
    title = Str()
    title_en = NullStr()


BOOLEAN = {"type": "boolean"}
COUNT = {"type": "integer", "minimum": 0}
RESULTS: dict[str, Any] = {
    "feedback_create": FeedbackSchema,
    "feedback_show": FeedbackSchema,
    "feedback_list": FeedbackListSchema,
    "feedback_reply": FeedbackSchema,
    "feedback_close": FeedbackSchema,
    "feedback_report": FeedbackSchema,
    "feedback_moderate": FeedbackSchema,
    "feedback_stats": FeedbackStatsSchema,
    "follow_dataset": FollowSchema,
    "unfollow_dataset": None,
    "am_following_dataset": BOOLEAN,
    "dataset_follower_count": COUNT,
    "dataset_follower_list": many(FollowerSchema),
    "dataset_followee_list": many(FolloweeSchema),
    "follow_group": FollowSchema,
    "unfollow_group": None,
    "am_following_group": BOOLEAN,
    "group_follower_count": COUNT,
    "organization_follower_count": COUNT,
    "group_follower_list": many(FollowerSchema),
    "organization_follower_list": many(FollowerSchema),
    "organization_followee_list": many(FolloweeSchema),
    "dashboard_activity_list": many(ActivitySchema),
}
