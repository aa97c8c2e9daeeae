"""What people do with an incident. Every operation checks the actor's role under the
incident's policy snapshot (403), the state (409) and the input (422), then changes the
incident, writes one audit event and tells subscribers (``hooks.py``) — all in the caller's
transaction. Operations flush; the route commits.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from marshmallow import ValidationError

from yuqing.accounts.actor import Actor, system_actor
from yuqing.api.schemas import validation_failed
from yuqing.audit.operations import record_event
from yuqing.db_types import utcnow
from yuqing.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yuqing.extensions import db
from yuqing.incidents import hooks
from yuqing.incidents.grading import aggregate, merge_max, newly_raised_flags, validate_metrics
from yuqing.incidents.lifecycle import (
    STATEMENT_OPEN_STATES,
    TRANSITIONS,
    actions_allowed_in,
    target_state,
)
from yuqing.incidents.models import (
    DispatchSlip,
    Incident,
    IncidentGradeChange,
    Review,
    Statement,
    StatementApproval,
    StatementVersion,
)
from yuqing.policy import get_plugin
from yuqing.policy.labels import ACTION_LABELS, STATEMENT_KIND_LABELS
from yuqing.tenancy.models import Unit

#: Roles that see netizens' account names (ARCHITECTURE §9).
AUTHOR_VISIBLE_ROLES = ("office", "leader", "auditor")
#: Who may post metrics for an incident: those who report or assess it.
METRICS_ACTIONS = ("report", "assess")


class PublishRefused(Forbidden):
    """Publishing without the approvals the grade requires. The caller commits the audit
    event recorded for the attempt before answering 403."""


# --- loading ---------------------------------------------------------------------------------


def plugin_of(incident: Incident):
    """The plugin of the incident's snapshot (its key; parameters come from the snapshot)."""
    return get_plugin(incident.policy_key)


def get_incident(incident_id: int, *, for_update: bool = False) -> Incident:
    query = sa.select(Incident).where(Incident.id == incident_id)
    if for_update:
        # Two people pressing the same button must not both pass the state check.
        query = query.with_for_update()
    incident = db.session.execute(query).scalar_one_or_none()
    if incident is None:
        raise NotFound("舆情事件不存在。", "No such incident.")
    return incident


def sees_only_own_unit(actor: Actor | None) -> bool:
    """A member who is only a unit's handler (涉事单位负责人/联络员) sees what was sent to
    their unit, not every complaint about every other village or section of the tenant."""
    return actor is not None and actor.roles == frozenset({"unit_handler"})


def unit_subtree_ids(unit_id: int | None) -> set[int]:
    if unit_id is None:
        return set()
    ids, frontier = {unit_id}, [unit_id]
    while frontier:
        children = (
            db.session.execute(sa.select(Unit.id).where(Unit.parent_id.in_(frontier)))
            .scalars()
            .all()
        )
        frontier = [child for child in children if child not in ids]
        ids.update(frontier)
    return ids


def visible_to(actor: Actor | None):
    """A WHERE clause limiting incidents to those ``actor`` may see, or ``None`` for all."""
    if not sees_only_own_unit(actor):
        return None
    units = unit_subtree_ids(actor.unit_id)
    sent_to_units = sa.select(DispatchSlip.incident_id).where(DispatchSlip.unit_id.in_(units))
    return sa.or_(Incident.unit_id.in_(units), Incident.id.in_(sent_to_units))


def get_visible_incident(incident_id: int, actor: Actor | None, *, for_update: bool = False):
    """The incident as a person asks for it: one they may not see is simply not found."""
    incident = get_incident(incident_id, for_update=for_update)
    clause = visible_to(actor)
    if (
        clause is not None
        and not db.session.execute(
            sa.select(sa.literal(True)).where(Incident.id == incident.id, clause)
        ).first()
    ):
        raise NotFound("舆情事件不存在。", "No such incident.")
    return incident


def _child_of(incident: Incident, model, child_id: int, message_zh: str, message_en: str):
    # Children are loaded through their parent, never by a bare id from the URL.
    child = db.session.execute(
        sa.select(model).where(model.id == child_id, model.incident_id == incident.id)
    ).scalar_one_or_none()
    if child is None:
        raise NotFound(message_zh, message_en)
    return child


