"""``school``: 篇八's numeric grades, 篇十二's 5 h / 24 h, 篇八's 2 h / 1 day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policy_plugins.school import SchoolPolicy
from yuqing.policy.rules import Duration, ScheduleRule, WorkingDays


@pytest.fixture
def school():
    return SchoolPolicy()


def grade(school, params=None, **metrics):
    return school.grade_for(metrics, params).code


def test_grade_by_views(school):
    """篇八: 1000–2999 views → 重大, 3000 and more → 特别重大, below → 一般关注."""
    assert grade(school, views=10) == "general"
    assert grade(school, views=1500) == "major"
    assert grade(school, views=3500) == "extraordinary"
    assert grade(school, views=999) == "general"
    assert grade(school, views=1000) == "major"
    assert grade(school, views=2999) == "major"
    assert grade(school, views=3000) == "extraordinary"


def test_grade_by_comments(school):
    """篇八: 100–499 comments → 重大, 500 and more → 特别重大."""
    assert grade(school, comments=150) == "major"
    assert grade(school, comments=600) == "extraordinary"
    assert grade(school, comments=99) == "general"


def test_grade_by_mainstream_sites_and_the_exactly_five_overlap(school):
    """篇八: 「5家以下」 → 重大, 「5家以上」 → 特别重大; both include five, so the tenant's
    ``exactly_5_sites_grade`` decides (default 特别重大, digest §3.11)."""
    assert grade(school, mainstream_sites=3) == "major"
    assert grade(school, mainstream_sites=5) == "extraordinary"
    as_major = school.resolve_params({"exactly_5_sites_grade": "major"})
    assert grade(school, as_major, mainstream_sites=5) == "major"
    assert grade(school, as_major, mainstream_sites=6) == "extraordinary"
    assert grade(school, as_major, mainstream_sites=4) == "major"


def test_canonical_severities_and_labels(school):
    """篇八's 「重大」 is the middle grade (S3), not the top as in 篇四."""
    labels = [(g.label_zh, g.severity) for g in school.grades]
    assert labels == [("一般关注", "S1"), ("重大", "S3"), ("特别重大", "S4")]


def test_topics_lift_a_major_post(school):
    """篇八 特别重大: items that may turn into 突发、公共、食品、卫生… matters."""
    assert grade(school, views=1200, topics=["食品"]) == "extraordinary"
    assert grade(school, views=10, topics=["食品"]) == "general"


def test_not_subsiding_runs_the_major_flow(school):
    """篇八: 一般 items that 「不能消除或还有扩大迹象」 are handled in the 重大 flow."""
    assert grade(school, views=10, not_subsiding=True, previous_grade="general") == "major"
    assert grade(school, views=10, previous_grade="general") == "general"


def test_general_deadlines(school):
    """篇八 D28/D29 and 篇十二 D33/D34, each with its own clock."""
    rules = {(r.stage, r.anchor): r for r in school.deadline_rules("general")}
    assert rules[("dispatch", "assessed_at")].within == Duration(timedelta(hours=2))
    assert rules[("resolve", "assessed_at")].within == Duration(timedelta(hours=24))
    assert rules[("holding_reply", "discovered_at")].within == Duration(timedelta(hours=5))
    assert rules[("respond", "posted_at")].within == Duration(timedelta(hours=24))
    assert rules[("dispatch", "assessed_at")].source.startswith("篇八 D28")
    assert ("notify_up", "discovered_at") not in rules


def test_major_deadlines_and_approvals(school):
    """篇八: 重大 and up are reported at once and spoken for only by the press team."""
    rules = {(r.stage, r.anchor): r for r in school.deadline_rules("major")}
    assert rules[("notify_up", "discovered_at")].within == Duration(timedelta(minutes=15))
    assert rules[("review", "subsided_at")].within == WorkingDays(10)
    assert ("resolve", "assessed_at") not in rules
    assert school.approval_roles("major", "press_release") == ("press_team",)
    assert school.review_required("major") and not school.review_required("general")


def test_reply_approver_variant(school):
    """篇十二: 抓级领导 review replies; 篇十七 (a college): the Party publicity department."""
    assert school.approval_roles("general", "reply") == ("grade_leader",)
    college = school.resolve_params({"reply_approver": "publicity_dept"})
    assert school.approval_roles("general", "reply", college) == ("publicity_dept",)
    assert "publicity_dept" in school.allowed_roles("approve_statement", college)


def test_circular_schedule(school):
    """篇八 D31: 《网络舆情通报》 until resolved; cadence is a parameter."""
    [circular] = school.report_schedule(None)
    assert isinstance(circular, ScheduleRule) and circular.when == "daily@17:00"
    weekly = school.resolve_params({"circular_when": "weekly@Mon"})
    assert school.report_schedule(weekly)[0].when == "weekly@Mon"
