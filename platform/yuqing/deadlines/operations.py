"""The deadline engine: compute, meet, pre-warn, breach and escalate. Operations flush; the
caller (a route, a job, the lifecycle operation that sent the signal) commits.

Every function that depends on the time takes ``now`` explicitly, so tests freeze the clock by
passing it rather than by patching ``datetime``.

Decisions worth knowing:

* **Rules come from the incident's snapshot** (plugin key + resolved parameters frozen at
  creation), never from the tenant's current choice (ARCHITECTURE §3).
* **Every rule is its own deadline** (unique ``(incident_id, stage, rule_key)``). A plan may set
  several limits for one stage (篇四 一级: 手机快报 in 30 minutes, 纸质快报 in an hour, the
  unit's report to the 党总支 in 30 minutes); each gets a row, identified within the stage by
  ``models.deadline_rule_key`` (stage + anchor + responsible role + label, hashed), which
  leaves out the limit and the grade so that a recomputation or a grade change finds the same
  row for the same obligation. Reaching the stage meets all its rows at that moment: the ones
  already past due are met late (a breach and an entry each, without escalation), the others
  in time.
* **Grade changes only tighten.** A grade rise recomputes every open deadline and moves it
  earlier at once. A downgrade never moves an open deadline later: the clock already started
  under the stricter rule, the plans punish 迟报 rather than acting early, and loosening would
  let anyone escape a breach by downgrading just before it. A met deadline stays met. For the
  same reason a row whose rule the new grade no longer has is **kept** as it is (open, with
  its timers, met when its stage is reached): it was an obligation when its clock started, and
  dropping it would let a downgrade erase it.
* **Met is read from the incident's own milestones** (``reported_at``, ``verified_at``, the first
  published statement …), so a missed signal or a replay cannot leave a stage open. A holding
  reply (首次回应) is met by the first statement of any kind; ``respond`` by a reply or a press
  release.
* **A breach is recorded exactly once** by ``UPDATE … SET breached_at WHERE breached_at IS NULL``:
  under concurrent workers on PostgreSQL the second UPDATE waits for the first transaction and
  then matches no row; the accountability entry is unique per deadline as a second guard.
* **A stage met late** without a recorded breach (a lost timer) is still recorded as a breach
  with its real lateness, without escalating (there is nothing left to chase).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yuqing.accounts.actor import Actor, system_actor
from yuqing.accounts.models import Membership
from yuqing.audit.operations import record_event
from yuqing.db_types import utcnow
from yuqing.deadlines.calendar import TenantCalendar, compute_due
from yuqing.deadlines.models import (
    AccountabilityEntry,
    CalendarOverride,
    Deadline,
    deadline_rule_key,
)
from yuqing.errors import Conflict, Forbidden, NotFound
from yuqing.extensions import db
from yuqing.policy import get_plugin
from yuqing.policy.labels import STAGE_LABELS, within_json
from yuqing.tenancy.models import Tenant

log = logging.getLogger(__name__)

#: Lifecycle actions that meet a stage by themselves (the milestone timestamps usually say so
#: already; this covers an action whose milestone the lifecycle does not stamp).
ACTION_STAGES = {
    "report": "report",
    "assess": "assess",
    "notify_up": "notify_up",
    "dispatch": "dispatch",
    "acknowledge": "acknowledge",
    "verify": "verify",
    "resolve": "resolve",
    "review": "review",
}
#: Statement kinds and the stages their publication meets.
STATEMENT_STAGES = {
    "holding_reply": ("holding_reply",),
    "reply": ("holding_reply", "respond"),
    "press_release": ("holding_reply", "respond"),
}
#: Incident states in which an unmet report deadline becomes 漏报 rather than 迟报.
TERMINAL_STATES = ("subsided", "reviewed", "archived")

#: Reminders to the top of the ladder after its last step, before the platform stops chasing
#: (an abandoned incident must not page its leaders forever; the breach stays on record).
EXTRA_TOP_REMINDERS = 3

#: Roles that may acknowledge any breach besides the responsible role and the ladder's steps.
ACKNOWLEDGE_ROLES = ("office", "leader", "tenant_admin")


# --- calendar ---------------------------------------------------------------------------------


def calendar_overrides() -> dict[date, bool]:
    rows = db.session.execute(sa.select(CalendarOverride.day, CalendarOverride.is_working_day))
    return {day: worked for day, worked in rows}


def tenant_calendar(tenant: Tenant) -> TenantCalendar:
    """The tenant's clock: its time zone plus the platform-wide override table."""
    return TenantCalendar(tenant.timezone or "Asia/Shanghai", calendar_overrides())


