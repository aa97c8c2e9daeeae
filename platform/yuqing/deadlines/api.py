"""``/api/v1``: an incident's deadlines, acknowledging a breach, accountability, digests."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from yuqing.api.schemas import document_errors
from yuqing.db_types import utcnow
from yuqing.deadlines import accountability as acc
from yuqing.deadlines.digests import digest_dict, list_digests
from yuqing.deadlines.models import Digest
from yuqing.deadlines.operations import (
    acknowledge_deadline,
    deadline_dict,
    deadline_or_404,
    deadlines_for_incident,
)
from yuqing.deadlines.schemas import (
    AccountabilityEntrySchema,
    AccountabilityQuerySchema,
    DeadlineSchema,
    DigestQuerySchema,
    DigestSchema,
    FindingSchema,
)
from yuqing.errors import Forbidden, NotFound
from yuqing.extensions import db

blp = Blueprint(
    "deadlines_api",
    __name__,
    url_prefix="/api/v1",
    description="Deadlines, accountability and digests",
)
blueprints = [blp]


def _incident_or_404(incident_id: int):
    from yuqing.incidents.operations import get_visible_incident

    return get_visible_incident(incident_id, g.actor)


@blp.route("/incidents/<int:incident_id>/deadlines")
@blp.response(200, DeadlineSchema(many=True))
@document_errors(blp, 404)
def incident_deadlines(incident_id: int):
    """The incident's deadlines with time left or overdue (seconds and Chinese text)."""
    return deadlines_for_incident(_incident_or_404(incident_id))


@blp.route("/deadlines/<int:deadline_id>/acknowledge", methods=["POST"])
@blp.response(200, DeadlineSchema)
@document_errors(blp, 404, 403)
def acknowledge(deadline_id: int):
    """Take charge of a breached deadline: the escalation ladder stops climbing."""
    now = utcnow()
    deadline = acknowledge_deadline(deadline_or_404(deadline_id), actor=g.actor, now=now)
    db.session.commit()
    return deadline_dict(deadline, g.tenant, now)


@blp.route("/accountability")
@blp.arguments(AccountabilityQuerySchema, location="query")
@blp.response(200, AccountabilityEntrySchema(many=True))
@document_errors(blp)
def accountability_list(args):
    """Accountability entries, filtered by unit, person, kind, incident and local date range."""
    if not acc.can_read(g.actor, g.tenant):
        raise Forbidden("无权查看问责记录。", "You may not read the accountability record.")
    return [acc.entry_dict(e) for e in acc.list_entries(tenant=g.tenant, **args)]


@blp.route("/accountability/<int:entry_id>")
@blp.response(200, AccountabilityEntrySchema)
@document_errors(blp, 404)
def accountability_get(entry_id: int):
    if not acc.can_read(g.actor, g.tenant):
        raise Forbidden("无权查看问责记录。", "You may not read the accountability record.")
    return acc.entry_dict(acc.entry_or_404(entry_id))


@blp.route("/accountability/findings", methods=["POST"])
@blp.arguments(FindingSchema)
@blp.response(201, AccountabilityEntrySchema)
@document_errors(blp, 403)
def accountability_finding(args):
    """Record a 瞒报/谎报 finding with its evidence (auditor or leader under most policies)."""
    entry = acc.record_finding(tenant=g.tenant, actor=g.actor, **args)
    db.session.commit()
    return acc.entry_dict(entry)


@blp.route("/digests")
@blp.arguments(DigestQuerySchema, location="query")
@blp.response(200, DigestSchema(many=True))
@document_errors(blp)
def digests(args):
    """Stored digests (e.g. the 17:00 daily summary), newest first."""
    return [digest_dict(d, g.tenant) for d in list_digests(**args)]


@blp.route("/digests/<int:digest_id>")
@blp.response(200, DigestSchema)
@document_errors(blp, 404)
def digest(digest_id: int):
    row = db.session.get(Digest, digest_id)
    if row is None:
        raise NotFound("简报不存在。", "No such digest.")
    return digest_dict(row, g.tenant)
