"""Delivery jobs (queue ``notifications``): one attempt per run; retries are new timers."""

from __future__ import annotations

from yuqing.jobs import tenant_job


@tenant_job
def deliver(tenant_id: int, delivery_id: int) -> str | None:
    from yuqing.notifications.operations import attempt_delivery

    return attempt_delivery(delivery_id)
