"""Rendered documents, kept so an unchanged document is served again without re-rendering."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from yuqing.db_types import JSONType, UTCDateTime, utcnow
from yuqing.extensions import db
from yuqing.tenancy.scope import TenantScoped


class RenderedDocument(TenantScoped, db.Model):
    """One PDF as it was rendered: what was asked, over which data, and the file itself.

    A request looks the row up by ``(kind, params_key, data_fingerprint)``; while the data the
    document is drawn from is unchanged the fingerprint is the same and the stored file is
    served. A changed incident, deadline or event gives a new fingerprint and a new row, so
    earlier renderings stay available as they were handed out.
    """

    __tablename__ = "rendered_documents"
    __table_args__ = (
        sa.Index(
            "ix_rendered_documents_lookup", "tenant_id", "kind", "params_key", "data_fingerprint"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Document type: ``incident_report``, ``review``, ``digest``, ``statistics``,
    #: ``accountability``.
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: The validated request parameters (incident id, period, unit, reveal_handles …).
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: SHA-256 of ``params`` in canonical JSON, so lookups compare one indexed string.
    params_key: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 of the plain template context (minus export-time values such as the chain head).
    data_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 of the PDF bytes, printed in the export audit event.
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.Integer)
    mime_type: Mapped[str] = mapped_column(sa.String(64), default="application/pdf")
    filename: Mapped[str] = mapped_column(sa.String(200))
    #: The PDF; deferred so listing documents does not load megabytes of files.
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    #: PDF variant used (``pdf/a-3b``).
    pdf_variant: Mapped[str | None] = mapped_column(sa.String(20))
    #: Seconds spent in WeasyPrint, for spotting documents that should move to workers.
    render_seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The member who asked for it (``None`` for API keys and scheduled renderings).
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Who asked, as recorded in the audit chain (``user:3``, ``apikey:5``, ``system``).
    created_by_label: Mapped[str] = mapped_column(sa.String(64), default="system")
