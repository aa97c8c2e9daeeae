"""Signals other domains subscribe to (the deadlines domain recomputes deadlines on them).

Both are sent inside the operation, after the change is flushed, in the same transaction:

* ``incident_created(incident)``
* ``incident_changed(incident, action=str, actor=Actor, at=datetime, statement_kind=str|None)``
  where ``action`` is a lifecycle action name, ``"publish_statement"``, ``"metrics"`` or
  ``"grade_rise"``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

incident_created = _signals.signal("incident-created")
incident_changed = _signals.signal("incident-changed")
