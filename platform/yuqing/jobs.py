"""Running code in RQ workers: one app per worker process, a tenant scope per job.

Jobs take ids, never ORM objects, with ``tenant_id`` first (STYLE 5); they re-read state and
are safe to run twice. ``tenant_job`` commits once at the end, like a route.
"""

from __future__ import annotations

import functools
import os
from datetime import datetime

import redis
from flask import Flask, current_app, has_app_context
from rq import Queue

from yuqing.extensions import db
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

QUEUES = ("default", "deadlines", "notifications", "pdf")

_worker_app: Flask | None = None


def _app() -> Flask:
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from yuqing.app import create_app

        _worker_app = create_app()
    return _worker_app


def redis_connection(app: Flask | None = None) -> redis.Redis:
    app = app or _app()
    url = app.config["REDIS_URL"]
    if url.startswith("unix://"):
        return redis.Redis(unix_socket_path=url.removeprefix("unix://"))
    return redis.Redis.from_url(url)


def get_queue(name: str = "default", app: Flask | None = None) -> Queue:
    app = app or _app()
    return Queue(name, connection=redis_connection(app), is_async=app.config["RQ_IS_ASYNC"])


_pool_pid: int | None = None


def _forget_inherited_connections() -> None:
    """RQ runs each job in a forked child: database connections copied from the parent must
    not be used by both processes, so the child starts with an empty pool (SQLAlchemy's
    recipe for multiprocessing; ``close=False`` leaves the parent's sockets alone)."""
    global _pool_pid
    if _pool_pid != os.getpid():
        db.engine.dispose(close=False)
        _pool_pid = os.getpid()


def _run(scope, func, args, kwargs):
    # A fresh app context per job: its own database session, as a request has.
    with _app().app_context():
        _forget_inherited_connections()
        try:
            with scope:
                try:
                    result = func(*args, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
        finally:
            db.session.remove()


def tenant_job(func):
    """A job of one tenant: ``func(tenant_id, …)`` runs inside that tenant's scope."""

    @functools.wraps(func)
    def wrapper(tenant_id: int, *args, **kwargs):
        return _run(tenant_scope(tenant_id), func, (tenant_id, *args), kwargs)

    return wrapper


def platform_job(func):
    """A job across tenants (the sweeper, the digest scheduler): scope explicitly disabled."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _run(tenant_scope_disabled(), func, args, kwargs)

    return wrapper


def enqueue(
    queue_name: str, func, *args, job_id: str | None = None, at: datetime | None = None, **kwargs
):
    queue = get_queue(queue_name)
    options = {"job_id": job_id, "retry": None}
    from rq import Retry

    options["retry"] = Retry(max=5, interval=[10, 30, 60, 300, 900])
    if at is not None:
        return queue.enqueue_at(at, func, *args, **options, **kwargs)
    return queue.enqueue(func, *args, **options, **kwargs)