def get_slip(incident: Incident, slip_id: int) -> DispatchSlip:
    return _child_of(incident, DispatchSlip, slip_id, "联系单不存在。", "No such dispatch slip.")


def get_statement(incident: Incident, statement_id: int) -> Statement:
    return _child_of(incident, Statement, statement_id, "回应稿不存在。", "No such statement.")


def unit_by_code(code: str, field: str = "unit") -> Unit:
    unit = db.session.execute(
        sa.select(Unit).where(Unit.code == code, Unit.is_active.is_(True))
    ).scalar_one_or_none()
    if unit is None:
        raise ValidationFailed({field: [f"单位代码 {code} 不存在。"]})
    return unit


def unit_covers(ancestor_id: int | None, unit_id: int | None) -> bool:
    """Whether ``unit_id`` is ``ancestor_id`` or one of its descendants."""
    if ancestor_id is None or unit_id is None:
        return False
    unit = db.session.get(Unit, unit_id)
    seen: set[int] = set()
    while unit is not None and unit.id not in seen:
        if unit.id == ancestor_id:
            return True
        seen.add(unit.id)
        unit = unit.parent
    return False


# --- permission and state checks ---------------------------------------------------------------


def _role_refusal(plugin, action: str, allowed) -> Forbidden:
    labels = "、".join(plugin._role_label_or_key(r) for r in sorted(allowed)) or "无"
    return Forbidden(
        f"您的角色无权执行「{ACTION_LABELS[action][0]}」（可执行的角色：{labels}）。",
        f"Your role may not perform {action!r} (allowed: {', '.join(sorted(allowed))}).",
        action=action,
    )


def check_role(incident: Incident, action: str, actor: Actor, *, unit_id: int | None = None):
    """403 unless the actor holds a role the incident's policy allows for ``action``.

    Someone acting only as a unit's handler may touch only incidents dispatched to their
    own unit or one below it.
    """
    plugin = plugin_of(incident)
    allowed = plugin.allowed_roles(action, incident.policy_params)
    held = actor.roles & allowed
    if not held:
        raise _role_refusal(plugin, action, allowed)
    if held <= {"unit_handler"}:
        target = unit_id if unit_id is not None else incident.unit_id
        if not unit_covers(actor.unit_id, target):
            raise Forbidden(
                "只能处理交办给本单位的舆情。",
                "Unit handlers act only on incidents dispatched to their own unit.",
                action=action,
            )
    return plugin


def may(incident: Incident, action: str, actor: Actor) -> bool:
    try:
        check_role(incident, action, actor)
    except Forbidden:
        return False
    return True


def check_state(incident: Incident, action: str) -> None:
    states = TRANSITIONS[action][0]
    if incident.state not in states:
        raise Conflict(
            f"事件当前处于「{STATE_LABELS[incident.state]}」状态，"
            f"不能执行「{ACTION_LABELS[action][0]}」。",
            f"The incident is {incident.state!r}; {action!r} is not allowed now.",
            state=incident.state,
            allowed_actions=actions_allowed_in(incident.state),
        )


def allowed_actions(incident: Incident, actor: Actor | None) -> list[str]:
    """Actions this actor may take now (state and role; the archive guard included)."""
    if actor is None:
        return []
    result = []
    for action in actions_allowed_in(incident.state):
        if not may(incident, action, actor):
            continue
        if action == "escalate" and _grade_index(incident) == len(plugin_of(incident).grades) - 1:
            continue
        if action == "archive" and _review_missing(incident):
            continue
        result.append(action)
    return result


STATE_LABELS = {
    "detected": "已发现",
    "reported": "已报送",
    "assessed": "已研判",
    "dispatched": "已交办",
    "verifying": "核实中",
    "verified": "已核实",
    "resolved": "已办结",
    "tracking": "跟踪中",
    "subsided": "已平息",
    "reviewed": "已总结",
    "archived": "已归档",
}


