"""``/api/v1/incidents`` and ``/api/v1/cases``. Routes parse, call one operation, commit once.

Child objects (slips, statements) are always loaded through their incident.
"""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint

from yuqing.api.schemas import document_errors
from yuqing.extensions import db
from yuqing.incidents import operations as ops
from yuqing.incidents.present import case_data, incident_data, slip_data, statement_data
from yuqing.incidents.queries import (
    list_incidents,
    metric_points,
    search_cases,
    similar_cases,
    timeline,
)
from yuqing.incidents.schemas import (
    ActionDocSchema,
    CaseOut,
    CaseQuerySchema,
    IncidentOut,
    IncidentPage,
    IncidentQuerySchema,
    MetricPointOut,
    MetricsBody,
    SlipAnswerBody,
    SlipOut,
    StatementCreateBody,
    StatementOut,
    StatementVersionBody,
    TimelineEntryOut,
)
from yuqing.signals.operations import ingest_signal, signal_data
from yuqing.signals.schemas import SignalIn, SignalOut

blp = Blueprint(
    "incidents_api",
    __name__,
    url_prefix="/api/v1/incidents",
    description="Incident lifecycle: actions, metrics, slips (联系单), statements (统一口径)",
)
cases_blp = Blueprint(
    "cases_api",
    __name__,
    url_prefix="/api/v1/cases",
    description="Case library (reviewed incidents)",
)
blueprints = [blp, cases_blp]


def _incident(incident_id: int, *, for_update: bool = False):
    return ops.get_visible_incident(incident_id, g.actor, for_update=for_update)


def _out(incident):
    return incident_data(incident, g.actor)


# --- incidents -------------------------------------------------------------------------------


