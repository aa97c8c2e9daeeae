"""Appending to and verifying the audit chain. Operations flush; the caller commits."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from yuqing.accounts.actor import Actor
from yuqing.audit.models import GENESIS_HASH, AuditEvent
from yuqing.db_types import utcnow
from yuqing.extensions import db
from yuqing.tenancy.scope import require_tenant_id

#: First key of PostgreSQL's two-key advisory lock; the second key is the tenant id.
_CHAIN_LOCK_NAMESPACE = 0x5951  # "YQ"


def _json_default(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an audit event")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot serialise {type(value).__name__} into an audit event")


def canonical_json(value) -> str:
    """The one serialisation the chain hashes: sorted keys, UTF-8 text, no spaces."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def _plain(value):
    """Store exactly what is hashed: JSON values after one canonical round trip."""
    if value is None:
        return None
    return json.loads(canonical_json(value))


def event_hash(fields: dict) -> str:
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def _lock_chain(tenant_id: int) -> None:
    """Serialise appends per tenant so two concurrent transactions cannot fork the chain.

    On PostgreSQL a transaction-scoped advisory lock, released at commit or rollback. SQLite
    allows one writer at a time anyway; a racing append there fails on ``(tenant_id, seq)``.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:ns, :tenant)"),
            {"ns": _CHAIN_LOCK_NAMESPACE, "tenant": tenant_id},
        )


def _subject_ref(subject) -> tuple[str | None, str | None]:
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        kind, ident = subject
        return kind, str(ident)
    if getattr(subject, "id", None) is None:
        db.session.flush()
    kind = getattr(subject, "audit_subject_type", None) or type(subject).__name__.lower()
    return kind, str(subject.id)


def record_event(
    kind: str,
    *,
    actor: Actor,
    subject=None,
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain of the tenant in scope, in the caller's transaction.

    ``subject`` is an ORM object (its ``audit_subject_type`` or class name, and its id) or a
    ``(type, id)`` pair.
    """
    tenant_id = require_tenant_id()
    if actor.tenant_id != tenant_id:
        raise ValueError("the actor belongs to another tenant than the active scope")
    subject_type, subject_id = _subject_ref(subject)
    _lock_chain(tenant_id)
    last = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    occurred_at = (at or utcnow()).astimezone(UTC)
    event = AuditEvent(
        tenant_id=tenant_id,
        seq=seq,
        occurred_at=occurred_at,
        actor_label=actor.label,
        actor_name=actor.name,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        before=_plain(before),
        after=_plain(after),
        data=_plain(data),
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event.hashed_fields())
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    #: Id of the first broken event, when the break is at a stored row.
    event_id: int | None = None
    event_kind: str | None = None

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
            "event_id": self.event_id,
            "event_kind": self.event_kind,
        }


def verify_chain(tenant_id: int) -> VerifyResult:
    """Walk the tenant's chain in order and report the first broken link.

    * an edited row no longer matches its own hash;
    * a deleted row leaves a gap in ``seq`` and a ``prev_hash`` that matches nothing;
    * an inserted row either duplicates a ``seq`` or breaks the ``prev_hash`` of its successor.
    Deleting the newest events leaves a shorter, still consistent chain; exported records
    carry the chain hash so that an auditor can notice that (ARCHITECTURE §6).
    """
    from yuqing.tenancy.scope import tenant_scope

    with tenant_scope(tenant_id):
        rows = db.session.execute(
            sa.select(AuditEvent).order_by(AuditEvent.seq, AuditEvent.id)
        ).scalars()
        expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
        for row in rows:
            reason = None
            if row.seq < expected_seq:
                reason = f"重复的序号 {row.seq}（插入的事件）"
            elif row.seq > expected_seq:
                reason = f"序号 {expected_seq}–{row.seq - 1} 缺失（事件被删除）"
            elif row.prev_hash != prev_hash:
                reason = "prev_hash 与上一事件的哈希不符（事件被删除或插入）"
            elif event_hash(row.hashed_fields()) != row.hash:
                reason = "事件内容与其哈希不符（事件被篡改）"
            if reason is not None:
                return VerifyResult(False, checked, row.seq, reason, row.id, row.kind)
            checked += 1
            expected_seq, prev_hash = row.seq + 1, row.hash
        return VerifyResult(True, checked)


def events_for(subject_refs: list[tuple[str, str | int]]) -> list[AuditEvent]:
    """Events about any of ``subject_refs`` ((type, id) pairs), oldest first."""
    if not subject_refs:
        return []
    clauses = [
        sa.and_(AuditEvent.subject_type == kind, AuditEvent.subject_id == str(ident))
        for kind, ident in subject_refs
    ]
    return list(
        db.session.execute(
            sa.select(AuditEvent).where(sa.or_(*clauses)).order_by(AuditEvent.seq)
        ).scalars()
    )


def list_events(*, kind: str | None = None, limit: int = 100, offset: int = 0) -> list[AuditEvent]:
    query = sa.select(AuditEvent).order_by(AuditEvent.seq.desc())
    if kind:
        query = query.where(AuditEvent.kind == kind)
    return list(db.session.execute(query.limit(limit).offset(offset)).scalars())
