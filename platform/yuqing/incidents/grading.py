"""Effective metrics of an incident and automatic grade rises.

A story's posts add up: counts (views, comments, reposts, likes) are summed over its posts;
everything else (mainstream sites, media level, flags, topics) takes the strongest value.
Metrics posted for the incident as a whole are merged by maximum, so metrics never fall and a
grade never drops by itself (ARCHITECTURE §4).
"""

from __future__ import annotations

from yuqing.policy.metrics import (
    FLAG_KEYS,
    LEVELS_3,
    MEDIA_LEVELS,
    NEGATIVE_TRENDS,
    OFFLINE_ACTION_RISKS,
    normalize_metrics,
)

SUMMED = ("views", "comments", "reposts", "likes")
MAXED_INTS = ("mainstream_sites", "distinct_sites", "credibility_vars")
ORDERED_ENUMS = {
    "media_level": MEDIA_LEVELS,
    "negative_trend": NEGATIVE_TRENDS,
    "offline_action_risk": OFFLINE_ACTION_RISKS,
    "attention": LEVELS_3,
    "spread_speed": LEVELS_3,
    "reach": LEVELS_3,
}
FLAGS = FLAG_KEYS


def validate_metrics(raw: dict | None) -> dict:
    """Validate with the policy's vocabulary (422 in Chinese) and keep only known keys."""
    raw = dict(raw or {})
    normalize_metrics(raw)
    known = set(SUMMED) | set(MAXED_INTS) | set(ORDERED_ENUMS) | set(FLAGS) | {"topics"}
    return {k: v for k, v in raw.items() if k in known and v is not None}


def _combine(dicts: list[dict], *, sum_counts: bool) -> dict:
    result: dict = {}
    for metrics in dicts:
        for key, value in (metrics or {}).items():
            if value is None:
                continue
            if key in SUMMED:
                value = int(value)
                result[key] = (
                    result.get(key, 0) + value if sum_counts else max(result.get(key, 0), value)
                )
            elif key in MAXED_INTS:
                value = int(value) if not isinstance(value, list | dict) else value
                if isinstance(value, int):
                    result[key] = max(result.get(key, 0), value)
            elif key in ORDERED_ENUMS:
                order = ORDERED_ENUMS[key]
                if value in order and (
                    key not in result or order.index(value) > order.index(result[key])
                ):
                    result[key] = value
            elif key in FLAGS:
                result[key] = bool(result.get(key)) or bool(value)
            elif key == "topics":
                result[key] = sorted(set(result.get(key, [])) | set(value))
    return result


def aggregate(signal_metrics: list[dict]) -> dict:
    """The story's metrics from its posts' latest metrics."""
    return _combine(signal_metrics, sum_counts=True)


def merge_max(*dicts: dict) -> dict:
    return _combine(list(dicts), sum_counts=False)


def newly_raised_flags(before: dict, after: dict) -> list[str]:
    return [f for f in FLAGS if after.get(f) and not before.get(f)]
