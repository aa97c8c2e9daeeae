"""``/api/v1/audit``: verify the chain, read events (auditors and the office)."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from yuqing.api.schemas import document_errors, require_roles
from yuqing.audit.operations import list_events, verify_chain
from yuqing.audit.schemas import AuditEventSchema, EventQuerySchema, VerifyResultSchema

blp = Blueprint(
    "audit_api", __name__, url_prefix="/api/v1/audit", description="Hash-chained audit log"
)
blueprints = [blp]

#: Roles that may read the audit log of their tenant.
AUDIT_READERS = ("auditor", "leader", "office", "tenant_admin")


@blp.route("/verify")
@blp.response(200, VerifyResultSchema)
@document_errors(blp, 403)
def verify():
    """Check the tenant's event chain and name the first broken event, if any."""
    require_roles(*AUDIT_READERS)
    return verify_chain(g.actor.tenant_id).to_dict()


@blp.route("/events")
@blp.arguments(EventQuerySchema, location="query")
@blp.response(200, AuditEventSchema(many=True))
@document_errors(blp, 403, 422)
def events(args):
    """The tenant's events, newest first."""
    require_roles(*AUDIT_READERS)
    return list_events(**args)
