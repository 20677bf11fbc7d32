"""Marshmallow schemas of the segments API (``/api/v1/segments/``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from graph.segments.rules import FIELDS
from views.segments.context import CSV_COLUMNS

RuleSchema = Schema.from_dict(
    {
        "field": fields.String(
            required=True,
            metadata={"enum": list(FIELDS)},
        ),  # fmt: skip
        "op": fields.String(
            required=True,
            metadata={
                "description": "in, eq, any, all, is, between, before, after, none, gte, "
                "within or gt, depending on the field"
            },
        ),  # fmt: skip
        "value": fields.Raw(
            metadata={"description": 'e.g. ["deal"], "East", {"customer": "C…", "hops": 3}'}
        ),
    },
    name="SegmentRule",
)
SegmentPostSchema = Schema.from_dict(
    {
        "name": fields.String(required=True),
        "description": fields.String(),
        "rules": fields.List(fields.Nested(RuleSchema), required=True),
        "version": fields.Integer(
            metadata={"description": "PUT: required, the version edited (409 if stale)"}
        ),
    },
    name="SegmentPost",
)
SegmentSchema = Schema.from_dict(
    {
        "uid": fields.String(),
        "name": fields.String(),
        "description": fields.String(),
        "rules": fields.List(fields.Nested(RuleSchema)),
        "created_by": fields.String(),
        "created_at": fields.String(),
        "updated_at": fields.String(),
        "version": fields.Integer(),
    },
    name="Segment",
)
SegmentMemberSchema = Schema.from_dict(
    {name: fields.String(allow_none=True) for name in (*CSV_COLUMNS, "owner", "channel")},
    name="SegmentMember",
)
RuleMatchSchema = Schema.from_dict(
    {
        "rule": fields.Nested(RuleSchema),
        "matched": fields.Boolean(),
        "detail": fields.String(),
        "path": fields.List(
            fields.String(), metadata={"description": "Referral path uids; 'hidden' if not visible"}
        ),
    },
    name="SegmentRuleMatch",
)
ExplanationSchema = Schema.from_dict(
    {
        "uid": fields.String(),
        "name": fields.String(),
        "member": fields.Boolean(),
        "rules": fields.List(fields.Nested(RuleMatchSchema)),
    },
    name="SegmentExplanation",
)
