"""Timers on a real Redis with a real worker process (``yuqing worker``) and ``yuqing cron``.

The app fixture exports the database and Redis URLs into ``os.environ``, so the child
processes see the same data as the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue, Worker

from yuqing.db_types import utcnow
from yuqing.deadlines import jobs
from yuqing.deadlines import operations as ops
from yuqing.deadlines.models import AccountabilityEntry, Deadline
from yuqing.extensions import db
from yuqing.incidents.models import Incident
from yuqing.tenancy.scope import tenant_scope


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "yuqing.cli", *args],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _wait(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture
def worker(app, redis_client):
    child = _spawn("worker")
    # Ready once registered and its scheduler holds the lock of the deadlines queue.
    ready = _wait(
        lambda: (
            Worker.all(connection=redis_client)
            and redis_client.exists("rq:scheduler-lock:deadlines")
        ),
        timeout=30,
    )
    if not ready:
        _stop(child)
        pytest.fail(f"worker did not start: {child.stderr.read().decode()[-2000:]}")
    yield child
    _stop(child)


def _deadline(tenant_id: int, deadline_id: int) -> dict:
    """The row as plain values, read inside the scope (row-level security hides it outside)."""
    with app_scope(tenant_id):
        row = db.session.get(Deadline, deadline_id)
        return {"breached_at": row.breached_at, "due_at": row.due_at}


class app_scope:  # noqa: N801 - reads like tenant_scope
    def __init__(self, tenant_id: int) -> None:
        self.scope = tenant_scope(tenant_id)

    def __enter__(self):
        db.session.rollback()  # a fresh transaction sees the worker's commits
        return self.scope.__enter__()

    def __exit__(self, *exc):
        db.session.rollback()
        return self.scope.__exit__(*exc)


def _report_deadline_due_in(make, tenant, seconds: float) -> tuple[int, int]:
    """An incident whose 30-minute report deadline falls ``seconds`` from now; timers set."""
    due = utcnow() + timedelta(seconds=seconds)
    incident_id = make.deadline_incident(tenant, discovered_at=due - timedelta(minutes=30))
    with tenant_scope(tenant.id):
        incident = db.session.get(Incident, incident_id)
        rows = {r.stage: r for r in ops.sync_deadlines(incident, now=utcnow())}
        deadline_id = rows["report"].id
        db.session.commit()  # the after-commit hook schedules the RQ timers
    return incident_id, deadline_id


def _counts(tenant_id: int, deadline_id: int) -> tuple[int, int]:
    with app_scope(tenant_id):
        breached = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Deadline)
            .where(Deadline.id == deadline_id, Deadline.breached_at.is_not(None))
        ).scalar()
        entries = db.session.execute(
            sa.select(sa.func.count())
            .select_from(AccountabilityEntry)
            .where(AccountabilityEntry.deadline_id == deadline_id)
        ).scalar()
    return breached, entries


@pytest.mark.timeout(120)
def test_a_timer_fires_within_two_seconds_of_due(make, worker, redis_client):
    tenant = make.tenant("timer-a", plugin="school")
    _, deadline_id = _report_deadline_due_in(make, tenant, 4)
    queue = Queue("deadlines", connection=redis_client)
    assert f"deadline-{tenant.id}-{deadline_id}-due" in queue.scheduled_job_registry.get_job_ids()

    row = _wait(lambda: (d := _deadline(tenant.id, deadline_id))["breached_at"] and d, timeout=15)
    assert row, "the due timer never fired"
    lag = (row["breached_at"] - row["due_at"]).total_seconds()
    assert 0 <= lag < 2, f"breach recorded {lag:.2f}s after due"
    assert _counts(tenant.id, deadline_id) == (1, 1)


@pytest.mark.timeout(120)
def test_the_breach_job_twice_plus_the_sweeper_record_one_breach(make, worker, redis_client):
    tenant = make.tenant("timer-b", plugin="school")
    _, deadline_id = _report_deadline_due_in(make, tenant, -5)  # already overdue
    queue = Queue("deadlines", connection=redis_client)
    enqueued = [
        queue.enqueue(jobs.deadline_due, tenant.id, deadline_id, job_id="dup-1"),
        queue.enqueue(jobs.deadline_due, tenant.id, deadline_id, job_id="dup-2"),
        queue.enqueue(jobs.sweep, job_id="sweep-1"),
    ]
    finished = _wait(
        lambda: all(j.get_status(refresh=True) in ("finished", "failed") for j in enqueued),
        timeout=30,
    )
    assert finished
    assert [j.get_status() for j in enqueued] == ["finished"] * 3
    assert _counts(tenant.id, deadline_id) == (1, 1)


@pytest.mark.timeout(120)
def test_after_redis_is_flushed_the_sweeper_still_records_the_breach(
    make, worker, redis_client, app
):
    tenant = make.tenant("timer-c", plugin="school")
    _, deadline_id = _report_deadline_due_in(make, tenant, 2)
    redis_client.flushdb()  # every scheduled timer is gone
    time.sleep(3)
    assert _counts(tenant.id, deadline_id) == (0, 0)

    # ``yuqing cron`` enqueues the sweeper at once on start, then every minute.
    cron = _spawn("cron")
    try:
        done = _wait(lambda: _counts(tenant.id, deadline_id) == (1, 1), timeout=30, interval=0.3)
    finally:
        _stop(cron)
    assert done, f"sweeper did not record the breach: {cron.stderr.read().decode()[-2000:]}"
