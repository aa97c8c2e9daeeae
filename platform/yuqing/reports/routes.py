"""Web pages: the reports index with a form per document, previews, downloads, job progress."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from yuqing.accounts.access import member_required
from yuqing.api.errors import translate_message
from yuqing.errors import NotFound, ValidationFailed
from yuqing.extensions import db
from yuqing.reports.documents import DOCUMENTS, PERIOD_LABELS
from yuqing.reports.operations import REVEAL_ROLES, recent_documents
from yuqing.reports.schemas import (
    AccountabilityArgs,
    DigestArgs,
    IncidentDocumentArgs,
    StatisticsArgs,
)
from yuqing.reports.serving import Queued, export_document, job_status, serve_stored
from yuqing.web.nav import register_nav

bp = Blueprint("reports", __name__, template_folder="templates")

register_nav(_l("报告"), "reports.index", order=60)

_PREFIX = "/t/<tenant_slug>/reports"
_FORMATS = "<any(pdf, html):fmt>"


def _load(schema_class, extra: dict | None = None) -> dict:
    # Empty form fields mean "not given", not an invalid value.
    raw = {key: value for key, value in request.args.items() if value.strip() != ""}
    raw.update(extra or {})
    try:
        return schema_class().load(raw, unknown="exclude")
    except ValidationError as exc:
        fields = {
            k: [translate_message(m) for m in v] if isinstance(v, list) else v
            for k, v in exc.messages.items()
        }
        raise ValidationFailed(fields=fields) from exc


def _respond(kind: str, params: dict, fmt: str):
    result = export_document(
        kind, params, fmt, status_endpoint="reports.job", inline=request.args.get("inline") == "1"
    )
    if isinstance(result, Queued):
        return redirect(result.status_url, code=303)
    return result


@bp.route(f"{_PREFIX}/")
@member_required
def index():
    from yuqing.accounts.models import Membership, User
    from yuqing.deadlines.models import Digest
    from yuqing.incidents.models import Incident
    from yuqing.tenancy.models import Unit

    actor = g.actor
    allowed = {kind for kind, spec in DOCUMENTS.items() if actor.has_role(*spec.roles)}
    incidents = db.session.execute(
        sa.select(Incident.id, Incident.title, Incident.grade_label)
        .order_by(Incident.id.desc())
        .limit(100)
    ).all()
    digests = db.session.execute(
        sa.select(Digest.id, Digest.label_zh, Digest.issue_no, Digest.period_end)
        .order_by(Digest.id.desc())
        .limit(60)
    ).all()
    units = db.session.execute(sa.select(Unit.id, Unit.name).order_by(Unit.name)).all()
    people = db.session.execute(
        sa.select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .order_by(User.name)
    ).all()
    return render_template(
        "reports/index.html",
        allowed=allowed,
        incidents=incidents,
        digests=digests,
        units=units,
        people=people,
        periods=PERIOD_LABELS,
        can_reveal=actor.has_role(*REVEAL_ROLES),
        documents=recent_documents() if allowed else [],
        titles={k: s.title_zh for k, s in DOCUMENTS.items()},
    )


@bp.route(f"{_PREFIX}/incidents/<int:incident_id>/report.{_FORMATS}")
@member_required
def incident_report(incident_id: int, fmt: str):
    return _respond(
        "incident_report", {"incident_id": incident_id, **_load(IncidentDocumentArgs)}, fmt
    )


@bp.route(f"{_PREFIX}/incidents/<int:incident_id>/review.{_FORMATS}")
@member_required
def review(incident_id: int, fmt: str):
    return _respond("review", {"incident_id": incident_id, **_load(IncidentDocumentArgs)}, fmt)


@bp.route(f"{_PREFIX}/digests/<int:digest_id>.{_FORMATS}")
@member_required
def digest(digest_id: int, fmt: str):
    return _respond("digest", {"digest_id": digest_id, **_load(DigestArgs)}, fmt)


@bp.route(f"{_PREFIX}/statistics.{_FORMATS}")
@member_required
def statistics(fmt: str):
    return _respond("statistics", _load(StatisticsArgs), fmt)


@bp.route(f"{_PREFIX}/accountability.{_FORMATS}")
@member_required
def accountability(fmt: str):
    return _respond("accountability", _load(AccountabilityArgs), fmt)


@bp.route(f"{_PREFIX}/incident")
@member_required
def incident_form():
    """The index's incident form: pick the document, then go to its URL."""
    incident_id = request.args.get("incident_id", type=int)
    document = request.args.get("document", "report")
    fmt = request.args.get("fmt", "html")
    if not incident_id or document not in ("report", "review") or fmt not in ("pdf", "html"):
        raise ValidationFailed(fields={"incident_id": ["请选择事件和文档。"]})
    endpoint = "reports.incident_report" if document == "report" else "reports.review"
    args = {"reveal_handles": "1"} if request.args.get("reveal_handles") else {}
    return redirect(url_for(endpoint, incident_id=incident_id, fmt=fmt, **args))


@bp.route(f"{_PREFIX}/jobs/<job_id>")
@member_required
def job(job_id: str):
    status = job_status(job_id, document_endpoint="reports.stored_document")
    if status is None:
        raise NotFound("任务不存在。", "No such job.")
    return render_template("reports/job.html", status=status)


@bp.route(f"{_PREFIX}/documents/<int:document_id>.pdf")
@member_required
def stored_document(document_id: int):
    return serve_stored(document_id)
