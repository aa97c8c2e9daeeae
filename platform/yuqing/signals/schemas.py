"""The signal body of the API contract (issue 4) and the answer per signal."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from yuqing.policy.metrics import LEVELS_3, MEDIA_LEVELS, NEGATIVE_TRENDS, OFFLINE_ACTION_RISKS
from yuqing.signals.models import CONTENT_MAX, TITLE_MAX, URL_MAX

BATCH_MAX = 500
_count = validate.Range(min=0)


class MetricsIn(Schema):
    """Grading inputs (digest §3.0); unknown keys are dropped, not stored."""

    class Meta:
        unknown = EXCLUDE

    views = fields.Integer(validate=_count)
    comments = fields.Integer(validate=_count)
    reposts = fields.Integer(validate=_count)
    likes = fields.Integer(validate=_count)
    mainstream_sites = fields.Integer(validate=_count)
    distinct_sites = fields.Integer(validate=_count)
    media_level = fields.String(validate=validate.OneOf(MEDIA_LEVELS))
    traditional_media = fields.Boolean()
    negative_trend = fields.String(validate=validate.OneOf(NEGATIVE_TRENDS))
    offline_action_risk = fields.String(validate=validate.OneOf(OFFLINE_ACTION_RISKS))
    attention = fields.String(validate=validate.OneOf(LEVELS_3))
    spread_speed = fields.String(validate=validate.OneOf(LEVELS_3))
    reach = fields.String(validate=validate.OneOf(LEVELS_3))
    topics = fields.List(
        fields.String(validate=validate.Length(max=50)), validate=validate.Length(max=50)
    )
    key_subject = fields.Boolean()
    sudden_event = fields.Boolean()
    special_period = fields.Boolean()
    needs_gov_coordination = fields.Boolean()
    mishandled_spread = fields.Boolean()
    not_subsiding = fields.Boolean()
    hotspot = fields.Boolean()
    nationwide_attention = fields.Boolean()
    severe_social_impact = fields.Boolean()
    severe_image_impact = fields.Boolean()
    credibility_vars = fields.Integer(validate=validate.Range(min=0, max=4))


class SignalIn(Schema):
    """One post, as a monitoring platform or a monitor reports it."""

    class Meta:
        unknown = RAISE

    url = fields.Url(
        required=True, schemes={"http", "https"}, validate=validate.Length(max=URL_MAX)
    )
    platform = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title = fields.String(load_default="", validate=validate.Length(max=TITLE_MAX))
    content = fields.String(load_default="", validate=validate.Length(max=CONTENT_MAX))
    author = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "netizen's account name (optional)"},
    )
    posted_at = fields.DateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "ISO 8601; without an offset the tenant's time zone is assumed"},
    )
    discovered_at = fields.DateTime(load_default=None, allow_none=True)
    occurred_at = fields.DateTime(load_default=None, allow_none=True)
    metrics = fields.Nested(MetricsIn, load_default=dict)

    @validates_schema
    def _has_text(self, data, **kwargs):
        if not (data.get("title") or "").strip() and not (data.get("content") or "").strip():
            raise ValidationError("标题和内容不能同时为空。", "content")


class SignalBatchIn(Schema):
    class Meta:
        unknown = RAISE

    items = fields.List(
        fields.Nested(SignalIn), required=True, validate=validate.Length(min=1, max=BATCH_MAX)
    )


class IngestResultOut(Schema):
    signal_id = fields.Integer()
    incident_id = fields.Integer()
    created = fields.Boolean(metadata={"description": "a new incident was opened"})
    duplicate = fields.Boolean(metadata={"description": "joined an open incident's story"})
    updated = fields.Boolean(metadata={"description": "same canonical URL: metrics updated"})
    similarity = fields.Float(allow_none=True)


class IngestBatchOut(Schema):
    items = fields.List(fields.Nested(IngestResultOut))


class SignalOut(Schema):
    id = fields.Integer()
    url = fields.String()
    canonical_url = fields.String()
    platform = fields.String()
    title = fields.String()
    content = fields.String()
    author = fields.String(
        allow_none=True, metadata={"description": "only for the roles office, leader and auditor"}
    )
    posted_at = fields.DateTime(allow_none=True)
    discovered_at = fields.DateTime()
    metrics = fields.Dict()
    is_duplicate = fields.Boolean()
