"""The append-only, hash-chained event log of a tenant (ARCHITECTURE §6).

Each event stores the hash of the previous event of its tenant, so an edited, deleted or
inserted row breaks the chain at a point ``verify_chain`` can name. The application never
updates or deletes an event: an ORM guard refuses it here, and on PostgreSQL the application
role has no UPDATE or DELETE privilege on the table (``tenancy/rls.py``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from yuqing.db_types import JSONType, UTCDateTime, utcnow
from yuqing.extensions import db
from yuqing.tenancy.scope import TenantScoped

#: ``prev_hash`` of a tenant's first event.
GENESIS_HASH = "0" * 64


class AuditImmutableError(RuntimeError):
    """Code tried to change or delete an audit event."""


class AuditEvent(TenantScoped, db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "seq"),
        sa.Index("ix_audit_events_subject", "tenant_id", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Position in the tenant's chain, 1, 2, 3 … without gaps.
    seq: Mapped[int] = mapped_column(sa.Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ``user:7``, ``apikey:3`` or ``system`` (see ``Actor.label``).
    actor_label: Mapped[str] = mapped_column(sa.String(64))
    actor_name: Mapped[str] = mapped_column(sa.String(200))
    #: ``incident.assess``, ``statement.publish_refused``, ``auth.login`` …
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    data: Mapped[dict | None] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    def hashed_fields(self) -> dict:
        """Everything the hash covers (all columns but the surrogate ``id`` and ``hash``)."""
        return {
            "tenant_id": self.tenant_id,
            "seq": self.seq,
            "occurred_at": self.occurred_at,
            "actor_label": self.actor_label,
            "actor_name": self.actor_name,
            "kind": self.kind,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "before": self.before,
            "after": self.after,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def __repr__(self) -> str:
        return f"<AuditEvent {self.tenant_id}#{self.seq} {self.kind}>"


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_events(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditImmutableError(f"audit events are never deleted ({obj!r})")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AuditImmutableError(f"audit events are never changed ({obj!r})")