# --- reading the incident -------------------------------------------------------------------


def _slip_received_times(incident) -> list[datetime]:
    # Queried rather than read from ``incident.slips``: a collection loaded earlier in the
    # transaction does not see a slip the lifecycle added by ``session.add``.
    from yuqing.incidents.models import DispatchSlip

    return list(
        db.session.execute(
            sa.select(DispatchSlip.received_at).where(
                DispatchSlip.incident_id == incident.id, DispatchSlip.received_at.is_not(None)
            )
        ).scalars()
    )


def anchor_value(incident, anchor: str) -> datetime | None:
    """The time an anchor names, or None while it is unknown (no slip received yet …)."""
    if anchor == "slip_received_at":
        times = _slip_received_times(incident)
        return max(times) if times else None
    return getattr(incident, anchor, None)


def _first_statement_at(incident, kinds) -> datetime | None:
    from yuqing.incidents.models import Statement

    return db.session.execute(
        sa.select(sa.func.min(Statement.published_at)).where(
            Statement.incident_id == incident.id,
            Statement.published_at.is_not(None),
            Statement.kind.in_(list(kinds)),
        )
    ).scalar()


def stage_met_at(incident, stage: str) -> datetime | None:
    """When the incident reached ``stage``, read from its milestones."""
    if stage == "holding_reply":
        return _first_statement_at(incident, STATEMENT_STAGES.keys())
    if stage == "respond":
        return _first_statement_at(incident, ("reply", "press_release"))
    if stage == "acknowledge":
        times = _slip_received_times(incident)
        return min(times) if times else None
    milestone = {
        "report": "reported_at",
        "assess": "assessed_at",
        "notify_up": "notified_up_at",
        "dispatch": "dispatched_at",
        "verify": "verified_at",
        "resolve": "closed_at",
        "review": "reviewed_at",
    }.get(stage)
    return getattr(incident, milestone, None) if milestone else None


def _stages_met_by(action: str | None, statement_kind: str | None) -> tuple[str, ...]:
    if action == "publish_statement":
        return STATEMENT_STAGES.get(statement_kind or "", ())
    stage = ACTION_STAGES.get(action or "")
    return (stage,) if stage else ()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- computing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Computed:
    rule: object
    anchor_at: datetime
    due_at: datetime


def _plugin_and_params(incident):
    return get_plugin(incident.policy_key), incident.policy_params or {}


def rule_key(rule) -> str:
    """The key of a policy ``DeadlineRule`` within its stage (``models.deadline_rule_key``)."""
    return deadline_rule_key(rule.stage, rule.anchor, rule.actor_role, rule.label_zh)


def compute_deadlines(incident, calendar: TenantCalendar) -> dict[tuple[str, str], _Computed]:
    """(stage, rule key) → each rule whose anchor is known, with its due time.

    Two rules with the same key (the same obligation listed twice) keep the tighter one.
    """
    plugin, params = _plugin_and_params(incident)
    computed: dict[tuple[str, str], _Computed] = {}
    for rule in plugin.deadline_rules(incident.grade_code, params):
        anchor_at = _aware(anchor_value(incident, rule.anchor))
        if anchor_at is None:
            continue
        due_at = compute_due(rule.within, anchor_at, calendar)
        key = (rule.stage, rule_key(rule))
        current = computed.get(key)
        if current is None or due_at < current.due_at:
            computed[key] = _Computed(rule, anchor_at, due_at)
    return computed


