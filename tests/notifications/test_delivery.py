"""Notifications end to end: inbox rows, e-mail through a local SMTP server, webhooks to a
local HTTP server (including a failing receiver that is retried), quiet hours, the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from rq import Queue

from tests.conftest import login
from tests.factories import PASSWORD
from yuqing.accounts.models import User
from yuqing.extensions import db
from yuqing.notifications import operations as ops
from yuqing.notifications.models import Delivery, Notification
from yuqing.notifications.transports import verify_signature
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

SH = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 10, 12, 12, 0, tzinfo=SH)


@pytest.fixture
def smtp_config(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", smtp_server.host)
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    monkeypatch.setitem(app.config, "MAIL_FROM", "舆情平台 <noreply@example.cn>")
    monkeypatch.setitem(app.config, "BASE_URL", "https://yuqing.example.cn")
    return smtp_server


@pytest.fixture
def tenant(make):
    return make.tenant("notify-a", plugin="school")


def _notify(tenant, **kwargs) -> list[int]:
    with tenant_scope(tenant.id):
        kwargs.setdefault("kind", "deadline_breach")
        kwargs.setdefault("title", "【已超时】食堂问题：首次回应")
        kwargs.setdefault("body", "「首次回应」已超时 5分钟。")
        kwargs.setdefault("url", f"/t/{tenant.slug}/incidents/1")
        ops.notify(tenant=db.session.get(Tenant, tenant.id), **kwargs)
        db.session.commit()
        return db.session.execute(sa.select(Delivery.id).order_by(Delivery.id)).scalars().all()


def _attempt(tenant, delivery_id, now):
    with tenant_scope(tenant.id):
        status = ops.attempt_delivery(delivery_id, now=now)
        db.session.commit()
        row = db.session.get(Delivery, delivery_id)
        return status, {c.key: getattr(row, c.key) for c in Delivery.__table__.c}


def test_email_reaches_the_smtp_server_and_the_inbox(tenant, make, smtp_config, redis_client):
    user = make.user(tenant, roles=("office",), email="wang@example.cn")
    [delivery_id] = _notify(tenant, roles=("office",), dedupe_key="deadline:1:escalate1")
    # The job was queued after commit.
    queued = Queue("notifications", connection=redis_client).get_job_ids()
    assert queued == [f"delivery-{tenant.id}-{delivery_id}-0"]

    status, row = _attempt(tenant, delivery_id, NOON)
    assert status == "delivered" and row["attempts"] == 1 and row["delivered_at"]
    [message] = smtp_config.messages
    assert message["To"] == "wang@example.cn"
    assert message["Subject"] == "【已超时】食堂问题：首次回应"
    body = message.get_content()
    assert (
        "已超时 5分钟" in body and f"https://yuqing.example.cn/t/{tenant.slug}/incidents/1" in body
    )
    # Running the job again sends nothing more.
    assert _attempt(tenant, delivery_id, NOON)[0] is None
    assert len(smtp_config.messages) == 1
    with tenant_scope(tenant.id):
        assert ops.unread_count(user.id) == 1


def test_the_same_dedupe_key_notifies_once(tenant, make):
    make.user(tenant, roles=("office",))
    first = _notify(tenant, roles=("office",), dedupe_key="digest:7")
    second = _notify(tenant, roles=("office",), dedupe_key="digest:7")
    assert first == second
    with tenant_scope(tenant.id):
        assert (
            db.session.execute(sa.select(sa.func.count()).select_from(Notification)).scalar() == 1
        )


def test_an_smtp_refusal_is_final_but_the_row_stays(tenant, make, smtp_config):
    make.user(tenant, roles=("office",), email="nobody@example.cn")
    smtp_config.reject_recipient("nobody@example.cn")
    [delivery_id] = _notify(tenant, roles=("office",))
    status, row = _attempt(tenant, delivery_id, NOON)
    assert status == "failed" and "550" in row["last_error"]
    # An admin sends it again once the address is fixed.
    smtp_config._rejected.clear()
    with tenant_scope(tenant.id):
        ops.retry_delivery(db.session.get(Delivery, delivery_id), now=NOON)
        db.session.commit()
    assert _attempt(tenant, delivery_id, NOON)[0] == "delivered"


def test_a_temporary_smtp_failure_is_retried(tenant, make, smtp_config):
    make.user(tenant, roles=("office",))
    smtp_config.queue_data_reply("451 4.3.0 Try again later")
    [delivery_id] = _notify(tenant, roles=("office",))
    status, row = _attempt(tenant, delivery_id, NOON)
    assert status == "retrying" and row["next_attempt_at"] == NOON + timedelta(seconds=30)
    assert _attempt(tenant, delivery_id, NOON + timedelta(seconds=30))[0] == "delivered"


def _webhook(tenant, **kwargs):
    with tenant_scope(tenant.id):
        channel = ops.save_channel(**kwargs)
        db.session.commit()
        return channel.id


def test_signed_json_webhook(tenant, make, webhook_server):
    _webhook(tenant, name="值班系统", url=webhook_server.url, format="json", secret="k3y")
    [delivery_id] = _notify(
        tenant,
        dedupe_key="digest:1",
        kind="digest",
        title="每日汇总（第1期）",
        body="1. 食堂问题 https://bbs.example.cn/t/1",
    )
    assert _attempt(tenant, delivery_id, NOON)[0] == "delivered"
    [request] = webhook_server.requests
    assert request.json()["title"] == "每日汇总（第1期）"
    assert verify_signature(
        "k3y",
        request.body,
        request.headers["x-yuqing-timestamp"],
        request.headers["x-yuqing-signature"],
    )


@pytest.mark.parametrize("fmt", ["wecom", "dingtalk"])
def test_group_bot_webhooks(tenant, webhook_server, fmt):
    secret = "SEC123" if fmt == "dingtalk" else None
    _webhook(
        tenant, name=fmt, url=f"{webhook_server.url}?key=secret-bot-key", format=fmt, secret=secret
    )
    [delivery_id] = _notify(tenant)
    status, row = _attempt(tenant, delivery_id, NOON)
    assert status == "delivered"
    assert "secret-bot-key" not in row["target"]  # bot keys stay out of the log
    body = webhook_server.requests[0].json()
    assert body["msgtype"] == "markdown"
    if fmt == "dingtalk":
        assert "sign" in webhook_server.requests[0].query


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    tenant, webhook_server, redis_client
):
    _webhook(tenant, name="hook", url=webhook_server.url, format="json")
    webhook_server.queue_response(503, b"busy")
    webhook_server.queue_response(502, b"bad gateway")
    [delivery_id] = _notify(tenant)

    status, row = _attempt(tenant, delivery_id, NOON)
    assert status == "retrying" and row["attempts"] == 1 and "503" in row["last_error"]
    assert row["next_attempt_at"] == NOON + timedelta(seconds=30)
    scheduled = Queue("notifications", connection=redis_client).scheduled_job_registry
    assert f"delivery-{tenant.id}-{delivery_id}-1" in scheduled.get_job_ids()
    # A timer that fires early does nothing.
    assert _attempt(tenant, delivery_id, NOON + timedelta(seconds=5))[0] is None

    status, row = _attempt(tenant, delivery_id, NOON + timedelta(seconds=30))
    assert status == "retrying" and row["attempts"] == 2
    assert row["next_attempt_at"] == NOON + timedelta(seconds=30 + 120)
    status, row = _attempt(tenant, delivery_id, NOON + timedelta(seconds=150))
    assert status == "delivered" and row["attempts"] == 3 and row["last_error"] is None
    assert len(webhook_server.requests) == 3


def test_a_receiver_that_never_recovers_ends_failed_and_stays_in_the_log(tenant, webhook_server):
    _webhook(tenant, name="hook", url=webhook_server.url, format="json")
    for _ in range(6):
        webhook_server.queue_response(500, b"down")
    [delivery_id] = _notify(tenant)
    now = NOON
    for _ in range(6):
        status, row = _attempt(tenant, delivery_id, now)
        now = row["next_attempt_at"] or now
    assert status == "failed" and row["attempts"] == 6
    with tenant_scope(tenant.id):
        assert [d.id for d in ops.list_deliveries(status="failed")] == [delivery_id]


def test_quiet_hours_defer_email_except_for_the_top_grades(tenant, make, smtp_config):
    user = make.user(tenant, roles=("office",))
    with tenant_scope_disabled():
        row = db.session.get(User, user.id)
        row.quiet_start, row.quiet_end = "22:00", "07:00"
        db.session.commit()
    night = datetime(2026, 10, 12, 23, 0, tzinfo=SH)
    [general] = _notify(tenant, roles=("office",), severity="S1", dedupe_key="a")
    status, row = _attempt(tenant, general, night)
    assert status == "deferred"
    assert row["next_attempt_at"] == datetime(2026, 10, 13, 7, 0, tzinfo=SH)
    assert smtp_config.messages == []
    [major] = _notify(tenant, roles=("office",), severity="S3", dedupe_key="b")[1:]
    assert _attempt(tenant, major, night)[0] == "delivered"
    assert _attempt(tenant, general, datetime(2026, 10, 13, 7, 0, tzinfo=SH))[0] == "delivered"
    assert len(smtp_config.messages) == 2


def test_the_sweeper_requeues_deliveries_lost_with_redis(tenant, make, redis_client):
    make.user(tenant, roles=("office",))
    [delivery_id] = _notify(tenant, roles=("office",))
    redis_client.flushdb()
    with tenant_scope(tenant.id):
        assert ops.sweep_tenant_deliveries(now=datetime.now(UTC)) == 0  # within the grace
        count = ops.sweep_tenant_deliveries(now=datetime.now(UTC) + timedelta(minutes=2))
        db.session.commit()
    assert count == 1
    assert Queue("notifications", connection=redis_client).get_job_ids() == [
        f"delivery-{tenant.id}-{delivery_id}-sweep0"
    ]


def test_inbox_page_settings_and_delivery_log(client, make, tenant):
    make.user(tenant, roles=("tenant_admin",), email="admin@example.cn")
    _notify(tenant, roles=("tenant_admin",))
    login(client, "admin@example.cn", PASSWORD)
    page = client.get(f"/t/{tenant.slug}/inbox").get_data(as_text=True)
    assert "未读 1" in page and "【已超时】食堂问题" in page
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page)
    client.post(f"/t/{tenant.slug}/inbox/read", data={"csrf_token": token})
    assert "未读 0" in client.get(f"/t/{tenant.slug}/inbox").get_data(as_text=True)
    log = client.get(f"/t/{tenant.slug}/admin/deliveries").get_data(as_text=True)
    assert "admin@example.cn" in log and "待发送" in log
    saved = client.post(
        f"/t/{tenant.slug}/settings/notifications",
        data={
            "csrf_token": token,
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "email_enabled": "1",
        },
    )
    assert saved.status_code == 302
    with tenant_scope_disabled():
        assert (
            db.session.execute(
                sa.select(User.quiet_start).where(User.email == "admin@example.cn")
            ).scalar()
            == "22:00"
        )


def test_delivery_api_is_for_tenant_admins_of_the_same_tenant(client, make, tenant):
    make.user(tenant, roles=("office",))
    [delivery_id] = _notify(tenant, roles=("office",))
    admin = {"Authorization": f"Bearer {make.api_key(tenant, roles=('tenant_admin',))}"}
    office = {"Authorization": f"Bearer {make.api_key(tenant, roles=('office',))}"}
    other = make.tenant("notify-b", plugin="school")
    other_admin = {"Authorization": f"Bearer {make.api_key(other, roles=('tenant_admin',))}"}
    assert [d["id"] for d in client.get("/api/v1/deliveries", headers=admin).get_json()] == [
        delivery_id
    ]
    assert client.get("/api/v1/deliveries", headers=office).status_code == 403
    assert client.get("/api/v1/deliveries", headers=other_admin).get_json() == []
    assert (
        client.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=other_admin).status_code
        == 404
    )
    created = client.post(
        "/api/v1/webhooks",
        headers=admin,
        json={
            "name": "钉钉群",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=x",
            "format": "dingtalk",
            "secret": "SEC",
        },
    )
    assert created.status_code == 201 and created.get_json()["has_secret"] is True
    assert "secret" not in created.get_json()
    assert client.get("/api/v1/webhooks", headers=other_admin).get_json() == []
