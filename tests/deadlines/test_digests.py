"""Scheduled digests: built in the tenant's time zone, once per period, numbered, notified."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yuqing.deadlines.digests import build_due_digests, latest_period
from yuqing.deadlines.jobs import sweep_once
from yuqing.deadlines.models import Digest
from yuqing.extensions import db
from yuqing.notifications.models import Notification
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

SH = ZoneInfo("Asia/Shanghai")


def _build(tenant_id: int, now: datetime) -> list[dict]:
    with tenant_scope(tenant_id):
        built = build_due_digests(db.session.get(Tenant, tenant_id), now=now)
        result = [
            {
                "key": d.schedule_key,
                "issue_no": d.issue_no,
                "period_end": d.period_end,
                "items": d.items,
            }
            for d in built
        ]
        db.session.commit()
    return result


def test_the_1700_digest_fires_at_1700_shanghai_not_utc(make):
    tenant = make.tenant("digest-a", plugin="school")  # 《网络舆情通报》 daily@17:00 (篇八)
    leader = make.user(tenant, roles=("leader",))
    from yuqing.signals.models import Signal

    incident_id = make.deadline_incident(
        tenant, title="食堂饭菜有异物", discovered_at=datetime(2026, 10, 12, 10, 0, tzinfo=SH)
    )
    with tenant_scope(tenant.id):
        db.session.add(
            Signal(
                tenant_id=tenant.id,
                url="https://bbs.example.cn/t/1",
                canonical_url="https://bbs.example.cn/t/1",
                platform="论坛",
                title="食堂饭菜有异物",
                incident_id=incident_id,
            )
        )
        db.session.commit()

    # Yesterday's issue is the only one due before 17:00 local.
    first = _build(tenant.id, datetime(2026, 10, 12, 16, 58, tzinfo=SH))
    assert [d["period_end"] for d in first] == [datetime(2026, 10, 11, 9, 0, tzinfo=UTC)]
    assert _build(tenant.id, datetime(2026, 10, 12, 16, 59, 59, tzinfo=SH)) == []

    # 17:00 in Shanghai is 09:00 UTC: that is when today's issue is built.
    today = _build(tenant.id, datetime(2026, 10, 12, 9, 0, tzinfo=UTC))
    assert len(today) == 1
    assert today[0]["period_end"] == datetime(2026, 10, 12, 17, 0, tzinfo=SH)
    assert today[0]["issue_no"] == 2
    assert [(i["title"], i["url"]) for i in today[0]["items"]] == [
        ("食堂饭菜有异物", "https://bbs.example.cn/t/1")
    ]
    # 17:00 UTC (01:00 the next morning in Shanghai) builds nothing more.
    assert _build(tenant.id, datetime(2026, 10, 12, 17, 0, tzinfo=UTC)) == []

    with tenant_scope(tenant.id):
        titles = (
            db.session.execute(
                sa.select(Notification.title).where(
                    Notification.user_id == leader.id, Notification.kind == "digest"
                )
            )
            .scalars()
            .all()
        )
    assert titles == [
        "《网络舆情通报》（重大以上舆情，至消除为止）（第1期）",
        "《网络舆情通报》（重大以上舆情，至消除为止）（第2期）",
    ]


def test_the_sweeper_builds_each_digest_once(make):
    tenant = make.tenant("digest-b", plugin="school")
    now = datetime(2026, 10, 12, 9, 0, 30, tzinfo=UTC)
    with tenant_scope_disabled():
        sweep_once(now=now)
        sweep_once(now=now)
    with tenant_scope(tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Digest)).scalar() == 1


def test_digest_time_follows_the_tenant_timezone(make):
    tenant = make.tenant("digest-c", plugin="school", timezone="Asia/Urumqi")  # UTC+6
    built = _build(tenant.id, datetime(2026, 10, 12, 10, 59, tzinfo=UTC))
    assert built[0]["period_end"] == datetime(2026, 10, 11, 11, 0, tzinfo=UTC)
    built = _build(tenant.id, datetime(2026, 10, 12, 11, 0, tzinfo=UTC))
    assert built[0]["period_end"] == datetime(2026, 10, 12, 11, 0, tzinfo=UTC)


def test_periods_of_other_schedules():
    now = datetime(2026, 10, 14, 12, 0, tzinfo=SH)  # a Wednesday
    start, end = latest_period("weekly@Mon", now, SH)
    assert (start.astimezone(SH), end.astimezone(SH)) == (
        datetime(2026, 10, 5, tzinfo=SH),
        datetime(2026, 10, 12, tzinfo=SH),
    )
    start, end = latest_period("monthly@month_end", now, SH)
    assert (start.astimezone(SH), end.astimezone(SH)) == (
        datetime(2026, 9, 1, tzinfo=SH),
        datetime(2026, 10, 1, tzinfo=SH),
    )
    start, end = latest_period("quarterly@quarter_end", now, SH)
    assert end.astimezone(SH) == datetime(2026, 10, 1, tzinfo=SH)
    assert start.astimezone(SH) == datetime(2026, 7, 1, tzinfo=SH)
    start, end = latest_period("annual@12-20", now, SH)
    assert end.astimezone(SH) == datetime(2025, 12, 20, tzinfo=SH)
    assert latest_period("dates@02-21,02-25", now, SH) is None
