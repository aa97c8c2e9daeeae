"""The vocabulary of policy rules, shared by plugins (which declare them) and the host (which
computes deadlines, checks approvals and escalates with them).

Everything here is plain, frozen data so that a rule can be stored in an incident's policy
snapshot and compared years later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

#: Clock anchors a deadline can start from (digest §3.0).
ANCHORS = (
    "posted_at",  # 网民发帖: the netizen's posting time
    "discovered_at",  # 发现: when a monitor or the platform found the post
    "occurred_at",  # 舆情发生: when the incident occurred
    "slip_received_at",  # 联系单 received by the involved unit
    "assessed_at",  # office assessment (研判/定级)
    "closed_at",  # 办结: the matter was closed (resolved)
    "subsided_at",  # 消除/趋于平稳
)

#: Lifecycle stages a deadline can bind; each is met by the action of the same name, except
#: ``holding_reply`` and ``respond``, met by publishing a statement of that kind.
STAGES = (
    "report",  # 报送: monitor → office
    "assess",  # 研判/定级
    "notify_up",  # 上报: upward express report (快报)
    "dispatch",  # 交办: send the 联系单
    "acknowledge",  # unit acknowledges the 联系单
    "verify",  # 核实: unit returns the verification result
    "holding_reply",  # 首次回应/跟帖
    "respond",  # formal reply / press release
    "resolve",  # 处置/办结
    "review",  # 总结评估
)

#: Kinds of outward statement (统一口径).
STATEMENT_KINDS = ("holding_reply", "reply", "press_release")

#: Actions of the incident lifecycle, checked against a plugin's role table.
ACTIONS = (
    "create",
    "report",
    "assess",
    "notify_up",
    "dispatch",
    "acknowledge",
    "verify",
    "resolve",
    "track",
    "subside",
    "review",
    "archive",
    "escalate",
    "downgrade",
    "refer",
    "reopen",
    "draft_statement",
    "approve_statement",
    "publish_statement",
    "record_finding",
)

SEVERITIES = ("S0", "S1", "S2", "S3", "S4")


# --- how long: the ``within`` of a deadline rule --------------------------------------------


@dataclass(frozen=True)
class Duration:
    """Calendar time, nights, rest days and holidays included (「小时」, 「分钟」)."""

    delta: timedelta

    def describe_zh(self) -> str:
        minutes = int(self.delta.total_seconds() // 60)
        if minutes % 60 == 0:
            return f"{minutes // 60} 小时内"
        return f"{minutes} 分钟内"


@dataclass(frozen=True)
class WorkingDays:
    """Working days of the tenant's calendar (statutory holidays and 调休 make-up days)."""

    days: int

    def describe_zh(self) -> str:
        return f"{self.days} 个工作日内"


@dataclass(frozen=True)
class EndOfDay:
    """「当日」/「办结之日」: before the end of the anchor's local calendar day."""

    def describe_zh(self) -> str:
        return "当日内"


@dataclass(frozen=True)
class TimeOfDay:
    """A fixed local time of day: the next ``hour:minute`` at or after the anchor."""

    hour: int
    minute: int = 0

    def describe_zh(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d} 前"


Within = Duration | WorkingDays | EndOfDay | TimeOfDay


@dataclass(frozen=True)
class DeadlineRule:
    """One time limit of a plan, resolved against the tenant's parameters."""

    stage: str
    anchor: str
    within: Within
    #: Canonical role that must meet the deadline (and answers for missing it).
    actor_role: str
    label_zh: str
    label_en: str
    #: Where the rule comes from: 「篇二」 and the digest's id (e.g. "篇二 D09"), or "default".
    source: str


@dataclass(frozen=True)
class EscalationLadder:
    """Who is notified, in order, when a deadline is breached, and how often it repeats."""

    steps: tuple[str, ...]
    cadence: timedelta = timedelta(minutes=30)
    source: str = "default"


@dataclass(frozen=True)
class ScheduleRule:
    """A recurring document: ``daily@17:00``, ``weekly@Mon``, ``monthly@month_end`` …"""

    key: str
    when: str
    recipients: tuple[str, ...]
    label_zh: str
    label_en: str
    source: str = "default"
    #: Item format of a digest, e.g. 「标题+链接地址」 (篇五).
    item_format: str = "title_link"


@dataclass(frozen=True)
class Grade:
    code: str
    label_zh: str
    label_en: str
    #: Canonical ordinal severity S0–S4 (digest §2a); comparisons use this, never labels.
    severity: str
    description_zh: str = ""

    @property
    def rank(self) -> int:
        return SEVERITIES.index(self.severity)


@dataclass(frozen=True)
class Role:
    key: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Category:
    code: str
    label_zh: str
    label_en: str
    handling_zh: str = ""
    source: str = ""


@dataclass(frozen=True)
class ApprovalRule:
    """Statements of ``kinds`` for an incident of ``grades`` need approval by every role listed."""

    grades: tuple[str, ...]
    kinds: tuple[str, ...]
    approver_roles: tuple[str, ...]
    source: str = "default"
