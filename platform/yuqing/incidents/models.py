"""Incidents and everything hanging off them: grade history, dispatch slips (联系单),
statements (统一口径) with versions and approvals, and reviews (总结评估)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuqing.db_types import JSONType, UTCDateTime, utcnow
from yuqing.extensions import db
from yuqing.tenancy.models import Unit
from yuqing.tenancy.scope import TenantScoped

#: Lifecycle states (digest §2d), in their usual order.
STATES = (
    "detected",  # 监测/发现
    "reported",  # 报送: reached the office
    "assessed",  # 研判/定级: grade, category and unit set
    "dispatched",  # 交办: 联系单 sent
    "verifying",  # 核实: the unit acknowledged the slip and investigates
    "verified",  # 核实结果已反馈
    "resolved",  # 处置/办结: offline track done
    "tracking",  # 跟踪/善后
    "subsided",  # 消除/趋于平稳
    "reviewed",  # 总结评估
    "archived",  # 归档
)
#: States in which a new post of the same story joins the incident.
OPEN_STATES = STATES[:8]
STATEMENT_KINDS = ("holding_reply", "reply", "press_release")
STATEMENT_STATES = ("draft", "approved", "published")


class Incident(TenantScoped, db.Model):
    __tablename__ = "incidents"
    __table_args__ = (sa.Index("ix_incidents_tenant_state", "tenant_id", "state"),)
    audit_subject_type = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[str] = mapped_column(sa.String(16), default="detected")
    grade_code: Mapped[str] = mapped_column(sa.String(32))
    grade_label: Mapped[str] = mapped_column(sa.String(64))
    #: Canonical S0–S4; comparisons across plans use this, never the label.
    severity: Mapped[str] = mapped_column(sa.String(2))
    #: The plugin's category code (digest §2e), set at assessment.
    category: Mapped[str | None] = mapped_column(sa.String(16))
    #: 涉事单位: the unit responsible, set at assessment or dispatch.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))

    # The rules the incident is judged by, frozen at creation (ARCHITECTURE §3).
    policy_key: Mapped[str] = mapped_column(sa.String(64))
    policy_version: Mapped[str] = mapped_column(sa.String(32))
    policy_params: Mapped[dict] = mapped_column(JSONType, default=dict)

    #: Effective grading metrics: the story's posts aggregated, merged with posted snapshots.
    metrics: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: Metrics posted for the incident as a whole (``POST …/metrics``), merged by maximum.
    manual_metrics: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: Sketch of the story's first post, compared with new posts (``signals/fingerprint.py``).
    story_fingerprint: Mapped[list] = mapped_column(JSONType, default=list)
    duplicate_count: Mapped[int] = mapped_column(default=0)
    #: Side flags of digest §2d: ``escalated``, ``referred``, ``reopened``.
    priority_flags: Mapped[list] = mapped_column(JSONType, default=list)

    # Referral to an authority (E2/E3): whom, on what legal basis.
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    referral_authority: Mapped[str | None] = mapped_column(sa.String(200))
    referral_legal_basis: Mapped[str | None] = mapped_column(sa.Text)

    #: The unit's verification result and the resolution (offline track).
    verification_result: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)

    # Clock anchors and milestones (digest §3.0); deadlines read these names.
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: First upward report (上报); later reports are in the audit chain.
    notified_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 办结: the matter was resolved (offline track end).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subsided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: ``user:7`` or ``apikey:3`` — who created it (``Actor.label``).
    created_by: Mapped[str] = mapped_column(sa.String(64))

    unit: Mapped[Unit | None] = relationship()
    signals = relationship("Signal", back_populates="incident", order_by="Signal.id")
    grade_changes: Mapped[list[IncidentGradeChange]] = relationship(
        back_populates="incident", order_by="IncidentGradeChange.id"
    )
    slips: Mapped[list[DispatchSlip]] = relationship(
        back_populates="incident", order_by="DispatchSlip.id"
    )
    statements: Mapped[list[Statement]] = relationship(
        back_populates="incident", order_by="Statement.id"
    )
    reviews: Mapped[list[Review]] = relationship(back_populates="incident", order_by="Review.id")

    @property
    def latest_slip(self) -> DispatchSlip | None:
        return self.slips[-1] if self.slips else None

    @property
    def slip_received_at(self) -> datetime | None:
        """Clock anchor: when the unit acknowledged the latest 联系单 (篇二's 半天)."""
        slip = self.latest_slip
        return slip.received_at if slip else None

    def has_flag(self, flag: str) -> bool:
        return flag in (self.priority_flags or [])

    def add_flag(self, flag: str) -> None:
        if not self.has_flag(flag):
            self.priority_flags = [*(self.priority_flags or []), flag]


class IncidentGradeChange(TenantScoped, db.Model):
    __tablename__ = "incident_grade_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    from_grade: Mapped[str | None] = mapped_column(sa.String(32))
    to_grade: Mapped[str] = mapped_column(sa.String(32))
    from_severity: Mapped[str | None] = mapped_column(sa.String(2))
    to_severity: Mapped[str] = mapped_column(sa.String(2))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: True for a rise computed from metrics; a fall is never automatic.
    automatic: Mapped[bool] = mapped_column(default=False)
    actor_label: Mapped[str] = mapped_column(sa.String(64))
    actor_name: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="grade_changes")


