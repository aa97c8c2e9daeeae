"""The deadline engine with a frozen clock: every operation gets ``now`` explicitly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from yuqing.accounts.actor import Actor
from yuqing.deadlines import operations as ops
from yuqing.deadlines.models import AccountabilityEntry, Deadline
from yuqing.extensions import db
from yuqing.incidents.models import Incident, Statement
from yuqing.notifications.models import Notification
from yuqing.tenancy.scope import tenant_scope

SH = ZoneInfo("Asia/Shanghai")
#: Monday 12 October 2026, 09:00 in Shanghai: after 国庆, a normal working week.
T0 = datetime(2026, 10, 12, 9, 0, tzinfo=SH)


@pytest.fixture
def school(make):
    tenant = make.tenant("school-a", plugin="school")
    unit = make.unit(tenant, "G7", "七年级组")
    return tenant, unit


def sync(tenant, incident_id, now, **kwargs):
    with tenant_scope(tenant.id):
        incident = db.session.get(Incident, incident_id)
        rows = ops.sync_deadlines(incident, now=now, **kwargs)
        result = {row.stage: row for row in rows}
        db.session.commit()
        return {stage: _plain(row) for stage, row in result.items()}


def _plain(row: Deadline) -> dict:
    return {c.key: getattr(row, c.key) for c in Deadline.__table__.c}


def test_working_days_across_national_day_land_on_the_makeup_saturday(make):
    # Three working days from Wednesday 30 September 2026: 1–7 October are off, Thursday 8 and
    # Friday 9 are worked, and Saturday 10 October is the 调休 make-up workday.
    tenant = make.tenant("school-wd", plugin="school", params={"review_due_working_days": 3})
    incident_id = make.deadline_incident(
        tenant,
        grade="major",
        discovered_at=datetime(2026, 9, 28, 9, 0, tzinfo=SH),
        subsided_at=datetime(2026, 9, 30, 10, 0, tzinfo=SH),
    )
    rows = sync(tenant, incident_id, now=datetime(2026, 9, 30, 10, 5, tzinfo=SH))
    review = rows["review"]
    due_local = review["due_at"].astimezone(SH)
    assert due_local == datetime(2026, 10, 10, 10, 0, tzinfo=SH)
    assert due_local.weekday() == 5  # a Saturday, worked under the 2026 notice
    assert review["within"] == {"type": "working_days", "days": 3}
    assert "篇八" in review["rule_source"]


def test_only_rules_whose_anchor_is_known_create_deadlines(school, make):
    tenant, _ = school
    incident_id = make.deadline_incident(tenant, discovered_at=T0)
    rows = sync(tenant, incident_id, now=T0)
    # No posting time, no assessment yet: only the discovery-anchored limits exist.
    assert set(rows) == {"report", "holding_reply"}
    assert rows["report"]["due_at"] == T0 + timedelta(minutes=30)
    assert rows["holding_reply"]["due_at"] == T0 + timedelta(hours=5)


def test_a_grade_rise_tightens_an_open_deadline_and_a_met_one_stays_met(school, make):
    tenant, _ = school
    incident_id = make.deadline_incident(
        tenant,
        grade="general",
        discovered_at=T0,
        posted_at=T0 - timedelta(hours=1),
        reported_at=T0 + timedelta(minutes=10),
        assessed_at=T0 + timedelta(minutes=20),
    )
    before = sync(tenant, incident_id, now=T0 + timedelta(minutes=21))
    assert before["dispatch"]["due_at"] == T0 + timedelta(hours=2, minutes=20)  # 一般: 2 h
    assert before["report"]["met_at"] == T0 + timedelta(minutes=10)
    assert "notify_up" not in before

    with tenant_scope(tenant.id):  # the metrics cross 重大's threshold
        incident = db.session.get(Incident, incident_id)
        incident.grade_code, incident.grade_label, incident.severity = "major", "重大", "S3"
        db.session.commit()
    after = sync(tenant, incident_id, now=T0 + timedelta(minutes=30), action="grade_rise")

    # 重大: dispatch 「立即」 (15 min) from the assessment, at once; upward report appears.
    assert after["dispatch"]["due_at"] == T0 + timedelta(minutes=35)
    assert after["dispatch"]["grade_code"] == "major"
    assert after["notify_up"]["due_at"] == T0 + timedelta(minutes=15)
    assert after["report"]["met_at"] == before["report"]["met_at"]
    assert after["report"]["due_at"] == before["report"]["due_at"]

    # A downgrade never loosens an open deadline (documented in operations.py).
    with tenant_scope(tenant.id):
        incident = db.session.get(Incident, incident_id)
        incident.grade_code, incident.grade_label, incident.severity = "general", "一般关注", "S1"
        db.session.commit()
    lowered = sync(tenant, incident_id, now=T0 + timedelta(minutes=31), action="downgrade")
    assert lowered["dispatch"]["due_at"] == T0 + timedelta(minutes=35)


def test_statements_meet_holding_reply_and_respond_by_kind(school, make):
    tenant, _ = school
    incident_id = make.deadline_incident(
        tenant,
        discovered_at=T0,
        posted_at=T0,
        statements=[("holding_reply", T0 + timedelta(hours=1))],
    )
    rows = sync(tenant, incident_id, now=T0 + timedelta(hours=1))
    assert rows["holding_reply"]["met_at"] == T0 + timedelta(hours=1)
    assert rows["respond"]["met_at"] is None
    with tenant_scope(tenant.id):
        db.session.add(
            Statement(
                tenant_id=tenant.id,
                incident_id=incident_id,
                kind="reply",
                state="published",
                created_by="system",
                published_at=T0 + timedelta(hours=3),
            )
        )
        db.session.commit()
    rows = sync(
        tenant,
        incident_id,
        now=T0 + timedelta(hours=3),
        action="publish_statement",
        statement_kind="reply",
    )
    assert rows["respond"]["met_at"] == T0 + timedelta(hours=3)


def test_breach_is_recorded_once_with_one_accountability_entry(school, make):
    tenant, unit = school
    handler = make.user(tenant, roles=("unit_handler",), unit=unit, name="李老师")
    make.user(tenant, roles=("office",), name="办公室王")
    incident_id = make.deadline_incident(tenant, unit=unit, discovered_at=T0)
    rows = sync(tenant, incident_id, now=T0)
    deadline_id = rows["holding_reply"]["id"]
    late = T0 + timedelta(hours=5, seconds=1)
    with tenant_scope(tenant.id):
        assert ops.breach_deadline(deadline_id, now=late - timedelta(seconds=2)) is None  # not due
        first = ops.breach_deadline(deadline_id, now=late)
        second = ops.breach_deadline(deadline_id, now=late + timedelta(seconds=5))
        counts = ops.sweep_tenant_deadlines(now=late + timedelta(seconds=10))
        db.session.commit()
        assert first is not None and second is None
        entries = db.session.execute(sa.select(AccountabilityEntry)).scalars().all()
        # the report deadline (30 min) was breached by the sweeper too: one entry each
        by_stage = {e.stage: e for e in entries}
        assert set(by_stage) == {"holding_reply", "report"}
        assert counts["breached"] == 1
        entry = by_stage["holding_reply"]
        assert entry.kind == "missed_response"
        assert entry.unit_id == unit.id and entry.person_id == handler.id
        assert entry.lateness_seconds == 1
        assert entry.rule_source.startswith("篇十二")
        assert entry.audit_event_ids
        # The evidence reads in the tenant's own clock, as it will be printed for auditors.
        due_local = entry.due_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
        assert f"应于 {due_local}" in entry.evidence and "北京时间" in entry.evidence
        assert "+00:00" not in entry.evidence
        deadline = db.session.get(Deadline, deadline_id)
        assert deadline.breached_at == late and deadline.escalation_level == 1
        assert "overdue" in db.session.get(Incident, incident_id).priority_flags


def test_escalation_climbs_the_ladder_at_its_cadence_until_acknowledged(school, make):
    tenant, unit = school
    handler = make.user(tenant, roles=("unit_handler",), unit=unit)
    office = make.user(tenant, roles=("office",))
    leader = make.user(tenant, roles=("leader",))
    branch = make.user(tenant, roles=("party_branch",))
    incident_id = make.deadline_incident(
        tenant, unit=unit, discovered_at=T0, reported_at=T0 + timedelta(minutes=1)
    )
    rows = sync(tenant, incident_id, now=T0)
    deadline_id = rows["holding_reply"]["id"]
    breach = T0 + timedelta(hours=5)

    def inbox(user):
        return (
            db.session.execute(
                sa.select(Notification.kind)
                .where(Notification.user_id == user.id, Notification.deadline_id == deadline_id)
                .order_by(Notification.id)
            )
            .scalars()
            .all()
        )

    with tenant_scope(tenant.id):
        ops.breach_deadline(deadline_id, now=breach)
        db.session.commit()
        # Step 1 (office) and the responsible handler hear of the breach; nobody else yet.
        assert inbox(handler) == ["deadline_breach"]
        assert inbox(office) == ["deadline_breach"]
        assert inbox(leader) == []
        # Before the cadence (30 min) nothing climbs; after it, the leader is told.
        assert not ops.escalate_deadline(deadline_id, 2, now=breach + timedelta(minutes=29))
        assert ops.escalate_deadline(deadline_id, 2, now=breach + timedelta(minutes=30))
        assert not ops.escalate_deadline(deadline_id, 2, now=breach + timedelta(minutes=31))
        db.session.commit()
        assert inbox(leader) == ["escalation"]
        deadline = db.session.get(Deadline, deadline_id)
        ops.acknowledge_deadline(
            deadline,
            actor=Actor(
                tenant_id=tenant.id, roles=frozenset({"leader"}), user_id=leader.id, name="组长"
            ),
            now=breach + timedelta(minutes=40),
        )
        db.session.commit()
        assert not ops.escalate_deadline(deadline_id, 3, now=breach + timedelta(hours=2))
        ops.sweep_tenant_deadlines(now=breach + timedelta(hours=3))
        db.session.commit()
        assert inbox(branch) == []
        assert db.session.get(Deadline, deadline_id).escalation_level == 2


def test_acknowledgement_needs_a_role_on_the_ladder(school, make):
    tenant, unit = school
    incident_id = make.deadline_incident(tenant, unit=unit, discovered_at=T0)
    rows = sync(tenant, incident_id, now=T0)
    from yuqing.errors import Conflict, Forbidden

    with tenant_scope(tenant.id):
        deadline = db.session.get(Deadline, rows["holding_reply"]["id"])
        monitor = Actor(tenant_id=tenant.id, roles=frozenset({"monitor"}), user_id=None)
        office = Actor(tenant_id=tenant.id, roles=frozenset({"office"}))
        with pytest.raises(Conflict):  # not breached yet
            ops.acknowledge_deadline(deadline, actor=office, now=T0)
        ops.breach_deadline(deadline.id, now=T0 + timedelta(hours=6))
        db.session.refresh(deadline)
        with pytest.raises(Forbidden):
            ops.acknowledge_deadline(deadline, actor=monitor, now=T0 + timedelta(hours=6))
        db.session.rollback()


def test_prewarnings_at_the_policys_fractions_once_each(school, make):
    tenant, unit = school
    handler = make.user(tenant, roles=("unit_handler",), unit=unit)
    incident_id = make.deadline_incident(
        tenant, unit=unit, discovered_at=T0, reported_at=T0 + timedelta(minutes=1)
    )
    rows = sync(tenant, incident_id, now=T0)
    deadline_id = rows["holding_reply"]["id"]  # 5 h: warnings at 2.5 h and 4 h
    with tenant_scope(tenant.id):
        assert ops.prewarn_deadline(deadline_id, now=T0 + timedelta(hours=2)) is None
        assert ops.prewarn_deadline(deadline_id, now=T0 + timedelta(hours=2.5)) == 0.5
        assert ops.prewarn_deadline(deadline_id, now=T0 + timedelta(hours=2.6)) is None
        assert ops.prewarn_deadline(deadline_id, now=T0 + timedelta(hours=4)) == 0.8
        db.session.commit()
        titles = (
            db.session.execute(
                sa.select(Notification.title).where(Notification.user_id == handler.id)
            )
            .scalars()
            .all()
        )
        assert len(titles) == 2 and all(t.startswith("【期限预警】") for t in titles)


def test_a_stage_met_late_is_a_breach_with_its_real_lateness(school, make):
    tenant, unit = school
    incident_id = make.deadline_incident(tenant, unit=unit, discovered_at=T0)
    sync(tenant, incident_id, now=T0)
    with tenant_scope(tenant.id):
        incident = db.session.get(Incident, incident_id)
        incident.reported_at = T0 + timedelta(minutes=45)  # 15 min after the 30-min limit
        db.session.commit()
    rows = sync(tenant, incident_id, now=T0 + timedelta(minutes=45), action="report")
    report = rows["report"]
    assert report["met_at"] == T0 + timedelta(minutes=45)
    assert report["breached_at"] is not None and report["escalation_level"] == 0
    with tenant_scope(tenant.id):
        entry = db.session.execute(
            sa.select(AccountabilityEntry).where(AccountabilityEntry.deadline_id == report["id"])
        ).scalar_one()
        assert entry.kind == "late_report"
        assert entry.lateness_seconds == 15 * 60


def test_deadlines_for_incident_shows_time_left_and_overdue(school, make):
    tenant, _ = school
    incident_id = make.deadline_incident(tenant, discovered_at=T0)
    sync(tenant, incident_id, now=T0)
    with tenant_scope(tenant.id):
        incident = db.session.get(Incident, incident_id)
        shown = {
            d["stage"]: d for d in ops.deadlines_for_incident(incident, now=T0 + timedelta(hours=1))
        }
    assert shown["report"]["status"] == "overdue"
    assert shown["report"]["seconds_left"] == -30 * 60
    assert shown["report"]["human_zh"] == "已超时 30分钟"
    assert shown["holding_reply"]["seconds_left"] == 4 * 3600
    assert shown["holding_reply"]["human_zh"] == "剩余 4小时"
    assert shown["holding_reply"]["due_local"] == "2026-10-12 14:00"


def test_lifecycle_signals_drive_the_engine(make, app):
    # Through the lifecycle's own operations: creation computes deadlines, "report" meets one.
    tenant = make.tenant("school-sig", plugin="school")
    incident_id = make.incident(tenant, title="食堂问题")
    with tenant_scope(tenant.id):
        rows = {
            d.stage: d
            for d in db.session.execute(
                sa.select(Deadline).where(Deadline.incident_id == incident_id)
            ).scalars()
        }
        assert {"report", "holding_reply"} <= set(rows)
        assert rows["report"].met_at is None
        from yuqing.incidents.operations import perform_action

        incident = db.session.get(Incident, incident_id)
        actor = Actor(tenant_id=tenant.id, roles=frozenset({"monitor", "office"}), name="测")
        perform_action(incident, "report", actor=actor)
        db.session.commit()
        report = db.session.execute(
            sa.select(Deadline).where(
                Deadline.incident_id == incident_id, Deadline.stage == "report"
            )
        ).scalar_one()
        assert report.met_at is not None


def test_human_duration():
    assert ops.human_duration_zh(0) == "不到1分钟"
    assert ops.human_duration_zh(-90) == "1分钟"
    assert ops.human_duration_zh(3600 * 26) == "1天2小时"
    assert ops.human_duration_zh(3600 * 48) == "2天"
    assert ops.human_duration_zh(3900) == "1小时5分钟"


def test_every_time_in_the_engine_is_utc_aware(school, make):
    tenant, _ = school
    incident_id = make.deadline_incident(tenant, discovered_at=T0)
    rows = sync(tenant, incident_id, now=T0)
    assert rows["report"]["due_at"].tzinfo is not None
    assert rows["report"]["due_at"].astimezone(UTC) == datetime(2026, 10, 12, 1, 30, tzinfo=UTC)


def test_timers_are_scheduled_after_commit_and_cancelled_when_met(school, make, redis_client):
    from rq import Queue

    tenant, _ = school
    now = datetime.now(UTC)
    incident_id = make.deadline_incident(tenant, discovered_at=now)
    rows = sync(tenant, incident_id, now=now)
    registry = Queue("deadlines", connection=redis_client).scheduled_job_registry
    report_id = rows["report"]["id"]
    ids = set(registry.get_job_ids())
    assert {
        f"deadline-{tenant.id}-{report_id}-due",
        f"deadline-{tenant.id}-{report_id}-warn50",
        f"deadline-{tenant.id}-{report_id}-warn80",
    } <= ids
    with tenant_scope(tenant.id):
        db.session.get(Incident, incident_id).reported_at = now + timedelta(minutes=1)
        ops.sync_deadlines(db.session.get(Incident, incident_id), now=now + timedelta(minutes=1))
        # Nothing is cancelled before the commit: a rollback must leave the timers in place.
        assert f"deadline-{tenant.id}-{report_id}-due" in registry.get_job_ids()
        db.session.commit()
    assert not {
        j for j in registry.get_job_ids() if j.startswith(f"deadline-{tenant.id}-{report_id}-")
    }


def test_concurrent_breach_jobs_record_one_breach(app, school, make):
    """Two workers racing on the same overdue deadline: the conditional UPDATE admits one."""
    import threading

    tenant, unit = school
    incident_id = make.deadline_incident(tenant, unit=unit, discovered_at=T0)
    rows = sync(tenant, incident_id, now=T0)
    deadline_id = rows["holding_reply"]["id"]
    barrier = threading.Barrier(2)
    results: list = []

    def race():
        with app.app_context(), tenant_scope(tenant.id):
            try:
                barrier.wait(timeout=10)
                row = ops.breach_deadline(deadline_id, now=T0 + timedelta(hours=6))
                results.append(row is not None)
                db.session.commit()
            except Exception as exc:  # pragma: no cover - reported below
                results.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True], results
    with tenant_scope(tenant.id):
        entries = db.session.execute(
            sa.select(sa.func.count())
            .select_from(AccountabilityEntry)
            .where(AccountabilityEntry.deadline_id == deadline_id)
        ).scalar()
        assert entries == 1


def test_every_rule_of_a_stage_is_its_own_deadline_and_the_stage_meets_them_all(make):
    # 篇四 一级 (a central outlet: S4) sets three limits on 上报: the 党总支's 手机快报 in 30
    # minutes and 纸质快报 in an hour from the occurrence, and the unit's report in 30 minutes
    # from discovery. Each is a row of its own; one upward report at +45 min meets all three.
    tenant = make.tenant("highway-multi", plugin="highway-branch")
    unit = make.unit(tenant, "panxi", "盘溪公路管理站")
    incident_id = make.deadline_incident(
        tenant, grade="level_1", unit=unit, occurred_at=T0, discovered_at=T0
    )
    with tenant_scope(tenant.id):
        incident = db.session.get(Incident, incident_id)
        assert incident.severity == "S4"
        first = ops.sync_deadlines(incident, now=T0)
        db.session.commit()
        notify_up = [r for r in first if r.stage == "notify_up"]
        assert len(notify_up) == 3
        assert len({r.rule_key for r in notify_up}) == 3
        due = {r.label_zh: r.due_at for r in notify_up}
        ids = {r.rule_key: r.id for r in notify_up}
    assert sorted(due.values()) == [
        T0 + timedelta(minutes=30),
        T0 + timedelta(minutes=30),
        T0 + timedelta(hours=1),
    ]
    assert due["一级：纸质快报送达市局主要领导（由分局党总支报送）"] == T0 + timedelta(hours=1)

    # Recomputing finds the same rows (the key is stable), and adds none.
    with tenant_scope(tenant.id):
        again = ops.sync_deadlines(db.session.get(Incident, incident_id), now=T0)
        db.session.commit()
        assert {r.rule_key: r.id for r in again if r.stage == "notify_up"} == ids

    met = T0 + timedelta(minutes=45)
    with tenant_scope(tenant.id):
        incident = db.session.get(Incident, incident_id)
        incident.notified_up_at = met
        ops.sync_deadlines(incident, now=met, action="notify_up", at=met)
        db.session.commit()
        rows = (
            db.session.execute(
                sa.select(Deadline).where(
                    Deadline.incident_id == incident_id, Deadline.stage == "notify_up"
                )
            )
            .scalars()
            .all()
        )
        assert len(rows) == 3 and all(r.met_at == met for r in rows)
        late = [r for r in rows if r.due_at == T0 + timedelta(minutes=30)]
        [in_time] = [r for r in rows if r.due_at == T0 + timedelta(hours=1)]
        assert len(late) == 2
        # Met late: a breach without escalation, one 迟报 entry each with its own lateness.
        assert all(r.breached_at is not None and r.escalation_level == 0 for r in late)
        assert in_time.breached_at is None
        entries = (
            db.session.execute(
                sa.select(AccountabilityEntry).where(
                    AccountabilityEntry.incident_id == incident_id,
                    AccountabilityEntry.stage == "notify_up",
                )
            )
            .scalars()
            .all()
        )
        assert sorted(e.deadline_id for e in entries) == sorted(r.id for r in late)
        assert all(e.kind == "late_report" for e in entries)
        assert all(e.lateness_seconds == 15 * 60 and e.met_at == met for e in entries)
        assert {e.responsible_role for e in entries} == {"party_branch", "unit_handler"}
        assert "overdue" not in (db.session.get(Incident, incident_id).priority_flags or [])
        # The incident page and the API list one row per rule.
        shown = ops.deadlines_for_incident(db.session.get(Incident, incident_id), now=met)
        statuses = sorted(d["status"] for d in shown if d["stage"] == "notify_up")
        assert statuses == ["met", "met_late", "met_late"]
        # So do the accountability record and the incident report.
        from yuqing.reports.documents import build_accountability, build_incident_report

        record = build_accountability(incident=incident_id)
        lines = [r for r in record["rows"] if r["stage"] == "notify_up"]
        assert len(lines) == 3
        assert sorted(r["entry_kind"] for r in lines) == ["", "迟报", "迟报"]
        assert len([e for e in record["entries"] if e["stage_zh"] == lines[0]["stage_zh"]]) == 2
        report = build_incident_report(incident_id=incident_id)
        assert len([r for r in report["deadlines"] if r["stage"] == "notify_up"]) == 3


def test_a_grade_change_keeps_an_open_row_whose_rule_the_new_grade_lacks(make):
    # 篇四 二级 → 一级: the 二级 upward report is not an 一级 rule, but its clock already ran,
    # so its row stays (open, met with the stage); the 一级 rules add rows of their own.
    tenant = make.tenant("highway-rise", plugin="highway-branch")
    incident_id = make.deadline_incident(tenant, grade="level_2", occurred_at=T0, discovered_at=T0)
    with tenant_scope(tenant.id):
        [level_2] = [
            r
            for r in ops.sync_deadlines(db.session.get(Incident, incident_id), now=T0)
            if r.stage == "notify_up"
        ]
        level_2_id = level_2.id
        incident = db.session.get(Incident, incident_id)
        incident.grade_code, incident.severity = "level_1", "S4"
        db.session.commit()
        rows = ops.sync_deadlines(incident, now=T0 + timedelta(minutes=5), action="grade_rise")
        db.session.commit()
        notify_up = {r.id: r for r in rows if r.stage == "notify_up"}
        assert len(notify_up) == 4 and level_2_id in notify_up
        assert notify_up[level_2_id].grade_code == "level_2" and notify_up[level_2_id].is_open
