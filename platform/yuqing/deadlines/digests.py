"""Scheduled digests from the policy's report schedule (篇五 D12: every day at 17:00, the day's
items as 「标题+链接地址」).

The minute sweeper asks :func:`build_due_digests` for every tenant; the latest period whose end
has passed is built once (unique ``(tenant, schedule, period_start)``), numbered (期数) and sent
to its recipients. Periods are computed in the tenant's time zone, so a 17:00 digest fires at
17:00 Asia/Shanghai (09:00 UTC), not at 17:00 UTC. Only the latest period is built: a platform
that was down for three days sends one catch-up issue, not three.

Supported ``when``: ``daily@HH:MM``, ``weekly@Mon`` (the previous week, from Monday 00:00),
``monthly@month_end``, ``quarterly@quarter_end``, ``semiannual`` and ``annual@MM-DD``.
Campaign date lists (``dates@…``) are deadlines of a campaign, not digests, and are skipped.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yuqing.db_types import utcnow
from yuqing.deadlines.models import Digest
from yuqing.extensions import db
from yuqing.policy.labels import WEEKDAYS, parse_when
from yuqing.tenancy.models import Tenant

log = logging.getLogger(__name__)

_WEEKDAY_INDEX = {name: index for index, name in enumerate(WEEKDAYS)}


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def _month_start(year: int, month: int) -> date:
    while month < 1:
        month += 12
        year -= 1
    while month > 12:
        month -= 12
        year += 1
    return date(year, month, 1)


def latest_period(when: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """``(start, end)`` in UTC of the latest period of ``when`` that has ended by ``now``."""
    kind = parse_when(when)
    arg = when.partition("@")[2]
    local = now.astimezone(tz)
    if kind == "daily":
        hour, minute = (int(part) for part in arg.split(":"))
        end = datetime.combine(local.date(), time(hour, minute), tzinfo=tz)
        if end > local:
            end = datetime.combine(local.date() - timedelta(days=1), time(hour, minute), tzinfo=tz)
        start = datetime.combine(end.date() - timedelta(days=1), time(hour, minute), tzinfo=tz)
    elif kind == "weekly":
        back = (local.weekday() - _WEEKDAY_INDEX[arg]) % 7
        end = _local_midnight(local.date() - timedelta(days=back), tz)
        start = _local_midnight(end.date() - timedelta(days=7), tz)
    elif kind == "monthly":
        end = _local_midnight(_month_start(local.year, local.month), tz)
        start = _local_midnight(_month_start(local.year, local.month - 1), tz)
    elif kind == "quarterly":
        first_month = 3 * ((local.month - 1) // 3) + 1
        end = _local_midnight(_month_start(local.year, first_month), tz)
        start = _local_midnight(_month_start(local.year, first_month - 3), tz)
    elif kind == "semiannual":
        first_month = 1 if local.month <= 6 else 7
        end = _local_midnight(_month_start(local.year, first_month), tz)
        start = _local_midnight(_month_start(local.year, first_month - 6), tz)
    elif kind == "annual":
        month, day = (int(part) for part in arg.split("-"))
        end = _local_midnight(date(local.year, month, day), tz)
        if end > local:
            end = _local_midnight(date(local.year - 1, month, day), tz)
        start = _local_midnight(date(end.year - 1, month, day), tz)
    else:
        return None
    return start.astimezone(UTC), end.astimezone(UTC)


def digest_items(start: datetime, end: datetime) -> list[dict]:
    """Incidents discovered in ``[start, end)`` as 「标题+链接地址」 (the first post's link)."""
    from yuqing.incidents.models import Incident
    from yuqing.signals.models import Signal

    incidents = (
        db.session.execute(
            sa.select(Incident)
            .where(Incident.discovered_at >= start, Incident.discovered_at < end)
            .order_by(Incident.discovered_at, Incident.id)
        )
        .scalars()
        .all()
    )
    items = []
    for incident in incidents:
        link = db.session.execute(
            sa.select(Signal.url)
            .where(Signal.incident_id == incident.id)
            .order_by(Signal.id)
            .limit(1)
        ).scalar()
        items.append(
            {
                "incident_id": incident.id,
                "title": incident.title,
                "url": link or "",
                "grade": incident.grade_label,
                "severity": incident.severity,
                "state": incident.state,
                "discovered_at": incident.discovered_at.astimezone(UTC).isoformat(),
            }
        )
    return items


def _next_issue_no(key: str) -> int:
    current = db.session.execute(
        sa.select(sa.func.max(Digest.issue_no)).where(Digest.schedule_key == key)
    ).scalar()
    return (current or 0) + 1


def build_due_digests(tenant: Tenant, *, now: datetime | None = None) -> list[Digest]:
    """Build every digest of the tenant in scope whose latest period has ended and is not built."""
    from yuqing.policy import get_plugin

    now = now or utcnow()
    if not tenant.policy_key:
        return []
    plugin = get_plugin(tenant.policy_key)
    params = plugin.resolve_params(tenant.policy_params or {})
    tz = ZoneInfo(tenant.timezone or "Asia/Shanghai")
    built = []
    for rule in plugin.report_schedule(params):
        period = latest_period(rule.when, now, tz)
        if period is None:
            continue
        start, end = period
        exists = db.session.execute(
            sa.select(Digest.id).where(
                Digest.schedule_key == rule.key, Digest.period_start == start
            )
        ).scalar()
        if exists:
            continue
        digest = Digest(
            tenant_id=tenant.id,
            schedule_key=rule.key,
            label_zh=rule.label_zh,
            rule_source=rule.source,
            schedule_when=rule.when,
            period_start=start,
            period_end=end,
            issue_no=_next_issue_no(rule.key),
            items=digest_items(start, end),
            recipients=list(rule.recipients),
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(digest)
        except sa.exc.IntegrityError:
            # Another sweeper built it first; the unique constraint makes this the only check
            # that matters under concurrency.
            log.info("digest %s %s already built", rule.key, start)
            continue
        _notify_recipients(tenant, digest, now)
        built.append(digest)
    return built


def digest_text(digest: Digest) -> str:
    if not digest.items:
        return "本期无新增舆情。"
    return "\n".join(
        f"{index}. {item['title']} {item['url']}".rstrip()
        for index, item in enumerate(digest.items, start=1)
    )


def _notify_recipients(tenant: Tenant, digest: Digest, now: datetime) -> None:
    from yuqing.notifications.operations import notify

    notify(
        tenant=tenant,
        kind="digest",
        title=f"{digest.label_zh}（第{digest.issue_no}期）",
        body=digest_text(digest),
        url=f"/t/{tenant.slug}/digests/{digest.id}",
        roles=tuple(digest.recipients),
        dedupe_key=f"digest:{digest.id}",
        now=now,
    )


def list_digests(*, key: str | None = None, limit: int = 50, offset: int = 0) -> list[Digest]:
    query = sa.select(Digest).order_by(Digest.period_end.desc(), Digest.id.desc())
    if key:
        query = query.where(Digest.schedule_key == key)
    return list(db.session.execute(query.limit(limit).offset(offset)).scalars())


def digest_dict(digest: Digest, tenant: Tenant) -> dict:
    tz = ZoneInfo(tenant.timezone or "Asia/Shanghai")
    return {
        "id": digest.id,
        "schedule_key": digest.schedule_key,
        "label_zh": digest.label_zh,
        "rule_source": digest.rule_source,
        "when": digest.schedule_when,
        "issue_no": digest.issue_no,
        "period_start": digest.period_start,
        "period_end": digest.period_end,
        "period_local": f"{digest.period_start.astimezone(tz):%Y-%m-%d %H:%M} — "
        f"{digest.period_end.astimezone(tz):%Y-%m-%d %H:%M}",
        "items": digest.items,
        "recipients": digest.recipients,
        "created_at": digest.created_at,
        "text": digest_text(digest),
    }
