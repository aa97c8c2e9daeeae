"""From the first post to the archive, through the HTTP API, each step by the role the
tenant's plan gives it — one scenario per built-in plan."""

from __future__ import annotations

from tests.incidents.helpers import OTHER_STORY, STORY, As, post_body
from yuqing.audit.models import AuditEvent
from yuqing.extensions import db
from yuqing.tenancy.scope import tenant_scope


def _keys(client, make, tenant, roles, unit=None):
    callers = {}
    for role in roles:
        callers[role] = As(
            client,
            make.api_key(
                tenant,
                roles=[role],
                name=f"{role}-key",
                unit=unit if role == "unit_handler" else None,
            ),
        )
    return callers


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _kinds(tenant_id):
    with tenant_scope(tenant_id):
        return [
            e.kind
            for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        ]


def test_township_pian2_first_post_to_archive(client, make):
    """篇二/篇十八: 信息员 reports, 宣传办 assesses and sends the 联系单, the village verifies,
    the 办公室主任 approves the holding reply, the story grows to 重要 and needs a review."""
    tenant = make.tenant("anping", name="安平镇", plugin="township")
    village = make.unit(tenant, "V01", "中心村")
    other = make.unit(tenant, "V02", "河口村")
    who = _keys(
        client,
        make,
        tenant,
        [
            "monitor",
            "office",
            "leader",
            "office_director",
            "spokesperson",
            "auditor",
            "unit_handler",
        ],
        unit=village,
    )
    stranger = As(
        client, make.api_key(tenant, roles=["unit_handler"], name="other-village", unit=other)
    )

    first = _ok(who["monitor"].post("/signals", post_body(1)))
    assert first["created"] is True and first["duplicate"] is False
    iid = first["incident_id"]
    incident = _ok(who["monitor"].get(f"/incidents/{iid}"))
    assert incident["state"] == "detected"
    assert incident["grade"] == {"code": "general", "label": "一般网络舆情", "severity": "S1"}
    assert incident["policy"]["key"] == "township"
    # The monitor's only move now is to report it; assessing is the office's.
    assert incident["allowed_actions"] == ["report"]

    _ok(who["monitor"].act(iid, "report"))
    assessed = _ok(who["office"].act(iid, "assess", {"category": "C6", "unit": "V01"}))
    assert assessed["state"] == "assessed"
    assert assessed["unit"] == {"code": "V01", "name": "中心村"}
    assert assessed["category"] == "C6"

    # Online track: a holding reply before verification, approved by the 办公室主任.
    st = _ok(
        who["spokesperson"].post(
            f"/incidents/{iid}/statements",
            {"kind": "holding_reply", "text": "我镇已关注，正在核实。"},
        ),
        201,
    )
    assert st["required_approvals"] == ["office_director"]
    refused = who["spokesperson"].post(f"/incidents/{iid}/statements/{st['id']}/publish")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["missing_roles"] == ["office_director"]
    _ok(who["office_director"].post(f"/incidents/{iid}/statements/{st['id']}/approve"))
    published = _ok(who["spokesperson"].post(f"/incidents/{iid}/statements/{st['id']}/publish"))
    assert published["state"] == "published"
    assert published["published_text"] == "我镇已关注，正在核实。"

    # Offline track: 联系单 to the village, signed for and answered by its own handler only.
    dispatched = _ok(who["office"].act(iid, "dispatch", {"unit": "V01"}))
    assert dispatched["state"] == "dispatched"
    slips = _ok(who["office"].get(f"/incidents/{iid}/slips"))
    sid = slips[0]["id"]
    # Another village's handler does not see this village's item at all.
    assert stranger.post(f"/incidents/{iid}/slips/{sid}/acknowledge").status_code == 404
    slip = _ok(who["unit_handler"].post(f"/incidents/{iid}/slips/{sid}/acknowledge"))
    assert slip["received_at"] is not None
    after_ack = _ok(who["office"].get(f"/incidents/{iid}"))
    assert after_ack["state"] == "verifying"
    assert after_ack["slip_received_at"] == slip["received_at"]
    _ok(
        who["unit_handler"].post(
            f"/incidents/{iid}/slips/{sid}/answer", {"result": "排水沟被建筑垃圾堵塞，属实。"}
        )
    )

    # The story grows: the grade rises by itself, and the review becomes mandatory.
    grown = _ok(who["monitor"].post(f"/incidents/{iid}/metrics", {"metrics": {"views": 1800}}))
    assert grown["grade"]["code"] == "important" and grown["grade"]["severity"] == "S3"

    _ok(
        who["unit_handler"].act(
            iid, "resolve", {"outcome": "已清理排水沟，积水排除，结果已在网上公布。"}
        )
    )
    _ok(who["office"].act(iid, "track"))
    _ok(who["leader"].act(iid, "subside"))
    blocked = who["office"].act(iid, "archive")
    assert blocked.status_code == 409
    _ok(
        who["office"].act(
            iid,
            "review",
            {"summary": "雨季排水隐患排查不到位。", "lessons": "汛前统一清淤，建立村级巡查台账。"},
        )
    )
    archived = _ok(who["office"].act(iid, "archive"))
    assert archived["state"] == "archived"
    assert archived["allowed_actions"] == ["reopen"]

    kinds = _kinds(tenant.id)
    for kind in (
        "incident.create",
        "incident.report",
        "incident.assess",
        "statement.publish_refused",
        "statement.approve",
        "statement.publish",
        "incident.dispatch",
        "incident.acknowledge",
        "incident.verify",
        "incident.grade_rise",
        "incident.resolve",
        "incident.track",
        "incident.subside",
        "incident.review",
        "incident.archive",
    ):
        assert kind in kinds, kind
    verdict = _ok(who["auditor"].get("/audit/verify"))
    assert verdict["ok"] is True and verdict["checked"] == len(kinds)

    timeline = _ok(who["auditor"].get(f"/incidents/{iid}/timeline"))
    times = [entry["at"] for entry in timeline]
    assert times == sorted(times)
    assert {"event", "grade_change", "slip", "statement"} <= {e["type"] for e in timeline}

    cases = _ok(who["office"].get("/cases", query_string={"q": "排水"}))
    assert [c["incident"]["id"] for c in cases] == [iid]
    assert cases[0]["statements"][0]["published_text"] == "我镇已关注，正在核实。"


