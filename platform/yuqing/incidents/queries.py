"""Read-side queries: the incident list, the case library, similar cases and the timeline."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from yuqing.audit.operations import events_for
from yuqing.extensions import db
from yuqing.incidents.models import Incident, Review, Statement
from yuqing.incidents.operations import visible_to
from yuqing.signals.fingerprint import similarity
from yuqing.tenancy.models import Unit


def overdue_incident_ids() -> set[int] | None:
    """Ids of the tenant's incidents with an open deadline that is breached or past due."""
    from yuqing.db_types import utcnow
    from yuqing.deadlines.models import Deadline

    rows = db.session.execute(
        sa.select(Deadline.incident_id)
        .where(
            Deadline.met_at.is_(None),
            sa.or_(Deadline.breached_at.is_not(None), Deadline.due_at <= utcnow()),
        )
        .distinct()
    ).scalars()
    return set(rows)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _normalize_query(q: str | None) -> str | None:
    if not q:
        return None
    q = " ".join(q.split())
    return q or None


@dataclass
class IncidentPage:
    items: list[Incident]
    page: int
    per_page: int
    total: int
    overdue_filter_applied: bool


#: Orders the incident list offers: newest first by default, or by discovery time (发现时间).
SORTS = {
    "created_desc": (Incident.created_at.desc(), Incident.id.desc()),
    "discovered_desc": (Incident.discovered_at.desc(), Incident.id.desc()),
    "discovered_asc": (Incident.discovered_at.asc(), Incident.id.asc()),
}


