"""``township``: 篇二's 半天 verification, 篇十八's grades and 10-minute rule, 篇五's 17:00."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policy_plugins.township import TownshipPolicy
from yuqing.errors import ValidationFailed
from yuqing.policy.rules import Duration, TimeOfDay


@pytest.fixture
def township():
    return TownshipPolicy()


def verify_rule(plugin, code, params=None):
    [rule] = [r for r in plugin.deadline_rules(code, params) if r.stage == "verify"]
    return rule


def test_half_day_verification_from_slip_receipt(township):
    """篇二 D09: the involved village returns its verification 「半天内」 after receiving the
    舆情联系单 — clock ``slip_received_at``, default 4 hours, at every grade."""
    for grade in township.grades:
        rule = verify_rule(township, grade.code)
        assert rule.anchor == "slip_received_at"
        assert rule.within == Duration(timedelta(hours=4))
        assert rule.actor_role == "unit_handler"
        assert rule.source.startswith("篇二 D09")


def test_half_day_is_a_tenant_parameter(township):
    """篇五 / 19-F changed 半天 to 「一天内」: the tenant sets 24."""
    params = township.resolve_params({"verify_return_hours": 24})
    assert verify_rule(township, "general", params).within == Duration(timedelta(hours=24))
    assert township.snapshot({"verify_return_hours": 24})["params"]["verify_return_hours"] == 24
    with pytest.raises(ValidationFailed) as caught:
        township.resolve_params({"verify_return_hours": 0})
    assert caught.value.details["fields"]["verify_return_hours"] == ["必须在 1 到 72 之间。"]


def test_slip_is_sent_at_once(township):
    """篇二 D08: the office sends the 舆情联系单 「立即」 (default 15 min)."""
    [rule] = [r for r in township.deadline_rules("general") if r.stage == "dispatch"]
    assert rule.within == Duration(timedelta(minutes=15)) and rule.actor_role == "office"


def test_stability_and_demolition_topics_are_critical_with_a_10_minute_rule(township):
    """篇十八: 「涉及社会稳定、用地拆迁等重特大负面舆情」 → notify the responsible unit and the
    county CAC within 10 minutes of discovery (D45)."""
    grade = township.grade_for({"topics": ["用地拆迁"], "views": 5})
    assert (grade.code, grade.label_zh, grade.severity) == ("critical", "重特大负面舆情", "S4")
    [notify] = [r for r in township.deadline_rules("critical") if r.stage == "notify_up"]
    assert notify.within == Duration(timedelta(minutes=10))
    assert notify.anchor == "discovered_at"
    assert not [r for r in township.deadline_rules("general") if r.stage == "notify_up"]


def test_middle_grade_follows_the_default_ladder(township):
    """篇十八's 重要 has no criteria in the seed: the default ladder's S2–S3 band."""
    assert township.grade_for({"views": 600}).code == "important"
    assert township.grade_for({"traditional_media": True}).code == "important"
    assert township.grade_for({"views": 5}).code == "general"


def test_statement_approval_variants(township):
    """篇二: 办公室主任审定; 篇五: 组长审定; major events: 上级有关部门审定 (篇二)."""
    assert township.approval_roles("general", "reply") == ("office_director",)
    assert township.approval_roles("important", "press_release") == ("upper_authority",)
    pian5 = township.resolve_params({"statement_approver": "leader"})
    assert township.approval_roles("general", "reply", pian5) == ("leader",)
    assert township.approval_roles("important", "holding_reply", pian5) == ("leader",)


def test_daily_digest_at_17(township):
    """篇五 D12: 「每天下午17时」 a digest of the day's items as 标题+链接地址."""
    digest = next(r for r in township.report_schedule(None) if r.key == "daily_digest")
    assert digest.when == "daily@17:00" and digest.item_format == "title_link"
    assert township.report_schedule({"digest_time": "16:30"})[0].when == "daily@16:30"
    assert TimeOfDay(17, 0).describe_zh() == "17:00 前"
