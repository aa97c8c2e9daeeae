"""The documents the plans call for, as plain template contexts (ARCHITECTURE §7).

Each builder runs in a tenant scope, reads the database, and returns dicts, lists, strings and
numbers only — never ORM objects — so the context can be fingerprinted, handed to a worker,
and rendered with no database at hand. Times are converted to the tenant's clock here, because
the templates print them as they are.

Netizens' account names are replaced by :data:`REDACTED_HANDLE` unless ``reveal_handles`` is
set, which only an auditor may ask for (``operations.authorize_export``).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yuqing.audit.models import AuditEvent
from yuqing.audit.operations import canonical_json
from yuqing.db_types import utcnow
from yuqing.errors import NotFound
from yuqing.extensions import db
from yuqing.policy.labels import (
    ANCHOR_LABELS,
    CANONICAL_ROLE_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    STATEMENT_KIND_LABELS,
)
from yuqing.tenancy.models import Tenant, Unit
from yuqing.tenancy.scope import require_tenant_id

#: What an export shows instead of a netizen's account name (ARCHITECTURE §9).
REDACTED_HANDLE = "网民***"

#: Name of the file embedded in accountability records, read by ``yuqing audit verify-pdf``.
EVENTS_ATTACHMENT = "audit-events.json"
EVENTS_FORMAT = "yuqing-audit-events/1"

#: Free text from the internet is cut here: a report summarises, the platform keeps the rest.
CONTENT_LIMIT = 1500

STATE_LABELS = {
    "detected": "已发现",
    "reported": "已报送",
    "assessed": "已研判定级",
    "dispatched": "已交办",
    "verifying": "核实中",
    "verified": "已反馈核实结果",
    "resolved": "已处置办结",
    "tracking": "跟踪中",
    "subsided": "已消除/趋于平稳",
    "reviewed": "已总结评估",
    "archived": "已归档",
}

ACCOUNTABILITY_LABELS = {
    "late_report": "迟报",
    "missed_report": "漏报",
    "missed_verification": "逾期未核实反馈",
    "missed_response": "逾期未回应",
    "missed_deadline": "逾期未办理",
    "finding_concealment": "瞒报（认定）",
    "finding_false_report": "谎报（认定）",
}

EVENT_KIND_LABELS = {
    "incident.create": "登记舆情",
    "incident.report": "报送",
    "incident.assess": "研判定级",
    "incident.dispatch": "交办（舆情联系单）",
    "incident.acknowledge": "签收联系单",
    "incident.verify": "反馈核实结果",
    "incident.resolve": "处置办结",
    "incident.track": "转入跟踪",
    "incident.subside": "确认消除/平稳",
    "incident.review": "总结评估",
    "incident.archive": "归档",
    "incident.escalate": "升级",
    "incident.downgrade": "降级",
    "incident.grade_rise": "依指标自动升级",
    "incident.refer": "移交",
    "incident.reopen": "重新打开",
    "statement.publish": "发布回应",
    "deadline.met": "时限已完成",
    "deadline.breach": "时限已超时",
    "deadline.breached": "时限已超时",
    "accountability.finding": "记录问责认定",
    "deadline.escalated": "超时逐级提醒",
    "accountability.record": "记录问责",
}

METRIC_LABELS = {
    "views": "浏览量",
    "comments": "评论数",
    "reposts": "转发数",
    "likes": "点赞数",
    "mainstream_sites": "主流网站转载数",
}

RESPONSE_BUCKETS = (
    ("1小时内", timedelta(hours=1)),
    ("1至3小时", timedelta(hours=3)),
    ("3至5小时", timedelta(hours=5)),
    ("5至12小时", timedelta(hours=12)),
    ("12至24小时", timedelta(hours=24)),
    ("24小时以上", None),
)


# --------------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class DocumentSpec:
    kind: str
    title_zh: str
    template: str
    #: ``build(**params) -> dict``: the plain context.
    build: Callable[..., dict]
    #: Rows the document will lay out; above ``REPORTS_SYNC_ROW_LIMIT`` it goes to a worker.
    size: Callable[[dict], int]
    filename: Callable[[dict, dict], str]
    #: Roles that may export it (auditors may export everything).
    roles: tuple[str, ...]
    attachments: Callable[[dict], list[tuple[str, bytes, str]]] = field(default=lambda context: [])
    #: Every document is archival: PDF/A-3b keeps its fonts embedded and its look fixed.
    pdf_variant: str = "pdf/a-3b"


DOCUMENTS: dict[str, DocumentSpec] = {}


def _register(spec: DocumentSpec) -> DocumentSpec:
    DOCUMENTS[spec.kind] = spec
    return spec


# --------------------------------------------------------------------------------------------
# Shared helpers


class _Clock:
    """The tenant's time zone, for turning stored UTC into the local time people read."""

    def __init__(self, tenant: Tenant) -> None:
        self.zone = ZoneInfo(tenant.timezone or "Asia/Shanghai")

    def local(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.astimezone(self.zone).replace(tzinfo=None).isoformat(timespec="minutes")

    def day_start(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self.zone).astimezone(UTC)

    def today(self) -> date:
        return utcnow().astimezone(self.zone).date()


def _tenant() -> Tenant:
    return db.session.get(Tenant, require_tenant_id())


def _base_context(tenant: Tenant, clock: _Clock, *, title: str, **extra) -> dict:
    return {
        "title": title,
        "classification": tenant.classification,
        "issuer": tenant.name,
        "issued_on": clock.today().isoformat(),
        "generated_at": clock.local(utcnow()),
        "tenant": {
            "id": tenant.id,
            "name": tenant.name,
            "slug": tenant.slug,
            "timezone": tenant.timezone,
        },
        **extra,
    }


def _plugin(key: str | None):
    if not key:
        return None
    from yuqing.policy import get_plugin

    try:
        return get_plugin(key)
    except Exception:  # an uninstalled plugin must not stop an old record from printing
        return None


def _category_label(plugin, code: str | None) -> str:
    if not code:
        return "未分类"
    for category in getattr(plugin, "categories", ()):
        if category.code == code:
            return category.label_zh
    return code


def _role_label(plugin, role: str | None) -> str:
    if not role:
        return ""
    if plugin is not None:
        try:
            return plugin.role_label(role)
        except Exception:  # roles of a later plugin version; fall back to the generic label
            pass
    return CANONICAL_ROLE_LABELS.get(role, (role,))[0]


def _stage_label(stage: str | None) -> str:
    return STAGE_LABELS.get(stage, (stage or "",))[0]


def _handle(handle: str | None, reveal: bool) -> str:
    if not handle:
        return "（未记录）"
    return handle if reveal else REDACTED_HANDLE


def _clip(text: str | None, limit: int = CONTENT_LIMIT) -> str:
    text = text or ""
    return text if len(text) <= limit else text[:limit] + "……（下略）"


def _units_by_id() -> dict[int, str]:
    return {unit.id: unit.name for unit in db.session.execute(sa.select(Unit)).scalars()}


def _user_names(ids) -> dict[int, str]:
    from yuqing.accounts.models import User

    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all()
    return {row.id: row.name for row in rows}


def _deadline_status(deadline, now: datetime) -> tuple[str, int | None]:
    """(status label, seconds late or None).

    An open deadline past due has no fixed lateness: it grows every second. Its figure "as of
    now" goes into the volatile ``overdue_now`` (see :func:`_overdue_now`) so that the data
    fingerprint, and with it the render cache, does not change every second.
    """
    if deadline.met_at is not None:
        late = (deadline.met_at - deadline.due_at).total_seconds()
        return ("按时完成", None) if late <= 0 else ("逾期完成", int(late))
    if deadline.due_at < now:
        return "超时未完成", None
    return "未到期", None


def _overdue_now(rows: list[dict], deadlines) -> dict[int, int]:
    """Seconds each open, overdue deadline is late at this moment (export-time data)."""
    now = utcnow()
    due = {d.id: d.due_at for d in deadlines}
    return {
        row["id"]: int((now - due[row["id"]]).total_seconds())
        for row in rows
        if row["status"] == "超时未完成"
    }


def _deadline_rows(
    deadlines, clock: _Clock, plugin_for, units: dict[int, str], incidents: dict
) -> list[dict]:
    now = utcnow()
    rows = []
    for deadline in deadlines:
        incident = incidents.get(deadline.incident_id)
        status, late = _deadline_status(deadline, now)
        rows.append(
            {
                "id": deadline.id,
                "incident_id": deadline.incident_id,
                "incident_title": incident.title if incident else "",
                "unit": units.get(incident.unit_id, "") if incident and incident.unit_id else "",
                "stage": deadline.stage,
                "stage_zh": _stage_label(deadline.stage),
                "rule": deadline.label_zh,
                "source": deadline.rule_source,
                "grade_code": deadline.grade_code,
                "anchor_zh": ANCHOR_LABELS.get(deadline.anchor, (deadline.anchor,))[0],
                "anchor_at": clock.local(deadline.anchor_at),
                "due_at": clock.local(deadline.due_at),
                "met_at": clock.local(deadline.met_at),
                "breached": deadline.breached_at is not None,
                "status": status,
                "on_time": status == "按时完成",
                "lateness_seconds": late,
                "role_zh": _role_label(plugin_for(incident), deadline.actor_role),
                "escalation_level": deadline.escalation_level,
                # Filled in by the accountability record; other documents leave them empty.
                "entry_kind": "",
                "events": [],
            }
        )
    return rows


def _incident_or_404(incident_id: int):
    from yuqing.incidents.models import Incident

    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("舆情事件不存在。", "No such incident.")
    return incident


def _deadlines_of(incident_ids) -> list:
    from yuqing.deadlines.models import Deadline

    if not incident_ids:
        return []
    return list(
        db.session.execute(
            sa.select(Deadline)
            .where(Deadline.incident_id.in_(list(incident_ids)))
            .order_by(Deadline.due_at, Deadline.id)
        ).scalars()
    )


def _grade_section(incident, plugin) -> dict:
    metrics = incident.metrics or {}
    return {
        "code": incident.grade_code,
        "label": incident.grade_label,
        "severity": incident.severity,
        "severity_zh": SEVERITY_LABELS.get(incident.severity, ("",))[0],
        "review_required": bool(plugin and _safe_review_required(plugin, incident.grade_code)),
        "metrics": [
            {"label": METRIC_LABELS.get(key, key), "value": value}
            for key, value in sorted(metrics.items())
            if isinstance(value, int | float) and not isinstance(value, bool)
        ],
        "flags": [flag for flag, on in sorted(metrics.items()) if on is True],
    }


def _safe_review_required(plugin, grade_code: str) -> bool:
    try:
        return plugin.review_required(grade_code)
    except Exception:  # a grade the current plugin version no longer has
        return False


def _grade_changes(incident, clock: _Clock) -> list[dict]:
    return [
        {
            "at": clock.local(change.at),
            "from_grade": change.from_grade or "—",
            "to_grade": change.to_grade,
            "reason": change.reason or ("依指标自动升级" if change.automatic else ""),
            "automatic": change.automatic,
            "actor": change.actor_name,
        }
        for change in incident.grade_changes
    ]


def _published_statements(incident, clock: _Clock, plugin) -> list[dict]:
    rows = []
    for statement in incident.statements:
        if statement.state != "published":
            continue
        rows.append(
            {
                "kind_zh": STATEMENT_KIND_LABELS.get(statement.kind, (statement.kind,))[0],
                "published_at": clock.local(statement.published_at),
                "published_by": statement.published_by or "",
                "grade": statement.published_grade or "",
                "text": statement.published_text or "",
                "approvals": [
                    {
                        "role": _role_label(plugin, a.role),
                        "name": a.approver_name,
                        "at": clock.local(a.approved_at),
                    }
                    for a in statement.approvals
                    if a.version == statement.current_version
                ],
            }
        )
    return rows


def _signals(incident, clock: _Clock, reveal: bool) -> list[dict]:
    return [
        {
            "platform": signal.platform,
            "title": signal.title,
            "content": _clip(signal.content),
            "url": signal.url,
            "author": _handle(signal.author_handle, reveal),
            "posted_at": clock.local(signal.posted_at),
            "discovered_at": clock.local(signal.discovered_at),
            "duplicate": signal.is_duplicate,
        }
        for signal in incident.signals
    ]


_MILESTONES = (
    ("posted_at", "网民发帖"),
    ("discovered_at", "发现舆情"),
    ("reported_at", "报送至办公室"),
    ("assessed_at", "研判定级"),
    ("dispatched_at", "下发舆情联系单"),
    ("verified_at", "反馈核实结果"),
    ("referred_at", "移交有关部门"),
    ("closed_at", "处置办结"),
    ("subsided_at", "消除/趋于平稳"),
    ("reviewed_at", "完成总结评估"),
    ("archived_at", "归档"),
)


def _timeline(incident, clock: _Clock, plugin) -> list[dict]:
    entries: list[tuple[datetime, str, str]] = []
    for attribute, label in _MILESTONES:
        value = getattr(incident, attribute, None)
        if value is not None:
            entries.append((value, label, ""))
    for slip in incident.slips:
        if slip.received_at:
            entries.append((slip.received_at, "涉事单位签收联系单", slip.handler_name or ""))
    for change in incident.grade_changes:
        entries.append((change.at, f"等级调整为{change.to_grade}", change.reason or ""))
    for statement in incident.statements:
        if statement.published_at:
            kind = STATEMENT_KIND_LABELS.get(statement.kind, (statement.kind,))[0]
            entries.append((statement.published_at, f"发布{kind}", statement.published_by or ""))
    entries.sort(key=lambda item: item[0])
    return [{"at": clock.local(at), "event": label, "note": note} for at, label, note in entries]


def _next_steps(incident, deadline_rows: list[dict]) -> list[str]:
    steps = [
        f"{row['stage_zh']}：{row['rule']}，时限 {row['due_at'].replace('T', ' ')}"
        + ("（已超时）" if row["status"] == "超时未完成" else "")
        for row in deadline_rows
        if row["met_at"] is None
    ]
    if incident.state in ("tracking", "subsided"):
        steps.append("继续跟踪网上舆情动态，防止出现反复和次生舆情。")
    if incident.state == "subsided" and not incident.reviews:
        steps.append("组织开展总结评估，形成书面总结报告。")
    if not steps:
        steps.append("各项处置工作已完成，按规定归档。")
    return steps


def _incident_facts(incident, clock: _Clock, plugin, units: dict[int, str]) -> dict:
    return {
        "id": incident.id,
        "title": incident.title,
        "summary": incident.summary,
        "state_zh": STATE_LABELS.get(incident.state, incident.state),
        "category_zh": _category_label(plugin, incident.category),
        "unit": units.get(incident.unit_id, "未指定") if incident.unit_id else "未指定",
        "discovered_at": clock.local(incident.discovered_at),
        "posted_at": clock.local(incident.posted_at),
        "verification_result": incident.verification_result or "",
        "outcome": incident.outcome or "",
        "referral": (
            {
                "authority": incident.referral_authority or "",
                "legal_basis": incident.referral_legal_basis or "",
                "at": clock.local(incident.referred_at),
            }
            if incident.referred_at
            else None
        ),
        "policy": f"{plugin.name_zh if plugin else incident.policy_key}（{incident.policy_version}）",
    }


# --------------------------------------------------------------------------------------------
# 《网上舆情》专报: the incident report


def build_incident_report(*, incident_id: int, reveal_handles: bool = False) -> dict:
    incident = _incident_or_404(incident_id)
    tenant, plugin = _tenant(), _plugin(incident.policy_key)
    clock, units = _Clock(tenant), _units_by_id()
    deadline_rows = _deadlines_of([incident.id])
    deadlines = _deadline_rows(
        deadline_rows, clock, lambda _i: plugin, units, {incident.id: incident}
    )
    return _base_context(
        tenant,
        clock,
        title=f"关于「{incident.title}」网上舆情的专报",
        overdue_now=_overdue_now(deadlines, deadline_rows),
        masthead="网上舆情",
        subtitle=f"（{incident.grade_label}·{STATE_LABELS.get(incident.state, '')}）",
        reveal_handles=reveal_handles,
        incident=_incident_facts(incident, clock, plugin, units),
        grade=_grade_section(incident, plugin),
        grade_changes=_grade_changes(incident, clock),
        signals=_signals(incident, clock, reveal_handles),
        timeline=_timeline(incident, clock, plugin),
        deadlines=deadlines,
        statements=_published_statements(incident, clock, plugin),
        next_steps=_next_steps(incident, deadlines),
    )


_register(
    DocumentSpec(
        kind="incident_report",
        title_zh="网上舆情专报",
        template="incident_report.html",
        build=build_incident_report,
        size=lambda c: len(c["deadlines"]) + len(c["signals"]) + len(c["timeline"]),
        filename=lambda c, p: f"incident-{p['incident_id']}-report.pdf",
        roles=("office", "leader", "spokesperson", "auditor", "tenant_admin"),
    )
)


# --------------------------------------------------------------------------------------------
# 总结评估报告: the post-incident review


def build_review(*, incident_id: int, reveal_handles: bool = False) -> dict:
    incident = _incident_or_404(incident_id)
    tenant, plugin = _tenant(), _plugin(incident.policy_key)
    clock, units = _Clock(tenant), _units_by_id()
    deadline_rows = _deadlines_of([incident.id])
    deadlines = _deadline_rows(
        deadline_rows, clock, lambda _i: plugin, units, {incident.id: incident}
    )
    decided = [row for row in deadlines if row["status"] != "未到期"]
    on_time = sum(row["on_time"] for row in decided)
    grade = _grade_section(incident, plugin)
    return _base_context(
        tenant,
        clock,
        title=f"关于「{incident.title}」舆情处置工作的总结评估报告",
        overdue_now=_overdue_now(deadlines, deadline_rows),
        reveal_handles=reveal_handles,
        incident=_incident_facts(incident, clock, plugin, units),
        grade=grade,
        grade_changes=_grade_changes(incident, clock),
        timeline=_timeline(incident, clock, plugin),
        deadlines=deadlines,
        deadline_summary={
            "total": len(decided),
            "on_time": on_time,
            "late": len(decided) - on_time,
        },
        statements=_published_statements(incident, clock, plugin),
        reviews=[
            {
                "summary": review.summary,
                "lessons": review.lessons,
                "author": review.author_name,
                "at": clock.local(review.created_at),
            }
            for review in incident.reviews
        ],
        case_library=grade["review_required"],
        signal_count=len(incident.signals),
    )


_register(
    DocumentSpec(
        kind="review",
        title_zh="总结评估报告",
        template="review.html",
        build=build_review,
        size=lambda c: len(c["deadlines"]) + len(c["timeline"]),
        filename=lambda c, p: f"incident-{p['incident_id']}-review.pdf",
        roles=("office", "leader", "spokesperson", "auditor", "tenant_admin", "unit_handler"),
    )
)


# --------------------------------------------------------------------------------------------
# Daily digest and periodic briefings (期数)


def build_digest(*, digest_id: int, reveal_handles: bool = False) -> dict:
    from yuqing.deadlines.models import Digest

    digest = db.session.get(Digest, digest_id)
    if digest is None:
        raise NotFound("简报不存在。", "No such digest.")
    tenant = _tenant()
    clock = _Clock(tenant)
    items = [
        {
            "title": str(item.get("title", "")),
            "url": str(item.get("url") or ""),
            "grade": str(item.get("grade_label") or item.get("grade") or ""),
            "incident_id": item.get("incident_id"),
        }
        for item in digest.items or []
    ]
    period_start = clock.local(digest.period_start)
    period_end = clock.local(digest.period_end)
    return _base_context(
        tenant,
        clock,
        title=digest.label_zh,
        masthead="舆情简报",
        issue_number=digest.issue_no,
        issued_on=clock.local(digest.period_end)[:10],
        reveal_handles=reveal_handles,
        digest={
            "id": digest.id,
            "schedule_key": digest.schedule_key,
            "label": digest.label_zh,
            "issue_no": digest.issue_no,
            "rule_source": digest.rule_source,
            "period_start": period_start,
            "period_end": period_end,
            "recipients": [
                _role_label(_plugin(tenant.policy_key), r) for r in digest.recipients or []
            ],
        },
        items=items,
    )


_register(
    DocumentSpec(
        kind="digest",
        title_zh="舆情简报",
        template="digest.html",
        build=build_digest,
        size=lambda c: len(c["items"]),
        filename=lambda c, p: f"digest-{p['digest_id']}-issue-{c['digest']['issue_no']}.pdf",
        roles=("office", "leader", "monitor", "spokesperson", "auditor", "tenant_admin"),
    )
)


# --------------------------------------------------------------------------------------------
# Periodic statistics


PERIOD_LABELS = {"week": "周", "month": "月", "quarter": "季度", "year": "年度"}


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """First day and the day after the last of the week/month/quarter/year containing ``day``."""
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if period == "month":
        start = day.replace(day=1)
    elif period == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        start = date(day.year, 1, 1)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    month_index = start.month - 1 + months
    return start, date(start.year + month_index // 12, month_index % 12 + 1, 1)


def _period_name(period: str, start: date, end: date) -> str:
    if period == "week":
        last = end - timedelta(days=1)
        return f"{start.year}年{start.month}月{start.day}日至{last.month}月{last.day}日"
    if period == "month":
        return f"{start.year}年{start.month}月"
    if period == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年"


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def build_statistics(*, period: str, date: str | date, reveal_handles: bool = False) -> dict:
    from yuqing.incidents.models import Incident

    day = date if not isinstance(date, str) else _parse_date(date)
    tenant = _tenant()
    clock, units = _Clock(tenant), _units_by_id()
    start, end = period_bounds(period, day)
    incidents = list(
        db.session.execute(
            sa.select(Incident)
            .where(
                Incident.discovered_at >= clock.day_start(start),
                Incident.discovered_at < clock.day_start(end),
            )
            .order_by(Incident.discovered_at, Incident.id)
        ).scalars()
    )
    plugins: dict[str, object] = {}

    def plugin_for(incident):
        if incident is None:
            return None
        if incident.policy_key not in plugins:
            plugins[incident.policy_key] = _plugin(incident.policy_key)
        return plugins[incident.policy_key]

    by_grade = Counter((i.severity, i.grade_label) for i in incidents)
    by_category = Counter(_category_label(plugin_for(i), i.category) for i in incidents)
    by_unit = Counter(units.get(i.unit_id, "未指定") if i.unit_id else "未指定" for i in incidents)

    by_id = {i.id: i for i in incidents}
    deadline_rows = _deadline_rows(_deadlines_of(by_id), clock, plugin_for, units, by_id)
    decided = [row for row in deadline_rows if row["status"] != "未到期"]

    def on_time_table(key: str) -> list[dict]:
        groups: dict[str, list[dict]] = defaultdict(list)
        for row in decided:
            groups[row[key] or "未指定"].append(row)
        table = []
        for name, rows in sorted(groups.items()):
            on_time = sum(r["on_time"] for r in rows)
            table.append(
                {
                    "name": name,
                    "total": len(rows),
                    "on_time": on_time,
                    "late": len(rows) - on_time,
                    "rate": _rate(on_time, len(rows)),
                    "rate_label": f"{_rate(on_time, len(rows))}%",
                }
            )
        return table

    response_counts = Counter()
    response_minutes = []
    for incident in incidents:
        published = [s.published_at for s in incident.statements if s.published_at]
        if not published:
            response_counts["尚未回应"] += 1
            continue
        delay = min(published) - incident.discovered_at
        response_minutes.append(delay.total_seconds() / 60)
        for label, limit in RESPONSE_BUCKETS:
            if limit is None or delay <= limit:
                response_counts[label] += 1
                break
    buckets = [label for label, _ in RESPONSE_BUCKETS] + ["尚未回应"]
    total = len(incidents)
    on_time_total = sum(r["on_time"] for r in decided)
    median = sorted(response_minutes)[len(response_minutes) // 2] if response_minutes else None
    return _base_context(
        tenant,
        clock,
        title=f"{_period_name(period, start, end)}网络舆情处置情况统计",
        subtitle=f"（统计期间：{start.isoformat()} 至 {(end - timedelta(days=1)).isoformat()}）",
        reveal_handles=reveal_handles,
        period={
            "kind": period,
            "label": PERIOD_LABELS[period],
            "start": start.isoformat(),
            "end": (end - timedelta(days=1)).isoformat(),
            "name": _period_name(period, start, end),
        },
        totals={
            "incidents": total,
            "deadlines": len(decided),
            "on_time": on_time_total,
            "on_time_rate": _rate(on_time_total, len(decided)),
            "responded": len(response_minutes),
            "median_response_minutes": round(median) if median is not None else None,
        },
        by_grade=[
            {"name": f"{label}（{severity}）", "count": count}
            for (severity, label), count in sorted(by_grade.items(), reverse=True)
        ],
        by_category=[{"name": k, "count": v} for k, v in sorted(by_category.items())],
        by_unit=[{"name": k, "count": v} for k, v in sorted(by_unit.items())],
        on_time_by_stage=on_time_table("stage_zh"),
        on_time_by_unit=on_time_table("unit"),
        response_times=[{"name": b, "count": response_counts.get(b, 0)} for b in buckets],
        incidents=[
            {
                "id": i.id,
                "title": i.title,
                "grade": i.grade_label,
                "unit": units.get(i.unit_id, "未指定") if i.unit_id else "未指定",
                "state_zh": STATE_LABELS.get(i.state, i.state),
                "discovered_at": clock.local(i.discovered_at),
            }
            for i in incidents
        ],
    )


def _parse_date(value: str) -> date:
    return date.fromisoformat(value[:10])


_register(
    DocumentSpec(
        kind="statistics",
        title_zh="舆情处置情况统计",
        template="statistics.html",
        build=build_statistics,
        size=lambda c: len(c["incidents"]) + len(c["on_time_by_unit"]),
        filename=lambda c, p: f"statistics-{p['period']}-{c['period']['start']}.pdf",
        roles=("office", "leader", "auditor", "tenant_admin"),
    )
)


# --------------------------------------------------------------------------------------------
# 问责记录: accountability records for auditors


def event_record(event: AuditEvent) -> dict:
    """An event's canonical fields as hashed, plus its hash: what an auditor re-hashes."""
    record = json.loads(canonical_json(event.hashed_fields()))
    record["hash"] = event.hash
    return record


def chain_head() -> dict | None:
    head = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return {"seq": head.seq, "hash": head.hash} if head else None


def _events_by_subject(refs: list[tuple[str, int]]) -> dict[tuple[str, str], list[AuditEvent]]:
    found: dict[tuple[str, str], list[AuditEvent]] = defaultdict(list)
    if not refs:
        return found
    types = {kind for kind, _ in refs}
    ids = {str(ident) for _, ident in refs}
    rows = db.session.execute(
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type.in_(types), AuditEvent.subject_id.in_(ids))
        .order_by(AuditEvent.seq)
    ).scalars()
    wanted = {(kind, str(ident)) for kind, ident in refs}
    for event in rows:
        key = (event.subject_type, event.subject_id)
        if key in wanted:
            found[key].append(event)
    return found


def _events_by_id(ids) -> dict[int, AuditEvent]:
    ids = {int(i) for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(AuditEvent).where(AuditEvent.id.in_(ids))).scalars()
    return {event.id: event for event in rows}


def build_accountability(
    *,
    incident: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    unit: int | None = None,
    person: int | None = None,
    reveal_handles: bool = False,
) -> dict:
    from yuqing.deadlines.models import AccountabilityEntry, Deadline
    from yuqing.incidents.models import DispatchSlip, Incident

    tenant = _tenant()
    clock, units = _Clock(tenant), _units_by_id()
    scope_lines: list[str] = []
    deadline_query = sa.select(Deadline).order_by(Deadline.due_at, Deadline.id)
    entry_query = sa.select(AccountabilityEntry).order_by(AccountabilityEntry.id)
    if incident is not None:
        subject = _incident_or_404(incident)
        deadline_query = deadline_query.where(Deadline.incident_id == subject.id)
        entry_query = entry_query.where(AccountabilityEntry.incident_id == subject.id)
        title = f"关于「{subject.title}」舆情处置的问责记录"
        scope_lines.append(f"舆情事件：{subject.title}（编号 {subject.id}）")
    else:
        start, end = _parse_date(date_from), _parse_date(date_to) + timedelta(days=1)
        lower, upper = clock.day_start(start), clock.day_start(end)
        deadline_query = deadline_query.where(Deadline.due_at >= lower, Deadline.due_at < upper)
        # Findings have no deadline: they count in the period they were recorded.
        entry_query = entry_query.where(
            sa.or_(
                sa.and_(AccountabilityEntry.due_at >= lower, AccountabilityEntry.due_at < upper),
                sa.and_(
                    AccountabilityEntry.due_at.is_(None),
                    AccountabilityEntry.created_at >= lower,
                    AccountabilityEntry.created_at < upper,
                ),
            )
        )
        period = (
            f"{start.year}年{start.month}月{start.day}日至{(end - timedelta(days=1)).year}年"
            f"{(end - timedelta(days=1)).month}月{(end - timedelta(days=1)).day}日"
        )
        title = "舆情处置时限落实情况问责记录"
        scope_lines.append(f"期间：{period}")
    if unit is not None:
        unit_row = db.session.get(Unit, unit)
        if unit_row is None:
            raise NotFound("单位不存在。", "No such unit.")
        deadline_query = deadline_query.join(Incident, Incident.id == Deadline.incident_id).where(
            Incident.unit_id == unit
        )
        entry_query = entry_query.where(AccountabilityEntry.unit_id == unit)
        scope_lines.append(f"责任单位：{unit_row.name}")
    if person is not None:
        names = _user_names([person])
        if person not in names or not _is_member(person):
            raise NotFound("人员不存在。", "No such person.")
        # A person answers for the deadlines of incidents whose 联系单 they handled, and for
        # the entries that name them.
        handled = sa.select(DispatchSlip.incident_id).where(DispatchSlip.handler_user_id == person)
        named = sa.select(AccountabilityEntry.deadline_id).where(
            AccountabilityEntry.person_id == person, AccountabilityEntry.deadline_id.is_not(None)
        )
        deadline_query = deadline_query.where(
            sa.or_(Deadline.incident_id.in_(handled), Deadline.id.in_(named))
        )
        entry_query = entry_query.where(AccountabilityEntry.person_id == person)
        scope_lines.append(f"责任人：{names[person]}")

    deadlines = list(db.session.execute(deadline_query).scalars().unique())
    entries = list(db.session.execute(entry_query).scalars())
    incident_ids = {d.incident_id for d in deadlines} | {
        e.incident_id for e in entries if e.incident_id
    }
    incidents = (
        {
            i.id: i
            for i in db.session.execute(
                sa.select(Incident).where(Incident.id.in_(incident_ids))
            ).scalars()
        }
        if incident_ids
        else {}
    )
    plugins = {key: _plugin(key) for key in {i.policy_key for i in incidents.values()}}

    def plugin_for(inc):
        return plugins.get(inc.policy_key) if inc is not None else None

    rows = _deadline_rows(deadlines, clock, plugin_for, units, incidents)
    entries_by_deadline = {e.deadline_id: e for e in entries if e.deadline_id is not None}

    # The events behind each line: those about the deadline, about its entry, and the ones the
    # entry cites as proof.
    refs = [("deadline", d.id) for d in deadlines] + [
        ("accountabilityentry", e.id) for e in entries
    ]
    if incident is not None:
        refs.append(("incident", incident))
    by_subject = _events_by_subject(refs)
    cited_ids = [i for e in entries for i in (e.audit_event_ids or [])]
    by_id = _events_by_id(cited_ids)
    cited: dict[int, AuditEvent] = {}

    def events_for_line(deadline_id: int | None, entry) -> list[int]:
        found: list[AuditEvent] = []
        if deadline_id is not None:
            found += by_subject.get(("deadline", str(deadline_id)), [])
        if entry is not None:
            found += by_subject.get(("accountabilityentry", str(entry.id)), [])
            found += [by_id[int(i)] for i in entry.audit_event_ids or [] if int(i) in by_id]
        for event in found:
            cited[event.seq] = event
        return sorted({event.seq for event in found})

    person_names = _user_names([e.person_id for e in entries])
    for row in rows:
        entry = entries_by_deadline.get(row["id"])
        row["events"] = events_for_line(row["id"], entry)
        row["entry_kind"] = ACCOUNTABILITY_LABELS.get(entry.kind, entry.kind) if entry else ""
    entry_rows = []
    for entry in entries:
        inc = incidents.get(entry.incident_id)
        entry_rows.append(
            {
                "id": entry.id,
                "kind": entry.kind,
                "kind_zh": ACCOUNTABILITY_LABELS.get(entry.kind, entry.kind),
                "is_finding": entry.kind.startswith("finding_"),
                "incident_title": inc.title if inc else "",
                "unit": units.get(entry.unit_id, "") if entry.unit_id else "",
                "person": person_names.get(entry.person_id, "") if entry.person_id else "",
                "role_zh": _role_label(plugin_for(inc), entry.responsible_role),
                "rule": entry.rule_label_zh,
                "source": entry.rule_source,
                "stage_zh": _stage_label(entry.stage),
                "due_at": clock.local(entry.due_at),
                "met_at": clock.local(entry.met_at),
                "lateness_seconds": entry.lateness_seconds,
                "evidence": entry.evidence,
                "recorded_by": entry.created_by_name or entry.created_by,
                "recorded_at": clock.local(entry.created_at),
                "events": events_for_line(entry.deadline_id, entry),
            }
        )
    if incident is not None:
        for event in by_subject.get(("incident", str(incident)), []):
            cited[event.seq] = event

    decided = [r for r in rows if r["status"] != "未到期"]
    on_time = sum(r["on_time"] for r in decided)
    events = [event_record(cited[seq]) for seq in sorted(cited)]
    return _base_context(
        tenant,
        clock,
        title=title,
        subtitle="（供审计、考评使用）",
        overdue_now=_overdue_now(rows, deadlines),
        reveal_handles=reveal_handles,
        scope=scope_lines,
        summary={
            "deadlines": len(rows),
            "decided": len(decided),
            "on_time": on_time,
            "late": len(decided) - on_time,
            "open": len(rows) - len(decided),
            "entries": len(entry_rows),
            "findings": sum(r["is_finding"] for r in entry_rows),
            "on_time_rate": _rate(on_time, len(decided)),
        },
        rows=rows,
        entries=entry_rows,
        events=[
            {
                "seq": e["seq"],
                "at": clock.local(datetime.fromisoformat(e["occurred_at"])),
                "kind": e["kind"],
                "kind_zh": EVENT_KIND_LABELS.get(e["kind"], e["kind"]),
                "actor": e["actor_name"],
                "subject": f"{e['subject_type'] or ''}#{e['subject_id'] or ''}",
                "hash": e["hash"],
            }
            for e in events
        ],
        event_records=events,
        chain_head=chain_head(),
        attachment_name=EVENTS_ATTACHMENT,
    )


def _is_member(user_id: int) -> bool:
    from yuqing.accounts.models import Membership

    return (
        db.session.execute(sa.select(Membership.id).where(Membership.user_id == user_id)).first()
        is not None
    )


def accountability_attachment(context: dict) -> list[tuple[str, bytes, str]]:
    """The JSON an auditor verifies: every cited event in full and the chain head."""
    payload = {
        "format": EVENTS_FORMAT,
        "tenant": context["tenant"],
        "tenant_id": context["tenant"]["id"],
        "title": context["title"],
        "generated_at": context["generated_at"],
        "chain_head": context["chain_head"],
        "events": context["event_records"],
    }
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    return [(EVENTS_ATTACHMENT, body, "application/json")]


def _accountability_filename(context: dict, params: dict) -> str:
    if params.get("incident"):
        return f"accountability-incident-{params['incident']}.pdf"
    return f"accountability-{params['date_from']}-{params['date_to']}.pdf"


_register(
    DocumentSpec(
        kind="accountability",
        title_zh="问责记录",
        template="accountability.html",
        build=build_accountability,
        size=lambda c: len(c["rows"]) + len(c["entries"]) + len(c["events"]),
        filename=_accountability_filename,
        roles=("auditor", "leader", "office", "tenant_admin"),
        attachments=accountability_attachment,
    )
)
