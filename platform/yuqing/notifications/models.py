"""In-app notifications, tenant webhooks, per-user preferences and the delivery log.

A notification is never dropped: the in-app row is written in the transaction that caused it,
and every outward copy (e-mail, webhook) is a :class:`Delivery` row that stays, with its
attempts and last error, whether it succeeds, is retried or finally fails.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db_types import JSONType, UTCDateTime, utcnow
from yuqing.extensions import db
from yuqing.tenancy.scope import TenantScoped

#: Kinds of notification, with their Chinese names (also used to filter webhooks).
NOTIFICATION_KINDS = {
    "deadline_prewarn": "期限预警",
    "deadline_breach": "期限超时",
    "escalation": "逐级督办",
    "digest": "舆情简报",
    "finding": "问责认定",
    "delivery_failed": "投递失败",
}

#: Delivery states: pending (to send now), retrying (waiting for ``next_attempt_at``),
#: deferred (quiet hours), sending (claimed by a worker), delivered, failed (gave up).
DELIVERY_STATES = ("pending", "retrying", "deferred", "sending", "delivered", "failed")


class Notification(TenantScoped, db.Model):
    """One message in one member's in-app inbox."""

    __tablename__ = "notifications"
    __table_args__ = (
        # A job that runs twice must not notify twice: the caller's dedupe key is unique.
        sa.UniqueConstraint("tenant_id", "user_id", "dedupe_key"),
        sa.Index("ix_notifications_inbox", "tenant_id", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: Path inside the platform (``/t/<slug>/…``); e-mails prefix the base URL.
    url: Mapped[str | None] = mapped_column(sa.String(500))
    incident_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    deadline_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: Canonical severity S0–S4 of the incident; S3/S4 override quiet hours.
    severity: Mapped[str | None] = mapped_column(sa.String(2))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationChannel(TenantScoped, db.Model):
    """A tenant's outgoing webhook: generic signed JSON, or a WeCom / DingTalk group bot."""

    __tablename__ = "notification_channels"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(1000))
    #: ``json`` | ``wecom`` | ``dingtalk`` (see ``transports.WEBHOOK_FORMATS``).
    format: Mapped[str] = mapped_column(sa.String(16), default="json")
    #: HMAC secret (json: X-Yuqing-Signature; dingtalk: 加签). Shown to admins only.
    secret: Mapped[str | None] = mapped_column(sa.String(200))
    #: Notification kinds sent to this hook; empty means every kind.
    kinds: Mapped[list] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def wants(self, kind: str) -> bool:
        return self.is_active and (not self.kinds or kind in self.kinds)


class NotificationPreference(TenantScoped, db.Model):
    """A member's choices in one tenant; quiet hours live on the user (one clock per person)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    email_enabled: Mapped[bool] = mapped_column(default=True)


class Delivery(TenantScoped, db.Model):
    """One attempt-tracked copy of a notification sent outside the platform."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "dedupe_key"),
        sa.Index("ix_deliveries_status", "tenant_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="SET NULL")
    )
    #: ``email`` | ``webhook``.
    channel: Mapped[str] = mapped_column(sa.String(16))
    channel_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notification_channels.id", ondelete="SET NULL")
    )
    #: The e-mail address, or the webhook URL without its query string (bot keys stay hidden).
    target: Mapped[str] = mapped_column(sa.String(500))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str | None] = mapped_column(sa.String(500))
    severity: Mapped[str | None] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(240))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
