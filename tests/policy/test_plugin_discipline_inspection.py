"""``discipline-inspection``: 篇十三's colours and routing, 篇十四, 篇十六."""

from __future__ import annotations

from policy_plugins.discipline_inspection import DisciplineInspectionPolicy


def test_colour_levels_and_traditional_media():
    """篇十三: blue/yellow/orange/red; yellow has 「没有传统媒体介入」, so TV or press → orange."""
    plugin = DisciplineInspectionPolicy()
    assert [g.label_zh for g in plugin.grades] == [
        "一般（蓝色预警）",
        "较重（黄色预警）",
        "严重（橙色预警）",
        "特别严重（红色预警）",
    ]
    assert plugin.grade_for({"views": 10}).code == "blue"
    assert plugin.grade_for({"views": 600}).code == "yellow"
    assert plugin.grade_for({"views": 600, "traditional_media": True}).code == "orange"
    assert plugin.grade_for({"offline_action_risk": "imminent"}).code == "red"


def test_credibility_variables_raise_one_colour():
    """篇十六: specific target, detailed leads, serious circumstances, notable consequences."""
    plugin = DisciplineInspectionPolicy()
    assert plugin.grade_for({"views": 10, "credibility_vars": [True, True, True, False]}).code == (
        "yellow"
    )
    assert plugin.grade_for({"views": 10, "credibility_vars": 2}).code == "blue"


def test_routing_by_colour():
    """篇十三: blue stays in the office; yellow/orange/red are reported up; red → 市委."""
    plugin = DisciplineInspectionPolicy()
    assert not [r for r in plugin.deadline_rules("blue") if r.stage == "notify_up"]
    assert [r for r in plugin.deadline_rules("yellow") if r.stage == "notify_up"]
    assert plugin.approval_roles("red", "press_release") == (
        "commission_secretary",
        "city_committee",
    )


def test_speak_before_the_investigation_ends_and_quarterly_meeting():
    """篇十四: official response even before the investigation concludes; 篇十三 D37 quarterly."""
    plugin = DisciplineInspectionPolicy()
    [hold] = [r for r in plugin.deadline_rules("orange") if r.stage == "holding_reply"]
    assert hold.within.delta.total_seconds() == 4 * 3600
    whens = {r.key: r.when for r in plugin.report_schedule(None)}
    assert whens["joint_meeting"] == "quarterly@quarter_end"
