"""Input schemas of the incident actions and statements, and the JSON the API answers with."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from yuqing.incidents.models import STATEMENT_KINDS, STATES

TEXT_MAX = 20000
_text = validate.Length(min=1, max=TEXT_MAX)


class _ActionBody(Schema):
    class Meta:
        unknown = RAISE

    note = fields.String(validate=validate.Length(max=2000))


class ReportBody(_ActionBody):
    pass


class AssessBody(_ActionBody):
    category = fields.String(required=True, validate=validate.Length(min=1, max=16))
    unit = fields.String(validate=validate.Length(min=1, max=64))
    summary = fields.String(validate=validate.Length(max=TEXT_MAX))


class NotifyUpBody(_ActionBody):
    #: To whom the report went (上级部门、县网信办、分局党总支 …) and how (电话、手机快报、纸质快报).
    recipients = fields.String(required=True, validate=validate.Length(min=1, max=500))
    channel = fields.String(validate=validate.Length(max=100))


class DispatchBody(_ActionBody):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    instructions = fields.String(validate=validate.Length(max=TEXT_MAX))


class EmptyBody(_ActionBody):
    pass


class VerifyBody(_ActionBody):
    result = fields.String(required=True, validate=_text)


class ResolveBody(_ActionBody):
    outcome = fields.String(required=True, validate=_text)


class ReviewBody(_ActionBody):
    summary = fields.String(required=True, validate=_text)
    lessons = fields.String(load_default="", validate=validate.Length(max=TEXT_MAX))


class ReasonBody(_ActionBody):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DowngradeBody(ReasonBody):
    grade = fields.String(required=True, validate=validate.Length(min=1, max=32))


class ReferBody(_ActionBody):
    authority = fields.String(required=True, validate=validate.Length(min=1, max=200))
    legal_basis = fields.String(required=True, validate=validate.Length(min=1, max=2000))


ACTION_SCHEMAS = {
    "report": ReportBody,
    "assess": AssessBody,
    "notify_up": NotifyUpBody,
    "dispatch": DispatchBody,
    "acknowledge": EmptyBody,
    "verify": VerifyBody,
    "resolve": ResolveBody,
    "track": EmptyBody,
    "subside": EmptyBody,
    "review": ReviewBody,
    "archive": EmptyBody,
    "escalate": ReasonBody,
    "downgrade": DowngradeBody,
    "refer": ReferBody,
    "reopen": ReasonBody,
}


class ActionDocSchema(Schema):
    """Every field any action takes; each action checks its own (see the action list)."""

    class Meta:
        unknown = RAISE

    category = fields.String(metadata={"description": "assess: plugin category code"})
    unit = fields.String(metadata={"description": "assess/dispatch: unit code"})
    summary = fields.String(metadata={"description": "assess/review"})
    instructions = fields.String(metadata={"description": "dispatch"})
    result = fields.String(metadata={"description": "verify"})
    outcome = fields.String(metadata={"description": "resolve"})
    lessons = fields.String(metadata={"description": "review"})
    reason = fields.String(metadata={"description": "escalate/downgrade/reopen"})
    grade = fields.String(metadata={"description": "downgrade: target grade code"})
    recipients = fields.String(metadata={"description": "notify_up: to whom (上报对象)"})
    channel = fields.String(metadata={"description": "notify_up: how (电话、快报 …)"})
    authority = fields.String(metadata={"description": "refer"})
    legal_basis = fields.String(metadata={"description": "refer"})
    note = fields.String()


class MetricsBody(Schema):
    metrics = fields.Dict(required=True, metadata={"description": "the metrics object"})


class StatementCreateBody(Schema):
    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(STATEMENT_KINDS))
    text = fields.String(required=True, validate=_text)


class StatementVersionBody(Schema):
    class Meta:
        unknown = RAISE

    text = fields.String(required=True, validate=_text)


class SlipAnswerBody(Schema):
    class Meta:
        unknown = RAISE

    result = fields.String(required=True, validate=_text)


class IncidentQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(STATES))
    grade = fields.String()
    severity = fields.String(validate=validate.OneOf(("S0", "S1", "S2", "S3", "S4")))
    unit = fields.String()
    q = fields.String(validate=validate.Length(max=200))
    overdue = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class CaseQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=200))
    category = fields.String()
    grade = fields.String()
    severity = fields.String(validate=validate.OneOf(("S0", "S1", "S2", "S3", "S4")))
    unit = fields.String()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


# --- output ----------------------------------------------------------------------------------


class GradeOut(Schema):
    code = fields.String()
    label = fields.String()
    severity = fields.String()


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()


class PolicyOut(Schema):
    key = fields.String()
    version = fields.String()


class ReferralOut(Schema):
    authority = fields.String()
    legal_basis = fields.String()
    referred_at = fields.DateTime()


class IncidentOut(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    state = fields.String()
    grade = fields.Nested(GradeOut)
    category = fields.String(allow_none=True)
    unit = fields.Nested(UnitOut, allow_none=True)
    policy = fields.Nested(PolicyOut)
    duplicate_count = fields.Integer()
    priority_flags = fields.List(fields.String())
    referral = fields.Nested(ReferralOut, allow_none=True)
    metrics = fields.Dict()
    verification_result = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    posted_at = fields.DateTime(allow_none=True)
    discovered_at = fields.DateTime(allow_none=True)
    occurred_at = fields.DateTime(allow_none=True)
    reported_at = fields.DateTime(allow_none=True)
    assessed_at = fields.DateTime(allow_none=True)
    notified_up_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    slip_received_at = fields.DateTime(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    subsided_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    archived_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    created_by = fields.String()
    allowed_actions = fields.List(fields.String())
    online_track = fields.Dict(metadata={"description": "statements by kind and state"})


class IncidentPage(Schema):
    items = fields.List(fields.Nested(IncidentOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    overdue_filter_applied = fields.Boolean()


class SlipOut(Schema):
    id = fields.Integer()
    unit = fields.Nested(UnitOut)
    instructions = fields.String()
    sent_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    result = fields.String(allow_none=True)
    handler_name = fields.String(allow_none=True)


class VersionOut(Schema):
    number = fields.Integer()
    text = fields.String()
    author_name = fields.String()
    created_at = fields.DateTime()
    diff = fields.String()


class ApprovalOut(Schema):
    version = fields.Integer()
    role = fields.String()
    approver_name = fields.String()
    approved_at = fields.DateTime()


class StatementOut(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    kind = fields.String()
    state = fields.String()
    current_version = fields.Integer()
    text = fields.String()
    published_at = fields.DateTime(allow_none=True)
    published_by = fields.String(allow_none=True)
    published_text = fields.String(allow_none=True)
    published_grade = fields.String(allow_none=True)
    required_approvals = fields.List(fields.String())
    missing_approvals = fields.List(fields.String())
    versions = fields.List(fields.Nested(VersionOut))
    approvals = fields.List(fields.Nested(ApprovalOut))


class TimelineEntryOut(Schema):
    at = fields.DateTime()
    type = fields.String(metadata={"description": "event, grade_change, slip, statement"})
    kind = fields.String()
    actor_name = fields.String(allow_none=True)
    summary = fields.String()
    data = fields.Dict(allow_none=True)


class CaseOut(Schema):
    incident = fields.Nested(IncidentOut)
    similarity = fields.Float(allow_none=True)
    review = fields.Dict(allow_none=True)
    statements = fields.List(fields.Nested(StatementOut))


class MetricPointOut(Schema):
    taken_at = fields.DateTime()
    signal_id = fields.Integer(allow_none=True)
    metrics = fields.Dict()
    effective = fields.Dict()
