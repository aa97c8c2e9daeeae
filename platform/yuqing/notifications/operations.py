"""Notifying people: the in-app inbox, e-mail and webhook deliveries with retries.

:func:`notify` writes the inbox rows and one :class:`Delivery` per outward copy in the caller's
transaction; the delivery jobs are enqueued after commit. :func:`attempt_delivery` is what a
worker runs for one delivery: it honours quiet hours (except for S3/S4 incidents), claims the
row so two workers never send it twice, sends, and records the outcome. A failure that may pass
is retried with back-off; one that will not (a bad address) ends as ``failed``. Either way the
row stays, visible in the delivery log, and an admin can send it again.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from yuqing.accounts.models import Membership, User
from yuqing.db_types import utcnow
from yuqing.errors import NotFound, ValidationFailed
from yuqing.extensions import db
from yuqing.notifications.aftercommit import after_commit
from yuqing.notifications.models import (
    Delivery,
    Notification,
    NotificationChannel,
    NotificationPreference,
)
from yuqing.notifications.transports import (
    DEFAULT_RETRY_POLICY,
    WEBHOOK_FORMATS,
    DeliveryError,
    backoff_delays,
    format_message,
    in_quiet_hours,
    next_allowed_time,
    send_email,
    send_webhook,
)
from yuqing.tenancy.models import Tenant

log = logging.getLogger(__name__)

QUEUE = "notifications"

#: Severities that ring through quiet hours (重大, 特别重大).
URGENT_SEVERITIES = ("S3", "S4")

#: A delivery the sweeper finds still pending this long after it was due was lost with Redis.
SWEEP_GRACE = timedelta(seconds=60)
#: A delivery claimed this long ago by a worker that never reported back is tried again.
STALE_CLAIM = timedelta(minutes=15)


# --- recipients ---------------------------------------------------------------------------------


def members_with_roles(roles: Iterable[str], unit_id: int | None = None) -> list[Membership]:
    """Members of the tenant in scope holding any of ``roles``.

    ``unit_handler`` means the handler of the incident's unit when that unit has one: the
    whole tenant's handlers are asked only if the unit has none.
    """
    roles = set(roles)
    members = db.session.execute(sa.select(Membership).order_by(Membership.id)).scalars().all()
    chosen: dict[int, Membership] = {}
    for role in roles:
        holders = [m for m in members if role in (m.roles or [])]
        if role == "unit_handler" and unit_id is not None:
            in_unit = [m for m in holders if m.unit_id == unit_id]
            holders = in_unit or holders
        for member in holders:
            chosen.setdefault(member.user_id, member)
    return list(chosen.values())


def _email_enabled(user_id: int) -> bool:
    pref = db.session.execute(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    ).scalar_one_or_none()
    return pref is None or pref.email_enabled


def _redacted(url: str) -> str:
    # Bot keys and DingTalk tokens travel in the query string; the log shows host and path.
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


# --- notify ---------------------------------------------------------------------------------------


def notify(
    *,
    tenant: Tenant,
    kind: str,
    title: str,
    body: str = "",
    url: str | None = None,
    roles: Iterable[str] = (),
    user_ids: Iterable[int] = (),
    unit_id: int | None = None,
    severity: str | None = None,
    incident_id: int | None = None,
    deadline_id: int | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Notify members by role and/or id: inbox rows now, e-mail and webhooks after commit.

    With a ``dedupe_key`` a second call (a job re-run) creates nothing new.
    """
    now = now or utcnow()
    recipients = {m.user_id for m in members_with_roles(roles, unit_id)} | set(user_ids)
    created: list[Notification] = []
    deliveries: list[Delivery] = []
    for user_id in sorted(recipients):
        if (
            dedupe_key is not None
            and db.session.execute(
                sa.select(Notification.id).where(
                    Notification.user_id == user_id, Notification.dedupe_key == dedupe_key
                )
            ).scalar()
        ):
            continue
        notification = Notification(
            tenant_id=tenant.id,
            user_id=user_id,
            kind=kind,
            title=title[:300],
            body=body,
            url=url,
            incident_id=incident_id,
            deadline_id=deadline_id,
            severity=severity,
            dedupe_key=dedupe_key,
            created_at=now,
        )
        db.session.add(notification)
        db.session.flush()
        created.append(notification)
        user = db.session.get(User, user_id)
        if user is not None and user.email and user.is_active_account and _email_enabled(user_id):
            deliveries.append(
                Delivery(
                    tenant_id=tenant.id,
                    notification_id=notification.id,
                    channel="email",
                    target=user.email,
                    user_id=user_id,
                    kind=kind,
                    title=title[:300],
                    text=body,
                    url=url,
                    severity=severity,
                    status="pending",
                    created_at=now,
                    dedupe_key=f"{dedupe_key}:email:{user_id}" if dedupe_key else None,
                )
            )
    channels = (
        db.session.execute(sa.select(NotificationChannel).order_by(NotificationChannel.id))
        .scalars()
        .all()
    )
    for channel in channels:
        if not channel.wants(kind):
            continue
        key = f"{dedupe_key}:webhook:{channel.id}" if dedupe_key else None
        if (
            key
            and db.session.execute(
                sa.select(Delivery.id).where(Delivery.dedupe_key == key)
            ).scalar()
        ):
            continue
        deliveries.append(
            Delivery(
                tenant_id=tenant.id,
                channel="webhook",
                channel_id=channel.id,
                target=_redacted(channel.url),
                kind=kind,
                title=title[:300],
                text=body,
                url=url,
                severity=severity,
                status="pending",
                created_at=now,
                dedupe_key=key,
            )
        )
    for delivery in deliveries:
        db.session.add(delivery)
    db.session.flush()
    for delivery in deliveries:
        enqueue_delivery_after_commit(delivery)
    return created


