"""The PolicyPlugin contract as the host and the tenant UI use it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.policy.conftest import TinyPolicy
from yuqing.errors import NotFound, ValidationFailed
from yuqing.policy.base import DEFAULT_ACTION_ROLES, PolicyLookupError
from yuqing.policy.labels import (
    ACTION_LABELS,
    ANCHOR_LABELS,
    CANONICAL_ROLE_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    STATEMENT_KIND_LABELS,
    parse_when,
    when_zh,
)
from yuqing.policy.rules import (
    ACTIONS,
    ANCHORS,
    SEVERITIES,
    STAGES,
    STATEMENT_KINDS,
    Duration,
)


def test_vocabulary_has_labels_for_every_term():
    assert set(ANCHOR_LABELS) == set(ANCHORS)
    assert set(STAGE_LABELS) == set(STAGES)
    assert set(ACTION_LABELS) == set(ACTIONS)
    assert set(STATEMENT_KIND_LABELS) == set(STATEMENT_KINDS)
    assert set(SEVERITY_LABELS) == set(SEVERITIES)
    assert set(DEFAULT_ACTION_ROLES) == set(ACTIONS)


def test_canonical_roles_match_the_accounts_model():
    from yuqing.accounts.models import CANONICAL_ROLES

    assert tuple(CANONICAL_ROLE_LABELS) == CANONICAL_ROLES


def test_resolve_params_fills_defaults_and_snapshot_is_json():
    plugin = TinyPolicy()
    params = plugin.resolve_params(None)
    assert params["verify_hours"] == 4
    assert params["first_time_minutes"] == 30
    assert params["prewarn_fractions"] == [0.5, 0.8]
    snapshot = plugin.snapshot({"verify_hours": 8})
    assert snapshot["key"] == "tiny" and snapshot["version"] == "1.0"
    assert snapshot["params"]["verify_hours"] == 8
    assert json.loads(json.dumps(snapshot)) == snapshot
    # A snapshot's parameters resolve to themselves: an incident can be re-checked later.
    assert plugin.resolve_params(snapshot["params"]) == snapshot["params"]


def test_resolve_params_errors_are_chinese():
    plugin = TinyPolicy()
    with pytest.raises(ValidationFailed) as caught:
        plugin.resolve_params(
            {
                "verify_hours": "半天",
                "first_time_minutes": None,
                "digest_time": "25:00",
                "prewarn_fractions": [0.8, 0.5],
                "nonsense": 1,
            }
        )
    fields = caught.value.details["fields"]
    assert fields["verify_hours"] == ["必须是整数。"]
    assert fields["first_time_minutes"] == ["不能为空。"]
    assert fields["digest_time"] == ["必须是 HH:MM 格式的时刻，例如 17:00。"]
    assert fields["prewarn_fractions"] == ["预警点必须从小到大排列且不重复。"]
    assert fields["nonsense"] == ["未知参数。"]
    with pytest.raises(ValidationFailed) as caught:
        plugin.resolve_params({"verify_hours": 99})
    assert caught.value.details["fields"]["verify_hours"] == ["必须在 1 到 48 之间。"]


def test_lookups_fail_clearly():
    plugin = TinyPolicy()
    with pytest.raises(PolicyLookupError) as caught:
        plugin.grade_by_code("S3")
    # Both a NotFound (HTTP 404 in the API) and a KeyError for callers that expect one.
    assert isinstance(caught.value, NotFound) and isinstance(caught.value, KeyError)
    assert "S3" in caught.value.message_zh and "low" in caught.value.message_zh
    with pytest.raises(KeyError):
        plugin.role_label("commentator")
    with pytest.raises(KeyError):
        plugin.allowed_roles("delete_post")
    with pytest.raises(KeyError):
        plugin.approval_roles("low", "tweet")


def test_defaults_for_roles_deadlines_and_schedule():
    plugin = TinyPolicy()
    assert plugin.lowest_grade.code == "low" and plugin.highest_grade.code == "high"
    assert plugin.allowed_roles("dispatch") == frozenset({"office"})
    assert plugin.allowed_roles("downgrade") == frozenset({"leader"})
    assert plugin.approval_roles("high", "reply") == ("office",)
    assert plugin.review_required("high") and not plugin.review_required("low")
    assert plugin.prewarn_fractions(None) == (0.5, 0.8)
    ladder = plugin.escalation_ladder({"escalation_cadence_minutes": 10})
    assert ladder.steps == ("office", "leader") and ladder.cadence == timedelta(minutes=10)
    [rule] = plugin.deadline_rules("low", {"verify_hours": 6})
    assert rule.within == Duration(timedelta(hours=6))
    # Missing keys (an older snapshot) fall back to today's defaults.
    [rule] = plugin.deadline_rules("low", {})
    assert rule.within == Duration(timedelta(hours=4))


def test_grade_for_rounds_a_missing_severity_up_and_ignores_unknown_keys():
    plugin = TinyPolicy()  # grades S1 and S3 only
    assert plugin.grade_for({}).code == "low"
    assert plugin.grade_for({"views": 600, "whatever": "x"}).code == "high"  # ladder S2 → S3
    with pytest.raises(ValidationFailed) as caught:
        plugin.grade_for({"views": -1, "media_level": "tv"})
    assert set(caught.value.details["fields"]) == {"views", "media_level"}


def test_schedule_grammar():
    assert parse_when("daily@17:00") == "daily"
    assert when_zh("weekly@Mon") == "每周一"
    assert when_zh("annual@12-11") == "每年 12月11日前"
    assert when_zh("dates@04-20,05-20") == "4月20日、5月20日"
    with pytest.raises(ValueError):
        parse_when("daily@5pm")


def test_describe_is_json_and_complete():
    described = TinyPolicy().describe()
    json.dumps(described, ensure_ascii=False)
    assert [g["code"] for g in described["grades"]] == ["low", "high"]
    assert described["deadlines"]["low"][0]["within_zh"] == "4 小时内"
    assert described["deadlines"]["low"][0]["anchor_zh"] == "收到舆情联系单时间"
    assert {p["name"] for p in described["params"]} >= {"verify_hours", "golden_window_hours"}
