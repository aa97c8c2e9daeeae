"""RQ timers of a deadline: deterministic job ids, scheduled or cancelled after commit.

Ids (tenant first, so one tenant's timers can be found and wiped; RQ 3 allows only letters,
digits, ``-`` and ``_`` in a job id, hence dashes rather than colons):

* ``deadline-<tenant>-<deadline>-due`` — the breach check at ``due_at``;
* ``deadline-<tenant>-<deadline>-warn50`` — a pre-warning at 50 % of the window;
* ``deadline-<tenant>-<deadline>-escalate2`` — the ladder's second step, and so on.

Re-scheduling under the same id moves the timer (a grade rise); a met or acknowledged deadline
has its timers deleted. A timer that fires anyway, or twice, is harmless: the job re-reads the
row and does nothing unless there is something to do.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from rq.exceptions import NoSuchJobError
from rq.job import Job

from yuqing.extensions import db
from yuqing.notifications.aftercommit import after_commit

log = logging.getLogger(__name__)

QUEUE = "deadlines"


def due_job_id(tenant_id: int, deadline_id: int) -> str:
    return f"deadline-{tenant_id}-{deadline_id}-due"


def warn_job_id(tenant_id: int, deadline_id: int, fraction: float) -> str:
    return f"deadline-{tenant_id}-{deadline_id}-warn{round(fraction * 100)}"


def escalate_job_id(tenant_id: int, deadline_id: int, level: int) -> str:
    return f"deadline-{tenant_id}-{deadline_id}-escalate{level}"


@dataclass(frozen=True)
class TimerPlan:
    """Plain values captured in the transaction; the ORM row is expired after commit."""

    tenant_id: int
    deadline_id: int
    handled: bool
    breached: bool
    due_at: datetime
    warnings: tuple[tuple[float, datetime], ...]
    all_fractions: tuple[float, ...]
    escalation_level: int
    next_escalation_at: datetime | None


def schedule_after_commit(plan: TimerPlan) -> None:
    after_commit(db.session(), lambda: apply_plan(plan), key=f"timers:{plan.deadline_id}")


def _cancel(connection, job_id: str) -> None:
    with contextlib.suppress(NoSuchJobError):
        Job.fetch(job_id, connection=connection).delete()


def apply_plan(plan: TimerPlan) -> None:
    from yuqing.deadlines import jobs
    from yuqing.jobs import enqueue, redis_connection

    connection = redis_connection()
    t, d = plan.tenant_id, plan.deadline_id
    warn_ids = {warn_job_id(t, d, f) for f in plan.all_fractions}
    if plan.handled:
        for job_id in (
            due_job_id(t, d),
            *warn_ids,
            escalate_job_id(t, d, plan.escalation_level + 1),
        ):
            _cancel(connection, job_id)
        return
    if not plan.breached:
        enqueue(QUEUE, jobs.deadline_due, t, d, job_id=due_job_id(t, d), at=plan.due_at)
        pending = set()
        for fraction, at in plan.warnings:
            job_id = warn_job_id(t, d, fraction)
            pending.add(job_id)
            enqueue(QUEUE, jobs.deadline_prewarn, t, d, job_id=job_id, at=at)
        for job_id in warn_ids - pending:
            _cancel(connection, job_id)
        return
    for job_id in warn_ids:
        _cancel(connection, job_id)
    if plan.next_escalation_at is not None:
        level = plan.escalation_level + 1
        enqueue(
            QUEUE,
            jobs.deadline_escalate,
            t,
            d,
            level,
            job_id=escalate_job_id(t, d, level),
            at=plan.next_escalation_at,
        )