def list_incidents(
    *,
    actor=None,
    sort: str = "created_desc",
    state: str | None = None,
    grade: str | None = None,
    severity: str | None = None,
    unit: str | None = None,
    q: str | None = None,
    overdue: bool | None = None,
    page: int = 1,
    per_page: int = 20,
) -> IncidentPage:
    query = sa.select(Incident)
    visible = visible_to(actor)
    if visible is not None:
        query = query.where(visible)
    if state:
        query = query.where(Incident.state == state)
    if grade:
        query = query.where(Incident.grade_code == grade)
    if severity:
        query = query.where(Incident.severity == severity)
    if unit:
        query = query.join(Unit, Unit.id == Incident.unit_id).where(Unit.code == unit)
    q = _normalize_query(q)
    if q:
        pattern = _like(q)
        query = query.where(
            sa.or_(
                Incident.title.like(pattern, escape="\\"),
                Incident.summary.like(pattern, escape="\\"),
            )
        )
    applied = False
    if overdue is not None:
        ids = overdue_incident_ids()
        if ids is not None:
            applied = True
            clause = Incident.id.in_(ids) if ids else sa.false()
            query = query.where(clause if overdue else sa.not_(clause))
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    items = (
        db.session.execute(
            query.order_by(*SORTS.get(sort, SORTS["created_desc"]))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return IncidentPage(list(items), page, per_page, total, applied)


# --- case library ------------------------------------------------------------------------------


def search_cases(
    *,
    q: str | None = None,
    category: str | None = None,
    grade: str | None = None,
    severity: str | None = None,
    unit: str | None = None,
    limit: int = 50,
) -> list[Incident]:
    """Reviewed incidents (总结评估 done) matching the text and the filters, newest first."""
    query = sa.select(Incident).where(Incident.reviewed_at.is_not(None))
    if category:
        query = query.where(Incident.category == category)
    if grade:
        query = query.where(Incident.grade_code == grade)
    if severity:
        query = query.where(Incident.severity == severity)
    if unit:
        query = query.join(Unit, Unit.id == Incident.unit_id).where(Unit.code == unit)
    q = _normalize_query(q)
    if q:
        pattern = _like(q)
        in_review = (
            sa.select(Review.id)
            .where(
                Review.incident_id == Incident.id,
                sa.or_(
                    Review.summary.like(pattern, escape="\\"),
                    Review.lessons.like(pattern, escape="\\"),
                ),
            )
            .exists()
        )
        query = query.where(
            sa.or_(
                Incident.title.like(pattern, escape="\\"),
                Incident.summary.like(pattern, escape="\\"),
                in_review,
            )
        )
    query = query.order_by(Incident.reviewed_at.desc(), Incident.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


@dataclass
class SimilarCase:
    incident: Incident
    similarity: float
    statements: list[Statement]


#: Below this a past case is not shown as similar (looser than the duplicate threshold).
SIMILAR_CASE_THRESHOLD = 0.15


def similar_cases(incident: Incident, limit: int = 5) -> list[SimilarCase]:
    """Past reviewed cases whose story resembles this one, with the statements published then.

    Same-category cases rank first among equally similar ones.
    """
    candidates = db.session.execute(
        sa.select(Incident).where(Incident.reviewed_at.is_not(None), Incident.id != incident.id)
    ).scalars()
    scored = []
    for case in candidates:
        score = similarity(incident.story_fingerprint, case.story_fingerprint)
        same_category = bool(incident.category and case.category == incident.category)
        if score >= SIMILAR_CASE_THRESHOLD:
            scored.append((score, same_category, case))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [
        SimilarCase(case, round(score, 3), [s for s in case.statements if s.state == "published"])
        for score, _, case in scored[:limit]
    ]


# --- timeline -------------------------------------------------------------------------------


_EVENT_SUMMARIES = {
    "incident.create": "登记舆情",
    "incident.metrics": "更新指标",
    "incident.grade_rise": "指标达标，自动升级",
    "statement.create": "起草回应稿",
    "statement.version": "修改回应稿",
    "statement.approve": "审定回应稿",
    "statement.publish": "发布回应",
    "statement.publish_refused": "发布被拒绝（缺少审定）",
}


def _event_summary(kind: str) -> str:
    if kind in _EVENT_SUMMARIES:
        return _EVENT_SUMMARIES[kind]
    from yuqing.policy.labels import ACTION_LABELS

    action = kind.split(".", 1)[-1]
    return ACTION_LABELS.get(action, (kind,))[0]


def timeline(incident: Incident) -> list[dict]:
    """Audit events, grade changes, slips and published statements, oldest first."""
    refs = [("incident", incident.id)]
    refs += [("statement", s.id) for s in incident.statements]
    refs += [("slip", s.id) for s in incident.slips]
    entries = [
        {
            "at": e.occurred_at,
            "type": "event",
            "kind": e.kind,
            "actor_name": e.actor_name,
            "summary": _event_summary(e.kind),
            "data": {"seq": e.seq, "before": e.before, "after": e.after, "data": e.data},
        }
        for e in events_for(refs)
    ]
    for change in incident.grade_changes:
        entries.append(
            {
                "at": change.at,
                "type": "grade_change",
                "kind": "automatic" if change.automatic else "manual",
                "actor_name": change.actor_name,
                "summary": f"等级 {change.from_grade} → {change.to_grade}：{change.reason}",
                "data": {
                    "from": change.from_grade,
                    "to": change.to_grade,
                    "from_severity": change.from_severity,
                    "to_severity": change.to_severity,
                },
            }
        )
    for slip in incident.slips:
        for kind, at, summary in (
            ("sent", slip.sent_at, f"联系单发送至 {slip.unit.name}"),
            ("received", slip.received_at, f"{slip.unit.name} 签收联系单"),
            ("answered", slip.answered_at, f"{slip.unit.name} 反馈核实结果"),
        ):
            if at is not None:
                entries.append(
                    {
                        "at": at,
                        "type": "slip",
                        "kind": kind,
                        "actor_name": slip.handler_name if kind != "sent" else None,
                        "summary": summary,
                        "data": {"slip_id": slip.id},
                    }
                )
    for statement in incident.statements:
        if statement.published_at is not None:
            entries.append(
                {
                    "at": statement.published_at,
                    "type": "statement",
                    "kind": statement.kind,
                    "actor_name": statement.published_by,
                    "summary": "回应已发布",
                    "data": {"statement_id": statement.id},
                }
            )
    order = {"event": 0, "grade_change": 1, "slip": 2, "statement": 3}
    entries.sort(key=lambda e: (e["at"], order[e["type"]]))
    return entries


def metric_points(incident: Incident) -> list:
    from yuqing.signals.models import MetricSnapshot

    return list(
        db.session.execute(
            sa.select(MetricSnapshot)
            .where(MetricSnapshot.incident_id == incident.id)
            .order_by(MetricSnapshot.taken_at, MetricSnapshot.id)
        ).scalars()
    )