def _load_deadlines(incident_id: int) -> dict[tuple[str, str], Deadline]:
    rows = db.session.execute(
        sa.select(Deadline).where(Deadline.incident_id == incident_id).order_by(Deadline.id)
    ).scalars()
    return {(row.stage, row.rule_key): row for row in rows}


def _apply_rule(row: Deadline, computed: _Computed, grade_code: str) -> None:
    rule = computed.rule
    row.anchor = rule.anchor
    row.anchor_at = computed.anchor_at
    row.grade_code = grade_code
    row.within = within_json(rule.within)
    row.label_zh = rule.label_zh
    row.label_en = rule.label_en
    row.rule_source = rule.source
    row.actor_role = rule.actor_role
    row.due_at = computed.due_at


def sync_deadlines(
    incident,
    *,
    now: datetime | None = None,
    action: str | None = None,
    statement_kind: str | None = None,
    at: datetime | None = None,
) -> list[Deadline]:
    """Bring the incident's deadlines in line with its grade, anchors and milestones.

    Creates deadlines whose anchor became known, tightens open ones after a grade rise, marks
    met the stages the incident has reached (``action``/``statement_kind`` cover a stage whose
    milestone the lifecycle does not stamp, met at ``at``), and schedules or cancels their
    timers after commit. Idempotent: calling it twice changes nothing the second time.
    """
    now = now or utcnow()
    tenant = db.session.get(Tenant, incident.tenant_id)
    calendar = tenant_calendar(tenant)
    computed = compute_deadlines(incident, calendar)
    rows = _load_deadlines(incident.id)
    acted = set(_stages_met_by(action, statement_kind))
    touched: list[Deadline] = []

    for key, target in computed.items():
        row = rows.get(key)
        if row is None:
            stage, key_of_rule = key
            row = Deadline(
                tenant_id=incident.tenant_id,
                incident_id=incident.id,
                stage=stage,
                rule_key=key_of_rule,
                escalation_level=0,
            )
            _apply_rule(row, target, incident.grade_code)
            db.session.add(row)
            rows[key] = row
            touched.append(row)
        elif row.met_at is None and target.due_at < row.due_at:
            # A grade rise (or an earlier anchor) tightens an open deadline at once.
            _apply_rule(row, target, incident.grade_code)
            touched.append(row)
    db.session.flush()

    # Reaching a stage meets every row of it (every rule of the stage) at the same moment.
    reached: dict[str, datetime | None] = {}
    for row in rows.values():
        if row.met_at is not None:
            continue
        stage = row.stage
        if stage not in reached:
            met_at = _aware(stage_met_at(incident, stage))
            if met_at is None and stage in acted:
                met_at = _aware(at) or now
            reached[stage] = met_at
        met_at = reached[stage]
        if met_at is None:
            continue
        if met_at > row.due_at and row.breached_at is None:
            breach_deadline(row.id, now=max(now, met_at), escalate=False, met_at=met_at)
            db.session.refresh(row)
        row.met_at = met_at
        _close_accountability(row, met_at)
        if row not in touched:
            touched.append(row)

    if incident.state in TERMINAL_STATES:
        _report_stages_never_met(rows.values())

    db.session.flush()
    for row in touched:
        schedule_timers(row, incident)
    return sorted(rows.values(), key=lambda r: (r.due_at, r.id))


def _close_accountability(row: Deadline, met_at: datetime) -> None:
    entry = db.session.execute(
        sa.select(AccountabilityEntry).where(AccountabilityEntry.deadline_id == row.id)
    ).scalar_one_or_none()
    if entry is not None and entry.met_at is None:
        entry.met_at = met_at
        entry.lateness_seconds = max(0, int((met_at - row.due_at).total_seconds()))


