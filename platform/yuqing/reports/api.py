"""``/api/v1`` document exports: PDF and HTML preview of every report, and render jobs.

A small document answers with the PDF. A large one (statistics, period accountability records)
answers ``202`` with ``{"job": id, "status_url": …}``; poll the status, then GET the same URL
again (or the job's ``document_url``) for the file. Query parameters are validated by the
schemas in ``schemas.py``; errors use the platform's JSON error shape (422).
"""

from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint

from yuqing.api.schemas import document_errors
from yuqing.errors import NotFound
from yuqing.reports.schemas import (
    AccountabilityArgs,
    DigestArgs,
    IncidentDocumentArgs,
    StatisticsArgs,
)
from yuqing.reports.serving import Queued, export_document, job_status, serve_stored

blp = Blueprint(
    "reports_api",
    __name__,
    url_prefix="/api/v1",
    description="Reports and accountability records (PDF, HTML preview)",
)
blueprints = [blp]

_STATUS_ENDPOINT = "reports_api.render_job"
_DOCUMENT_ENDPOINT = "reports_api.stored_document"


def _respond(kind: str, params: dict, fmt: str):
    result = export_document(kind, params, fmt, status_endpoint=_STATUS_ENDPOINT)
    if isinstance(result, Queued):
        response = jsonify(
            {
                "job": result.job_id,
                "status_url": result.status_url,
                "download_url": result.download_url,
                "status": "queued",
            }
        )
        response.status_code = 202
        response.headers["Location"] = result.status_url
        response.headers["Retry-After"] = "2"
        return response
    return result


_FILE_DOC = {
    "responses": {
        "200": {"description": "The document (application/pdf or text/html)"},
        "202": {"description": "Queued: {job, status_url}"},
    }
}


@blp.route("/incidents/<int:incident_id>/report.<any(pdf, html):fmt>")
@blp.arguments(IncidentDocumentArgs, location="query", as_kwargs=True)
@blp.doc(**_FILE_DOC)
@document_errors(blp, 404)
def incident_report(incident_id: int, fmt: str, **params):
    """《网上舆情》专报 of one incident: facts, grade, timeline, deadlines, statements."""
    return _respond("incident_report", {"incident_id": incident_id, **params}, fmt)


@blp.route("/incidents/<int:incident_id>/review.<any(pdf, html):fmt>")
@blp.arguments(IncidentDocumentArgs, location="query", as_kwargs=True)
@blp.doc(**_FILE_DOC)
@document_errors(blp, 404)
def incident_review(incident_id: int, fmt: str, **params):
    """总结评估报告 of one incident (feeds the case library)."""
    return _respond("review", {"incident_id": incident_id, **params}, fmt)


@blp.route("/digests/<int:digest_id>.<any(pdf, html):fmt>")
@blp.arguments(DigestArgs, location="query", as_kwargs=True)
@blp.doc(**_FILE_DOC)
@document_errors(blp, 404)
def digest(digest_id: int, fmt: str, **params):
    """One issue (期) of the daily digest or a scheduled briefing."""
    return _respond("digest", {"digest_id": digest_id, **params}, fmt)


@blp.route("/reports/statistics.<any(pdf, html):fmt>")
@blp.arguments(StatisticsArgs, location="query", as_kwargs=True)
@blp.doc(**_FILE_DOC)
@document_errors(blp, 404)
def statistics(fmt: str, **params):
    """Statistics of a week, month, quarter or year: by grade, category, unit; on-time rates."""
    return _respond("statistics", params, fmt)


@blp.route("/accountability/report.<any(pdf, html):fmt>")
@blp.arguments(AccountabilityArgs, location="query", as_kwargs=True)
@blp.doc(**_FILE_DOC)
@document_errors(blp, 404)
def accountability(fmt: str, **params):
    """问责记录 (PDF/A-3b with the cited audit events attached as audit-events.json).

    For one incident (``?incident=``) or a period (``?from=&to=``), optionally narrowed to a
    unit (``unit=`` id) or a person (``person=`` user id).
    """
    return _respond("accountability", params, fmt)


@blp.route("/reports/jobs/<job_id>")
@blp.response(200)
@document_errors(blp, 404)
def render_job(job_id: str):
    """State of a render job: queued, started, finished (with ``document_url``) or failed."""
    body = job_status(job_id, document_endpoint=_DOCUMENT_ENDPOINT)
    if body is None:
        raise NotFound("任务不存在。", "No such job.")
    return body


@blp.route("/reports/documents/<int:document_id>.pdf")
@blp.doc(responses={"200": {"description": "The stored PDF"}})
@document_errors(blp, 404)
def stored_document(document_id: int):
    """A rendered document as stored (an export: recorded in the audit chain)."""
    return serve_stored(document_id)
