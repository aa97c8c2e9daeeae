"""上报 (T4): the upward express report is an action of its own, and it meets the plan's
notify_up deadline — without it, 篇四's 30-minute 手机快报 could never be met."""

from __future__ import annotations

from tests.incidents.helpers import As, post_body


def _highway(client, make):
    tenant = make.tenant("huaning", plugin="highway-branch")
    make.unit(tenant, "panxi", "盘溪公路管理站")
    monitor = As(client, make.api_key(tenant, roles=["monitor"]))
    party_branch = As(client, make.api_key(tenant, roles=["party_branch"]))
    return monitor, party_branch


def test_party_branch_express_report_meets_the_notify_up_deadline(client, make):
    monitor, party_branch = _highway(client, make)
    # 篇四 一级: a central outlet reports it, so the 30-minute express report applies.
    created = monitor.post("/signals", post_body(1, media_level="central"))
    assert created.status_code == 200, created.get_json()
    incident_id = created.get_json()["incident_id"]
    assert monitor.get(f"/incidents/{incident_id}").get_json()["grade"]["severity"] == "S4"
    stages = {
        d["stage"]: d for d in party_branch.get(f"/incidents/{incident_id}/deadlines").get_json()
    }
    assert stages["notify_up"]["met_at"] is None

    response = party_branch.act(
        incident_id, "notify_up", {"recipients": "玉溪公路局主要领导", "channel": "手机快报"}
    )
    assert response.status_code == 200, response.get_json()
    incident = party_branch.get(f"/incidents/{incident_id}").get_json()
    assert incident["notified_up_at"] is not None
    stages = {
        d["stage"]: d for d in party_branch.get(f"/incidents/{incident_id}/deadlines").get_json()
    }
    assert stages["notify_up"]["met_at"] is not None
    kinds = [
        e["kind"]
        for e in party_branch.get(f"/incidents/{incident_id}/timeline").get_json()
        if "kind" in e
    ]
    assert "incident.notify_up" in kinds


def test_notify_up_needs_a_recipient_and_a_reporting_role(client, make):
    monitor, party_branch = _highway(client, make)
    incident_id = monitor.post("/signals", post_body(1, media_level="central")).get_json()[
        "incident_id"
    ]
    missing = party_branch.act(incident_id, "notify_up", {"channel": "电话"})
    assert missing.status_code == 422
    assert "recipients" in missing.get_json()["error"]["fields"]
    refused = monitor.act(incident_id, "notify_up", {"recipients": "县网信办"})
    assert refused.status_code == 403
