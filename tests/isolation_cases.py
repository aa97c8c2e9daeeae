"""One row maker per tenant-owned model, for the isolation tests.

Every model with a ``tenant_id`` must appear here: ``test_every_scoped_model_has_a_case`` fails
otherwise, so a new table cannot ship without its isolation test. A maker runs inside the
owning tenant's scope and returns a flushed row.
"""

from __future__ import annotations

from collections.abc import Callable

from yuqing.extensions import db

CASES: dict[str, Callable] = {}


def case(model_name: str):
    def register(maker: Callable):
        CASES[model_name] = maker
        return maker

    return register


@case("Unit")
def _unit(make, tenant):
    from yuqing.tenancy.operations import save_unit

    return save_unit(code="ISO", name="隔离测试单位")


@case("Membership")
def _membership(make, tenant):
    from yuqing.accounts.models import Membership, User

    user = User(email=f"iso-{tenant.slug}@example.cn", name="隔离")
    db.session.add(user)
    db.session.flush()
    row = Membership(tenant_id=tenant.id, user_id=user.id, roles=["monitor"])
    db.session.add(row)
    db.session.flush()
    return row


@case("ApiKey")
def _api_key(make, tenant):
    from yuqing.accounts.operations import create_api_key

    key, _ = create_api_key(tenant=tenant, name="iso", roles=["office"])
    return key


# --- audit, signals, incidents (issue 4) ------------------------------------------------------


def _actor(tenant):
    from yuqing.accounts.actor import Actor

    return Actor(
        tenant_id=tenant.id, roles=frozenset({"monitor", "office", "leader"}), name="隔离测试"
    )


def _ingested(tenant):
    from yuqing.signals.operations import ingest_signal

    return ingest_signal(
        actor=_actor(tenant),
        url=f"https://weibo.example.cn/{tenant.slug}/1",
        platform="微博",
        title="隔离测试贴文",
        content=f"{tenant.slug} 的一条用于隔离测试的网帖内容",
        metrics={"views": 10},
    )


def _assessed_incident(tenant):
    from yuqing.incidents.operations import perform_action
    from yuqing.tenancy.operations import save_unit

    incident = _ingested(tenant).incident
    save_unit(code="ISO-U", name="隔离单位")
    category = _first_category(incident)
    perform_action(incident, "report", actor=_actor(tenant))
    perform_action(
        incident, "assess", actor=_actor(tenant), body={"category": category, "unit": "ISO-U"}
    )
    return incident


def _first_category(incident):
    from yuqing.incidents.operations import plugin_of

    return plugin_of(incident).categories[0].code


@case("AuditEvent")
def _audit_event(make, tenant):
    from yuqing.audit.operations import record_event

    return record_event("test.isolation", actor=_actor(tenant), data={"note": "隔离"})


@case("Signal")
def _signal(make, tenant):
    return _ingested(tenant).signal


@case("MetricSnapshot")
def _metric_snapshot(make, tenant):
    from yuqing.signals.models import MetricSnapshot

    incident = _ingested(tenant).incident
    row = MetricSnapshot(
        tenant_id=tenant.id, incident_id=incident.id, metrics={"views": 1}, effective={"views": 1}
    )
    db.session.add(row)
    db.session.flush()
    return row


@case("Incident")
def _incident(make, tenant):
    return _ingested(tenant).incident


@case("IncidentGradeChange")
def _grade_change(make, tenant):
    from yuqing.incidents.operations import perform_action

    incident = _ingested(tenant).incident
    perform_action(incident, "escalate", actor=_actor(tenant), body={"reason": "隔离测试"})
    return incident.grade_changes[-1]


@case("DispatchSlip")
def _slip(make, tenant):
    from yuqing.incidents.operations import perform_action

    incident = _assessed_incident(tenant)
    perform_action(incident, "dispatch", actor=_actor(tenant), body={"unit": "ISO-U"})
    return incident.slips[-1]


@case("Statement")
def _statement(make, tenant):
    from yuqing.incidents.operations import create_statement

    return create_statement(
        _assessed_incident(tenant),
        actor=_actor(tenant),
        kind="holding_reply",
        text="我们已关注，正在核实。",
    )