def _report_stages_never_met(rows) -> None:
    # 漏报: the incident ended and the report the plan required was never made.
    for row in rows:
        if row.stage in ("report", "notify_up") and row.met_at is None and row.breached_at:
            entry = db.session.execute(
                sa.select(AccountabilityEntry).where(AccountabilityEntry.deadline_id == row.id)
            ).scalar_one_or_none()
            if entry is not None and entry.kind == "late_report":
                entry.kind = "missed_report"


# --- timers ------------------------------------------------------------------------------------


def _ladder(incident):
    plugin, params = _plugin_and_params(incident)
    return plugin.escalation_ladder(params)


def _fractions(incident) -> tuple[float, ...]:
    plugin, params = _plugin_and_params(incident)
    return plugin.prewarn_fractions(params)


def max_escalation_level(incident) -> int:
    return len(_ladder(incident).steps) + EXTRA_TOP_REMINDERS


def warn_time(row: Deadline, fraction: float) -> datetime:
    return row.anchor_at + (row.due_at - row.anchor_at) * fraction


def schedule_timers(row: Deadline, incident) -> None:
    """Schedule (or cancel) the row's RQ timers once the transaction commits."""
    from yuqing.deadlines import timers

    fractions = _fractions(incident)
    ladder = _ladder(incident)
    plan = timers.TimerPlan(
        tenant_id=row.tenant_id,
        deadline_id=row.id,
        handled=row.is_handled,
        breached=row.breached_at is not None,
        due_at=row.due_at,
        warnings=tuple(
            (f, warn_time(row, f)) for f in fractions if (row.prewarned_fraction or 0) < f
        ),
        all_fractions=fractions,
        escalation_level=row.escalation_level,
        next_escalation_at=(
            (row.last_escalated_at or row.breached_at) + ladder.cadence
            if row.breached_at and row.escalation_level < max_escalation_level(incident)
            else None
        ),
    )
    timers.schedule_after_commit(plan)


# --- pre-warnings, breaches, escalation ----------------------------------------------------------


def _incident_of(row: Deadline):
    from yuqing.incidents.models import Incident

    return db.session.get(Incident, row.incident_id)