# --- helpers ---------------------------------------------------------------------------------


def _view(incident: Incident) -> dict:
    """What an audit event records before and after a change."""
    return {
        "state": incident.state,
        "grade": incident.grade_code,
        "severity": incident.severity,
        "category": incident.category,
        "unit_id": incident.unit_id,
        "flags": list(incident.priority_flags or []),
    }


def _load(schema_cls, body: dict | None) -> dict:
    try:
        return schema_cls().load(body or {})
    except ValidationError as exc:
        raise validation_failed(exc.messages) from exc


def _changed(incident: Incident, action: str, actor: Actor, at: datetime, kind=None) -> None:
    db.session.flush()
    hooks.incident_changed.send(incident, action=action, actor=actor, at=at, statement_kind=kind)


def _grade_index(incident: Incident) -> int:
    codes = [g.code for g in plugin_of(incident).grades]
    return codes.index(incident.grade_code)


def _review_missing(incident: Incident) -> bool:
    return plugin_of(incident).review_required(incident.grade_code) and not incident.reviews


def _set_grade(
    incident: Incident, grade, *, actor: Actor, reason: str, automatic: bool, at: datetime
) -> IncidentGradeChange:
    change = IncidentGradeChange(
        tenant_id=incident.tenant_id,
        incident=incident,
        from_grade=incident.grade_code,
        to_grade=grade.code,
        from_severity=incident.severity,
        to_severity=grade.severity,
        reason=reason,
        automatic=automatic,
        actor_label=actor.label,
        actor_name=actor.name,
        at=at,
    )
    db.session.add(change)
    incident.grade_code = grade.code
    incident.grade_label = grade.label_zh
    incident.severity = grade.severity
    return change


# --- creation and metrics ----------------------------------------------------------------------


def new_incident(
    *,
    actor: Actor,
    snapshot: dict,
    title: str,
    summary: str,
    metrics: dict,
    fingerprint: list[int],
    posted_at: datetime | None,
    discovered_at: datetime,
    occurred_at: datetime | None,
) -> Incident:
    """Open an incident for a new story (called by signal ingestion after its checks)."""
    plugin = get_plugin(snapshot["key"])
    grade = plugin.grade_for(metrics, snapshot["params"])
    now = utcnow()
    incident = Incident(
        tenant_id=actor.tenant_id,
        title=title,
        summary=summary,
        state="detected",
        grade_code=grade.code,
        grade_label=grade.label_zh,
        severity=grade.severity,
        policy_key=snapshot["key"],
        policy_version=snapshot["version"],
        policy_params=snapshot["params"],
        metrics=metrics,
        manual_metrics={},
        story_fingerprint=fingerprint,
        posted_at=posted_at,
        discovered_at=discovered_at,
        occurred_at=occurred_at or posted_at or discovered_at,
        created_at=now,
        created_by=actor.label,
        priority_flags=[],
    )
    db.session.add(incident)
    db.session.flush()
    record_event(
        "incident.create",
        actor=actor,
        subject=incident,
        after=_view(incident),
        data={
            "title": title,
            "metrics": metrics,
            "policy": {"key": incident.policy_key, "version": incident.policy_version},
        },
        at=now,
    )
    hooks.incident_created.send(incident, actor=actor, at=now)
    return incident


