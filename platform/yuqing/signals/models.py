"""Signals (single posts found online) and the metric snapshots behind an incident's chart.

Everything here came from the internet and is untrusted: it is stored as received and
escaped wherever it is shown.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuqing.db_types import JSONType, UTCDateTime, utcnow
from yuqing.extensions import db
from yuqing.tenancy.scope import TenantScoped

TITLE_MAX = 500
CONTENT_MAX = 20000
URL_MAX = 2048


class Signal(TenantScoped, db.Model):
    """One post. The same canonical URL is one signal per tenant, whatever the share link."""

    __tablename__ = "signals"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "canonical_url"),)
    audit_subject_type = "signal"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.Text)
    canonical_url: Mapped[str] = mapped_column(sa.String(URL_MAX))
    platform: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX), default="")
    content: Mapped[str] = mapped_column(sa.Text, default="")
    #: The netizen's account name: optional, shown only to roles that need it (§9).
    author_handle: Mapped[str | None] = mapped_column(sa.String(200))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The post's latest metrics (views, comments, reposts, likes, mainstream_sites …).
    metrics: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: Bottom-k sketch of the normalised text (``signals/fingerprint.py``).
    content_fingerprint: Mapped[list] = mapped_column(JSONType, default=list)
    #: True when the post joined an existing incident as a repost or near-copy.
    is_duplicate: Mapped[bool] = mapped_column(default=False)
    incident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    incident = relationship("Incident", back_populates="signals")


class MetricSnapshot(TenantScoped, db.Model):
    """Metrics observed at one moment, and the incident's effective metrics after them."""

    __tablename__ = "metric_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    #: The post the metrics were observed on; ``None`` for metrics posted for the incident.
    signal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signals.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    metrics: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: The incident's aggregated metrics after this snapshot: what the chart plots.
    effective: Mapped[dict] = mapped_column(JSONType, default=dict)
