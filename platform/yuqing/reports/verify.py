"""Checking an exported accountability record against the live audit chain.

The record embeds ``audit-events.json``: every event it cites with all hashed fields, its hash,
and the chain head when the record was rendered. Verification is in two parts:

* offline — each attached event still hashes to its own ``hash`` (the attachment is intact);
* live — the stored event with the same tenant and ``seq`` still has those fields and that
  hash, and its row still hashes to its stored hash (nobody edited the table).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from yuqing.audit.models import AuditEvent
from yuqing.audit.operations import canonical_json, event_hash
from yuqing.extensions import db
from yuqing.reports.documents import EVENTS_ATTACHMENT, EVENTS_FORMAT
from yuqing.reports.pdfcheck import read_attachments
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled


class RecordUnreadable(ValueError):
    """The file is not a PDF with a Yuqing event attachment."""


@dataclass
class PdfVerification:
    tenant_slug: str
    checked: int = 0
    chain_head: dict | None = None
    #: ``(seq, reason)`` for every cited event that no longer matches.
    mismatches: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify_pdf(pdf_bytes: bytes) -> PdfVerification:
    try:
        attachments = read_attachments(pdf_bytes)
    except Exception as exc:  # pikepdf raises many types for a damaged or non-PDF file
        raise RecordUnreadable(f"不是可读取的 PDF：{exc}") from exc
    if EVENTS_ATTACHMENT not in attachments:
        raise RecordUnreadable(f"PDF 中没有附件 {EVENTS_ATTACHMENT}，不是问责记录。")
    try:
        payload = json.loads(attachments[EVENTS_ATTACHMENT])
    except ValueError as exc:
        raise RecordUnreadable(f"附件 {EVENTS_ATTACHMENT} 不是有效的 JSON。") from exc
    if payload.get("format") != EVENTS_FORMAT:
        raise RecordUnreadable(f"未知的附件格式：{payload.get('format')!r}")
    tenant_id = payload["tenant_id"]
    with tenant_scope_disabled():
        tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or tenant.slug != payload.get("tenant", {}).get("slug"):
        raise RecordUnreadable("附件所属租户在本系统中不存在。")

    result = PdfVerification(tenant_slug=tenant.slug, chain_head=payload.get("chain_head"))
    events = payload.get("events") or []
    seqs = [event.get("seq") for event in events]
    with tenant_scope(tenant_id):
        stored = {
            row.seq: row
            for row in db.session.execute(
                sa.select(AuditEvent).where(AuditEvent.seq.in_([s for s in seqs if s]))
            ).scalars()
        }
        for event in events:
            result.checked += 1
            seq = event.get("seq")
            fields = {key: value for key, value in event.items() if key != "hash"}
            if fields.get("tenant_id") != tenant_id:
                result.mismatches.append((seq, "附件中的事件属于其他租户"))
                continue
            if event_hash(fields) != event.get("hash"):
                result.mismatches.append((seq, "附件中的事件内容与其哈希不符（附件被改动）"))
                continue
            row = stored.get(seq)
            if row is None:
                result.mismatches.append((seq, "系统中已不存在该序号的事件（事件被删除）"))
                continue
            if event_hash(row.hashed_fields()) != row.hash:
                result.mismatches.append((seq, "系统中的事件内容与其哈希不符（事件被篡改）"))
                continue
            if row.hash != event["hash"] or canonical_json(row.hashed_fields()) != canonical_json(
                fields
            ):
                result.mismatches.append((seq, "系统中的事件与记录导出时不同"))
        head = result.chain_head
        if head:
            row = db.session.execute(
                sa.select(AuditEvent).where(AuditEvent.seq == head["seq"])
            ).scalar_one_or_none()
            if row is None or row.hash != head["hash"]:
                result.mismatches.append(
                    (head["seq"], "导出时的事件链头已不在链中（事件被删除或改动）")
                )
            elif event_hash(row.hashed_fields()) != row.hash:
                result.mismatches.append((head["seq"], "导出时的事件链头内容与其哈希不符"))
    db.session.rollback()
    return result