def refresh_metrics(
    incident: Incident,
    *,
    actor: Actor,
    observed: dict,
    signal=None,
    manual: bool = False,
    at: datetime | None = None,
) -> bool:
    """Recompute the incident's effective metrics after a new observation and regrade.

    Answers whether the grade rose. A rise is automatic and recorded (grade history and an
    audit event by the system); a lower computed grade changes nothing.
    """
    at = at or utcnow()
    from yuqing.signals.models import MetricSnapshot

    if manual:
        incident.manual_metrics = merge_max(incident.manual_metrics or {}, observed)
    before = dict(incident.metrics or {})
    effective = merge_max(aggregate([s.metrics for s in incident.signals]), incident.manual_metrics)
    incident.metrics = effective
    db.session.add(
        MetricSnapshot(
            tenant_id=incident.tenant_id,
            incident_id=incident.id,
            signal_id=signal.id if signal is not None else None,
            taken_at=at,
            metrics=observed,
            effective=effective,
        )
    )
    plugin = plugin_of(incident)
    inputs = dict(effective)
    # The plan's "+1 when mishandled" applies once, when the office raises the flag.
    if newly_raised_flags(before, effective):
        inputs["previous_grade"] = incident.grade_code
    grade = plugin.grade_for(inputs, incident.policy_params)
    codes = [g.code for g in plugin.grades]
    rose = codes.index(grade.code) > codes.index(incident.grade_code)
    if rose:
        system = system_actor(incident.tenant_id)
        old = _view(incident)
        _set_grade(
            incident,
            grade,
            actor=system,
            reason="指标达到更高等级标准（自动升级）",
            automatic=True,
            at=at,
        )
        incident.add_flag("escalated")
        db.session.flush()
        record_event(
            "incident.grade_rise",
            actor=system,
            subject=incident,
            before=old,
            after=_view(incident),
            data={"metrics": effective, "trigger": actor.label},
            at=at,
        )
        _changed(incident, "grade_rise", system, at)
    _changed(incident, "metrics", actor, at)
    return rose


def post_metrics(incident: Incident, *, actor: Actor, metrics: dict) -> Incident:
    """A new metrics snapshot for the incident as a whole (``POST …/metrics``)."""
    plugin = plugin_of(incident)
    allowed = set()
    for action in METRICS_ACTIONS:
        allowed |= plugin.allowed_roles(action, incident.policy_params)
    if not actor.roles & allowed:
        raise _role_refusal(plugin, "report", allowed)
    if incident.state == "archived":
        raise Conflict(
            "已归档的事件不能再更新指标。",
            "An archived incident takes no more metrics.",
            state=incident.state,
            allowed_actions=actions_allowed_in(incident.state),
        )
    observed = validate_metrics(metrics)
    now = utcnow()
    record_event(
        "incident.metrics",
        actor=actor,
        subject=incident,
        before={"metrics": incident.metrics},
        data={"observed": observed},
        at=now,
    )
    refresh_metrics(incident, actor=actor, observed=observed, manual=True, at=now)
    return incident


# --- lifecycle actions ------------------------------------------------------------------------


def perform_action(incident: Incident, action: str, *, actor: Actor, body: dict | None = None):
    """Run a lifecycle action by name: the API's ``POST …/actions/{action}``."""
    from yuqing.incidents import schemas

    if action not in TRANSITIONS:
        raise NotFound(f"未知的操作：{action}", f"Unknown action {action!r}.")
    check_role(incident, action, actor)
    check_state(incident, action)
    data = _load(schemas.ACTION_SCHEMAS[action], body)
    handler = _HANDLERS[action]
    now = utcnow()
    before = _view(incident)
    extra = handler(incident, actor=actor, data=data, at=now) or {}
    incident.state = target_state(action, incident.state)
    incident.updated_at = now
    db.session.flush()
    record_event(
        f"incident.{action}",
        actor=actor,
        subject=incident,
        before=before,
        after=_view(incident),
        data={**data, **extra},
        at=now,
    )
    _changed(incident, action, actor, now)
    return incident


def _report(incident, *, actor, data, at):
    incident.reported_at = at


def _assess(incident, *, actor, data, at):
    plugin = plugin_of(incident)
    codes = {c.code for c in plugin.categories}
    if data["category"] not in codes:
        raise ValidationFailed(
            {"category": [f"未知的分类 {data['category']}（可选：{'、'.join(sorted(codes))}）。"]}
        )
    incident.category = data["category"]
    if data.get("unit"):
        # Set the relationship, not the key: a loaded ``incident.unit`` would stay stale.
        incident.unit = unit_by_code(data["unit"])
    if data.get("summary"):
        incident.summary = data["summary"]
    incident.assessed_at = at