@case("StatementVersion")
def _statement_version(make, tenant):
    return _statement(make, tenant).versions[0]


@case("StatementApproval")
def _statement_approval(make, tenant):
    from yuqing.incidents.models import StatementApproval

    statement = _statement(make, tenant)
    row = StatementApproval(
        tenant_id=tenant.id,
        statement_id=statement.id,
        version=1,
        role="office",
        approver_label="system",
        approver_name="隔离",
    )
    db.session.add(row)
    db.session.flush()
    return row


@case("Review")
def _review(make, tenant):
    from yuqing.incidents.models import Review

    incident = _ingested(tenant).incident
    row = Review(
        tenant_id=tenant.id,
        incident_id=incident.id,
        summary="隔离测试总结",
        author_label="system",
        author_name="隔离",
    )
    db.session.add(row)
    db.session.flush()
    return row


@case("RenderedDocument")
def _rendered_document(make, tenant):
    from yuqing.reports.models import RenderedDocument

    row = RenderedDocument(
        tenant_id=tenant.id,
        kind="digest",
        params={"digest_id": 1},
        params_key="0" * 64,
        data_fingerprint="1" * 64,
        file_sha256="2" * 64,
        size=4,
        filename="iso.pdf",
        content=b"%PDF",
    )
    db.session.add(row)
    db.session.flush()
    return row


# --- deadlines and notifications (issue 5) ------------------------------------------------------


@case("Deadline")
def _deadline(make, tenant):
    import sqlalchemy as sa

    from yuqing.deadlines.models import Deadline

    incident = _ingested(tenant).incident  # the engine computes its deadlines on creation
    return db.session.execute(
        sa.select(Deadline).where(Deadline.incident_id == incident.id).limit(1)
    ).scalar_one()


@case("AccountabilityEntry")
def _accountability_entry(make, tenant):
    from yuqing.deadlines.accountability import record_finding

    incident = _assessed_incident(tenant)
    return record_finding(
        tenant=tenant,
        actor=_actor(tenant),
        kind="finding_concealment",
        incident_id=incident.id,
        unit_id=incident.unit_id,
        evidence="隔离测试证据",
    )


@case("Digest")
def _digest(make, tenant):
    from datetime import UTC, datetime

    from yuqing.deadlines.models import Digest

    row = Digest(
        tenant_id=tenant.id,
        schedule_key="daily",
        label_zh="每日汇总",
        schedule_when="daily@17:00",
        period_start=datetime(2026, 10, 11, 9, tzinfo=UTC),
        period_end=datetime(2026, 10, 12, 9, tzinfo=UTC),
        issue_no=1,
        items=[],
    )
    db.session.add(row)
    db.session.flush()
    return row


def _member_id(tenant):
    from yuqing.accounts.models import Membership, User

    user = User(email=f"iso-n-{tenant.slug}@example.cn", name="隔离通知")
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(tenant_id=tenant.id, user_id=user.id, roles=["office"]))
    db.session.flush()
    return user.id


@case("Notification")
def _notification(make, tenant):
    from yuqing.notifications.operations import notify

    user_id = _member_id(tenant)
    return notify(tenant=tenant, kind="digest", title="隔离通知", user_ids=[user_id])[0]


@case("NotificationChannel")
def _notification_channel(make, tenant):
    from yuqing.notifications.operations import save_channel

    return save_channel(name="iso", url="https://hooks.example.cn/iso", format="json", secret="s")


@case("NotificationPreference")
def _notification_preference(make, tenant):
    from yuqing.notifications.operations import set_email_enabled

    return set_email_enabled(_member_id(tenant), False)


@case("Delivery")
def _delivery(make, tenant):
    import sqlalchemy as sa

    from yuqing.notifications.models import Delivery
    from yuqing.notifications.operations import notify

    notify(tenant=tenant, kind="digest", title="隔离投递", user_ids=[_member_id(tenant)])
    return db.session.execute(sa.select(Delivery).limit(1)).scalar_one()
