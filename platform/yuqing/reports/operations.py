"""Exporting documents: who may, which stored file to serve, when to render, what to record.

Operations flush and never commit; routes and jobs commit once. The flow of one export:

1. the route validates the query with a schema (``schemas.py``) and calls :func:`authorize_export`;
2. :func:`prepare_document` builds the plain template context and its fingerprint;
3. :func:`find_rendered` looks for a stored file with the same kind, params and fingerprint;
4. if none, a small document is rendered now (:func:`render_and_store`), a large one by a
   worker on the ``pdf`` queue (``jobs.py``);
5. every file handed out is an ``export.pdf`` / ``export.html`` audit event, and revealing
   netizens' handles is an ``export.reveal_handles`` event of its own.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from yuqing.accounts.actor import Actor
from yuqing.audit.operations import canonical_json, record_event
from yuqing.errors import Forbidden, NotFound
from yuqing.extensions import db
from yuqing.reports.models import RenderedDocument
from yuqing.reports.render import render_html, render_pdf

#: Context keys that describe the moment of export rather than the data: the chain head keeps
#: moving (each export is itself an event) and an open deadline grows later every second, so
#: hashing them would defeat the cache. A stored file shows them as of its rendering.
VOLATILE_CONTEXT_KEYS = frozenset({"generated_at", "chain_head", "issued_on", "overdue_now"})

#: Only auditors may see netizens' account names in an export (ARCHITECTURE §9).
REVEAL_ROLES = ("auditor",)

#: Incremented for every PDF actually laid out; tests read it to prove a cache hit.
render_counter = {"count": 0}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def params_key(params: dict) -> str:
    return sha256_hex(canonical_json(params).encode("utf-8"))


def data_fingerprint(context: dict) -> str:
    """SHA-256 of the context in canonical JSON, export-time values left out."""
    stable = {key: value for key, value in context.items() if key not in VOLATILE_CONTEXT_KEYS}
    return sha256_hex(canonical_json(stable).encode("utf-8"))


@dataclass(frozen=True)
class PreparedDocument:
    kind: str
    params: dict
    params_key: str
    context: dict
    fingerprint: str

    @property
    def spec(self):
        from yuqing.reports.documents import DOCUMENTS

        return DOCUMENTS[self.kind]

    @property
    def is_large(self) -> bool:
        from flask import current_app

        limit = current_app.config.get("REPORTS_SYNC_ROW_LIMIT", 300)
        return self.spec.size(self.context) > limit


def authorize_export(actor: Actor | None, kind: str, params: dict) -> None:
    """Raise :class:`Forbidden` unless ``actor`` may export this document with these params."""
    from yuqing.reports.documents import DOCUMENTS

    if actor is None:
        raise NotFound("文档不存在。", "No such document.")
    spec = DOCUMENTS[kind]
    if not actor.has_role(*spec.roles):
        raise Forbidden("无权导出此文档。", "You may not export this document.")
    if params.get("reveal_handles") and not actor.has_role(*REVEAL_ROLES):
        raise Forbidden(
            "只有审计人员可以查看网民账号名称。",
            "Only auditors may reveal netizens' account names.",
        )


def prepare_document(kind: str, params: dict) -> PreparedDocument:
    """Build the plain context of a document in the tenant in scope (raises NotFound)."""
    from yuqing.reports.documents import DOCUMENTS

    spec = DOCUMENTS[kind]
    context = spec.build(**params)
    return PreparedDocument(
        kind=kind,
        params=params,
        params_key=params_key(params),
        context=context,
        fingerprint=data_fingerprint(context),
    )


def find_rendered(prepared: PreparedDocument) -> RenderedDocument | None:
    return db.session.execute(
        sa.select(RenderedDocument)
        .where(
            RenderedDocument.kind == prepared.kind,
            RenderedDocument.params_key == prepared.params_key,
            RenderedDocument.data_fingerprint == prepared.fingerprint,
        )
        .order_by(RenderedDocument.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def document_html(prepared: PreparedDocument) -> str:
    return render_html(prepared.spec.template, prepared.context)


def render_and_store(
    prepared: PreparedDocument,
    *,
    created_by_id: int | None = None,
    created_by_label: str = "system",
) -> RenderedDocument:
    """Lay out the PDF and keep it; the caller has checked there is no stored copy."""
    spec = prepared.spec
    started = time.perf_counter()
    pdf = render_pdf(
        document_html(prepared),
        pdf_variant=spec.pdf_variant,
        attachments=spec.attachments(prepared.context),
        metadata={
            "title": prepared.context["title"],
            "lang": "zh-CN",
            "authors": [prepared.context.get("issuer") or "Yuqing"],
        },
    )
    render_counter["count"] += 1
    document = RenderedDocument(
        kind=prepared.kind,
        params=prepared.params,
        params_key=prepared.params_key,
        data_fingerprint=prepared.fingerprint,
        file_sha256=sha256_hex(pdf),
        size=len(pdf),
        filename=spec.filename(prepared.context, prepared.params),
        content=pdf,
        pdf_variant=spec.pdf_variant,
        render_seconds=round(time.perf_counter() - started, 3),
        created_by_id=created_by_id,
        created_by_label=created_by_label,
    )
    db.session.add(document)
    db.session.flush()
    return document


def get_rendered(document_id: int) -> RenderedDocument:
    document = db.session.get(RenderedDocument, document_id)
    if document is None:
        raise NotFound("文档不存在。", "No such document.")
    return document


def record_export(
    actor: Actor,
    *,
    kind: str,
    params: dict,
    fmt: str,
    document: RenderedDocument | None = None,
    cache_hit: bool | None = None,
    sha256: str | None = None,
) -> Any:
    """One audit event per file handed out, PDF or HTML preview."""
    data: dict[str, Any] = {"document": kind, "params": params, "format": fmt}
    if document is not None:
        data.update(
            document_id=document.id,
            file_sha256=document.file_sha256,
            data_fingerprint=document.data_fingerprint,
            cache_hit=cache_hit,
        )
    elif sha256:
        data["file_sha256"] = sha256
    subject = ("rendered_document", document.id) if document is not None else None
    return record_event(f"export.{fmt}", actor=actor, subject=subject, data=data)


def record_handle_reveal(actor: Actor, *, kind: str, params: dict) -> Any:
    """An auditor asked to see netizens' handles: recorded whether or not a file follows."""
    return record_event(
        "export.reveal_handles", actor=actor, data={"document": kind, "params": params}
    )


def recent_documents(limit: int = 20) -> list[RenderedDocument]:
    return list(
        db.session.execute(
            sa.select(RenderedDocument).order_by(RenderedDocument.id.desc()).limit(limit)
        ).scalars()
    )
