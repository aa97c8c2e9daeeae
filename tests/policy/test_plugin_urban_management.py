"""``urban-management``: 篇六's four grades and its x/xx placeholders as parameters."""

from __future__ import annotations

from datetime import timedelta

from policy_plugins.urban_management import UrbanManagementPolicy
from yuqing.policy.rules import Duration


def test_qualitative_grades():
    """篇六: sparse comments → 一般; several sites and rising → 较大; mainstream media → 重大;
    a sudden event severely affecting stability → 特别重大."""
    urban = UrbanManagementPolicy()
    assert urban.grade_for({"comments": 5}).code == "general"
    assert urban.grade_for({"distinct_sites": 3, "negative_trend": "rising"}).code == "significant"
    assert urban.grade_for({"traditional_media": True}).code == "major"
    assert urban.grade_for({"key_subject": True, "negative_trend": "rising"}).code == "major"
    extraordinary = {"sudden_event": True, "severe_social_impact": True}
    assert urban.grade_for(extraordinary).code == "extraordinary"


def test_placeholders_become_parameters():
    """篇六: 「黄金xx小时法则」 (default 4 h), 特别重大 「x小时内上报」 (1 h, pre-alert 30 min),
    重大 「x小时内上报」 (2 h); 较大 and 一般 「酌情适时」 → the daily digest."""
    urban = UrbanManagementPolicy()
    [golden] = [r for r in urban.deadline_rules("general") if r.stage == "holding_reply"]
    assert golden.within == Duration(timedelta(hours=4))
    s4 = sorted(
        r.within.delta for r in urban.deadline_rules("extraordinary") if r.stage == "notify_up"
    )
    assert s4 == [timedelta(minutes=30), timedelta(hours=1)]
    params = urban.resolve_params({"report_up_s3_hours": 3, "golden_window_hours": 6})
    [s3] = [r for r in urban.deadline_rules("major", params) if r.stage == "notify_up"]
    assert s3.within == Duration(timedelta(hours=3))
    assert not [r for r in urban.deadline_rules("significant") if r.stage == "notify_up"]
    assert urban.report_schedule(None)[0].when == "daily@17:00"


def test_major_is_third_of_four():
    """「重大」 here is S3, below 特别重大 — unlike 篇四."""
    urban = UrbanManagementPolicy()
    assert [g.label_zh for g in urban.grades] == ["一般", "较大", "重大", "特别重大"]
    assert urban.grade_by_code("major").severity == "S3"
