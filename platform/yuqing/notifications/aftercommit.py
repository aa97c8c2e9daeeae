"""Run side effects (Redis timers, delivery jobs) only once the database has committed.

A timer scheduled inside an open transaction could fire before the row it reads exists, or
for a row that is then rolled back. Operations therefore register callbacks here; they run
after the session commits and are dropped on rollback. A callback that fails (Redis down) is
logged and forgotten: the database is the source of truth and the minute sweeper re-creates
whatever timer or delivery job is missing (ARCHITECTURE §5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_KEY = "yuqing_after_commit"


def after_commit(session: Session, callback: Callable[[], None], key: str | None = None) -> None:
    """Call ``callback()`` after ``session`` commits; a later callback with the same ``key``
    replaces an earlier one (the last computed timer wins)."""
    pending: dict = session.info.setdefault(_KEY, {})
    if key is None:
        key = object()
    # Re-inserting moves the key to the end, so callbacks run in the order last registered.
    pending.pop(key, None)
    pending[key] = callback


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    pending: dict = session.info.pop(_KEY, {})
    for callback in pending.values():
        try:
            callback()
        except Exception:  # Redis unavailable, say: the sweeper catches up within a minute
            log.exception("after-commit callback failed; the sweeper will retry")


@event.listens_for(Session, "after_rollback")
def _drop_callbacks(session: Session) -> None:
    # A SAVEPOINT rollback leaves the outer transaction open; its callbacks stay (they re-read
    # state, so a spurious one is harmless). Only a rollback of the whole transaction drops them.
    if not session.in_transaction():
        session.info.pop(_KEY, None)