def _dispatch(incident, *, actor, data, at):
    unit = unit_by_code(data["unit"])
    slip = DispatchSlip(
        tenant_id=incident.tenant_id,
        incident=incident,
        unit=unit,
        instructions=data.get("instructions") or "",
        sent_at=at,
        sent_by=actor.label,
    )
    db.session.add(slip)
    incident.unit = unit
    incident.dispatched_at = at
    db.session.flush()
    return {"slip_id": slip.id}


def _open_slip(incident: Incident, *, answered: bool = False) -> DispatchSlip:
    slip = incident.latest_slip
    if slip is None or (answered and slip.received_at is None):
        raise Conflict(
            "没有待处理的联系单。",
            "No open dispatch slip.",
            state=incident.state,
            allowed_actions=actions_allowed_in(incident.state),
        )
    return slip


def _acknowledge(incident, *, actor, data, at):
    slip = _open_slip(incident)
    slip.received_at = at
    slip.handler_user_id = actor.user_id
    slip.handler_label = actor.label
    slip.handler_name = actor.name
    return {"slip_id": slip.id}


def _verify(incident, *, actor, data, at):
    slip = _open_slip(incident, answered=True)
    slip.answered_at = at
    slip.result = data["result"]
    incident.verification_result = data["result"]
    incident.verified_at = at
    return {"slip_id": slip.id}


def _resolve(incident, *, actor, data, at):
    incident.outcome = data["outcome"]
    incident.closed_at = at


def _track(incident, *, actor, data, at):
    return None


def _subside(incident, *, actor, data, at):
    incident.subsided_at = at


def _review(incident, *, actor, data, at):
    review = Review(
        tenant_id=incident.tenant_id,
        incident=incident,
        summary=data["summary"],
        lessons=data.get("lessons") or "",
        author_label=actor.label,
        author_name=actor.name,
        created_at=at,
    )
    db.session.add(review)
    incident.reviewed_at = at
    db.session.flush()
    return {"review_id": review.id}


def _archive(incident, *, actor, data, at):
    if _review_missing(incident):
        raise Conflict(
            f"「{incident.grade_label}」舆情须先完成总结评估才能归档。",
            "An incident of this grade needs a written review before it is archived.",
            state=incident.state,
            allowed_actions=[a for a in actions_allowed_in(incident.state) if a != "archive"],
        )
    incident.archived_at = at


def _escalate(incident, *, actor, data, at):
    plugin = plugin_of(incident)
    current = plugin.grade_by_code(incident.grade_code)
    higher = plugin.grade_above(current)
    if higher.code == current.code:
        raise Conflict(
            "已是最高等级，不能再升级。",
            "The incident already has the highest grade.",
            state=incident.state,
            allowed_actions=actions_allowed_in(incident.state),
        )
    change = _set_grade(
        incident, higher, actor=actor, reason=data["reason"], automatic=False, at=at
    )
    incident.add_flag("escalated")
    db.session.flush()
    return {"grade_change_id": change.id}


def _downgrade(incident, *, actor, data, at):
    plugin = plugin_of(incident)
    codes = [g.code for g in plugin.grades]
    if data["grade"] not in codes:
        raise ValidationFailed(
            {"grade": [f"未知的等级 {data['grade']}（可选：{'、'.join(codes)}）。"]}
        )
    if codes.index(data["grade"]) >= codes.index(incident.grade_code):
        raise ValidationFailed({"grade": ["降级后的等级必须低于当前等级。"]})
    change = _set_grade(
        incident,
        plugin.grade_by_code(data["grade"]),
        actor=actor,
        reason=data["reason"],
        automatic=False,
        at=at,
    )
    db.session.flush()
    return {"grade_change_id": change.id}


def _notify_up(incident, *, actor, data, at):
    # The first report meets the deadline; every report stays on the record.
    if incident.notified_up_at is None:
        incident.notified_up_at = at


def _refer(incident, *, actor, data, at):
    incident.referred_at = at
    incident.referral_authority = data["authority"]
    incident.referral_legal_basis = data["legal_basis"]
    incident.add_flag("referred")


def _reopen(incident, *, actor, data, at):
    incident.add_flag("reopened")
    # The closing milestones belong to the previous round; the audit chain keeps them.
    incident.subsided_at = None
    incident.archived_at = None


