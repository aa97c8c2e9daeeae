"""How a plugin declares its time limits: one :class:`DeadlineTable` per stage and clock,
with a limit for **every** grade.

A table must name each grade, even where the plan sets no limit (``None``): the conformance
check then catches a grade forgotten in a table, which is the commonest authoring slip.
Limits that the seed leaves as ``x``/``xx`` or as 「第一时间」 refer to a tenant parameter
(:class:`ParamHours`, :class:`ParamMinutes`, :class:`ParamWorkingDays`) and are substituted
when :meth:`PolicyPlugin.deadline_rules` resolves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from yuqing.policy.rules import Duration, EndOfDay, TimeOfDay, WorkingDays

_WITHIN_TYPES = (Duration, WorkingDays, EndOfDay, TimeOfDay)


def hours(n: float) -> Duration:
    return Duration(timedelta(hours=n))


def minutes(n: int) -> Duration:
    return Duration(timedelta(minutes=n))


@dataclass(frozen=True)
class ParamHours:
    """A calendar duration taken from an integer parameter, in hours."""

    name: str

    def resolve(self, params: dict) -> Duration:
        return hours(int(params[self.name]))


@dataclass(frozen=True)
class ParamMinutes:
    name: str

    def resolve(self, params: dict) -> Duration:
        return minutes(int(params[self.name]))


@dataclass(frozen=True)
class ParamWorkingDays:
    name: str

    def resolve(self, params: dict) -> WorkingDays:
        return WorkingDays(int(params[self.name]))


@dataclass(frozen=True)
class ParamTimeOfDay:
    """A fixed time of day from an ``"HH:MM"`` parameter (e.g. the 17:00 digest)."""

    name: str

    def resolve(self, params: dict) -> TimeOfDay:
        hour, minute = str(params[self.name]).split(":")
        return TimeOfDay(int(hour), int(minute))


PARAM_REFS = (ParamHours, ParamMinutes, ParamWorkingDays, ParamTimeOfDay)

#: Common seed words and the parameter each one stands for (digest §3.0).
FIRST_TIME = ParamMinutes("first_time_minutes")  # 「第一时间」
IMMEDIATE = ParamMinutes("immediate_minutes")  # 「立即」「立刻」「即刻」
GOLDEN_WINDOW = ParamHours("golden_window_hours")  # 「黄金xx小时」
REVIEW_DUE = ParamWorkingDays("review_due_working_days")


@dataclass(frozen=True)
class Limit:
    """A limit whose source differs from the table's (e.g. one grade is seed, others default)."""

    within: object
    source: str


@dataclass(frozen=True)
class DeadlineTable:
    """The limit of one stage, from one clock anchor, for every grade of the plan.

    ``limits`` maps each grade code to a ``Within``, a parameter reference, a :class:`Limit`
    or ``None`` (the plan sets no limit at that grade).
    """

    stage: str
    anchor: str
    actor_role: str
    label_zh: str
    label_en: str
    source: str
    limits: dict = field(default_factory=dict)

    def entry(self, grade_code: str) -> tuple[object, str] | None:
        """``(unresolved within, source)`` for a grade, or ``None`` where no limit applies."""
        value = self.limits[grade_code]
        if value is None:
            return None
        if isinstance(value, Limit):
            return value.within, value.source
        return value, self.source


def resolve_within(value, params: dict):
    if isinstance(value, PARAM_REFS):
        return value.resolve(params)
    return value


def is_within(value) -> bool:
    return isinstance(value, _WITHIN_TYPES)


def for_grades(grades, *, default=None, **by_code) -> dict:
    """Build a ``limits`` mapping naming every grade: ``by_code`` for some, ``default`` else.

    Spelling the grade codes out in a plugin (rather than relying on a wildcard) keeps the
    conformance check meaningful, so use this only where the plan really is uniform.
    """
    return {g.code: by_code.get(g.code, default) for g in grades}


def from_severity(grades, *, default=None, **by_severity) -> dict:
    """Like :func:`for_grades`, keyed by canonical severity (``S3=…, S4=…``)."""
    return {g.code: by_severity.get(g.severity, default) for g in grades}
