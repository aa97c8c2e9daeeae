"""``education-bureau``: 19-E's weekly brief, key-date duty and upward reports."""

from __future__ import annotations

from policy_plugins.education_bureau import EducationBureauPolicy


def test_weekly_brief_on_monday_with_the_tenants_series_name():
    """19-E D54: every Monday, last week's news → 「xx市教育动态简报」 (name is a parameter)."""
    bureau = EducationBureauPolicy()
    params = bureau.resolve_params({"report_series_name": "某市教育动态简报"})
    brief = next(r for r in bureau.report_schedule(params) if r.key == "weekly_brief")
    assert brief.when == "weekly@Mon"
    assert "某市教育动态简报" in brief.label_zh
    assert brief.recipients == ("info_center",)


def test_key_date_duty_calendar():
    """19-E D55: 两会, 高考, 教师节, 国庆 … special duty; dates are a parameter."""
    bureau = EducationBureauPolicy()
    duty = next(r for r in bureau.report_schedule(None) if r.key == "key_date_duty")
    assert duty.when == "dates@03-05,06-07,09-10,10-01"
    params = bureau.resolve_params({"key_duty_dates": ["02-10", "06-07"]})
    duty = next(r for r in bureau.report_schedule(params) if r.key == "key_date_duty")
    assert duty.when == "dates@02-10,06-07"


def test_major_items_reported_up_first_time():
    """19-E D57: 涉教重大网络舆情 → higher Party organisation 「第一时间」."""
    bureau = EducationBureauPolicy()
    grade = bureau.grade_for({"traditional_media": True})
    assert grade.label_zh == "涉教重大网络舆情"
    [up] = [r for r in bureau.deadline_rules(grade.code) if r.stage == "notify_up"]
    assert up.within.delta.total_seconds() == 30 * 60
