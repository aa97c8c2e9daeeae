"""The deadlines domain over HTTP (API and web pages) and the ``yuqing calendar`` commands,
including tenant isolation: tenant B never sees tenant A's deadlines, entries or digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from tests.conftest import login
from tests.factories import PASSWORD
from yuqing.cli import cli
from yuqing.db_types import utcnow
from yuqing.deadlines import operations as ops
from yuqing.deadlines.digests import build_due_digests
from yuqing.extensions import db
from yuqing.incidents.models import Incident
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import tenant_scope

SH = ZoneInfo("Asia/Shanghai")


def invoke(app, *args):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


@pytest.fixture
def world(make):
    """Tenant A with an overdue incident (one breach recorded), tenant B with keys of its own."""
    alpha = make.tenant("alpha", plugin="school")
    beta = make.tenant("beta", plugin="school")
    unit = make.unit(alpha, "G7", "七年级组")
    handler = make.user(alpha, roles=("unit_handler",), unit=unit, name="李老师")
    now = utcnow()
    incident_id = make.deadline_incident(alpha, unit=unit, discovered_at=now - timedelta(hours=6))
    with tenant_scope(alpha.id):
        incident = db.session.get(Incident, incident_id)
        rows = {r.stage: r for r in ops.sync_deadlines(incident, now=now)}
        ops.breach_deadline(rows["holding_reply"].id, now=now)
        build_due_digests(db.session.get(Tenant, alpha.id), now=now)
        db.session.commit()
        ids = {stage: row.id for stage, row in rows.items()}
    return {
        "alpha": alpha,
        "beta": beta,
        "unit": unit,
        "handler": handler,
        "incident_id": incident_id,
        "deadline_ids": ids,
        "a_office": make.api_key(alpha, roles=("office",)),
        "a_auditor": make.api_key(alpha, roles=("auditor",)),
        "a_monitor": make.api_key(alpha, roles=("monitor",)),
        "b_office": make.api_key(beta, roles=("office",)),
        "b_auditor": make.api_key(beta, roles=("auditor",)),
    }


def auth(key):
    return {"Authorization": f"Bearer {key}"}


def test_incident_deadlines_api_shows_time_left_and_overdue(client, world):
    response = client.get(
        f"/api/v1/incidents/{world['incident_id']}/deadlines", headers=auth(world["a_office"])
    )
    assert response.status_code == 200
    by_stage = {d["stage"]: d for d in response.get_json()}
    reply = by_stage["holding_reply"]
    assert reply["status"] == "overdue" and reply["seconds_left"] < 0
    assert reply["human_zh"].startswith("已超时")
    assert reply["can_acknowledge"] is True and reply["escalation_level"] == 1
    assert by_stage["report"]["rule_source"].startswith("篇八")


def test_tenant_b_gets_404_for_a_deadlines_entries_and_digests(client, world):
    b = auth(world["b_office"])
    assert (
        client.get(f"/api/v1/incidents/{world['incident_id']}/deadlines", headers=b).status_code
        == 404
    )
    deadline_id = world["deadline_ids"]["holding_reply"]
    assert client.post(f"/api/v1/deadlines/{deadline_id}/acknowledge", headers=b).status_code == 404
    entries = client.get("/api/v1/accountability", headers=auth(world["a_auditor"])).get_json()
    assert entries
    b_auditor = auth(world["b_auditor"])
    assert client.get("/api/v1/accountability", headers=b_auditor).get_json() == []
    assert (
        client.get(f"/api/v1/accountability/{entries[0]['id']}", headers=b_auditor).status_code
        == 404
    )
    digests = client.get("/api/v1/digests", headers=auth(world["a_office"])).get_json()
    assert digests
    assert client.get("/api/v1/digests", headers=b).get_json() == []
    assert client.get(f"/api/v1/digests/{digests[0]['id']}", headers=b).status_code == 404


def test_acknowledge_through_the_api_stops_the_ladder(client, world):
    deadline_id = world["deadline_ids"]["holding_reply"]
    response = client.post(
        f"/api/v1/deadlines/{deadline_id}/acknowledge", headers=auth(world["a_office"])
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["acknowledged_at"] is not None
    again = client.post(
        f"/api/v1/deadlines/{deadline_id}/acknowledge", headers=auth(world["a_office"])
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "该督办已签收或已办结。"


def test_accountability_api_filters_and_findings(client, world):
    auditor = auth(world["a_auditor"])
    entries = client.get("/api/v1/accountability", headers=auditor).get_json()
    entry = next(e for e in entries if e["stage"] == "holding_reply")
    assert entry["kind"] == "missed_response" and entry["kind_zh"] == "逾期未回应"
    assert entry["unit_name"] == "七年级组" and entry["person_name"] == "李老师"
    assert entry["audit_event_ids"]

    def ids(**params):
        response = client.get("/api/v1/accountability", headers=auditor, query_string=params)
        assert response.status_code == 200, response.get_json()
        return {e["id"] for e in response.get_json()}

    assert entry["id"] in ids(unit_id=world["unit"].id)
    assert entry["id"] in ids(person_id=world["handler"].id)
    assert ids(kind="finding_false_report") == set()
    today = datetime.now(SH).date()
    assert entry["id"] in ids(date_from=today.isoformat(), date_to=today.isoformat())
    assert ids(date_to=(today - timedelta(days=2)).isoformat()) == set()
    assert (
        client.get(
            "/api/v1/accountability", headers=auditor, query_string={"kind": "nonsense"}
        ).status_code
        == 422
    )

    finding = {
        "kind": "finding_concealment",
        "incident_id": world["incident_id"],
        "unit_id": world["unit"].id,
        "evidence": "经核查，该单位未如实报告食堂问题。",
    }
    created = client.post("/api/v1/accountability/findings", json=finding, headers=auditor)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["kind_zh"] == "瞒报" and body["created_by"].startswith("apikey:")
    assert body["audit_event_ids"]
    assert ids(kind="finding_concealment") == {body["id"]}

    monitor = auth(world["a_monitor"])
    assert (
        client.post("/api/v1/accountability/findings", json=finding, headers=monitor).status_code
        == 403
    )
    assert client.get("/api/v1/accountability", headers=monitor).status_code == 403
    no_evidence = client.post(
        "/api/v1/accountability/findings", json={**finding, "evidence": "  "}, headers=auditor
    )
    assert no_evidence.status_code == 422


def test_incident_page_dashboard_and_inbox_pages(client, make, world):
    alpha = world["alpha"]
    admin = make.user(alpha, roles=("tenant_admin", "office"), email="admin@example.cn")
    assert admin
    login(client, "admin@example.cn", PASSWORD)
    page = client.get(f"/t/alpha/incidents/{world['incident_id']}").get_data(as_text=True)
    assert "处置时限" in page and "已超时" in page and "签收督办" in page

    home = client.get("/t/alpha/").get_data(as_text=True)
    assert "已超时" in home and "即将到期" in home and "在办舆情" in home
    assert "今日简报" in home
    from yuqing.deadlines.overrides import calendar_warning_for_admins

    with app_ctx_scope():
        warning = calendar_warning_for_admins()
    assert (warning is not None) == ("calendar-warning" in home)

    digests = client.get("/t/alpha/digests")
    assert digests.status_code == 200 and "第 1 期" in digests.get_data(as_text=True)
    assert client.get("/t/alpha/accountability").status_code == 200
    assert client.get("/t/alpha/admin/deliveries").status_code == 200
    assert client.get("/t/alpha/inbox").status_code == 200
    # Not a member of beta: beta's pages do not exist for this user.
    assert client.get("/t/beta/digests").status_code == 404


def app_ctx_scope():
    from yuqing.tenancy.scope import tenant_scope_disabled

    return tenant_scope_disabled()


def test_acknowledge_from_the_incident_page(client, make, world):
    make.user(world["alpha"], roles=("office",), email="office@example.cn")
    login(client, "office@example.cn", PASSWORD)
    page = client.get(f"/t/alpha/incidents/{world['incident_id']}").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    deadline_id = world["deadline_ids"]["holding_reply"]
    response = client.post(
        f"/t/alpha/deadlines/{deadline_id}/acknowledge", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    page = client.get(f"/t/alpha/incidents/{world['incident_id']}").get_data(as_text=True)
    assert "已签收" in page


def test_calendar_admin_page_is_for_platform_admins(client, make):
    # (One signed-in user per test: the fixtures' app context shares ``g`` across requests.)
    make.user(make.tenant("gamma"), email="member@example.cn")
    login(client, "member@example.cn", PASSWORD)
    assert client.get("/admin/calendar").status_code == 403


def test_calendar_admin_page_and_cli(app, client, make, tmp_path):
    make.user(email="root@example.cn", platform_admin=True)
    client2 = client
    login(client2, "root@example.cn", PASSWORD)
    page = client2.get("/admin/calendar?year=2027")
    assert page.status_code == 200
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page.get_data(as_text=True))
    saved = client2.post(
        "/admin/calendar",
        data={"csrf_token": token, "day": "2027-02-07", "working": "1", "note": "春节调休上班"},
    )
    assert saved.status_code == 302
    assert "春节调休上班" in client2.get("/admin/calendar?year=2027").get_data(as_text=True)

    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "date,working,note\n2027-02-08,放假,春节\n2027-02-20,上班,春节调休\n", encoding="utf-8"
    )
    result = invoke(app, "calendar", "import", str(csv_file))
    assert result.exit_code == 0, result.output
    assert "已导入 2 天" in result.output
    toml_file = tmp_path / "2027.toml"
    toml_file.write_text(
        '[[day]]\ndate = 2027-10-09\nworking = true\nnote = "国庆调休"\n', encoding="utf-8"
    )
    assert invoke(app, "calendar", "import", str(toml_file)).exit_code == 0
    shown = invoke(app, "calendar", "show", "2027")
    assert shown.exit_code == 0, shown.output
    assert "2027-02-20" in shown.output and "2027-10-09" in shown.output
    assert "2027-02-08" in shown.output
    bad = tmp_path / "bad.csv"
    bad.write_text("date,working\n2027-13-01,上班\n", encoding="utf-8")
    failed = invoke(app, "calendar", "import", str(bad))
    assert failed.exit_code != 0 and "line 2" in failed.output


def test_overrides_change_working_day_deadlines(make):
    from yuqing.deadlines.overrides import set_override
    from yuqing.tenancy.scope import tenant_scope_disabled

    tenant = make.tenant("school-ov", plugin="school", params={"review_due_working_days": 1})
    incident_id = make.deadline_incident(
        tenant,
        grade="major",
        discovered_at=datetime(2026, 10, 8, 9, 0, tzinfo=SH),
        subsided_at=datetime(2026, 10, 9, 10, 0, tzinfo=SH),
    )
    with tenant_scope_disabled():
        set_override(datetime(2026, 10, 10).date(), False, "测试：改为放假")
        db.session.commit()
    with tenant_scope(tenant.id):
        rows = {
            r.stage: r
            for r in ops.sync_deadlines(
                db.session.get(Incident, incident_id), now=datetime(2026, 10, 9, 10, 0, tzinfo=UTC)
            )
        }
        assert rows["review"].due_at.astimezone(SH) == datetime(2026, 10, 12, 10, 0, tzinfo=SH)
        db.session.rollback()


def test_sweep_and_calendar_check_commands(app, world):
    result = invoke(app, "deadlines", "sweep")
    assert result.exit_code == 0, result.output
    assert "breached=" in result.output
    from yuqing.deadlines.overrides import calendar_warning_for_admins
    from yuqing.tenancy.scope import tenant_scope_disabled

    with tenant_scope_disabled():
        warning = calendar_warning_for_admins()
    checked = invoke(app, "calendar", "check")
    assert checked.exit_code == (1 if warning else 0), checked.output
