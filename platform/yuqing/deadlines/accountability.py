"""Accountability entries: listing, and findings recorded by a person with evidence.

The system writes its own entries at a breach (``operations.breach_deadline``). 瞒报 and 谎报
cannot be detected by software: they are findings (认定) that an authorised person records with
evidence, as the plans require (digest §2g; ARCHITECTURE §6). Who may record them is the
policy's ``record_finding`` action (default: auditor and leader).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yuqing.accounts.actor import Actor
from yuqing.accounts.models import Membership, User
from yuqing.audit.operations import record_event
from yuqing.db_types import utcnow
from yuqing.deadlines.models import ACCOUNTABILITY_KINDS, FINDING_KINDS, AccountabilityEntry
from yuqing.errors import Forbidden, NotFound, ValidationFailed
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant, Unit

#: Roles that may read the accountability record (besides whoever may record findings).
READ_ROLES = ("auditor", "leader", "office", "tenant_admin")


def finding_roles(tenant: Tenant) -> frozenset[str]:
    from yuqing.policy import get_plugin

    if not tenant.policy_key:
        return frozenset({"auditor", "leader"})
    plugin = get_plugin(tenant.policy_key)
    return plugin.allowed_roles("record_finding", plugin.resolve_params(tenant.policy_params))


def can_read(actor: Actor, tenant: Tenant) -> bool:
    return actor.has_role(*READ_ROLES, *finding_roles(tenant))


def record_finding(
    *,
    tenant: Tenant,
    actor: Actor,
    kind: str,
    incident_id: int,
    evidence: str,
    unit_id: int | None = None,
    person_id: int | None = None,
    now: datetime | None = None,
) -> AccountabilityEntry:
    """Record a 瞒报/谎报 finding against a unit and/or person, with the evidence for it."""
    from yuqing.audit.operations import events_for
    from yuqing.incidents.models import Incident

    now = now or utcnow()
    if not actor.has_role(*finding_roles(tenant)):
        raise Forbidden("无权记录问责认定。", "You may not record accountability findings.")
    errors: dict[str, list[str]] = {}
    if kind not in FINDING_KINDS:
        errors["kind"] = [f"必须是以下之一：{'、'.join(FINDING_KINDS)}"]
    if not (evidence or "").strip():
        errors["evidence"] = ["认定须附证据说明。"]
    if unit_id is None and person_id is None:
        errors["unit_id"] = ["须指明责任单位或责任人。"]
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        errors["incident_id"] = ["舆情事件不存在。"]
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        errors["unit_id"] = ["单位不存在。"]
    if (
        person_id is not None
        and db.session.execute(
            sa.select(Membership.id).where(Membership.user_id == person_id)
        ).scalar()
        is None
    ):
        # A person outside the tenant cannot answer for the tenant's incident.
        errors["person_id"] = ["责任人不是本单位成员。"]
    if errors:
        raise ValidationFailed(errors)
    proof = [e.id for e in events_for([("incident", incident.id)])]
    entry = AccountabilityEntry(
        tenant_id=tenant.id,
        kind=kind,
        incident_id=incident.id,
        unit_id=unit_id,
        person_id=person_id,
        rule_label_zh=ACCOUNTABILITY_KINDS[kind][0],
        rule_source="人工认定（篇四、篇十七、篇二十一）",
        evidence=evidence.strip(),
        created_by=actor.label,
        created_by_name=actor.name,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    event = record_event(
        "accountability.finding",
        actor=actor,
        subject=("accountability", entry.id),
        data={
            "kind": kind,
            "incident_id": incident.id,
            "unit_id": unit_id,
            "person_id": person_id,
            "evidence": entry.evidence,
        },
        at=now,
    )
    entry.audit_event_ids = [*proof, event.id]
    db.session.flush()
    return entry


def _local_day_start(day: date, tenant: Tenant) -> datetime:
    tz = ZoneInfo(tenant.timezone or "Asia/Shanghai")
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def list_entries(
    *,
    tenant: Tenant,
    unit_id: int | None = None,
    person_id: int | None = None,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    incident_id: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AccountabilityEntry]:
    """Entries of the tenant in scope, newest first; dates are local days, both inclusive."""
    query = sa.select(AccountabilityEntry)
    if unit_id is not None:
        query = query.where(AccountabilityEntry.unit_id == unit_id)
    if person_id is not None:
        query = query.where(AccountabilityEntry.person_id == person_id)
    if kind:
        query = query.where(AccountabilityEntry.kind == kind)
    if incident_id is not None:
        query = query.where(AccountabilityEntry.incident_id == incident_id)
    if date_from is not None:
        query = query.where(AccountabilityEntry.created_at >= _local_day_start(date_from, tenant))
    if date_to is not None:
        query = query.where(
            AccountabilityEntry.created_at < _local_day_start(date_to + timedelta(days=1), tenant)
        )
    query = query.order_by(AccountabilityEntry.created_at.desc(), AccountabilityEntry.id.desc())
    return list(db.session.execute(query.limit(limit).offset(offset)).scalars())


def entry_or_404(entry_id: int) -> AccountabilityEntry:
    entry = db.session.get(AccountabilityEntry, entry_id)
    if entry is None:
        raise NotFound("问责记录不存在。", "No such accountability entry.")
    return entry


def entry_dict(entry: AccountabilityEntry) -> dict:
    unit = db.session.get(Unit, entry.unit_id) if entry.unit_id else None
    person = db.session.get(User, entry.person_id) if entry.person_id else None
    return {
        "id": entry.id,
        "kind": entry.kind,
        "kind_zh": entry.kind_zh,
        "incident_id": entry.incident_id,
        "deadline_id": entry.deadline_id,
        "unit_id": entry.unit_id,
        "unit_name": unit.name if unit else None,
        "person_id": entry.person_id,
        "person_name": person.name if person else None,
        "responsible_role": entry.responsible_role,
        "rule_label_zh": entry.rule_label_zh,
        "rule_source": entry.rule_source,
        "stage": entry.stage,
        "due_at": entry.due_at,
        "lateness_seconds": entry.lateness_seconds,
        "met_at": entry.met_at,
        "evidence": entry.evidence,
        "audit_event_ids": list(entry.audit_event_ids or []),
        "created_by": entry.created_by,
        "created_by_name": entry.created_by_name,
        "created_at": entry.created_at,
    }
