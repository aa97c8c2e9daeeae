"""``gov-bureau``: 篇一's 3-hour reply and same-day rules, 篇三's four tiers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policy_plugins.gov_bureau import GovBureauPolicy
from yuqing.policy.rules import Duration, EndOfDay


@pytest.fixture
def bureau():
    return GovBureauPolicy()


def test_four_tiers_of_pian_san(bureau):
    """篇三: 影响较小 / 一般 / 重大或较大 / 特别重大; 较大 and 重大 share one tier, so the
    ladder's S2 rounds up into it."""
    assert [g.severity for g in bureau.grades] == ["S0", "S1", "S3", "S4"]
    assert bureau.grade_for({"views": 20}).code == "minor"
    assert bureau.grade_for({"views": 300, "distinct_sites": 2}).code == "general"
    assert bureau.grade_for({"views": 600}).code == "major"
    assert bureau.grade_for({"media_level": "central"}).code == "extraordinary"


def test_major_item_reply_within_three_hours_of_discovery(bureau):
    """篇一 D01: 「于发现后三小时内以单位或网络新闻发言人的名义跟帖」."""
    [reply] = [r for r in bureau.deadline_rules("major") if r.stage == "holding_reply"]
    assert (reply.anchor, reply.within, reply.actor_role) == (
        "discovered_at",
        Duration(timedelta(hours=3)),
        "spokesperson",
    )
    assert not [r for r in bureau.deadline_rules("general") if r.stage == "holding_reply"]


def test_same_day_and_closure_day_replies(bureau):
    """篇一 D03/D04: handling opinion 「发现当日内」, result 「办结之日内」."""
    rules = {(r.stage, r.anchor): r.within for r in bureau.deadline_rules("general")}
    assert rules[("respond", "discovered_at")] == EndOfDay()
    assert rules[("respond", "closed_at")] == EndOfDay()


def test_approvals_climb_with_the_tier(bureau):
    """篇一: replies approved by the 县(区)局负责人; 篇三/二十一: S4 by the principal leader."""
    assert bureau.approval_roles("general", "reply") == ("county_head",)
    assert bureau.approval_roles("extraordinary", "press_release") == ("principal_leader",)
    assert bureau.escalation_ladder(None).steps[-1] == "principal_leader"


def test_optional_ideology_module(bureau):
    """19-B: quarterly filing, semi-annual study, annual report — only when switched on."""
    assert bureau.report_schedule(None) == []
    keys = {r.key for r in bureau.report_schedule({"ideology_module": True})}
    assert keys == {"quarterly_filing", "semiannual_study", "annual_duty_report"}