# --- delivering -----------------------------------------------------------------------------------


def delivery_job_id(delivery: Delivery, suffix: str | int) -> str:
    return f"delivery-{delivery.tenant_id}-{delivery.id}-{suffix}"


def enqueue_delivery_after_commit(
    delivery: Delivery, at: datetime | None = None, suffix: str | int | None = None
) -> None:
    tenant_id, delivery_id = delivery.tenant_id, delivery.id
    job_id = delivery_job_id(delivery, suffix if suffix is not None else delivery.attempts)

    def _enqueue() -> None:
        from yuqing.jobs import enqueue
        from yuqing.notifications import jobs

        enqueue(QUEUE, jobs.deliver, tenant_id, delivery_id, job_id=job_id, at=at)

    after_commit(db.session(), _enqueue, key=job_id)


def _claim(delivery_id: int, now: datetime) -> bool:
    result = db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status.in_(("pending", "retrying", "deferred")))
        .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _reload(delivery_id: int) -> Delivery | None:
    return db.session.execute(
        sa.select(Delivery)
        .where(Delivery.id == delivery_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _absolute(url: str | None) -> str | None:
    if not url:
        return None
    if url.startswith(("http://", "https://")):
        return url
    return current_app.config.get("BASE_URL", "").rstrip("/") + url


def _send(delivery: Delivery) -> None:
    link = _absolute(delivery.url)
    if delivery.channel == "email":
        config = current_app.config
        body = delivery.text + (f"\n\n查看详情：{link}" if link else "")
        send_email(
            config["SMTP_HOST"],
            int(config["SMTP_PORT"]),
            config["MAIL_FROM"],
            [delivery.target],
            delivery.title,
            body,
            username=config.get("SMTP_USERNAME"),
            password=config.get("SMTP_PASSWORD"),
            security=config.get("SMTP_SECURITY", "none"),
        )
        return
    channel = (
        db.session.get(NotificationChannel, delivery.channel_id) if delivery.channel_id else None
    )
    if channel is None or not channel.is_active:
        raise DeliveryError("该 Webhook 已删除或停用", retryable=False)
    payload = format_message(channel.format, delivery.title, delivery.text, link)
    send_webhook(channel.url, payload, channel.secret or None, channel.format)


def _quiet_until(delivery: Delivery, tenant: Tenant, now: datetime) -> datetime | None:
    """When quiet hours end for this delivery's person, or None to send now."""
    if delivery.channel != "email" or delivery.user_id is None:
        return None
    if delivery.severity in URGENT_SEVERITIES:
        return None
    user = db.session.get(User, delivery.user_id)
    if user is None:
        return None
    local = now.astimezone(ZoneInfo(tenant.timezone or "Asia/Shanghai"))
    if not in_quiet_hours(local, user.quiet_start, user.quiet_end):
        return None
    return next_allowed_time(local, user.quiet_start, user.quiet_end).astimezone(now.tzinfo)


def attempt_delivery(delivery_id: int, *, now: datetime | None = None) -> str | None:
    """Try one delivery once; answer its new status, or None if there was nothing to do.

    Commits the claim before sending (a slow SMTP server must not hold a transaction, and a
    second worker must see that this one is sending).
    """
    now = now or utcnow()
    delivery = _reload(delivery_id)
    if delivery is None or delivery.status not in ("pending", "retrying", "deferred"):
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + timedelta(
        seconds=2
    ):
        return None  # an early or duplicate timer; the right one is scheduled
    tenant = db.session.get(Tenant, delivery.tenant_id)
    quiet_until = _quiet_until(delivery, tenant, now)
    if quiet_until is not None:
        delivery.status = "deferred"
        delivery.next_attempt_at = quiet_until
        db.session.flush()
        enqueue_delivery_after_commit(delivery, at=quiet_until, suffix="quiet")
        return "deferred"
    if not _claim(delivery_id, now):
        return None
    db.session.commit()
    delivery = _reload(delivery_id)
    try:
        _send(delivery)
    except DeliveryError as exc:
        delivery.last_error = str(exc)[:2000]
        delay = DEFAULT_RETRY_POLICY.next_retry_in(delivery.attempts, exc)
        if delay is None:
            delivery.status = "failed"
            delivery.next_attempt_at = None
        else:
            delivery.status = "retrying"
            delivery.next_attempt_at = now + delay
            enqueue_delivery_after_commit(delivery, at=delivery.next_attempt_at)
        db.session.flush()
        return delivery.status
    except Exception as exc:  # a bug or an unexpected library error: keep the row, retry later
        log.exception("delivery %s failed unexpectedly", delivery_id)
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        delivery.status = "retrying"
        delivery.next_attempt_at = now + backoff_delays(max(1, delivery.attempts))
        enqueue_delivery_after_commit(delivery, at=delivery.next_attempt_at)
        db.session.flush()
        return delivery.status
    delivery.status = "delivered"
    delivery.delivered_at = utcnow()
    delivery.last_error = None
    delivery.next_attempt_at = None
    db.session.flush()
    return "delivered"


def retry_delivery(delivery: Delivery, *, now: datetime | None = None) -> Delivery:
    """An admin sends a failed (or waiting) delivery again now."""
    if delivery.status in ("delivered", "sending"):
        return delivery
    delivery.status = "pending"
    delivery.next_attempt_at = now or utcnow()
    db.session.flush()
    enqueue_delivery_after_commit(delivery, suffix=f"manual{delivery.attempts}")
    return delivery


def sweep_tenant_deliveries(*, now: datetime) -> int:
    """Re-enqueue deliveries whose jobs were lost; free claims of workers that died."""
    stale = (
        db.session.execute(
            sa.select(Delivery).where(
                Delivery.status == "sending", Delivery.claimed_at <= now - STALE_CLAIM
            )
        )
        .scalars()
        .all()
    )
    for delivery in stale:
        delivery.status = "retrying"
        delivery.next_attempt_at = now
    lost = (
        db.session.execute(
            sa.select(Delivery).where(
                sa.or_(
                    sa.and_(
                        Delivery.status == "pending",
                        Delivery.created_at <= now - SWEEP_GRACE,
                        sa.or_(
                            Delivery.next_attempt_at.is_(None),
                            Delivery.next_attempt_at <= now - SWEEP_GRACE,
                        ),
                    ),
                    sa.and_(
                        Delivery.status.in_(("retrying", "deferred")),
                        Delivery.next_attempt_at <= now - SWEEP_GRACE,
                    ),
                )
            )
        )
        .scalars()
        .all()
    )
    db.session.flush()
    for delivery in [*stale, *lost]:
        enqueue_delivery_after_commit(delivery, suffix=f"sweep{delivery.attempts}")
    return len(stale) + len(lost)


# --- inbox ------------------------------------------------------------------------------------------


def inbox(user_id: int, *, unread_only: bool = False, limit: int = 100) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(
        db.session.execute(
            query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        ).scalars()
    )


def unread_count(user_id: int) -> int:
    return (
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        ).scalar()
        or 0
    )


def mark_read(
    user_id: int, notification_id: int | None = None, *, now: datetime | None = None
) -> int:
    """Mark one (or, without an id, every) notification of the user read."""
    query = sa.update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(
        query.values(read_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- channels and preferences -------------------------------------------------------------------


def save_channel(
    *,
    name: str,
    url: str,
    format: str = "json",
    secret: str | None = None,
    kinds: list[str] | None = None,
    is_active: bool = True,
) -> NotificationChannel:
    errors = {}
    if format not in WEBHOOK_FORMATS:
        errors["format"] = [f"必须是以下之一：{'、'.join(WEBHOOK_FORMATS)}"]
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        errors["url"] = ["必须是 http 或 https 网址。"]
    if format == "wecom" and secret:
        errors["secret"] = ["企业微信群机器人不支持签名，请将密钥留空（key 在网址中）。"]
    if not name.strip():
        errors["name"] = ["不能为空。"]
    if errors:
        raise ValidationFailed(errors)
    channel = db.session.execute(
        sa.select(NotificationChannel).where(NotificationChannel.name == name.strip())
    ).scalar_one_or_none()
    if channel is None:
        channel = NotificationChannel(name=name.strip())
        db.session.add(channel)
    channel.url, channel.format, channel.secret = url.strip(), format, (secret or None)
    channel.kinds, channel.is_active = list(kinds or []), is_active
    db.session.flush()
    return channel


def channel_or_404(channel_id: int) -> NotificationChannel:
    channel = db.session.get(NotificationChannel, channel_id)
    if channel is None:
        raise NotFound("Webhook 不存在。", "No such webhook.")
    return channel


def set_email_enabled(user_id: int, enabled: bool) -> NotificationPreference:
    pref = db.session.execute(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    ).scalar_one_or_none()
    if pref is None:
        pref = NotificationPreference(user_id=user_id)
        db.session.add(pref)
    pref.email_enabled = enabled
    db.session.flush()
    return pref


def list_deliveries(*, status: str | None = None, limit: int = 200) -> list[Delivery]:
    query = sa.select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc())
    if status:
        query = query.where(Delivery.status == status)
    return list(db.session.execute(query.limit(limit)).scalars())
