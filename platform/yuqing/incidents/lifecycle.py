"""The incident state machine (digest §2d) as data: which action is allowed in which state,
and where it leads. Role checks live in ``operations.py``; this table knows no roles.

After dispatch two tracks run in parallel (「双处置」): the offline track is the state
(dispatched → verifying → verified → resolved), the online track is the incident's statements,
which may be drafted and published in any of ``STATEMENT_OPEN_STATES`` — a holding reply is
allowed before verification ends.
"""

from __future__ import annotations

from yuqing.incidents.models import STATES

#: States in which an incident is still being handled (every state but archived).
ACTIVE_STATES = tuple(s for s in STATES if s != "archived")

#: States in which statements can be drafted, approved and published (from assessed on).
STATEMENT_OPEN_STATES = (
    "assessed",
    "dispatched",
    "verifying",
    "verified",
    "resolved",
    "tracking",
    "subsided",
)

#: action → (states it is allowed in, the state it leads to or ``None`` to stay).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "report": (("detected",), "reported"),  # T2
    "assess": (("reported",), "assessed"),  # T3
    # T4 上报: a milestone, not a state, because the plans demand it as early as discovery
    # (篇十八: 10 minutes) and also after grading (篇四, 篇六); it may be repeated.
    "notify_up": (ACTIVE_STATES, None),
    "dispatch": (("assessed",), "dispatched"),  # T5: 联系单
    "acknowledge": (("dispatched",), "verifying"),  # T6
    "verify": (("verifying",), "verified"),  # T6/T7: result returned
    "resolve": (("verified",), "resolved"),  # T10: 办结
    "track": (("resolved",), "tracking"),  # T11
    "subside": (("tracking",), "subsided"),  # T12
    "review": (("subsided",), "reviewed"),  # T13
    "archive": (("subsided", "reviewed"), "archived"),  # T14 (S3/S4 need a review)
    "escalate": (ACTIVE_STATES, None),  # E1
    "downgrade": (ACTIVE_STATES, None),
    "refer": (ACTIVE_STATES, None),  # E2/E3
    "reopen": (("subsided", "reviewed", "archived"), "assessed"),  # E4: handle it again
}

ACTION_NAMES = tuple(TRANSITIONS)


def actions_allowed_in(state: str) -> list[str]:
    return [action for action, (states, _) in TRANSITIONS.items() if state in states]


def target_state(action: str, state: str) -> str:
    to = TRANSITIONS[action][1]
    return state if to is None else to
