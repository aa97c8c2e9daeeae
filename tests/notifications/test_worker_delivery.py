"""The whole chain on a real worker: a deadline timer fires, the breach notifies, and the
delivery job posts to the tenant's webhook (a local HTTP server)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Worker

from yuqing.db_types import utcnow
from yuqing.deadlines import operations as ops
from yuqing.extensions import db
from yuqing.incidents.models import Incident
from yuqing.notifications.models import Delivery
from yuqing.notifications.operations import save_channel
from yuqing.tenancy.scope import tenant_scope


def _wait(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@pytest.mark.timeout(120)
def test_breach_is_delivered_to_the_webhook_by_a_worker(app, make, redis_client, webhook_server):
    tenant = make.tenant("chain", plugin="school")
    make.user(tenant, roles=("office",), email="office@example.cn")
    with tenant_scope(tenant.id):
        save_channel(
            name="值班群", url=webhook_server.url, format="json", kinds=["deadline_breach"]
        )
        db.session.commit()
    child = subprocess.Popen(
        [sys.executable, "-m", "yuqing.cli", "worker"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert _wait(
            lambda: (
                Worker.all(connection=redis_client)
                and redis_client.exists("rq:scheduler-lock:deadlines")
            ),
            timeout=30,
        )
        due = utcnow() + timedelta(seconds=2)
        incident_id = make.deadline_incident(
            tenant, title="食堂问题", discovered_at=due - timedelta(minutes=30)
        )
        with tenant_scope(tenant.id):
            ops.sync_deadlines(db.session.get(Incident, incident_id), now=utcnow())
            db.session.commit()
        assert _wait(
            lambda: any("【已超时】食堂问题" in r.json()["title"] for r in webhook_server.requests),
            timeout=20,
        )
        with tenant_scope(tenant.id):
            db.session.rollback()
            statuses = db.session.execute(
                sa.select(Delivery.channel, Delivery.status).order_by(Delivery.id)
            ).all()
        # The webhook went out; the e-mail is logged too (no SMTP server here: it is retried,
        # never dropped).
        assert ("webhook", "delivered") in statuses
        assert any(channel == "email" for channel, _ in statuses)
    finally:
        child.terminate()
        child.wait(timeout=15)
