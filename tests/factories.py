"""Factories for tests: ``make.tenant()``, ``make.user()`` … (STYLE 7).

Each factory commits, so what it makes is visible to the web client and the API as well.
"""

from __future__ import annotations

import itertools

from yuqing.accounts.operations import add_membership, create_api_key, create_user
from yuqing.extensions import db
from yuqing.tenancy.operations import create_tenant, save_unit
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


class Factories:
    def tenant(
        self,
        slug: str | None = None,
        *,
        name: str | None = None,
        plugin: str | None = "township",
        params: dict | None = None,
        **kwargs,
    ):
        slug = slug or f"tenant-{next(_counter)}"
        with tenant_scope_disabled():
            tenant = create_tenant(
                slug=slug, name=name or f"测试单位{slug}", kind="township", **kwargs
            )
            if plugin:
                from yuqing.policy.operations import choose_policy

                choose_policy(tenant=tenant, key=plugin, params=params or {})
            db.session.commit()
        return tenant

    def unit(self, tenant, code: str = "U1", name: str = "综合办", parent: str | None = None):
        with tenant_scope(tenant.id):
            unit = save_unit(code=code, name=name, parent_code=parent)
            db.session.commit()
        return unit

    def user(
        self,
        tenant=None,
        *,
        email: str | None = None,
        name: str = "测试用户",
        roles=("monitor",),
        unit=None,
        password: str = PASSWORD,
        platform_admin=False,
    ):
        email = email or f"user{next(_counter)}@example.cn"
        with tenant_scope_disabled():
            from yuqing.accounts.operations import find_user

            user = find_user(email) or create_user(
                email=email, name=name, password=password, platform_admin=platform_admin
            )
            db.session.commit()
        if tenant is not None:
            with tenant_scope(tenant.id):
                add_membership(tenant=tenant, user=user, roles=list(roles), unit=unit)
                db.session.commit()
        return user

    def api_key(self, tenant, roles=("office",), name: str | None = None, unit=None) -> str:
        with tenant_scope(tenant.id):
            _, raw = create_api_key(
                tenant=tenant, name=name or f"key-{next(_counter)}", roles=list(roles), unit=unit
            )
            db.session.commit()
        return raw

    # --- reports (issue 6) ------------------------------------------------------------------
    # Incidents with a history, made row by row so that report tests do not depend on how the
    # lifecycle's operations evolve; the audit events are real chain appends.

    def report_incident(
        self,
        tenant,
        *,
        title: str = "某小区供暖不足引发网民关注",
        summary: str = "网民在本地论坛发帖反映小区供暖温度不达标。",
        unit=None,
        grade: str = "important",
        category: str | None = "C1",
        discovered_at=None,
        signals=(),
        deadlines=(),
        statements=(),
        review: dict | None = None,
        handler=None,
        state: str = "tracking",
    ):
        """An incident of ``tenant`` with posts, deadlines (met, late, missed), statements.

        ``signals``: dicts with ``content``, ``handle``, ``title``, ``url``.
        ``deadlines``: dicts with ``stage``, ``label``, ``source``, ``due`` (hours after
        discovery) and ``met`` (hours after discovery, or None); a deadline met after ``due``
        or still open past it gets a ``deadline.breach`` event and an accountability entry.
        """
        from datetime import UTC, datetime, timedelta

        from yuqing.accounts.actor import system_actor
        from yuqing.audit.operations import record_event
        from yuqing.deadlines.models import AccountabilityEntry, Deadline
        from yuqing.incidents.models import (
            DispatchSlip,
            Incident,
            Review,
            Statement,
            StatementApproval,
            StatementVersion,
        )
        from yuqing.policy import get_plugin
        from yuqing.signals.models import Signal

        discovered = discovered_at or datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
        plugin = get_plugin(tenant.policy_key)
        grade_row = plugin.grade_by_code(grade)
        with tenant_scope(tenant.id):
            actor = system_actor(tenant.id)
            incident = Incident(
                title=title,
                summary=summary,
                state=state,
                grade_code=grade_row.code,
                grade_label=grade_row.label_zh,
                severity=grade_row.severity,
                category=category,
                unit_id=unit.id if unit is not None else None,
                policy_key=plugin.key,
                policy_version=plugin.version,
                policy_params={},
                metrics={"views": 12000, "comments": 340},
                discovered_at=discovered,
                posted_at=discovered - timedelta(minutes=40),
                reported_at=discovered + timedelta(minutes=20),
                assessed_at=discovered + timedelta(hours=1),
                created_by="system",
            )
            db.session.add(incident)
            db.session.flush()
            record_event(
                "incident.create",
                actor=actor,
                subject=incident,
                after={"title": title, "grade": grade},
                at=discovered,
            )
            for index, spec in enumerate(signals):
                db.session.add(
                    Signal(
                        url=spec.get("url", f"https://bbs.example.cn/t/{incident.id}-{index}"),
                        canonical_url=spec.get(
                            "url", f"https://bbs.example.cn/t/{incident.id}-{index}"
                        ),
                        platform=spec.get("platform", "本地论坛"),
                        title=spec.get("title", title),
                        content=spec.get("content", ""),
                        author_handle=spec.get("handle"),
                        posted_at=discovered - timedelta(minutes=40),
                        discovered_at=discovered,
                        incident_id=incident.id,
                    )
                )
            if unit is not None:
                slip = DispatchSlip(
                    incident_id=incident.id,
                    unit_id=unit.id,
                    sent_at=discovered + timedelta(hours=1, minutes=10),
                    sent_by="system",
                    received_at=discovered + timedelta(hours=1, minutes=30),
                    handler_user_id=handler.id if handler else None,
                    handler_name=handler.name if handler else None,
                )
                db.session.add(slip)
                incident.dispatched_at = slip.sent_at
            db.session.flush()
            for spec in deadlines:
                due = discovered + timedelta(hours=spec["due"])
                met = (
                    discovered + timedelta(hours=spec["met"])
                    if spec.get("met") is not None
                    else None
                )
                row = Deadline(
                    incident_id=incident.id,
                    stage=spec["stage"],
                    anchor="discovered_at",
                    anchor_at=discovered,
                    grade_code=grade,
                    within={"type": "duration", "minutes": int(spec["due"] * 60)},
                    label_zh=spec.get("label", "限时办理"),
                    rule_source=spec.get("source", "篇五 D07"),
                    actor_role=spec.get("role", "unit_handler"),
                    due_at=due,
                    met_at=met,
                )
                db.session.add(row)
                db.session.flush()
                if met is not None:
                    record_event(
                        "deadline.met",
                        actor=actor,
                        subject=("deadline", row.id),
                        data={"stage": row.stage, "met_at": met},
                        at=met,
                    )
                late_at = met if met is not None else spec.get("now", due + timedelta(hours=2))
                if late_at > due:
                    row.breached_at = due
                    event = record_event(
                        "deadline.breach",
                        actor=actor,
                        subject=("deadline", row.id),
                        data={
                            "stage": row.stage,
                            "due_at": due,
                            "lateness_seconds": int((late_at - due).total_seconds()),
                        },
                        at=due,
                    )
                    db.session.add(
                        AccountabilityEntry(
                            kind="late_report" if spec["stage"] == "report" else "missed_deadline",
                            incident_id=incident.id,
                            deadline_id=row.id,
                            unit_id=unit.id if unit is not None else None,
                            person_id=handler.id if handler else None,
                            responsible_role=row.actor_role,
                            rule_label_zh=row.label_zh,
                            rule_source=row.rule_source,
                            stage=row.stage,
                            due_at=due,
                            lateness_seconds=int((late_at - due).total_seconds()),
                            met_at=met,
                            evidence=f"「{row.label_zh}」逾期。",
                            audit_event_ids=[event.id],
                            created_by="system",
                            created_by_name="系统",
                            created_at=due,
                        )
                    )
            for index, text in enumerate(statements):
                at = discovered + timedelta(hours=2 + index)
                statement = Statement(
                    incident_id=incident.id,
                    kind="holding_reply" if index == 0 else "reply",
                    state="published",
                    created_by="system",
                    published_at=at,
                    published_by="新闻发言人",
                    published_text=text,
                    published_grade=grade,
                )
                db.session.add(statement)
                db.session.flush()
                db.session.add(
                    StatementVersion(
                        statement_id=statement.id,
                        number=1,
                        text=text,
                        author_label="system",
                        author_name="办公室",
                    )
                )
                db.session.add(
                    StatementApproval(
                        statement_id=statement.id,
                        version=1,
                        role="leader",
                        approver_label="system",
                        approver_name="王组长",
                        approved_at=at,
                    )
                )
            if review is not None:
                db.session.add(
                    Review(
                        incident_id=incident.id,
                        summary=review["summary"],
                        lessons=review.get("lessons", ""),
                        author_label="system",
                        author_name="办公室",
                    )
                )
                incident.reviewed_at = discovered + timedelta(days=3)
            db.session.commit()
            incident_id = incident.id
        db.session.expunge_all()
        return incident_id

    def report_finding(
        self,
        tenant,
        incident_id: int,
        *,
        person=None,
        unit=None,
        kind: str = "finding_concealment",
        evidence: str = "经核查，存在瞒报情形。",
    ):
        """A 瞒报/谎报 finding recorded by a person, with its audit event."""
        from yuqing.accounts.actor import Actor
        from yuqing.audit.operations import record_event
        from yuqing.deadlines.models import AccountabilityEntry

        with tenant_scope(tenant.id):
            actor = Actor(tenant_id=tenant.id, roles=frozenset({"auditor"}), name="审计员")
            entry = AccountabilityEntry(
                kind=kind,
                incident_id=incident_id,
                unit_id=unit.id if unit else None,
                person_id=person.id if person else None,
                rule_label_zh="如实报告舆情",
                rule_source="篇四 第二十三条",
                evidence=evidence,
                created_by="user:0",
                created_by_name="审计员",
            )
            db.session.add(entry)
            db.session.flush()
            event = record_event(
                "accountability.finding",
                actor=actor,
                subject=entry,
                data={"kind": kind, "evidence": evidence},
            )
            entry.audit_event_ids = [event.id]
            db.session.commit()
            entry_id = entry.id
        return entry_id

    def report_digest(
        self, tenant, *, issue_no: int = 7, items=None, label="当天舆情汇总（标题+链接地址）"
    ):
        from datetime import UTC, datetime

        from yuqing.deadlines.models import Digest

        with tenant_scope(tenant.id):
            digest = Digest(
                schedule_key="daily_digest",
                label_zh=label,
                rule_source="篇五 D12「每天下午17时」",
                schedule_when="daily@17:00",
                period_start=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
                period_end=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                issue_no=issue_no,
                items=items
                if items is not None
                else [
                    {
                        "incident_id": None,
                        "title": "某小区供暖不足",
                        "url": "https://bbs.example.cn/t/1",
                        "grade": "一般网络舆情",
                    },
                ],
                recipients=["office"],
            )
            db.session.add(digest)
            db.session.commit()
            digest_id = digest.id
        return digest_id

    def incident(
        self,
        tenant,
        *,
        url: str | None = None,
        title: str = "测试舆情",
        content: str | None = None,
        metrics: dict | None = None,
        state: str = "detected",
    ):
        """An incident of ``tenant`` from one post; ``state`` "reported" or "assessed" walks it on."""
        from yuqing.incidents.operations import perform_action, plugin_of
        from yuqing.signals.operations import ingest_signal

        n = next(_counter)
        with tenant_scope(tenant.id):
            actor = _incident_actor(tenant)
            incident = ingest_signal(
                actor=actor,
                url=url or f"https://bbs.example.cn/thread/{n}",
                platform="论坛",
                title=title,
                content=content or f"第{n}号测试网帖：某单位办事拖延、态度生硬，群众反映强烈。",
                metrics=metrics or {"views": 10},
            ).incident
            if state in ("reported", "assessed"):
                perform_action(incident, "report", actor=actor)
            if state == "assessed":
                perform_action(
                    incident,
                    "assess",
                    actor=actor,
                    body={"category": plugin_of(incident).categories[0].code},
                )
            db.session.commit()
            incident_id = incident.id
        return incident_id

    # --- deadlines (issue 5) ----------------------------------------------------------------
    # An incident row with chosen milestones, so that engine tests fix every clock anchor
    # themselves; deadlines are then computed by the engine (``sync_deadlines``).

    def deadline_incident(
        self,
        tenant,
        *,
        grade: str | None = None,
        unit=None,
        title: str = "某校食堂饭菜质量引发家长关注",
        created_by: str = "system",
        state: str = "detected",
        slips=(),
        statements=(),
        **milestones,
    ):
        """An incident of ``tenant`` under its current policy snapshot; returns the id.

        ``milestones``: ``posted_at``, ``discovered_at``, ``assessed_at`` … (aware datetimes).
        ``slips``: dicts with ``received_at`` (and ``handler``); ``statements``: (kind, at).
        """
        from yuqing.incidents.models import DispatchSlip, Incident, Statement
        from yuqing.policy import get_plugin
        from yuqing.policy.operations import current_snapshot

        with tenant_scope(tenant.id):
            snapshot = current_snapshot(tenant)
            plugin = get_plugin(snapshot["key"])
            grade_row = plugin.grade_by_code(grade) if grade else plugin.lowest_grade
            incident = Incident(
                tenant_id=tenant.id,
                title=title,
                state=state,
                grade_code=grade_row.code,
                grade_label=grade_row.label_zh,
                severity=grade_row.severity,
                unit_id=unit.id if unit is not None else None,
                policy_key=snapshot["key"],
                policy_version=snapshot["version"],
                policy_params=snapshot["params"],
                created_by=created_by,
                priority_flags=[],
                **milestones,
            )
            db.session.add(incident)
            db.session.flush()
            for spec in slips:
                handler = spec.get("handler")
                db.session.add(
                    DispatchSlip(
                        tenant_id=tenant.id,
                        incident_id=incident.id,
                        unit_id=unit.id if unit is not None else spec["unit"].id,
                        sent_at=spec.get("sent_at", spec.get("received_at")),
                        sent_by="system",
                        received_at=spec.get("received_at"),
                        handler_user_id=handler.id if handler else None,
                    )
                )
            for kind, at in statements:
                db.session.add(
                    Statement(
                        tenant_id=tenant.id,
                        incident_id=incident.id,
                        kind=kind,
                        state="published",
                        created_by="system",
                        published_at=at,
                    )
                )
            db.session.commit()
            incident_id = incident.id
        return incident_id


def _incident_actor(tenant):
    from yuqing.accounts.actor import Actor

    return Actor(tenant_id=tenant.id, roles=frozenset({"monitor", "office"}), name="测试监测员")
