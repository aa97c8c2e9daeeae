"""Deadline jobs: timers of one tenant, and the minute sweeper across all tenants.

Jobs take ids (tenant first), re-read the row and are safe to run twice (STYLE 5).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import sqlalchemy as sa

from yuqing.db_types import utcnow
from yuqing.extensions import db
from yuqing.jobs import platform_job, tenant_job
from yuqing.tenancy.scope import tenant_scope

log = logging.getLogger(__name__)

#: RQ's scheduler polls once a second; a job whose clock runs a hair behind the database's
#: view of ``due_at`` waits this long rather than leaving the breach to the sweeper.
EARLY_FIRE_TOLERANCE = timedelta(seconds=2)


@tenant_job
def deadline_due(tenant_id: int, deadline_id: int) -> bool:
    from yuqing.deadlines.operations import _reload, breach_deadline

    row = _reload(deadline_id)
    if row is None or row.met_at is not None or row.breached_at is not None:
        return False
    early = row.due_at - utcnow()
    if timedelta(0) < early <= EARLY_FIRE_TOLERANCE:
        time.sleep(early.total_seconds())
    return breach_deadline(deadline_id, now=utcnow()) is not None


@tenant_job
def deadline_prewarn(tenant_id: int, deadline_id: int) -> bool:
    from yuqing.deadlines.operations import prewarn_deadline

    return prewarn_deadline(deadline_id, now=utcnow()) is not None


@tenant_job
def deadline_escalate(tenant_id: int, deadline_id: int, level: int) -> bool:
    from yuqing.deadlines.operations import escalate_deadline

    return escalate_deadline(deadline_id, level, now=utcnow())


def sweep_once(*, now=None) -> dict[str, int]:
    """One pass of the sweeper over every active tenant; each tenant in its own transaction.

    Runs with the scope disabled only to list the tenants, then handles each tenant inside
    its own scope, so a bug in one tenant's data cannot write into another's.
    """
    from yuqing.deadlines.digests import build_due_digests
    from yuqing.deadlines.operations import sweep_tenant_deadlines
    from yuqing.notifications.operations import sweep_tenant_deliveries
    from yuqing.tenancy.models import Tenant

    now = now or utcnow()
    tenant_ids = (
        db.session.execute(
            sa.select(Tenant.id).where(Tenant.is_active.is_(True)).order_by(Tenant.id)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    totals: dict[str, int] = {}
    for tenant_id in tenant_ids:
        try:
            with tenant_scope(tenant_id):
                counts = sweep_tenant_deadlines(now=now)
                counts["digests"] = len(
                    build_due_digests(db.session.get(Tenant, tenant_id), now=now)
                )
                counts["deliveries"] = sweep_tenant_deliveries(now=now)
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("sweeper failed for tenant %s", tenant_id)
            continue
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    return totals


@platform_job
def sweep() -> dict[str, int]:
    """The ``rq cron`` entry point (every minute, see ``yuqing/cron_config.py``)."""
    return sweep_once()