def _reload(deadline_id: int) -> Deadline | None:
    return db.session.execute(
        sa.select(Deadline)
        .where(Deadline.id == deadline_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _incident_path(tenant: Tenant, incident_id: int) -> str:
    return f"/t/{tenant.slug}/incidents/{incident_id}"


def prewarn_deadline(deadline_id: int, *, now: datetime) -> float | None:
    """Send the highest pre-warning whose time has come and was not sent yet.

    A stale lower fraction is skipped (the sweeper after an outage sends one warning, not a
    burst). Answers the fraction sent, or None.
    """
    row = _reload(deadline_id)
    if row is None or row.met_at is not None or row.breached_at is not None:
        return None
    incident = _incident_of(row)
    due = [f for f in _fractions(incident) if warn_time(row, f) <= now]
    if not due:
        return None
    fraction = max(due)
    claimed = db.session.execute(
        sa.update(Deadline)
        .where(
            Deadline.id == deadline_id,
            Deadline.met_at.is_(None),
            Deadline.breached_at.is_(None),
            sa.or_(Deadline.prewarned_fraction.is_(None), Deadline.prewarned_fraction < fraction),
        )
        .values(prewarned_fraction=fraction)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    row = _reload(deadline_id)
    from yuqing.notifications.operations import notify

    tenant = db.session.get(Tenant, row.tenant_id)
    left = human_duration_zh((row.due_at - now).total_seconds())
    notify(
        tenant=tenant,
        kind="deadline_prewarn",
        title=f"【期限预警】{incident.title}：{row.label_zh}",
        body=f"「{row.label_zh}」将于 {_local_text(tenant, row.due_at)} 到期，剩余 {left}。"
        f"依据：{row.rule_source}",
        url=_incident_path(tenant, incident.id),
        roles=(row.actor_role,),
        unit_id=incident.unit_id,
        severity=incident.severity,
        incident_id=incident.id,
        deadline_id=row.id,
        dedupe_key=f"deadline:{row.id}:warn{round(fraction * 100)}",
        now=now,
    )
    return fraction


def breach_deadline(
    deadline_id: int, *, now: datetime, escalate: bool = True, met_at: datetime | None = None
) -> Deadline | None:
    """Record the breach of a deadline if it is due and unrecorded; answer it, or None.

    ``escalate=False`` records a stage met late (no ladder: nothing is left to chase).
    """
    conditions = [
        Deadline.id == deadline_id,
        Deadline.breached_at.is_(None),
        Deadline.due_at <= now,
    ]
    if met_at is None:
        conditions.append(Deadline.met_at.is_(None))
    result = db.session.execute(
        sa.update(Deadline)
        .where(*conditions)
        .values(
            breached_at=now,
            escalation_level=1 if escalate else 0,
            last_escalated_at=now if escalate else None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    row = _reload(deadline_id)
    incident = _incident_of(row)
    tenant = db.session.get(Tenant, row.tenant_id)
    actor = system_actor(row.tenant_id)
    lateness = int(((met_at or now) - row.due_at).total_seconds())
    event = record_event(
        "deadline.breach",
        actor=actor,
        subject=("deadline", row.id),
        data={
            "incident_id": incident.id,
            "stage": row.stage,
            "label_zh": row.label_zh,
            "rule_source": row.rule_source,
            "actor_role": row.actor_role,
            "grade_code": row.grade_code,
            "anchor": row.anchor,
            "anchor_at": row.anchor_at,
            "due_at": row.due_at,
            "met_at": met_at,
            "lateness_seconds": lateness,
        },
        at=now,
    )
    _system_accountability_entry(row, incident, event, lateness=lateness, met_at=met_at, now=now)
    if escalate:
        incident.add_flag("overdue")
        _notify_escalation(row, incident, tenant, level=1, now=now)
    db.session.flush()
    schedule_timers(row, incident)
    return row


def escalate_deadline(deadline_id: int, level: int, *, now: datetime) -> bool:
    """Climb to ``level`` if the cadence has passed and nobody handled the breach."""
    row = _reload(deadline_id)
    if row is None or row.breached_at is None or row.is_handled:
        return False
    incident = _incident_of(row)
    cadence = _ladder(incident).cadence
    if level != row.escalation_level + 1 or level > max_escalation_level(incident):
        return False
    last = row.last_escalated_at or row.breached_at
    if last + cadence > now:
        return False
    claimed = db.session.execute(
        sa.update(Deadline)
        .where(
            Deadline.id == deadline_id,
            Deadline.escalation_level == level - 1,
            Deadline.met_at.is_(None),
            Deadline.acknowledged_at.is_(None),
        )
        .values(escalation_level=level, last_escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    row = _reload(deadline_id)
    tenant = db.session.get(Tenant, row.tenant_id)
    record_event(
        "deadline.escalate",
        actor=system_actor(row.tenant_id),
        subject=("deadline", row.id),
        data={
            "incident_id": incident.id,
            "stage": row.stage,
            "level": level,
            "role": _step_role(incident, level),
        },
        at=now,
    )
    if level >= len(_ladder(incident).steps):
        incident.add_flag("escalated_to_top")
    _notify_escalation(row, incident, tenant, level=level, now=now)
    db.session.flush()
    schedule_timers(row, incident)
    return True


def _step_role(incident, level: int) -> str:
    steps = _ladder(incident).steps or ("office",)
    return steps[min(level, len(steps)) - 1]


def _notify_escalation(row: Deadline, incident, tenant: Tenant, *, level: int, now) -> None:
    from yuqing.notifications.operations import notify

    role = _step_role(incident, level)
    # The first step also reminds whoever had to meet the deadline.
    roles = (row.actor_role, role) if level == 1 else (role,)
    overdue = human_duration_zh((now - row.due_at).total_seconds())
    title = (
        f"【已超时】{incident.title}：{row.label_zh}"
        if level == 1
        else f"【督办·第{level}次】{incident.title}：{row.label_zh}"
    )
    notify(
        tenant=tenant,
        kind="deadline_breach" if level == 1 else "escalation",
        title=title,
        body=(
            f"「{row.label_zh}」已于 {_local_text(tenant, row.due_at)} 到期，已超时 {overdue}，"
            f"尚未办结。依据：{row.rule_source}。请签收督办或尽快办理。"
        ),
        url=_incident_path(tenant, incident.id),
        roles=roles,
        unit_id=incident.unit_id,
        severity=incident.severity,
        incident_id=incident.id,
        deadline_id=row.id,
        dedupe_key=f"deadline:{row.id}:escalate{level}",
        now=now,
    )


def acknowledge_deadline(deadline: Deadline, *, actor: Actor, now: datetime | None = None):
    """Someone takes charge of a breach: the ladder stops (the deadline stays breached)."""
    now = now or utcnow()
    incident = _incident_of(deadline)
    allowed = {deadline.actor_role, *_ladder(incident).steps, *ACKNOWLEDGE_ROLES}
    if not actor.has_role(*allowed):
        raise Forbidden("无权签收此督办。", "You may not acknowledge this escalation.")
    if deadline.breached_at is None:
        raise Conflict("该期限尚未超时，无需签收。", "The deadline is not breached.")
    if deadline.is_handled:
        raise Conflict("该督办已签收或已办结。", "Already acknowledged or met.")
    deadline.acknowledged_at = now
    deadline.acknowledged_by_id = actor.user_id
    record_event(
        "deadline.acknowledge",
        actor=actor,
        subject=("deadline", deadline.id),
        data={
            "incident_id": deadline.incident_id,
            "stage": deadline.stage,
            "level": deadline.escalation_level,
        },
        at=now,
    )
    db.session.flush()
    schedule_timers(deadline, incident)
    return deadline


def deadline_or_404(deadline_id: int) -> Deadline:
    row = db.session.get(Deadline, deadline_id)
    if row is None:
        raise NotFound("期限不存在。", "No such deadline.")
    return row


# --- accountability from breaches ----------------------------------------------------------------


def accountability_kind(stage: str) -> str:
    if stage in ("report", "notify_up"):
        return "late_report"
    if stage in ("acknowledge", "verify"):
        return "missed_verification"
    if stage in ("holding_reply", "respond"):
        return "missed_response"
    return "missed_deadline"


def _members_with_role(role: str, unit_id: int | None = None) -> list[Membership]:
    rows = db.session.execute(sa.select(Membership)).scalars().all()
    members = [m for m in rows if role in (m.roles or [])]
    if unit_id is not None:
        in_unit = [m for m in members if m.unit_id == unit_id]
        if in_unit:
            return in_unit
    return members


def responsible_for(row: Deadline, incident) -> tuple[int | None, int | None]:
    """(unit id, user id) answering for a deadline; either may be None when not unique.

    The report stage belongs to whoever entered the item; a unit's stages to the handler who
    signed the 联系单, else to the unit's only handler; other stages to the one member holding
    the role. Several candidates and no signature: the unit answers, no single person.
    """
    unit_id = incident.unit_id if row.actor_role == "unit_handler" else None
    if row.stage == "report" and (incident.created_by or "").startswith("user:"):
        user_id = int(incident.created_by.split(":", 1)[1])
    else:
        user_id = None
        if row.actor_role == "unit_handler":
            signed = [s.handler_user_id for s in incident.slips if s.handler_user_id]
            user_id = signed[-1] if signed else None
        if user_id is None:
            members = _members_with_role(row.actor_role, unit_id)
            if len(members) == 1:
                user_id = members[0].user_id
    if unit_id is None and user_id is not None:
        member = db.session.execute(
            sa.select(Membership).where(Membership.user_id == user_id)
        ).scalar_one_or_none()
        unit_id = member.unit_id if member else None
    return unit_id, user_id


def _breach_evidence(row, *, met_at, now) -> str:
    """The entry's evidence line, in the tenant's local time as people read it on paper."""
    tenant = db.session.get(Tenant, row.tenant_id)
    zone_name = "北京时间" if tenant.timezone in (None, "Asia/Shanghai") else tenant.timezone

    def local(moment: datetime) -> str:
        return _local_text(tenant, moment)

    stage = STAGE_LABELS.get(row.stage, (row.stage,))[0]
    outcome = f"实际于 {local(met_at)} 完成。" if met_at else f"至 {local(now)} 仍未完成。"
    return f"「{row.label_zh}」（{stage}）应于 {local(row.due_at)}（{zone_name}）前完成，{outcome}"


def _system_accountability_entry(row, incident, event, *, lateness, met_at, now):
    from yuqing.audit.operations import events_for

    proof = [e.id for e in events_for([("incident", incident.id)])[:1]]
    unit_id, person_id = responsible_for(row, incident)
    entry = AccountabilityEntry(
        tenant_id=row.tenant_id,
        kind=accountability_kind(row.stage),
        incident_id=incident.id,
        deadline_id=row.id,
        unit_id=unit_id,
        person_id=person_id,
        responsible_role=row.actor_role,
        rule_label_zh=row.label_zh,
        rule_source=row.rule_source,
        stage=row.stage,
        due_at=row.due_at,
        lateness_seconds=max(0, lateness),
        met_at=met_at,
        evidence=_breach_evidence(row, met_at=met_at, now=now),
        audit_event_ids=[*proof, event.id],
        created_by="system",
        created_by_name="系统",
        created_at=now,
    )
    # A SAVEPOINT, so that losing a race on the unique deadline_id leaves the caller's
    # transaction usable (the conditional UPDATE above makes that race near impossible).
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except sa.exc.IntegrityError:
        log.info("accountability entry for deadline %s already exists", row.id)
        return None
    return entry


# --- sweeping -----------------------------------------------------------------------------------


def sweep_tenant_deadlines(*, now: datetime) -> dict[str, int]:
    """Catch up everything a lost timer missed for the tenant in scope."""
    counts = {"breached": 0, "prewarned": 0, "escalated": 0}
    overdue = (
        db.session.execute(
            sa.select(Deadline.id).where(
                Deadline.met_at.is_(None), Deadline.breached_at.is_(None), Deadline.due_at <= now
            )
        )
        .scalars()
        .all()
    )
    for deadline_id in overdue:
        if breach_deadline(deadline_id, now=now) is not None:
            counts["breached"] += 1
    open_rows = (
        db.session.execute(
            sa.select(Deadline).where(
                Deadline.met_at.is_(None), Deadline.breached_at.is_(None), Deadline.due_at > now
            )
        )
        .scalars()
        .all()
    )
    for row in open_rows:
        elapsed = (
            (now - row.anchor_at) / (row.due_at - row.anchor_at)
            if row.due_at > row.anchor_at
            else 0
        )
        if (
            elapsed > 0
            and elapsed >= (row.prewarned_fraction or 0)
            and prewarn_deadline(row.id, now=now)
        ):
            counts["prewarned"] += 1
    breached = (
        db.session.execute(
            sa.select(Deadline).where(
                Deadline.met_at.is_(None),
                Deadline.breached_at.is_not(None),
                Deadline.acknowledged_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    for row in breached:
        if escalate_deadline(row.id, row.escalation_level + 1, now=now):
            counts["escalated"] += 1
    return counts


# --- presenting -----------------------------------------------------------------------------------


def human_duration_zh(seconds: float) -> str:
    """「2天3小时」, 「1小时5分钟」, 「45分钟」, 「不到1分钟」."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"
    if minutes:
        return f"{minutes}分钟"
    return "不到1分钟"


def human_duration_en(seconds: float) -> str:
    """The English of :func:`human_duration_zh`: "2 days 3 hours", "45 minutes" …"""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    if days:
        return f"{unit(days, 'day')} {unit(hours, 'hour')}" if hours else unit(days, "day")
    if hours:
        return (
            f"{unit(hours, 'hour')} {unit(minutes, 'minute')}" if minutes else unit(hours, "hour")
        )
    if minutes:
        return unit(minutes, "minute")
    return "less than a minute"


def _local_text(tenant: Tenant, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(tenant.timezone or "Asia/Shanghai")).strftime(
        "%Y-%m-%d %H:%M"
    )


def deadline_status(row: Deadline, now: datetime) -> str:
    if row.met_at is not None:
        return "met_late" if row.met_at > row.due_at else "met"
    if row.due_at <= now:
        return "overdue"
    return "open"


STATUS_ZH = {"met": "已按时完成", "met_late": "逾期完成", "overdue": "已超时", "open": "进行中"}


def deadline_dict(row: Deadline, tenant: Tenant, now: datetime) -> dict:
    """Plain data for templates and the API."""
    status = deadline_status(row, now)
    if row.met_at is not None:
        seconds = int((row.due_at - row.met_at).total_seconds())
        human = ("提前 " if seconds >= 0 else "逾期 ") + human_duration_zh(seconds)
    else:
        seconds = int((row.due_at - now).total_seconds())
        human = ("剩余 " if seconds > 0 else "已超时 ") + human_duration_zh(seconds)
    return {
        "id": row.id,
        "incident_id": row.incident_id,
        "stage": row.stage,
        "stage_zh": STAGE_LABELS.get(row.stage, (row.stage,))[0],
        "rule_key": row.rule_key,
        "label_zh": row.label_zh,
        "label_en": row.label_en,
        "rule_source": row.rule_source,
        "actor_role": row.actor_role,
        "anchor": row.anchor,
        "anchor_at": row.anchor_at,
        "grade_code": row.grade_code,
        "within": row.within,
        "due_at": row.due_at,
        "due_local": _local_text(tenant, row.due_at),
        "met_at": row.met_at,
        "breached_at": row.breached_at,
        "acknowledged_at": row.acknowledged_at,
        "escalation_level": row.escalation_level,
        "status": status,
        "status_zh": STATUS_ZH[status],
        #: Positive: time left (or met early by); negative: overdue (or met late by).
        "seconds_left": seconds,
        "human_zh": human,
        "can_acknowledge": row.breached_at is not None and not row.is_handled,
    }


def deadlines_for_incident(incident, *, now: datetime | None = None) -> list[dict]:
    """The incident's deadlines as plain dicts, soonest first (for the incident page and API)."""
    now = now or utcnow()
    tenant = db.session.get(Tenant, incident.tenant_id)
    rows = db.session.execute(
        sa.select(Deadline)
        .where(Deadline.incident_id == incident.id)
        .order_by(Deadline.due_at, Deadline.id)
    ).scalars()
    return [deadline_dict(row, tenant, now) for row in rows]


def upcoming_deadlines(
    *, now: datetime, roles=None, actor=None, limit: int = 10
) -> tuple[list, list]:
    """(due next, overdue) open deadlines of the tenant in scope that ``actor`` may see."""
    from yuqing.incidents.models import Incident
    from yuqing.incidents.operations import visible_to

    query = (
        sa.select(Deadline, Incident.title)
        .join(Incident, Incident.id == Deadline.incident_id)
        .where(Deadline.met_at.is_(None))
    )
    visible = visible_to(actor)
    if visible is not None:
        query = query.where(visible)
    if roles is not None:
        query = query.where(Deadline.actor_role.in_(list(roles)))
    upcoming = db.session.execute(
        query.where(Deadline.due_at > now).order_by(Deadline.due_at).limit(limit)
    ).all()
    overdue = db.session.execute(
        query.where(Deadline.due_at <= now).order_by(Deadline.due_at).limit(limit)
    ).all()
    return upcoming, overdue


__all__ = [
    "acknowledge_deadline",
    "breach_deadline",
    "compute_deadlines",
    "deadline_dict",
    "deadlines_for_incident",
    "escalate_deadline",
    "human_duration_en",
    "human_duration_zh",
    "prewarn_deadline",
    "rule_key",
    "sweep_tenant_deadlines",
    "sync_deadlines",
    "tenant_calendar",
]
