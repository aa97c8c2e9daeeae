"""The deadline engine listens to the incident lifecycle (``yuqing.incidents.hooks``).

Signals arrive inside the lifecycle operation, after its change is flushed, so deadlines are
recomputed in the same transaction and their timers are scheduled only after it commits.
"""

from __future__ import annotations

from yuqing.incidents.hooks import incident_changed, incident_created


@incident_created.connect
def _on_incident_created(incident, **_kwargs) -> None:
    from yuqing.deadlines.operations import sync_deadlines

    sync_deadlines(incident, now=_kwargs.get("at"))


@incident_changed.connect
def _on_incident_changed(
    incident, *, action: str | None = None, at=None, statement_kind: str | None = None, **_kwargs
) -> None:
    from yuqing.deadlines.operations import sync_deadlines

    sync_deadlines(incident, now=at, action=action, statement_kind=statement_kind, at=at)
