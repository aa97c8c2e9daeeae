"""The route half of an export, shared by the API and the web pages.

Both take validated params, call :func:`export_document`, and get back a Flask response: the
PDF (from the store or rendered now), an HTML preview, or ``202`` with a job to poll. This is
where the request's single commit happens, and where the render job is enqueued — after the
commit, so the worker never looks for rows that are not there yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, g, request, url_for

from yuqing.extensions import db
from yuqing.reports import operations
from yuqing.reports.schemas import plain_params

#: The previews fetch nothing either: no scripts, no remote images, only inline styles.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@dataclass(frozen=True)
class Queued:
    job_id: str
    status_url: str
    download_url: str


def export_document(
    kind: str, loaded_params: dict, fmt: str, *, status_endpoint: str, inline: bool = False
) -> Response | Queued:
    """Authorise, build, serve or queue. ``fmt`` is ``pdf`` or ``html``."""
    actor = g.get("actor")
    params = plain_params(loaded_params)
    operations.authorize_export(actor, kind, params)
    prepared = operations.prepare_document(kind, params)
    if params.get("reveal_handles"):
        operations.record_handle_reveal(actor, kind=kind, params=params)

    if fmt == "html":
        html = operations.document_html(prepared)
        body = html.encode("utf-8")
        operations.record_export(
            actor, kind=kind, params=params, fmt="html", sha256=operations.sha256_hex(body)
        )
        db.session.commit()
        response = Response(body, mimetype="text/html")
        response.headers["Content-Security-Policy"] = PREVIEW_CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    document = operations.find_rendered(prepared)
    cache_hit = document is not None
    if document is None and prepared.is_large:
        from yuqing.reports.jobs import enqueue_render

        db.session.commit()  # the reveal event, if any, before the worker starts
        job = enqueue_render(
            actor.tenant_id,
            prepared,
            created_by_id=actor.user_id,
            created_by_label=actor.label,
            download_url=request.full_path.rstrip("?"),
        )
        return Queued(
            job_id=job.id,
            status_url=url_for(status_endpoint, job_id=job.id),
            download_url=request.full_path.rstrip("?"),
        )
    if document is None:
        document = operations.render_and_store(
            prepared, created_by_id=actor.user_id, created_by_label=actor.label
        )
    response = pdf_response(document, inline=inline)
    operations.record_export(
        actor, kind=kind, params=params, fmt="pdf", document=document, cache_hit=cache_hit
    )
    db.session.commit()
    response.headers["X-Render-Cache"] = "hit" if cache_hit else "miss"
    return response


def pdf_response(document, *, inline: bool = False) -> Response:
    response = Response(document.content, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{document.filename}"'
    response.headers["X-Document-Id"] = str(document.id)
    response.headers["X-Document-SHA256"] = document.file_sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


def serve_stored(document_id: int, *, inline: bool = False) -> Response:
    """A stored file by id (the link a finished job points to); also an export event."""
    actor = g.get("actor")
    document = operations.get_rendered(document_id)
    operations.authorize_export(actor, document.kind, document.params)
    response = pdf_response(document, inline=inline)
    operations.record_export(
        actor,
        kind=document.kind,
        params=document.params,
        fmt="pdf",
        document=document,
        cache_hit=True,
    )
    db.session.commit()
    return response


def job_status(job_id: str, *, document_endpoint: str) -> dict | None:
    """The job's state for its tenant, or ``None`` if it is unknown or another tenant's."""
    from yuqing.reports.jobs import job_of_tenant

    job = job_of_tenant(job_id, g.actor.tenant_id)
    if job is None:
        return None
    status = job.get_status(refresh=True)
    body = {
        "job": job.id,
        "status": str(status.value if hasattr(status, "value") else status),
        "kind": job.meta.get("kind"),
        "download_url": job.meta.get("download_url"),
    }
    if body["status"] == "finished":
        document_id = job.return_value()
        body["document_id"] = document_id
        body["document_url"] = url_for(document_endpoint, document_id=document_id)
    elif body["status"] == "failed":
        body["error"] = "渲染失败，请稍后重试或联系管理员。"
    return body