class DispatchSlip(TenantScoped, db.Model):
    """舆情联系单: the ticket the office sends to the involved unit."""

    __tablename__ = "dispatch_slips"
    audit_subject_type = "slip"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by: Mapped[str] = mapped_column(sa.String(64))
    #: Acknowledged by the unit's handler: the ``slip_received_at`` clock anchor.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 情况核实结果 returned by the unit.
    result: Mapped[str | None] = mapped_column(sa.Text)
    handler_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    handler_label: Mapped[str | None] = mapped_column(sa.String(64))
    handler_name: Mapped[str | None] = mapped_column(sa.String(200))

    incident: Mapped[Incident] = relationship(back_populates="slips")
    unit: Mapped[Unit] = relationship()


class Statement(TenantScoped, db.Model):
    """统一口径: one outward statement, drafted in versions, approved, published once."""

    __tablename__ = "statements"
    audit_subject_type = "statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    state: Mapped[str] = mapped_column(sa.String(16), default="draft")
    current_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(sa.String(200))
    #: The text as published; locked afterwards.
    published_text: Mapped[str | None] = mapped_column(sa.Text)
    #: Grade of the incident when it was published (the approval record names it).
    published_grade: Mapped[str | None] = mapped_column(sa.String(32))

    incident: Mapped[Incident] = relationship(back_populates="statements")
    versions: Mapped[list[StatementVersion]] = relationship(
        back_populates="statement", order_by="StatementVersion.number"
    )
    approvals: Mapped[list[StatementApproval]] = relationship(
        back_populates="statement", order_by="StatementApproval.id"
    )

    @property
    def current(self) -> StatementVersion:
        return next(v for v in self.versions if v.number == self.current_version)

    def approvals_of_current(self) -> list[StatementApproval]:
        return [a for a in self.approvals if a.version == self.current_version]


class StatementVersion(TenantScoped, db.Model):
    __tablename__ = "statement_versions"
    __table_args__ = (sa.UniqueConstraint("statement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(sa.Text)
    author_label: Mapped[str] = mapped_column(sa.String(64))
    author_name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Unified diff against the previous version (empty for the first).
    diff: Mapped[str] = mapped_column(sa.Text, default="")

    statement: Mapped[Statement] = relationship(back_populates="versions")


class StatementApproval(TenantScoped, db.Model):
    """An approval of one version by one role; a new version needs new approvals."""

    __tablename__ = "statement_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column()
    role: Mapped[str] = mapped_column(sa.String(64))
    approver_label: Mapped[str] = mapped_column(sa.String(64))
    approver_name: Mapped[str] = mapped_column(sa.String(200))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    statement: Mapped[Statement] = relationship(back_populates="approvals")


class Review(TenantScoped, db.Model):
    """总结评估: the written review that feeds the case library."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    summary: Mapped[str] = mapped_column(sa.Text)
    lessons: Mapped[str] = mapped_column(sa.Text, default="")
    author_label: Mapped[str] = mapped_column(sa.String(64))
    author_name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="reviews")
