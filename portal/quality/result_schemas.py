"""marshmallow *output* schemas of the quality actions, for the OpenAPI document (RESULTS
below; see portal.result_schemas)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from portal.result_schemas import NullStr, ResultSchema, Str

BILINGUAL = {"description": "Text in Chinese (zh) and English (en)."}


class BilingualSchema(ResultSchema):
    zh = Str()
    en = Str()


class DimensionScoreSchema(ResultSchema):
    score = fields.Integer(required=True)
    max = fields.Integer(required=True)


class MissingIndicatorSchema(ResultSchema):
    indicator = Str(metadata={"example": "keywords"})
    dimension = Str(metadata={"example": "findability"})
    points = fields.Integer(required=True, metadata={"description": "Points the dataset loses."})
    label = fields.Nested(BilingualSchema, required=True, metadata=BILINGUAL)
    advice = fields.Nested(BilingualSchema, required=True, metadata=BILINGUAL)


class DatasetRefSchema(ResultSchema):
    id = Str()
    name = Str()
    title = NullStr()
    title_en = NullStr()
    private = fields.Boolean(required=True)


class QualityScoreSchema(ResultSchema):
    """A dataset's score (also the `quality` key of package_show once it is stored)."""

    score = fields.Integer(required=True)
    max = fields.Integer(required=True, metadata={"example": 405})
    band = Str(metadata={"description": "excellent, good, sufficient or bad."})
    profile = Str(metadata={"example": "dcat-ap"})
    version = Str(metadata={"description": "The scoring rules' version (schemas/quality)."})
    dimensions = fields.Dict(
        keys=fields.String(), values=fields.Nested(DimensionScoreSchema), required=True
    )
    missing = fields.List(fields.Nested(MissingIndicatorSchema), required=True)


class DepartmentRowSchema(DatasetRefSchema):
    score = fields.Integer(required=True)
    max = fields.Integer(required=True)
    band = Str()
    dimensions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    missing = fields.List(fields.String(), required=True, metadata={"example": ["spatial"]})


class DimensionAverageSchema(ResultSchema):
    average = fields.Float(required=True, allow_none=True)
    max = fields.Integer(required=True)


class MissingTotalSchema(ResultSchema):
    indicator = Str()
    dimension = Str()
    label = fields.Nested(BilingualSchema, required=True, metadata=BILINGUAL)
    count = fields.Integer(required=True)
    points_lost = fields.Integer(required=True)


class DepartmentSummarySchema(ResultSchema):
    count = fields.Integer(required=True)
    average = fields.Float(required=True, allow_none=True)
    max = fields.Integer(required=True)
    band = NullStr()
    bands = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    dimensions = fields.Dict(
        keys=fields.String(), values=fields.Nested(DimensionAverageSchema), required=True
    )
    missing = fields.List(fields.Nested(MissingTotalSchema), required=True)


class OrganizationRefSchema(ResultSchema):
    id = Str()
    name = Str()
    title = NullStr()
    title_en = NullStr()


class QualityReportResultSchema(ResultSchema):
    """With `id`: `dataset` and its score (the QualityScore keys). With `organization`:
    `organization`, `summary` (over every dataset the caller may see), and the `datasets`
    page, lowest score first."""

    dataset = fields.Nested(DatasetRefSchema)
    score = fields.Integer()
    max = fields.Integer()
    band = fields.String(allow_none=True)
    profile = fields.String()
    version = fields.String()
    dimensions = fields.Dict(keys=fields.String(), values=fields.Nested(DimensionScoreSchema))
    missing = fields.List(fields.Nested(MissingIndicatorSchema))
    organization = fields.Nested(OrganizationRefSchema)
    summary = fields.Nested(DepartmentSummarySchema)
    count = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    datasets = fields.List(fields.Nested(DepartmentRowSchema))


RESULTS: dict[str, Any] = {
    "quality_report": QualityReportResultSchema,
    "quality_rescore": {
        "type": "object",
        "nullable": True,
        "description": "The new score, as package_show's quality; null for a deleted dataset.",
    },
}