_HANDLERS = {
    "report": _report,
    "assess": _assess,
    "notify_up": _notify_up,
    "dispatch": _dispatch,
    "acknowledge": _acknowledge,
    "verify": _verify,
    "resolve": _resolve,
    "track": _track,
    "subside": _subside,
    "review": _review,
    "archive": _archive,
    "escalate": _escalate,
    "downgrade": _downgrade,
    "refer": _refer,
    "reopen": _reopen,
}

# Named operations for the web UI (same checks, same events as the API's action endpoint).


def report_incident(incident, *, actor, note=None):
    return perform_action(incident, "report", actor=actor, body=_body(note=note))


def assess_incident(incident, *, actor, category, unit=None, summary=None):
    return perform_action(
        incident, "assess", actor=actor, body=_body(category=category, unit=unit, summary=summary)
    )


def dispatch_incident(incident, *, actor, unit, instructions=None):
    return perform_action(
        incident, "dispatch", actor=actor, body=_body(unit=unit, instructions=instructions)
    )


def acknowledge_incident(incident, *, actor):
    return perform_action(incident, "acknowledge", actor=actor)


def verify_incident(incident, *, actor, result):
    return perform_action(incident, "verify", actor=actor, body={"result": result})


def resolve_incident(incident, *, actor, outcome):
    return perform_action(incident, "resolve", actor=actor, body={"outcome": outcome})


def track_incident(incident, *, actor, note=None):
    return perform_action(incident, "track", actor=actor, body=_body(note=note))


def subside_incident(incident, *, actor, note=None):
    return perform_action(incident, "subside", actor=actor, body=_body(note=note))


def review_incident(incident, *, actor, summary, lessons=""):
    return perform_action(
        incident, "review", actor=actor, body={"summary": summary, "lessons": lessons}
    )


def archive_incident(incident, *, actor):
    return perform_action(incident, "archive", actor=actor)


def escalate_incident(incident, *, actor, reason):
    return perform_action(incident, "escalate", actor=actor, body={"reason": reason})


def downgrade_incident(incident, *, actor, grade, reason):
    return perform_action(
        incident, "downgrade", actor=actor, body={"grade": grade, "reason": reason}
    )


def notify_up_incident(incident, *, actor, recipients, channel=None):
    return perform_action(
        incident, "notify_up", actor=actor, body=_body(recipients=recipients, channel=channel)
    )


def refer_incident(incident, *, actor, authority, legal_basis):
    return perform_action(
        incident, "refer", actor=actor, body={"authority": authority, "legal_basis": legal_basis}
    )


def reopen_incident(incident, *, actor, reason):
    return perform_action(incident, "reopen", actor=actor, body={"reason": reason})


