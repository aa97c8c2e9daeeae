"""API schemas of the notifications domain."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from yuqing.notifications.models import DELIVERY_STATES, NOTIFICATION_KINDS
from yuqing.notifications.transports import WEBHOOK_FORMATS


class DeliverySchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    channel_id = fields.Integer(allow_none=True)
    target = fields.String()
    kind = fields.String()
    title = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class DeliveryQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATES))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class ChannelSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    url = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    format = fields.String(load_default="json", validate=validate.OneOf(WEBHOOK_FORMATS))
    secret = fields.String(load_default=None, allow_none=True, load_only=True)
    has_secret = fields.Method("_has_secret", dump_only=True)
    kinds = fields.List(
        fields.String(validate=validate.OneOf(list(NOTIFICATION_KINDS))), load_default=list
    )
    is_active = fields.Boolean(load_default=True)

    def _has_secret(self, channel) -> bool:
        return bool(channel.secret)
