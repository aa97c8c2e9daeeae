"""The hash chain: appends link up, tampering is found and named, events never change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.factories import PASSWORD
from tests.incidents.helpers import As
from yuqing.accounts.actor import Actor
from yuqing.audit.models import GENESIS_HASH, AuditEvent, AuditImmutableError
from yuqing.audit.operations import canonical_json, event_hash, record_event, verify_chain
from yuqing.cli import cli
from yuqing.extensions import db
from yuqing.tenancy.scope import tenant_scope


def _record(tenant, n=3):
    actor = Actor(tenant_id=tenant.id, roles=frozenset({"office"}), user_id=1, name="李主任")
    with tenant_scope(tenant.id):
        for i in range(n):
            record_event(
                "incident.assess",
                actor=actor,
                subject=("incident", i + 1),
                before={"state": "reported"},
                after={"state": "assessed", "n": i},
                data={"说明": "研判定级"},
            )
        db.session.commit()


def _owner_execute(app, sql: str, **params):
    """Change rows as the table owner, behind the application's back (the attacker)."""
    engine = sa.create_engine(app.config["OWNER_ENGINE_URL"])
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # FORCE ROW LEVEL SECURITY applies to the owner too; open every tenant.
            conn.execute(sa.text("SELECT set_config('app.all_tenants', 'on', true)"))
        conn.execute(sa.text(sql), params)
    engine.dispose()


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": "舆情"}) == '{"a":"舆情","b":1}'


def test_events_form_a_chain(make):
    tenant = make.tenant("alpha")
    _record(tenant, 3)
    with tenant_scope(tenant.id):
        events = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        assert [e.seq for e in events] == [1, 2, 3]
        assert events[0].prev_hash == GENESIS_HASH
        assert events[1].prev_hash == events[0].hash
        assert events[2].hash == event_hash(events[2].hashed_fields())
    result = verify_chain(tenant.id)
    assert result.ok and result.checked == 3


def test_chains_are_per_tenant(make):
    alpha, beta = make.tenant("alpha"), make.tenant("beta")
    _record(alpha, 2)
    _record(beta, 1)
    with tenant_scope(beta.id):
        assert db.session.execute(sa.select(AuditEvent.seq)).scalars().all() == [1]


def test_orm_refuses_to_change_or_delete_events(make):
    tenant = make.tenant("alpha")
    _record(tenant, 1)
    with tenant_scope(tenant.id):
        event = db.session.execute(sa.select(AuditEvent)).scalar_one()
        event.actor_name = "别人"
        with pytest.raises(AuditImmutableError):
            db.session.flush()
        db.session.rollback()
        event = db.session.execute(sa.select(AuditEvent)).scalar_one()
        db.session.delete(event)
        with pytest.raises(AuditImmutableError):
            db.session.flush()
        db.session.rollback()


def test_application_role_cannot_update_events_on_postgres(app, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("privileges exist on PostgreSQL only")
    tenant = make.tenant("alpha")
    _record(tenant, 1)
    with tenant_scope(tenant.id):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            db.session.execute(sa.text("UPDATE audit_events SET actor_name = 'x'"))
        db.session.rollback()


def test_tampered_event_fails_verify_in_cli_and_api(app, client, make):
    tenant = make.tenant("alpha")
    _record(tenant, 4)
    auditor = As(client, make.api_key(tenant, roles=["auditor"]))
    runner = app.test_cli_runner()
    intact = runner.invoke(cli, ["audit", "verify", "--tenant", "alpha"])
    assert intact.exit_code == 0, intact.output
    assert "4" in intact.output

    _owner_execute(app, "UPDATE audit_events SET actor_name = '篡改者' WHERE seq = 2")

    broken = runner.invoke(cli, ["audit", "verify", "--tenant", "alpha"])
    assert broken.exit_code != 0
    assert "第 2 条事件" in broken.output and "incident.assess" in broken.output
    answer = auditor.get("/audit/verify")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is False
    assert body["first_broken_seq"] == 2
    assert body["checked"] == 1
    assert "篡改" in body["reason"]


def test_deleted_event_is_found(app, make):
    tenant = make.tenant("alpha")
    _record(tenant, 4)
    _owner_execute(app, "DELETE FROM audit_events WHERE seq = 3")
    result = verify_chain(tenant.id)
    assert not result.ok and result.first_broken_seq == 4
    assert "缺失" in result.reason


def test_inserted_event_is_found(app, make):
    tenant = make.tenant("alpha")
    _record(tenant, 3)
    # Unique (tenant_id, seq) stops a same-seq insert, so an insert means renumbering the
    # later rows; the renumbered successor no longer follows its predecessor.
    _owner_execute(app, "UPDATE audit_events SET seq = seq + 1 WHERE seq = 3")
    _owner_execute(
        app,
        "INSERT INTO audit_events (tenant_id, seq, occurred_at, actor_label, actor_name, kind, "
        "prev_hash, hash) SELECT tenant_id, 3, occurred_at, actor_label, actor_name, "
        "'incident.downgrade', hash, hash FROM audit_events WHERE seq = 2 AND tenant_id = :t",
        t=tenant.id,
    )
    result = verify_chain(tenant.id)
    assert not result.ok and result.first_broken_seq == 3
    assert "篡改" in result.reason


def test_api_verify_needs_an_audit_role(client, make):
    tenant = make.tenant("alpha")
    monitor = As(client, make.api_key(tenant, roles=["monitor"]))
    assert monitor.get("/audit/verify").status_code == 403


def test_signing_in_to_a_tenant_is_recorded_once_per_sign_in(client, make):
    tenant = make.tenant("anping", name="安平镇")
    user = make.user(tenant, roles=["office"], name="李主任")
    login(client, user.email, PASSWORD)
    client.get("/t/anping/")
    client.get("/t/anping/")
    with tenant_scope(tenant.id):
        events = (
            db.session.execute(sa.select(AuditEvent).filter_by(kind="auth.login")).scalars().all()
        )
        assert len(events) == 1
        assert events[0].actor_label == f"user:{user.id}" and events[0].actor_name == "李主任"
    # A new sign-in (same browser) is recorded again.
    login(client, user.email, PASSWORD)
    client.get("/t/anping/")
    with tenant_scope(tenant.id):
        assert (
            db.session.execute(
                sa.select(sa.func.count()).select_from(AuditEvent).filter_by(kind="auth.login")
            ).scalar()
            == 2
        )
    assert verify_chain(tenant.id).ok