def test_school_pian8_first_post_to_archive(client, make):
    """篇八/篇十二: 政教处 grades; 抓级领导 approves a general reply; once the office escalates
    to 重大 only the 新闻发布组 may approve; the review precedes the archive."""
    tenant = make.tenant("jinpenshan", name="金盆山学校", plugin="school")
    canteen = make.unit(tenant, "CANTEEN", "后勤处（食堂）")
    who = _keys(
        client,
        make,
        tenant,
        [
            "monitor",
            "office",
            "leader",
            "grade_leader",
            "press_team",
            "spokesperson",
            "unit_handler",
            "auditor",
        ],
        unit=canteen,
    )

    batch = {
        "items": [
            post_body(1, content=OTHER_STORY, views=200),
            post_body(2, content="转发：" + OTHER_STORY, views=50),
        ]
    }
    results = _ok(who["monitor"].post("/signals", batch))["items"]
    assert [r["created"] for r in results] == [True, False]
    assert results[1]["duplicate"] is True
    iid = results[0]["incident_id"]
    assert results[1]["incident_id"] == iid

    _ok(who["monitor"].act(iid, "report"))
    _ok(who["office"].act(iid, "assess", {"category": "C1", "unit": "CANTEEN"}))
    st = _ok(
        who["unit_handler"].post(
            f"/incidents/{iid}/statements", {"kind": "reply", "text": "学校已组织后勤处调查。"}
        ),
        201,
    )
    assert st["required_approvals"] == ["grade_leader"]
    _ok(who["grade_leader"].post(f"/incidents/{iid}/statements/{st['id']}/approve"))

    # 家长群转发扩大: the office escalates; the approval now needed is the press team's.
    escalated = _ok(
        who["office"].act(iid, "escalate", {"reason": "家长群大量转发，出现扩大迹象（篇八）"})
    )
    assert escalated["grade"]["code"] == "major"
    refused = who["spokesperson"].post(f"/incidents/{iid}/statements/{st['id']}/publish")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["missing_roles"] == ["press_team"]

    # A corrected text resets approvals; the diff shows the change.
    revised = _ok(
        who["office"].post(
            f"/incidents/{iid}/statements/{st['id']}/versions",
            {"text": "学校已组织后勤处调查，并将公开食堂管理情况。"},
        ),
        201,
    )
    assert revised["current_version"] == 2 and revised["state"] == "draft"
    assert "+学校已组织后勤处调查，并将公开食堂管理情况。" in revised["versions"][1]["diff"]
    _ok(who["press_team"].post(f"/incidents/{iid}/statements/{st['id']}/approve"))
    _ok(who["spokesperson"].post(f"/incidents/{iid}/statements/{st['id']}/publish"))

    _ok(who["office"].act(iid, "dispatch", {"unit": "CANTEEN"}))
    _ok(who["unit_handler"].act(iid, "acknowledge"))
    _ok(who["unit_handler"].act(iid, "verify", {"result": "个别窗口操作不规范。"}))
    _ok(who["unit_handler"].act(iid, "resolve", {"outcome": "整改食堂操作规范，公开管理制度。"}))
    _ok(who["office"].act(iid, "track"))
    _ok(who["office"].act(iid, "subside"))
    assert who["office"].act(iid, "archive").status_code == 409
    _ok(
        who["unit_handler"].act(
            iid,
            "review",
            {"summary": "食堂管理制度执行不严。", "lessons": "每周开放日，家长代表陪餐。"},
        )
    )
    assert _ok(who["office"].act(iid, "archive"))["state"] == "archived"
    assert _ok(who["auditor"].get("/audit/verify"))["ok"] is True


