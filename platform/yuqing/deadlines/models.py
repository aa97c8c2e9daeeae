"""Deadlines, the platform's working-day overrides, digests and accountability entries.

The database is the source of truth for every timer (ARCHITECTURE §5): a :class:`Deadline`
row says when a stage is due and whether it was met, breached and escalated; the RQ jobs that
fire at those times only re-read the row and act on it.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db_types import JSONType, UTCDateTime, utcnow
from yuqing.extensions import db
from yuqing.tenancy.scope import TenantScoped


def deadline_rule_key(stage: str, anchor: str, actor_role: str, label_zh: str) -> str:
    """The stable key of one obligation of a plan within its stage (16 hex digits).

    A plan may set several limits for one stage and grade (篇四 一级: the 30-minute 手机快报, the
    one-hour 纸质快报 and the unit's own report to the 党总支), each its own :class:`Deadline`
    row. The key hashes what makes a rule the *same obligation*: its stage, clock anchor,
    responsible role and Chinese label. It leaves out the limit (``within``) and the grade, so
    a grade change that tightens the same obligation updates the same row. Policy tables
    (``policy/tables.py``) give one label to a stage's limit across every grade, so the key is
    stable across grade changes; a plan that words a rule differently per grade gets a new row
    (the old one is kept, see ``operations.sync_deadlines``).
    """
    text = "\x1f".join((stage, anchor, actor_role, label_zh))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _default_rule_key(context) -> str:
    # Rows built without an explicit key (fixtures, scripts) get the key of their own rule.
    params = context.get_current_parameters()
    return deadline_rule_key(
        params["stage"], params["anchor"], params["actor_role"], params["label_zh"]
    )


class Deadline(TenantScoped, db.Model):
    """The time limit of one rule of one stage of one incident, from its policy snapshot."""

    __tablename__ = "deadlines"
    __table_args__ = (
        # One row per rule: a stage may have several (see ``deadline_rule_key``).
        sa.UniqueConstraint("incident_id", "stage", "rule_key"),
        # The sweeper's two scans: open rows by due time, breached rows by escalation time.
        sa.Index("ix_deadlines_open_due", "tenant_id", "met_at", "breached_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    #: Lifecycle stage this limit binds (``report``, ``verify``, ``holding_reply`` …).
    stage: Mapped[str] = mapped_column(sa.String(32))
    #: Which rule of the stage this row is (:func:`deadline_rule_key`): stable across
    #: recomputations and grade changes.
    rule_key: Mapped[str] = mapped_column(sa.String(32), default=_default_rule_key)
    #: Clock anchor of the rule (``discovered_at``, ``slip_received_at`` …) and its value.
    anchor: Mapped[str] = mapped_column(sa.String(32))
    anchor_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Grade whose rule produced ``due_at`` (the rule in force, kept for accountability).
    grade_code: Mapped[str | None] = mapped_column(sa.String(32))
    #: The rule's limit as plain JSON (``{"type": "duration", "minutes": 300}`` …).
    within: Mapped[dict] = mapped_column(JSONType, default=dict)
    label_zh: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Where the rule comes from, e.g. 「篇十二 D33「5小时内」」.
    rule_source: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Canonical role that must meet the deadline and answers for missing it.
    actor_role: Mapped[str] = mapped_column(sa.String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set exactly once, by a conditional UPDATE (see ``operations.breach_deadline``).
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Someone took charge of the breach: the escalation ladder stops climbing.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Steps of the ladder already notified (0 = not escalated).
    escalation_level: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Highest pre-warning fraction already sent (fractions ascend, so one number suffices and
    #: a conditional UPDATE can claim the next one atomically).
    prewarned_fraction: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_open(self) -> bool:
        return self.met_at is None

    @property
    def is_handled(self) -> bool:
        """Nothing more to escalate: met, or a person acknowledged the breach."""
        return self.met_at is not None or self.acknowledged_at is not None

    def __repr__(self) -> str:
        return f"<Deadline {self.incident_id}/{self.stage}/{self.rule_key} due {self.due_at:%Y-%m-%d %H:%M}>"


class CalendarOverride(db.Model):
    """A day China's calendar data gets wrong or does not know yet (platform-wide, not scoped).

    Statutory holidays and 调休 make-up workdays are national, so one table serves every
    tenant; platform admins edit it (``/admin/calendar``, ``yuqing calendar import``).
    """

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    is_working_day: Mapped[bool] = mapped_column(sa.Boolean)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Digest(TenantScoped, db.Model):
    """One issue (期) of a scheduled report, e.g. the 17:00 daily summary (篇五 D12)."""

    __tablename__ = "digests"
    __table_args__ = (
        # The sweeper may decide twice that a digest is due; the second insert fails here.
        sa.UniqueConstraint("tenant_id", "schedule_key", "period_start"),
        sa.UniqueConstraint("tenant_id", "schedule_key", "issue_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The policy's ``ScheduleRule.key`` (``daily_summary``, ``circular`` …).
    schedule_key: Mapped[str] = mapped_column(sa.String(64))
    label_zh: Mapped[str] = mapped_column(sa.String(200))
    rule_source: Mapped[str] = mapped_column(sa.String(200), default="")
    #: ``daily@17:00`` … as resolved when the issue was built.
    schedule_when: Mapped[str] = mapped_column(sa.String(64))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    #: 期数: 1, 2, 3 … per tenant and schedule.
    issue_no: Mapped[int] = mapped_column(sa.Integer)
    #: 「标题+链接地址」: ``[{"incident_id", "title", "url", "grade"}]``.
    items: Mapped[list] = mapped_column(JSONType, default=list)
    recipients: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: Kinds of accountability entry: the first five come from the system at a breach, the
#: findings only from a person with evidence (ARCHITECTURE §6, digest §2g).
ACCOUNTABILITY_KINDS = {
    "late_report": ("迟报", "late report"),
    "missed_report": ("漏报", "missed report"),
    "missed_verification": ("逾期未核实反馈", "missed verification"),
    "missed_response": ("逾期未回应", "missed response"),
    "missed_deadline": ("逾期未办理", "missed deadline"),
    "finding_concealment": ("瞒报", "concealment (finding)"),
    "finding_false_report": ("谎报", "false report (finding)"),
}
SYSTEM_KINDS = (
    "late_report",
    "missed_report",
    "missed_verification",
    "missed_response",
    "missed_deadline",
)
FINDING_KINDS = ("finding_concealment", "finding_false_report")


class AccountabilityEntry(TenantScoped, db.Model):
    """Who answers for what: a missed deadline (system) or a finding (a person, with evidence)."""

    __tablename__ = "accountability_entries"
    __table_args__ = (
        # One entry per breached deadline, however often the breach job and the sweeper run.
        sa.UniqueConstraint("deadline_id"),
        sa.Index("ix_accountability_entries_filters", "tenant_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    incident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    deadline_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("deadlines.id", ondelete="SET NULL")
    )
    #: The unit and the person who answer for it; either may be unknown (None).
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    responsible_role: Mapped[str | None] = mapped_column(sa.String(32))
    rule_label_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    rule_source: Mapped[str] = mapped_column(sa.String(200), default="")
    stage: Mapped[str | None] = mapped_column(sa.String(32))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Seconds past ``due_at``: at the breach, then the final figure once the stage is met.
    lateness_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    #: When the late stage was finally met (None: still outstanding).
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    #: Ids of the audit events that prove the entry (the chain lets an auditor verify them).
    audit_event_ids: Mapped[list] = mapped_column(JSONType, default=list)
    #: ``system``, ``user:7`` or ``apikey:3`` (``Actor.label``) and a display name.
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_by_name: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_zh(self) -> str:
        return ACCOUNTABILITY_KINDS.get(self.kind, (self.kind,))[0]


# Subscribed here because the app factory imports every domain's models in every process (web,
# worker, CLI), so the lifecycle's signals always have their deadline listener.
from yuqing.deadlines import subscribers as _subscribers  # noqa: E402, F401
