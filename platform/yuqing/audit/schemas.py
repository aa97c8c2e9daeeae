"""Serialisation of audit events and chain verification results."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class VerifyResultSchema(Schema):
    ok = fields.Boolean(required=True)
    checked = fields.Integer(required=True, metadata={"description": "events checked"})
    first_broken_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    event_id = fields.Integer(allow_none=True)
    event_kind = fields.String(allow_none=True)


class AuditEventSchema(Schema):
    id = fields.Integer()
    seq = fields.Integer()
    occurred_at = fields.DateTime()
    actor_label = fields.String()
    actor_name = fields.String()
    kind = fields.String()
    subject_type = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    data = fields.Raw(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


class EventQuerySchema(Schema):
    kind = fields.String(load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
