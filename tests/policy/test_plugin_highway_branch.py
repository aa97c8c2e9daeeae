"""``highway-branch``: 篇四's three grades (一级 is the highest) and their deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policy_plugins.highway_branch import HighwayBranchPolicy
from policy_plugins.urban_management import UrbanManagementPolicy
from yuqing.policy.rules import Duration, EndOfDay, WorkingDays


@pytest.fixture
def branch():
    return HighwayBranchPolicy()


def rules_of(plugin, code, params=None):
    rules = [
        (r.stage, r.anchor, r.within, r.actor_role) for r in plugin.deadline_rules(code, params)
    ]
    return sorted(rules, key=repr)


def test_provincial_media_makes_level_2_and_its_deadlines(branch):
    """篇四 二级: 「省内媒体关注或报道、云南网及市内主要网站刊发」. Then: report to branch leaders
    while consulting the supervising department (D19, same day by default), and a written
    review into the case library after it subsides (D21)."""
    level = branch.grade_for({"media_level": "provincial"})
    assert (level.code, level.label_zh, level.severity) == ("level_2", "二级（严重）", "S3")
    assert branch.grade_for({"media_level": "city_major"}).code == "level_2"
    assert rules_of(branch, "level_2") == [
        ("notify_up", "discovered_at", EndOfDay(), "unit_handler"),
        ("report", "discovered_at", Duration(timedelta(minutes=30)), "monitor"),
        ("review", "subsided_at", WorkingDays(10), "unit_handler"),
    ]
    # 第二十一条: the 二级 press release is approved by the leading group's office.
    assert branch.approval_roles("level_2", "press_release") == ("office",)


def test_central_outlet_makes_level_1_and_its_express_reports(branch):
    """篇四 一级: 「中央级媒体关注或报道、国内大型门户网站刊发」. Then: mobile express report in
    30 min and paper express report in 1 h, both from the incident's occurrence (D16, D17),
    by the branch's Party general branch; the department reports 第一时间 (D18); a joint
    meeting draws up the plan; review into the case library."""
    level = branch.grade_for({"media_level": "central"})
    assert (level.code, level.label_zh, level.severity) == ("level_1", "一级（重大）", "S4")
    assert branch.grade_for({"media_level": "national_portal"}).code == "level_1"
    assert rules_of(branch, "level_1") == [
        ("assess", "discovered_at", Duration(timedelta(hours=2)), "leader"),
        ("notify_up", "discovered_at", Duration(timedelta(minutes=30)), "unit_handler"),
        ("notify_up", "occurred_at", Duration(timedelta(minutes=30)), "party_branch"),
        ("notify_up", "occurred_at", Duration(timedelta(hours=1)), "party_branch"),
        ("report", "discovered_at", Duration(timedelta(minutes=30)), "monitor"),
        ("review", "subsided_at", WorkingDays(10), "unit_handler"),
    ]
    sources = {r.source for r in branch.deadline_rules("level_1")}
    assert {"篇四 D16「30分钟内」", "篇四 D17「1小时内」"} <= sources
    # 第二十一条: 专班 or 局党委宣传部 — the tenant picks which.
    assert branch.approval_roles("level_1", "press_release") == ("task_force",)
    other = branch.resolve_params({"tier1_release_approver": "party_publicity"})
    assert branch.approval_roles("level_1", "press_release", other) == ("party_publicity",)


def test_level_3_is_handled_directly_within_the_set_limit(branch):
    """篇四 三级: local-site complaints, 直办制 within 「规定时限」 (parameter, default 3 WD);
    the online reply is approved by the department's supervising leader (= 网络发言人)."""
    assert branch.grade_for({"media_level": "local_site"}).code == "level_3"
    assert branch.grade_for({}).code == "level_3"
    rules = {
        r.stage: r for r in branch.deadline_rules("level_3", {"tier3_handling_working_days": 5})
    }
    assert rules["resolve"].within == WorkingDays(5)
    assert "notify_up" not in rules and "review" not in rules
    assert branch.approval_roles("level_3", "reply") == ("spokesperson",)


def test_grades_are_numbered_downward(branch):
    """篇四: 一级 is the highest; ordering and comparison use S0–S4, never the label."""
    assert [g.code for g in branch.grades] == ["level_3", "level_2", "level_1"]
    assert branch.highest_grade.label_zh == "一级（重大）"
    assert branch.lowest_grade.label_zh == "三级（一般）"


def test_label_collision_with_urban_management(branch):
    """「重大」 is the top grade in 篇四 but the third of four in 篇六."""
    urban = UrbanManagementPolicy()
    top_here = branch.highest_grade
    major_there = next(g for g in urban.grades if g.label_zh == "重大")
    assert "重大" in top_here.label_zh
    assert top_here.rank > major_there.rank
    assert urban.highest_grade.label_zh == "特别重大"


def test_mishandling_lifts_one_level(branch):
    """篇四: 「因处置不当,导致发展态势进一步扩大」 raises the grade by one."""
    lifted = branch.grade_for(
        {"media_level": "local_site", "mishandled_spread": True, "previous_grade": "level_3"}
    )
    assert lifted.code == "level_2"
    assert (
        branch.grade_for({"mishandled_spread": True, "previous_grade": "level_2"}).code == "level_1"
    )
    assert branch.grade_for({"needs_gov_coordination": True}).code == "level_2"
    assert branch.grade_for({"nationwide_attention": True}).code == "level_1"


def test_upper_bodies_may_set_the_grade(branch):
    """篇四 第四条: the grade is set by 省公路局党委、玉溪公路局党委和市网管办."""
    assert "upper_authority" in branch.allowed_roles("assess")
    assert "upper_authority" in branch.allowed_roles("downgrade")
