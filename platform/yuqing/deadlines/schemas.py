"""API schemas of the deadlines domain (deadlines, accountability, digests)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from yuqing.deadlines.models import ACCOUNTABILITY_KINDS, FINDING_KINDS


class DeadlineSchema(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    stage = fields.String()
    stage_zh = fields.String()
    rule_key = fields.String(
        metadata={
            "description": "Which rule of the stage (a stage may have several, one row each); "
            "stable across recomputations and grade changes"
        }
    )
    label_zh = fields.String()
    label_en = fields.String()
    rule_source = fields.String()
    actor_role = fields.String()
    anchor = fields.String()
    anchor_at = fields.DateTime()
    grade_code = fields.String(allow_none=True)
    within = fields.Dict()
    due_at = fields.DateTime()
    due_local = fields.String()
    met_at = fields.DateTime(allow_none=True)
    breached_at = fields.DateTime(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    escalation_level = fields.Integer()
    status = fields.String(metadata={"description": "open | overdue | met | met_late"})
    status_zh = fields.String()
    seconds_left = fields.Integer(
        metadata={
            "description": "Seconds left (positive) or overdue (negative); once met, "
            "how early (positive) or late (negative) it was met"
        }
    )
    human_zh = fields.String(metadata={"description": "「剩余 2小时15分钟」/「已超时 1天3小时」"})
    can_acknowledge = fields.Boolean()


class AccountabilityQuerySchema(Schema):
    unit_id = fields.Integer()
    person_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(list(ACCOUNTABILITY_KINDS)))
    incident_id = fields.Integer()
    date_from = fields.Date(metadata={"description": "Local day, inclusive"})
    date_to = fields.Date(metadata={"description": "Local day, inclusive"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class AccountabilityEntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_zh = fields.String()
    incident_id = fields.Integer(allow_none=True)
    deadline_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    unit_name = fields.String(allow_none=True)
    person_id = fields.Integer(allow_none=True)
    person_name = fields.String(allow_none=True)
    responsible_role = fields.String(allow_none=True)
    rule_label_zh = fields.String()
    rule_source = fields.String()
    stage = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    lateness_seconds = fields.Integer(allow_none=True)
    met_at = fields.DateTime(allow_none=True)
    evidence = fields.String()
    audit_event_ids = fields.List(fields.Integer())
    created_by = fields.String()
    created_by_name = fields.String()
    created_at = fields.DateTime()


class FindingSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(FINDING_KINDS)))
    incident_id = fields.Integer(required=True)
    evidence = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    unit_id = fields.Integer(load_default=None, allow_none=True)
    person_id = fields.Integer(load_default=None, allow_none=True)


class DigestQuerySchema(Schema):
    key = fields.String()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class DigestItemSchema(Schema):
    incident_id = fields.Integer()
    title = fields.String()
    url = fields.String()
    grade = fields.String(allow_none=True)
    severity = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    discovered_at = fields.String()


class DigestSchema(Schema):
    id = fields.Integer()
    schedule_key = fields.String()
    label_zh = fields.String()
    rule_source = fields.String()
    when = fields.String()
    issue_no = fields.Integer(metadata={"description": "期数"})
    period_start = fields.DateTime()
    period_end = fields.DateTime()
    period_local = fields.String()
    items = fields.List(fields.Nested(DigestItemSchema))
    recipients = fields.List(fields.String())
    created_at = fields.DateTime()
    text = fields.String()
