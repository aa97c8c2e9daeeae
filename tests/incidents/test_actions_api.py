"""403, 409, 422; grades; approvals; hooks; case library; OpenAPI; tenant isolation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.incidents.helpers import OTHER_STORY, STORY, As, post_body
from yuqing.audit.models import AuditEvent
from yuqing.extensions import db
from yuqing.incidents import hooks
from yuqing.incidents.models import IncidentGradeChange
from yuqing.tenancy.scope import tenant_scope


@pytest.fixture
def town(client, make):
    tenant = make.tenant("anping", plugin="township")
    unit = make.unit(tenant, "V01", "中心村")
    roles = ["monitor", "office", "leader", "office_director", "spokesperson", "auditor"]
    callers = {r: As(client, make.api_key(tenant, roles=[r], name=r)) for r in roles}
    callers["unit_handler"] = As(
        client, make.api_key(tenant, roles=["unit_handler"], name="handler", unit=unit)
    )
    iid = callers["monitor"].post("/signals", post_body(1)).get_json()["incident_id"]
    return tenant, callers, iid


def test_role_the_policy_does_not_allow_gets_403(town):
    tenant, who, iid = town
    answer = who["monitor"].act(iid, "dispatch", {"unit": "V01"})
    assert answer.status_code == 403
    error = answer.get_json()["error"]
    assert error["code"] == "forbidden" and "交办" in error["message"] and error["message_en"]


def test_state_that_does_not_allow_the_action_gets_409_naming_state_and_actions(town):
    tenant, who, iid = town
    answer = who["office"].act(iid, "dispatch", {"unit": "V01"})
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["state"] == "detected"
    assert "report" in error["allowed_actions"] and "dispatch" not in error["allowed_actions"]


def test_invalid_body_gets_422_with_field_errors(town):
    tenant, who, iid = town
    who["monitor"].act(iid, "report")
    missing = who["office"].act(iid, "assess", {})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["fields"] == {"category": ["此字段为必填项。"]}
    unknown_category = who["office"].act(iid, "assess", {"category": "C99"})
    assert "category" in unknown_category.get_json()["error"]["fields"]
    unknown_unit = who["office"].act(iid, "assess", {"category": "C1", "unit": "NOPE"})
    assert "unit" in unknown_unit.get_json()["error"]["fields"]
    stray = who["office"].act(iid, "assess", {"category": "C1", "result": "x"})
    assert stray.status_code == 422 and "result" in stray.get_json()["error"]["fields"]
    # flask-smorest's own 422 (wrong type) has the same shape.
    wrong_type = who["office"].post(f"/incidents/{iid}/statements", {"kind": "tweet", "text": 1})
    assert wrong_type.status_code == 422
    assert set(wrong_type.get_json()["error"]) >= {"code", "message", "message_en", "fields"}
    assert who["office"].act(iid, "fly").status_code == 404


def test_grade_rises_automatically_and_is_recorded_never_falls(town):
    tenant, who, iid = town
    received = []

    def listener(incident, **kwargs):
        received.append(kwargs["action"])

    hooks.incident_changed.connect(listener)
    try:
        risen = (
            who["monitor"]
            .post(f"/incidents/{iid}/metrics", {"metrics": {"views": 3500}})
            .get_json()
        )
    finally:
        hooks.incident_changed.disconnect(listener)
    assert risen["grade"] == {"code": "critical", "label": "重特大负面舆情", "severity": "S4"}
    assert "escalated" in risen["priority_flags"]
    assert received == ["grade_rise", "metrics"]
    fallen = who["monitor"].post(f"/incidents/{iid}/metrics", {"metrics": {"views": 5}}).get_json()
    assert fallen["grade"]["code"] == "critical"
    with tenant_scope(tenant.id):
        change = db.session.execute(sa.select(IncidentGradeChange)).scalar_one()
        assert (change.automatic, change.from_grade, change.to_grade) == (
            True,
            "general",
            "critical",
        )
        event = db.session.execute(
            sa.select(AuditEvent).filter_by(kind="incident.grade_rise")
        ).scalar_one()
        assert event.actor_label == "system"
        assert event.before["grade"] == "general" and event.after["grade"] == "critical"
    bad = who["monitor"].post(f"/incidents/{iid}/metrics", {"metrics": {"views": -1}})
    assert bad.status_code == 422


def test_downgrade_needs_the_role_and_a_reason(town):
    tenant, who, iid = town
    who["office"].act(iid, "escalate", {"reason": "扩大"})
    assert (
        who["office"].act(iid, "downgrade", {"grade": "general", "reason": "x"}).status_code == 403
    )
    assert who["leader"].act(iid, "downgrade", {"grade": "general"}).status_code == 422
    assert (
        who["leader"].act(iid, "downgrade", {"grade": "critical", "reason": "x"}).status_code == 422
    )
    done = who["leader"].act(iid, "downgrade", {"grade": "general", "reason": "经核实影响有限"})
    assert done.status_code == 200 and done.get_json()["grade"]["code"] == "general"
    with tenant_scope(tenant.id):
        changes = (
            db.session.execute(sa.select(IncidentGradeChange).order_by(IncidentGradeChange.id))
            .scalars()
            .all()
        )
        assert [(c.to_grade, c.automatic, c.reason) for c in changes] == [
            ("important", False, "扩大"),
            ("general", False, "经核实影响有限"),
        ]


def test_publish_without_approvals_is_refused_and_the_attempt_is_audited(town):
    tenant, who, iid = town
    who["monitor"].act(iid, "report")
    who["office"].act(iid, "assess", {"category": "C1"})
    sid = (
        who["office"]
        .post(f"/incidents/{iid}/statements", {"kind": "reply", "text": "初稿"})
        .get_json()["id"]
    )
    refused = who["spokesperson"].post(f"/incidents/{iid}/statements/{sid}/publish")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["missing_roles"] == ["office_director"]
    events = who["auditor"].get("/audit/events", query_string={"kind": "statement.publish_refused"})
    [event] = events.get_json()
    assert event["data"]["missing_roles"] == ["office_director"]
    assert event["subject_type"] == "statement" and event["subject_id"] == str(sid)
    # An approval is for one version: a new text needs a new approval.
    who["office_director"].post(f"/incidents/{iid}/statements/{sid}/approve")
    who["office"].post(f"/incidents/{iid}/statements/{sid}/versions", {"text": "二稿"})
    assert who["spokesperson"].post(f"/incidents/{iid}/statements/{sid}/publish").status_code == 403
    # A monitor may not approve; approving twice is a conflict.
    assert who["monitor"].post(f"/incidents/{iid}/statements/{sid}/approve").status_code == 403
    who["office_director"].post(f"/incidents/{iid}/statements/{sid}/approve")
    assert (
        who["office_director"].post(f"/incidents/{iid}/statements/{sid}/approve").status_code == 409
    )
    published = who["spokesperson"].post(f"/incidents/{iid}/statements/{sid}/publish")
    assert published.status_code == 200
    locked = who["office"].post(f"/incidents/{iid}/statements/{sid}/versions", {"text": "三稿"})
    assert locked.status_code == 409


def test_statements_wait_for_assessment(town):
    tenant, who, iid = town
    early = who["office"].post(
        f"/incidents/{iid}/statements", {"kind": "holding_reply", "text": "已关注"}
    )
    assert early.status_code == 409


def test_unit_handler_acts_only_for_own_unit_or_below(client, make, town):
    tenant, who, iid = town
    make.unit(tenant, "V01-G1", "中心村一组", parent="V01")
    make.unit(tenant, "V02", "河口村")
    who["monitor"].act(iid, "report")
    who["office"].act(iid, "assess", {"category": "C1"})
    who["office"].act(iid, "dispatch", {"unit": "V01-G1"})
    with tenant_scope(tenant.id):
        from yuqing.tenancy.models import Unit

        v02 = db.session.execute(sa.select(Unit).filter_by(code="V02")).scalar_one()
    outsider = As(client, make.api_key(tenant, roles=["unit_handler"], name="v02", unit=v02))
    # Another village's handler does not even see the item: not in the list, not by id.
    assert outsider.act(iid, "acknowledge").status_code == 404
    assert outsider.get(f"/incidents/{iid}").status_code == 404
    assert outsider.get(f"/incidents/{iid}/deadlines").status_code == 404
    assert outsider.get("/incidents").get_json()["items"] == []
    # The handler of the parent village sees what was sent to its group, and acts on it.
    assert [i["id"] for i in who["unit_handler"].get("/incidents").get_json()["items"]] == [iid]
    assert who["unit_handler"].act(iid, "acknowledge").status_code == 200


def test_list_filters_and_pagination(town):
    tenant, who, iid = town
    second = who["monitor"].post("/signals", post_body(9, content=OTHER_STORY, views=1500))
    page = who["office"].get("/incidents", query_string={"per_page": 1}).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1
    s3 = who["office"].get("/incidents", query_string={"severity": "S3"}).get_json()
    assert [i["id"] for i in s3["items"]] == [second.get_json()["incident_id"]]
    text = who["office"].get("/incidents", query_string={"q": "食堂"}).get_json()
    assert text["total"] == 1
    overdue = who["office"].get("/incidents", query_string={"overdue": "true"}).get_json()
    assert "overdue_filter_applied" in overdue
    assert who["office"].get("/incidents", query_string={"state": "nope"}).status_code == 422


def test_similar_cases_show_past_statements(make, client, town):
    tenant, who, iid = town
    with tenant_scope(tenant.id):
        from yuqing.accounts.actor import Actor
        from yuqing.incidents import operations as ops

        actor = Actor(
            tenant_id=tenant.id,
            name="办公室",
            roles=frozenset({"office", "leader", "office_director", "unit_handler"}),
            unit_id=None,
        )
        incident = ops.get_incident(iid)
        ops.report_incident(incident, actor=actor)
        ops.assess_incident(incident, actor=actor, category="C6")
        statement = ops.create_statement(
            incident, actor=actor, kind="holding_reply", text="已安排清淤。"
        )
        ops.approve_statement(incident, statement, actor=actor)
        ops.publish_statement(incident, statement, actor=actor)
        for action, body in (("dispatch", {"unit": "V01"}),):
            ops.perform_action(incident, action, actor=actor, body=body)
        db.session.commit()
    # The past case gets reviewed (handled by the village's own handler).
    who["unit_handler"].act(iid, "acknowledge")
    who["unit_handler"].act(iid, "verify", {"result": "属实"})
    who["unit_handler"].act(iid, "resolve", {"outcome": "已清淤"})
    who["office"].act(iid, "track")
    who["office"].act(iid, "subside")
    who["office"].act(iid, "review", {"summary": "排水问题", "lessons": "汛前清淤"})
    who["office"].act(iid, "archive")
    # A year later the same kind of post comes in.
    new = (
        who["monitor"]
        .post("/signals", post_body(50, content=STORY.replace("中心街道", "东街")))
        .get_json()
    )
    assert new["created"] is True  # the old incident is closed, so this is a new incident
    similar = who["office"].get(f"/incidents/{new['incident_id']}/similar-cases").get_json()
    assert [c["incident"]["id"] for c in similar] == [iid]
    assert similar[0]["similarity"] > 0.5
    assert similar[0]["statements"][0]["published_text"] == "已安排清淤。"
    assert who["office"].get("/cases", query_string={"q": "汛前"}).get_json()[0]["review"]
    assert who["office"].get("/cases", query_string={"category": "C1"}).get_json() == []


def test_openapi_describes_every_endpoint_and_error(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in (
        "/api/v1/signals",
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/api/v1/incidents/{incident_id}/actions/{action}",
        "/api/v1/incidents/{incident_id}/metrics",
        "/api/v1/incidents/{incident_id}/timeline",
        "/api/v1/incidents/{incident_id}/statements/{statement_id}/publish",
        "/api/v1/cases",
        "/api/v1/audit/verify",
    ):
        assert path in paths, path
    action = paths["/api/v1/incidents/{incident_id}/actions/{action}"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(action)
    assert action["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError")
    assert "IncidentOut" in spec["components"]["schemas"]


# --- tenant isolation through the API ---------------------------------------------------------


def test_tenant_b_cannot_reach_a_incident_or_children(client, make, town):
    tenant, who, iid = town
    who["monitor"].act(iid, "report")
    who["office"].act(iid, "assess", {"category": "C1"})
    who["office"].act(iid, "dispatch", {"unit": "V01"})
    sid = (
        who["office"]
        .post(f"/incidents/{iid}/statements", {"kind": "holding_reply", "text": "已关注"})
        .get_json()["id"]
    )
    slip_id = who["office"].get(f"/incidents/{iid}/slips").get_json()[0]["id"]
    who["office"].act(iid, "escalate", {"reason": "x"})

    beta = make.tenant("beta", plugin="township")
    make.unit(beta, "V01", "乙村")
    stranger = As(
        client,
        make.api_key(
            beta, roles=["office", "leader", "auditor", "office_director", "spokesperson"]
        ),
    )
    for path in (
        f"/incidents/{iid}",
        f"/incidents/{iid}/timeline",
        f"/incidents/{iid}/slips",
        f"/incidents/{iid}/statements",
        f"/incidents/{iid}/statements/{sid}",
        f"/incidents/{iid}/signals",
        f"/incidents/{iid}/metrics",
        f"/incidents/{iid}/similar-cases",
    ):
        assert stranger.get(path).status_code == 404, path
    for path, body in (
        (f"/incidents/{iid}/actions/subside", {}),
        (f"/incidents/{iid}/metrics", {"metrics": {"views": 1}}),
        (f"/incidents/{iid}/slips/{slip_id}/acknowledge", {}),
        (f"/incidents/{iid}/statements/{sid}/approve", {}),
        (f"/incidents/{iid}/statements/{sid}/publish", {}),
    ):
        assert stranger.post(path, body).status_code == 404, path
    assert stranger.get("/incidents").get_json()["total"] == 0
    assert stranger.get("/cases").get_json() == []
    # The same post in B opens B's own incident; it never joins A's.
    own = stranger.post("/signals", post_body(1)).get_json()
    assert own["created"] is True and own["incident_id"] != iid
    assert stranger.get("/audit/verify").get_json()["checked"] == 1


def test_b_cannot_reach_a_statement_through_its_own_incident(client, make, town):
    tenant, who, iid = town
    who["monitor"].act(iid, "report")
    who["office"].act(iid, "assess", {"category": "C1"})
    sid = (
        who["office"]
        .post(f"/incidents/{iid}/statements", {"kind": "holding_reply", "text": "已关注"})
        .get_json()["id"]
    )
    beta = make.tenant("beta", plugin="township")
    b_office = As(client, make.api_key(beta, roles=["office", "monitor"]))
    b_iid = b_office.post("/signals", post_body(77, content=OTHER_STORY)).get_json()["incident_id"]
    assert b_office.get(f"/incidents/{b_iid}/statements/{sid}").status_code == 404
