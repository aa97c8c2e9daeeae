"""``court``: 篇七 is an essay — its risk factors and stance rules, default numbers."""

from __future__ import annotations

from policy_plugins.court import CourtPolicy


def test_risk_factors_lift_a_quiet_item():
    """篇七: 久拖不决, 执行, 当事人身份特殊 … make an item at least 较大 [default]."""
    court = CourtPolicy()
    assert court.grade_for({"views": 10}).code == "general"
    assert court.grade_for({"views": 10, "topics": ["久拖不决"]}).code == "significant"
    assert court.grade_for({"views": 1200, "topics": ["执行"]}).code == "major"


def test_stance_rule_and_spokesperson():
    """篇七: 设立网络发言人; do not characterise facts not yet adjudicated."""
    court = CourtPolicy()
    assert court.role_label("spokesperson") == "网络发言人"
    [c10] = [c for c in court.categories if c.code == "C10"]
    assert "未经审判确定的事实" in c10.handling_zh
    assert court.approval_roles("general", "reply") == ("spokesperson", "leader")


def test_every_number_is_marked_default():
    """篇七 gives no time limits: every deadline says so."""
    court = CourtPolicy()
    for grade in court.grades:
        for rule in court.deadline_rules(grade.code):
            assert "default" in rule.source
    [s4] = [r for r in court.deadline_rules("extraordinary") if r.stage == "notify_up"]
    assert s4.within.delta.total_seconds() == 3600
