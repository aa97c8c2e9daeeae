"""``company``: 篇八's numbers in their original company wording; 篇十五's risk register."""

from __future__ import annotations

from policy_plugins.company import CompanyPolicy


def test_pian_ba_numbers_and_company_image():
    """篇八: the same thresholds; 「严重影响公司形象及社会稳定」 is 特别重大."""
    company = CompanyPolicy()
    assert company.grade_for({"views": 1500}).code == "major"
    assert company.grade_for({"comments": 600}).code == "extraordinary"
    assert company.grade_for({"views": 10, "severe_image_impact": True}).code == "extraordinary"
    assert company.grade_for({"views": 10}).code == "general"


def test_general_item_two_hours_then_one_day():
    """篇八 D28/D29: forward within 2 h of assessment, explain or solve within 1 day."""
    company = CompanyPolicy()
    rules = {r.stage: r for r in company.deadline_rules("general")}
    assert rules["dispatch"].within.delta.total_seconds() == 2 * 3600
    assert rules["resolve"].within.delta.total_seconds() == 24 * 3600


def test_risk_register_schedule_and_the_conflicting_december_date():
    """篇十五: monthly form at month end; 12月11日 vs 12月20日 — the tenant chooses."""
    company = CompanyPolicy()
    whens = {r.key: r.when for r in company.report_schedule(None)}
    assert whens["risk_register_monthly"] == "monthly@month_end"
    assert whens["risk_register_annual"] == "annual@12-11"
    later = company.resolve_params({"annual_report_date": "12-20"})
    assert {r.key: r.when for r in company.report_schedule(later)}["risk_register_annual"] == (
        "annual@12-20"
    )