def _body(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


# --- dispatch slips ---------------------------------------------------------------------------


def acknowledge_slip(incident: Incident, slip: DispatchSlip, *, actor: Actor) -> DispatchSlip:
    """The unit's handler signs for the 联系单 (the ``slip_received_at`` anchor)."""
    check_role(incident, "acknowledge", actor, unit_id=slip.unit_id)
    if slip is not incident.latest_slip or slip.received_at is not None:
        raise Conflict(
            "该联系单已签收或已被新的联系单取代。",
            "This slip was already acknowledged or superseded.",
            state=incident.state,
            allowed_actions=actions_allowed_in(incident.state),
        )
    perform_action(incident, "acknowledge", actor=actor)
    return slip


def answer_slip(
    incident: Incident, slip: DispatchSlip, *, actor: Actor, result: str
) -> DispatchSlip:
    """The unit returns its verification result (情况核实结果) on the 联系单."""
    check_role(incident, "verify", actor, unit_id=slip.unit_id)
    if slip is not incident.latest_slip or slip.answered_at is not None:
        raise Conflict(
            "该联系单已反馈或已被新的联系单取代。",
            "This slip was already answered or superseded.",
            state=incident.state,
            allowed_actions=actions_allowed_in(incident.state),
        )
    perform_action(incident, "verify", actor=actor, body={"result": result})
    return slip


# --- statements (统一口径) ----------------------------------------------------------------------


def _check_statement_state(incident: Incident, statement: Statement | None = None) -> None:
    if incident.state not in STATEMENT_OPEN_STATES:
        raise Conflict(
            f"事件处于「{STATE_LABELS[incident.state]}」状态，不能处理回应稿"
            "（研判定级后方可发布首次回应）。",
            f"Statements are not possible while the incident is {incident.state!r}.",
            state=incident.state,
            allowed_actions=actions_allowed_in(incident.state),
        )
    if statement is not None and statement.state == "published":
        raise Conflict(
            "回应稿已发布，内容已锁定。",
            "The statement is published and locked.",
            state=incident.state,
            allowed_actions=actions_allowed_in(incident.state),
        )


def _statement_view(statement: Statement) -> dict:
    return {
        "statement_id": statement.id,
        "kind": statement.kind,
        "state": statement.state,
        "version": statement.current_version,
    }


def required_approvals(incident: Incident, kind: str) -> tuple[str, ...]:
    """Roles that must approve a statement of ``kind`` at the incident's *current* grade."""
    return plugin_of(incident).approval_roles(incident.grade_code, kind, incident.policy_params)


def missing_approvals(incident: Incident, statement: Statement) -> list[str]:
    approved = {a.role for a in statement.approvals_of_current()}
    return [r for r in required_approvals(incident, statement.kind) if r not in approved]


def create_statement(incident: Incident, *, actor: Actor, kind: str, text: str) -> Statement:
    check_role(incident, "draft_statement", actor)
    _check_statement_state(incident)
    now = utcnow()
    statement = Statement(
        tenant_id=incident.tenant_id,
        incident=incident,
        kind=kind,
        state="draft",
        current_version=1,
        created_at=now,
        created_by=actor.label,
    )
    db.session.add(statement)
    db.session.flush()
    db.session.add(
        StatementVersion(
            tenant_id=incident.tenant_id,
            statement=statement,
            number=1,
            text=text,
            author_label=actor.label,
            author_name=actor.name,
            created_at=now,
            diff="",
        )
    )
    db.session.flush()
    record_event(
        "statement.create",
        actor=actor,
        subject=statement,
        after=_statement_view(statement),
        data={"incident_id": incident.id, "text": text},
        at=now,
    )
    return statement


def add_statement_version(
    incident: Incident, statement: Statement, *, actor: Actor, text: str
) -> StatementVersion:
    """A new text; approvals given to the previous version no longer count."""
    check_role(incident, "draft_statement", actor)
    _check_statement_state(incident, statement)
    now = utcnow()
    previous = statement.current
    diff = "\n".join(
        difflib.unified_diff(
            previous.text.splitlines(),
            text.splitlines(),
            fromfile=f"v{previous.number}",
            tofile=f"v{previous.number + 1}",
            lineterm="",
        )
    )
    before = _statement_view(statement)
    version = StatementVersion(
        tenant_id=incident.tenant_id,
        statement=statement,
        number=previous.number + 1,
        text=text,
        author_label=actor.label,
        author_name=actor.name,
        created_at=now,
        diff=diff,
    )
    db.session.add(version)
    statement.current_version = version.number
    statement.state = "draft"
    db.session.flush()
    record_event(
        "statement.version",
        actor=actor,
        subject=statement,
        before=before,
        after=_statement_view(statement),
        data={"incident_id": incident.id, "text": text, "diff": diff},
        at=now,
    )
    return version


def approve_statement(incident: Incident, statement: Statement, *, actor: Actor) -> Statement:
    """Approve the current version under each required role the approver holds."""
    plugin = check_role(incident, "approve_statement", actor)
    _check_statement_state(incident, statement)
    required = required_approvals(incident, statement.kind)
    done = {a.role for a in statement.approvals_of_current()}
    if required:
        roles = [r for r in required if r in actor.roles and r not in done]
        if not roles:
            if any(r in actor.roles for r in required):
                raise Conflict(
                    "您已审定当前版本。",
                    "You already approved this version.",
                    state=incident.state,
                    allowed_actions=actions_allowed_in(incident.state),
                )
            labels = "、".join(plugin._role_label_or_key(r) for r in required)
            raise Forbidden(
                f"该等级的{STATEMENT_KIND_LABELS[statement.kind][0]}须由{labels}审定。",
                f"This statement must be approved by: {', '.join(required)}.",
                missing_roles=[r for r in required if r not in done],
            )
    else:
        held = sorted(
            actor.roles & plugin.allowed_roles("approve_statement", incident.policy_params)
        )
        roles = [held[0]] if held and held[0] not in done else []
        if not roles:
            raise Conflict(
                "您已审定当前版本。",
                "You already approved this version.",
                state=incident.state,
                allowed_actions=actions_allowed_in(incident.state),
            )
    now = utcnow()
    before = _statement_view(statement)
    for role in roles:
        db.session.add(
            StatementApproval(
                tenant_id=incident.tenant_id,
                statement=statement,
                version=statement.current_version,
                role=role,
                approver_label=actor.label,
                approver_name=actor.name,
                approved_at=now,
            )
        )
    db.session.flush()
    if not missing_approvals(incident, statement):
        statement.state = "approved"
    db.session.flush()
    record_event(
        "statement.approve",
        actor=actor,
        subject=statement,
        before=before,
        after=_statement_view(statement),
        data={
            "incident_id": incident.id,
            "roles": roles,
            "version": statement.current_version,
            "grade": incident.grade_code,
        },
        at=now,
    )
    return statement


def _refuse_publish(incident, statement, actor, *, reason: str, missing=(), at) -> None:
    record_event(
        "statement.publish_refused",
        actor=actor,
        subject=statement,
        data={
            "incident_id": incident.id,
            "reason": reason,
            "missing_roles": list(missing),
            "grade": incident.grade_code,
            "kind": statement.kind,
            "version": statement.current_version,
            "actor_roles": sorted(actor.roles),
        },
        at=at,
    )


def publish_statement(incident: Incident, statement: Statement, *, actor: Actor) -> Statement:
    """Publish the current version, locking its text. Without the approvals the incident's
    current grade requires, the attempt is recorded (「未经批准擅自对外发布」) and refused with
    :class:`PublishRefused`; the caller commits before answering."""
    now = utcnow()
    try:
        check_role(incident, "publish_statement", actor)
    except Forbidden as exc:
        _refuse_publish(incident, statement, actor, reason="role", at=now)
        raise PublishRefused(exc.message_zh, exc.message_en, **exc.details) from None
    _check_statement_state(incident, statement)
    missing = missing_approvals(incident, statement)
    if missing:
        _refuse_publish(incident, statement, actor, reason="approvals", missing=missing, at=now)
        plugin = plugin_of(incident)
        labels = "、".join(plugin._role_label_or_key(r) for r in missing)
        raise PublishRefused(
            f"未经批准不得对外发布：当前等级「{incident.grade_label}」的"
            f"{STATEMENT_KIND_LABELS[statement.kind][0]}还需{labels}审定。此次尝试已记录。",
            "Publishing needs the approvals the incident's grade requires; "
            "the attempt was recorded.",
            missing_roles=missing,
        )
    before = _statement_view(statement)
    statement.state = "published"
    statement.published_at = now
    statement.published_by = actor.name
    statement.published_text = statement.current.text
    statement.published_grade = incident.grade_code
    db.session.flush()
    record_event(
        "statement.publish",
        actor=actor,
        subject=statement,
        before=before,
        after=_statement_view(statement),
        data={
            "incident_id": incident.id,
            "text": statement.published_text,
            "grade": incident.grade_code,
            "approvals": [
                {"role": a.role, "approver": a.approver_name, "at": a.approved_at}
                for a in statement.approvals_of_current()
            ],
        },
        at=now,
    )
    _changed(incident, "publish_statement", actor, now, kind=statement.kind)
    return statement


@dataclass
class StatementStatus:
    required: tuple[str, ...]
    missing: list[str]


def statement_status(incident: Incident, statement: Statement) -> StatementStatus:
    return StatementStatus(
        required_approvals(incident, statement.kind), missing_approvals(incident, statement)
    )