@blp.route("")
@blp.arguments(IncidentQuerySchema, location="query")
@blp.response(200, IncidentPage)
@document_errors(blp, 422)
def list_(args):
    """Incidents of the tenant, newest first. ``overdue`` is applied once deadlines exist."""
    page = list_incidents(actor=g.actor, **args)
    return {
        "items": [_out(i) for i in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "overdue_filter_applied": page.overdue_filter_applied,
    }


@blp.route("", methods=["POST"])
@blp.arguments(SignalIn)
@blp.response(201, IncidentOut, description="a new incident, or (200) the incident joined")
@document_errors(blp, 403, 422)
def create(data):
    """Report a post by hand (a monitor): the same body and the same de-duplication as a signal."""
    result = ingest_signal(actor=g.actor, **data)
    db.session.commit()
    return _out(result.incident), 201 if result.created else 200


@blp.route("/<int:incident_id>")
@blp.response(200, IncidentOut)
@document_errors(blp, 404)
def get(incident_id):
    """One incident, with the actions the caller may take now."""
    return _out(_incident(incident_id))


@blp.route("/<int:incident_id>/actions/<action>", methods=["POST"])
@blp.arguments(ActionDocSchema)
@blp.response(200, IncidentOut)
@document_errors(blp, 403, 404, 409, 422)
def act(_doc, incident_id, action):
    """Run a lifecycle action: report, assess (category, unit), dispatch (unit), acknowledge,
    verify (result), resolve (outcome), track, subside, review (summary, lessons), archive,
    escalate (reason), downgrade (grade, reason), refer (authority, legal_basis),
    reopen (reason).

    403: the role may not; 409: the state does not allow it (the answer names the state and
    the allowed actions); 422: the body is invalid for this action.
    """
    incident = _incident(incident_id, for_update=True)
    ops.perform_action(incident, action, actor=g.actor, body=request.get_json(silent=True) or {})
    db.session.commit()
    return _out(incident)


@blp.route("/<int:incident_id>/metrics", methods=["POST"])
@blp.arguments(MetricsBody)
@blp.response(200, IncidentOut)
@document_errors(blp, 403, 404, 409, 422)
def post_metrics(data, incident_id):
    """A new metrics snapshot; a grade rise it causes is automatic and recorded."""
    incident = _incident(incident_id, for_update=True)
    ops.post_metrics(incident, actor=g.actor, metrics=data["metrics"])
    db.session.commit()
    return _out(incident)


@blp.route("/<int:incident_id>/metrics")
@blp.response(200, MetricPointOut(many=True))
@document_errors(blp, 404)
def get_metrics(incident_id):
    """Metric snapshots over time (the metrics chart)."""
    return metric_points(_incident(incident_id))


@blp.route("/<int:incident_id>/signals")
@blp.response(200, SignalOut(many=True))
@document_errors(blp, 404)
def signals(incident_id):
    """The incident's posts; account names only for the office, leaders and auditors."""
    return [signal_data(s, g.actor) for s in _incident(incident_id).signals]


@blp.route("/<int:incident_id>/timeline")
@blp.response(200, TimelineEntryOut(many=True))
@document_errors(blp, 404)
def get_timeline(incident_id):
    """Audit events, grade changes, slips and published statements, oldest first."""
    return timeline(_incident(incident_id))


@blp.route("/<int:incident_id>/similar-cases")
@blp.response(200, CaseOut(many=True))
@document_errors(blp, 404)
def get_similar_cases(incident_id):
    """Reviewed past cases like this one, with the statements published then."""
    incident = _incident(incident_id)
    return [
        case_data(c.incident, g.actor, similarity=c.similarity, statements=c.statements)
        for c in similar_cases(incident)
    ]


# --- dispatch slips (联系单) -------------------------------------------------------------------


@blp.route("/<int:incident_id>/slips")
@blp.response(200, SlipOut(many=True))
@document_errors(blp, 404)
def slips(incident_id):
    return [slip_data(s) for s in _incident(incident_id).slips]


@blp.route("/<int:incident_id>/slips/<int:slip_id>/acknowledge", methods=["POST"])
@blp.response(200, SlipOut)
@document_errors(blp, 403, 404, 409)
def acknowledge_slip(incident_id, slip_id):
    """The unit's handler signs for the slip (starts the verification clock)."""
    incident = _incident(incident_id, for_update=True)
    slip = ops.acknowledge_slip(incident, ops.get_slip(incident, slip_id), actor=g.actor)
    db.session.commit()
    return slip_data(slip)


@blp.route("/<int:incident_id>/slips/<int:slip_id>/answer", methods=["POST"])
@blp.arguments(SlipAnswerBody)
@blp.response(200, SlipOut)
@document_errors(blp, 403, 404, 409, 422)
def answer_slip(data, incident_id, slip_id):
    """The unit returns its verification result on the slip."""
    incident = _incident(incident_id, for_update=True)
    slip = ops.answer_slip(
        incident, ops.get_slip(incident, slip_id), actor=g.actor, result=data["result"]
    )
    db.session.commit()
    return slip_data(slip)


# --- statements (统一口径) ---------------------------------------------------------------------


@blp.route("/<int:incident_id>/statements")
@blp.response(200, StatementOut(many=True))
@document_errors(blp, 404)
def statements(incident_id):
    incident = _incident(incident_id)
    return [statement_data(incident, s) for s in incident.statements]


@blp.route("/<int:incident_id>/statements", methods=["POST"])
@blp.arguments(StatementCreateBody)
@blp.response(201, StatementOut)
@document_errors(blp, 403, 404, 409, 422)
def create_statement(data, incident_id):
    """Draft a statement (holding_reply, reply, press_release): version 1."""
    incident = _incident(incident_id, for_update=True)
    statement = ops.create_statement(incident, actor=g.actor, **data)
    db.session.commit()
    return statement_data(incident, statement)


@blp.route("/<int:incident_id>/statements/<int:statement_id>")
@blp.response(200, StatementOut)
@document_errors(blp, 404)
def get_statement(incident_id, statement_id):
    incident = _incident(incident_id)
    return statement_data(incident, ops.get_statement(incident, statement_id))


@blp.route("/<int:incident_id>/statements/<int:statement_id>/versions", methods=["POST"])
@blp.arguments(StatementVersionBody)
@blp.response(201, StatementOut)
@document_errors(blp, 403, 404, 409, 422)
def add_version(data, incident_id, statement_id):
    """A new text (with a diff against the previous); earlier approvals no longer count."""
    incident = _incident(incident_id, for_update=True)
    statement = ops.get_statement(incident, statement_id)
    ops.add_statement_version(incident, statement, actor=g.actor, text=data["text"])
    db.session.commit()
    return statement_data(incident, statement)


@blp.route("/<int:incident_id>/statements/<int:statement_id>/approve", methods=["POST"])
@blp.response(200, StatementOut)
@document_errors(blp, 403, 404, 409)
def approve(incident_id, statement_id):
    """Approve the current version under each required role the caller holds."""
    incident = _incident(incident_id, for_update=True)
    statement = ops.get_statement(incident, statement_id)
    ops.approve_statement(incident, statement, actor=g.actor)
    db.session.commit()
    return statement_data(incident, statement)


@blp.route("/<int:incident_id>/statements/<int:statement_id>/publish", methods=["POST"])
@blp.response(200, StatementOut)
@document_errors(blp, 403, 404, 409)
def publish(incident_id, statement_id):
    """Publish the current version (locks it). 403 without the approvals the incident's
    current grade requires; the refused attempt stays in the audit log."""
    incident = _incident(incident_id, for_update=True)
    statement = ops.get_statement(incident, statement_id)
    try:
        ops.publish_statement(incident, statement, actor=g.actor)
    except ops.PublishRefused:
        # 「未经批准擅自对外发布」 must stay on the record even though the request fails.
        db.session.commit()
        raise
    db.session.commit()
    return statement_data(incident, statement)


# --- case library -----------------------------------------------------------------------------


@cases_blp.route("")
@cases_blp.arguments(CaseQuerySchema, location="query")
@cases_blp.response(200, CaseOut(many=True))
@document_errors(cases_blp, 422)
def cases(args):
    """Reviewed incidents by text (title, summary, review), category, grade, severity, unit."""
    return [case_data(i, g.actor) for i in search_cases(**args)]
