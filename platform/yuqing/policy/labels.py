"""Chinese (and English) labels for the rule vocabulary of ``rules.py``, and the grammar of a
report schedule's ``when``.

Kept apart from ``rules.py`` so that the frozen vocabulary stays data only; everything that
shows a rule to a person (``plugins show``, the tenant UI, PDFs) takes its words from here.
"""

from __future__ import annotations

import re

from yuqing.policy.rules import (
    Duration,
    EndOfDay,
    TimeOfDay,
    WorkingDays,
)

ANCHOR_LABELS = {
    "posted_at": ("网民发帖时间", "posting time"),
    "discovered_at": ("发现时间", "discovery time"),
    "occurred_at": ("舆情发生时间", "occurrence time"),
    "slip_received_at": ("收到舆情联系单时间", "dispatch slip received"),
    "assessed_at": ("研判定级时间", "assessment time"),
    "closed_at": ("办结时间", "closure time"),
    "subsided_at": ("消除/趋于平稳时间", "subsided time"),
}

STAGE_LABELS = {
    "report": ("报送", "report"),
    "assess": ("研判定级", "assess"),
    "notify_up": ("上报", "notify upward"),
    "dispatch": ("交办(舆情联系单)", "dispatch"),
    "acknowledge": ("签收", "acknowledge"),
    "verify": ("核实反馈", "verify"),
    "holding_reply": ("首次回应", "holding reply"),
    "respond": ("正式回应", "formal reply"),
    "resolve": ("处置办结", "resolve"),
    "review": ("总结评估", "review"),
}

ACTION_LABELS = {
    "create": ("登记舆情", "create"),
    "report": ("报送", "report"),
    "assess": ("研判定级", "assess"),
    "notify_up": ("上报", "notify up"),
    "dispatch": ("交办", "dispatch"),
    "acknowledge": ("签收联系单", "acknowledge"),
    "verify": ("反馈核实结果", "verify"),
    "resolve": ("处置办结", "resolve"),
    "track": ("跟踪", "track"),
    "subside": ("确认消除/平稳", "mark subsided"),
    "review": ("总结评估", "review"),
    "archive": ("归档", "archive"),
    "escalate": ("升级", "escalate"),
    "downgrade": ("降级", "downgrade"),
    "refer": ("移交", "refer"),
    "reopen": ("重新打开", "reopen"),
    "draft_statement": ("起草回应稿", "draft statement"),
    "approve_statement": ("审定回应稿", "approve statement"),
    "publish_statement": ("发布回应", "publish statement"),
    "record_finding": ("记录问责认定", "record finding"),
}

STATEMENT_KIND_LABELS = {
    "holding_reply": ("首次回应/跟帖", "holding reply"),
    "reply": ("网上回复稿", "reply"),
    "press_release": ("新闻通稿/发布会口径", "press release"),
}

SEVERITY_LABELS = {
    "S0": ("轻微", "minor"),
    "S1": ("一般", "general"),
    "S2": ("较大", "significant"),
    "S3": ("重大", "major"),
    "S4": ("特别重大", "extraordinary"),
}

#: Generic labels of the canonical roles; each plugin gives its plan's own wording.
CANONICAL_ROLE_LABELS = {
    "tenant_admin": ("租户管理员", "Tenant administrator"),
    "auditor": ("审计监督员", "Auditor"),
    "monitor": ("信息员", "Monitor"),
    "office": ("领导小组办公室", "Office"),
    "leader": ("组长/分管领导", "Leader"),
    "spokesperson": ("新闻发言人", "Spokesperson"),
    "unit_handler": ("涉事单位负责人/联络员", "Involved-unit handler"),
}


def within_zh(within) -> str:
    """「4 小时内」, 「3 个工作日内」, 「当日内」, 「17:00 前」."""
    if isinstance(within, Duration | WorkingDays | EndOfDay | TimeOfDay):
        return within.describe_zh()
    return str(within)


def within_json(within) -> dict:
    """A plain, JSON-able form of a ``Within`` (for ``describe()`` and snapshots)."""
    if isinstance(within, Duration):
        return {"type": "duration", "minutes": int(within.delta.total_seconds() // 60)}
    if isinstance(within, WorkingDays):
        return {"type": "working_days", "days": within.days}
    if isinstance(within, EndOfDay):
        return {"type": "end_of_day"}
    if isinstance(within, TimeOfDay):
        return {"type": "time_of_day", "hour": within.hour, "minute": within.minute}
    raise TypeError(f"not a deadline limit: {within!r}")


# --- schedule grammar -----------------------------------------------------------------------

WEEKDAYS = {
    "Mon": "一",
    "Tue": "二",
    "Wed": "三",
    "Thu": "四",
    "Fri": "五",
    "Sat": "六",
    "Sun": "日",
}

_HHMM = r"([01]\d|2[0-3]):([0-5]\d)"
_MMDD = r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_WHEN_PATTERNS = (
    ("daily", re.compile(rf"daily@{_HHMM}")),
    ("weekly", re.compile(r"weekly@(Mon|Tue|Wed|Thu|Fri|Sat|Sun)")),
    ("monthly", re.compile(r"monthly@month_end")),
    ("quarterly", re.compile(r"quarterly@quarter_end")),
    ("semiannual", re.compile(r"semiannual")),
    ("annual", re.compile(rf"annual@{_MMDD}")),
    ("dates", re.compile(rf"dates@{_MMDD}(,{_MMDD})*")),
)


def parse_when(when: str) -> str:
    """Return the kind of a schedule expression, or raise ``ValueError`` if it is malformed.

    Grammar (digest §3.0 calendar rules): ``daily@HH:MM``, ``weekly@Mon``,
    ``monthly@month_end``, ``quarterly@quarter_end``, ``semiannual``, ``annual@MM-DD`` and
    ``dates@MM-DD,MM-DD,…`` (campaign calendars).
    """
    for kind, pattern in _WHEN_PATTERNS:
        if pattern.fullmatch(when):
            return kind
    raise ValueError(f"无法识别的时间表达式 {when!r}")


def when_zh(when: str) -> str:
    kind = parse_when(when)
    arg = when.partition("@")[2]
    if kind == "daily":
        return f"每天 {arg}"
    if kind == "weekly":
        return f"每周{WEEKDAYS[arg]}"
    if kind == "monthly":
        return "每月月底"
    if kind == "quarterly":
        return "每季度末"
    if kind == "semiannual":
        return "每半年"
    if kind == "annual":
        month, day = arg.split("-")
        return f"每年 {int(month)}月{int(day)}日前"
    return "、".join(f"{int(m)}月{int(d)}日" for m, d in (x.split("-") for x in arg.split(",")))
