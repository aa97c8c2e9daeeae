"""Plain data for the API, the web pages and the PDF reports (never ORM objects)."""

from __future__ import annotations

from yuqing.accounts.actor import Actor
from yuqing.incidents.models import DispatchSlip, Incident, Statement
from yuqing.incidents.operations import allowed_actions, missing_approvals, required_approvals


def _unit(unit) -> dict | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def online_track(incident: Incident) -> dict:
    track: dict = {}
    for statement in incident.statements:
        kinds = track.setdefault(statement.kind, {"draft": 0, "approved": 0, "published": 0})
        kinds[statement.state] += 1
    return track


def incident_data(incident: Incident, actor: Actor | None) -> dict:
    referral = None
    if incident.referred_at is not None:
        referral = {
            "authority": incident.referral_authority,
            "legal_basis": incident.referral_legal_basis,
            "referred_at": incident.referred_at,
        }
    data = {
        "id": incident.id,
        "title": incident.title,
        "summary": incident.summary,
        "state": incident.state,
        "grade": {
            "code": incident.grade_code,
            "label": incident.grade_label,
            "severity": incident.severity,
        },
        "category": incident.category,
        "unit": _unit(incident.unit),
        "policy": {"key": incident.policy_key, "version": incident.policy_version},
        "duplicate_count": incident.duplicate_count,
        "priority_flags": list(incident.priority_flags or []),
        "referral": referral,
        "metrics": dict(incident.metrics or {}),
        "verification_result": incident.verification_result,
        "outcome": incident.outcome,
        "slip_received_at": incident.slip_received_at,
        "created_by": incident.created_by,
        "allowed_actions": allowed_actions(incident, actor),
        "online_track": online_track(incident),
    }
    for name in (
        "posted_at",
        "discovered_at",
        "occurred_at",
        "reported_at",
        "assessed_at",
        "notified_up_at",
        "dispatched_at",
        "verified_at",
        "closed_at",
        "subsided_at",
        "reviewed_at",
        "archived_at",
        "created_at",
        "updated_at",
    ):
        data[name] = getattr(incident, name)
    return data


def slip_data(slip: DispatchSlip) -> dict:
    return {
        "id": slip.id,
        "unit": _unit(slip.unit),
        "instructions": slip.instructions,
        "sent_at": slip.sent_at,
        "received_at": slip.received_at,
        "answered_at": slip.answered_at,
        "result": slip.result,
        "handler_name": slip.handler_name,
    }


def statement_data(incident: Incident, statement: Statement) -> dict:
    return {
        "id": statement.id,
        "incident_id": incident.id,
        "kind": statement.kind,
        "state": statement.state,
        "current_version": statement.current_version,
        "text": statement.current.text,
        "published_at": statement.published_at,
        "published_by": statement.published_by,
        "published_text": statement.published_text,
        "published_grade": statement.published_grade,
        "required_approvals": list(required_approvals(incident, statement.kind)),
        "missing_approvals": missing_approvals(incident, statement)
        if statement.state != "published"
        else [],
        "versions": [
            {
                "number": v.number,
                "text": v.text,
                "author_name": v.author_name,
                "created_at": v.created_at,
                "diff": v.diff,
            }
            for v in statement.versions
        ],
        "approvals": [
            {
                "version": a.version,
                "role": a.role,
                "approver_name": a.approver_name,
                "approved_at": a.approved_at,
            }
            for a in statement.approvals
        ],
    }


def case_data(incident: Incident, actor: Actor | None, *, similarity=None, statements=None) -> dict:
    review = incident.reviews[-1] if incident.reviews else None
    published = (
        statements
        if statements is not None
        else [s for s in incident.statements if s.state == "published"]
    )
    return {
        "incident": incident_data(incident, actor),
        "similarity": similarity,
        "review": {
            "summary": review.summary,
            "lessons": review.lessons,
            "author_name": review.author_name,
            "created_at": review.created_at.isoformat(),
        }
        if review
        else None,
        "statements": [statement_data(incident, s) for s in published],
    }
