"""``health``: 19-H's risk points, 19-C's 「三审三校」."""

from __future__ import annotations

from policy_plugins.health import HealthPolicy


def test_risk_points_are_at_least_major():
    """19-H: 疫苗接种, 医疗纠纷 … are risk points; the seed's grading standard is missing, so
    they lift an item to 重大 [default]."""
    health = HealthPolicy()
    assert health.grade_for({"views": 10}).code == "general"
    assert health.grade_for({"views": 10, "topics": ["疫苗接种"]}).code == "major"


def test_three_reviews_before_publishing():
    """19-C 「三审三校」: three sign-offs; S3+ also the commission [default]."""
    health = HealthPolicy()
    assert health.approval_roles("general", "reply") == ("unit_handler", "office", "leader")
    assert health.approval_roles("major", "press_release")[-1] == "commission"


def test_report_up_first_time_and_campaign_calendar():
    """19-H D57 「第一时间」 (30 min); D59 campaign dates when the campaign is on."""
    health = HealthPolicy()
    [up] = [r for r in health.deadline_rules("major") if r.stage == "notify_up"]
    assert up.within.delta.total_seconds() == 30 * 60
    campaign = {r.key: r.when for r in health.report_schedule({"risk_campaign": True})}
    assert campaign["campaign_milestones"] == "dates@04-20,05-20,08-15"
    assert "campaign_milestones" not in {r.key for r in health.report_schedule(None)}
