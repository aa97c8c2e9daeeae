"""Rendering large documents on the ``pdf`` queue.

The job takes the document kind and its validated params (plain JSON), never ORM objects,
with ``tenant_id`` first. It rebuilds the context from the database when it runs, so it renders
the data as it is then; running it twice stores one file, because the second run finds the
first one's row under the same fingerprint.
"""

from __future__ import annotations

from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from yuqing.jobs import enqueue, redis_connection, tenant_job
from yuqing.reports.operations import (
    PreparedDocument,
    find_rendered,
    prepare_document,
    render_and_store,
)

QUEUE = "pdf"

#: Job states in which a second request should wait for the same job instead of adding one.
_PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


@tenant_job
def render_document(
    tenant_id: int,
    kind: str,
    params: dict,
    *,
    created_by_id: int | None = None,
    created_by_label: str = "system",
) -> int:
    """Render and store the document unless an identical one is stored; return its row id."""
    prepared = prepare_document(kind, params)
    existing = find_rendered(prepared)
    if existing is not None:
        return existing.id
    document = render_and_store(
        prepared, created_by_id=created_by_id, created_by_label=created_by_label
    )
    return document.id


def job_id_for(tenant_id: int, prepared: PreparedDocument) -> str:
    """Deterministic: the same document over the same data is one job, however often asked."""
    return f"pdf-{tenant_id}-{prepared.kind}-{prepared.params_key[:16]}-{prepared.fingerprint[:16]}"


def enqueue_render(
    tenant_id: int,
    prepared: PreparedDocument,
    *,
    created_by_id: int | None,
    created_by_label: str,
    download_url: str,
) -> Job:
    """Queue the rendering (call after the request's commit), or return the pending job."""
    job_id = job_id_for(tenant_id, prepared)
    existing = fetch_job(job_id)
    if existing is not None and existing.get_status(refresh=True) in _PENDING:
        return existing
    job = enqueue(
        QUEUE,
        render_document,
        tenant_id,
        prepared.kind,
        prepared.params,
        job_id=job_id,
        created_by_id=created_by_id,
        created_by_label=created_by_label,
        meta={"tenant_id": tenant_id, "kind": prepared.kind, "download_url": download_url},
    )
    return job


def fetch_job(job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=redis_connection())
    except NoSuchJobError:
        return None


def job_of_tenant(job_id: str, tenant_id: int) -> Job | None:
    """The job if it renders a document of ``tenant_id``; another tenant's job does not exist."""
    if not job_id.startswith(f"pdf-{tenant_id}-"):
        return None
    job = fetch_job(job_id)
    if job is None or (job.args and job.args[0] != tenant_id):
        return None
    return job