def test_highway_branch_pian4_first_post_to_archive(client, make):
    """篇四: a provincial media report makes it 二级; the 领导小组办公室 approves the press
    release; the 分管领导 downgrades with a reason; the 造谣 part is referred to the police."""
    tenant = make.tenant("huaning", name="华宁公路分局", plugin="highway-branch")
    section = make.unit(tenant, "MAINT", "养护站")
    who = _keys(
        client,
        make,
        tenant,
        ["monitor", "office", "leader", "spokesperson", "unit_handler", "auditor"],
        unit=section,
    )
    body = post_body(
        1,
        content="华宁公路K12处路面坍塌多日无人修复，过往车辆险象环生，"
        "已有多起车辆爆胎事故，公路部门不作为。",
        views=300,
        media_level="provincial",
    )
    iid = _ok(who["monitor"].post("/signals", body))["incident_id"]
    incident = _ok(who["office"].get(f"/incidents/{iid}"))
    assert incident["grade"]["code"] == "level_2" and incident["grade"]["severity"] == "S3"

    _ok(who["monitor"].act(iid, "report"))
    _ok(who["office"].act(iid, "assess", {"category": "C1", "unit": "MAINT"}))
    st = _ok(
        who["spokesperson"].post(
            f"/incidents/{iid}/statements",
            {"kind": "press_release", "text": "分局已派员现场处置。"},
        ),
        201,
    )
    assert st["required_approvals"] == ["office"]
    _ok(who["office"].post(f"/incidents/{iid}/statements/{st['id']}/approve"))
    _ok(who["spokesperson"].post(f"/incidents/{iid}/statements/{st['id']}/publish"))

    # Only the leader may downgrade, and only with a reason.
    assert (
        who["office"].act(iid, "downgrade", {"grade": "level_3", "reason": "x"}).status_code == 403
    )
    missing = who["leader"].act(iid, "downgrade", {"grade": "level_3"})
    assert missing.status_code == 422
    assert "reason" in missing.get_json()["error"]["fields"]
    lowered = _ok(
        who["leader"].act(
            iid, "downgrade", {"grade": "level_3", "reason": "经核实系局部坑槽，影响有限"}
        )
    )
    assert lowered["grade"]["code"] == "level_3"
    referred = _ok(
        who["office"].act(
            iid,
            "refer",
            {"authority": "华宁县公安局", "legal_basis": "《治安管理处罚法》第二十五条"},
        )
    )
    assert "referred" in referred["priority_flags"]
    assert referred["referral"]["authority"] == "华宁县公安局"

    _ok(who["office"].act(iid, "dispatch", {"unit": "MAINT"}))
    _ok(who["unit_handler"].act(iid, "acknowledge"))
    _ok(who["unit_handler"].act(iid, "verify", {"result": "K12 处坑槽属实，已设警示。"}))
    _ok(who["unit_handler"].act(iid, "resolve", {"outcome": "坑槽已修补，恢复通行。"}))
    _ok(who["office"].act(iid, "track"))
    _ok(who["leader"].act(iid, "subside"))
    # 三级 now: archiving without a review is allowed.
    assert _ok(who["office"].act(iid, "archive"))["state"] == "archived"
    reopened = _ok(who["office"].act(iid, "reopen", {"reason": "同一路段再次被曝光"}))
    assert reopened["state"] == "assessed" and "reopened" in reopened["priority_flags"]
    assert _ok(who["auditor"].get("/audit/verify"))["ok"] is True


def test_story_constant_is_distinct():
    assert STORY != OTHER_STORY
