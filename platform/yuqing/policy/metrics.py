"""Grading inputs (digest §3.0 "Signals") and the default numeric ladder.

``grade_for`` receives whatever the signals pipeline or an assessor knows about a post; keys
may be missing (they then mean zero, none or false), so every plugin grades from the same
normalised :class:`Metrics` rather than poking at a raw dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yuqing.errors import ValidationFailed

#: 篇四's media levels, ordered by reach.
MEDIA_LEVELS = (
    "none",
    "local_site",  # 市内网站
    "city_major",  # 市内主要网站
    "provincial",  # 省内媒体 / 云南网
    "central",  # 中央级媒体
    "national_portal",  # 国内大型门户网站
)
NEGATIVE_TRENDS = ("stable", "rising")
#: 篇十三's four qualitative dimensions share one three-step scale.
LEVELS_3 = ("low", "medium", "high")
OFFLINE_ACTION_RISKS = ("none", "possible", "imminent")

_INT_KEYS = (
    "views",
    "comments",
    "reposts",
    "likes",
    "mainstream_sites",
    "distinct_sites",
)
#: Yes/no grading inputs; the incident's effective metrics keep each one once it is true.
FLAG_KEYS = (
    "traditional_media",
    "key_subject",
    "sudden_event",
    "special_period",
    "needs_gov_coordination",
    "mishandled_spread",
    "not_subsiding",
    "hotspot",
    "nationwide_attention",
    "severe_social_impact",
    "severe_image_impact",
)
_ENUM_KEYS = {
    "media_level": MEDIA_LEVELS,
    "negative_trend": NEGATIVE_TRENDS,
    "offline_action_risk": OFFLINE_ACTION_RISKS,
    "attention": LEVELS_3,
    "spread_speed": LEVELS_3,
    "reach": LEVELS_3,
}


@dataclass(frozen=True)
class Metrics:
    views: int = 0
    comments: int = 0
    reposts: int = 0
    likes: int = 0
    #: 「被…家…主流网站报道转发」 (篇八)
    mainstream_sites: int = 0
    #: 「在不同网站出现」 (篇六)
    distinct_sites: int = 0
    media_level: str = "none"
    #: 「主流媒体(电视、报刊)介入报道」 (篇六); 「传统媒体开始关注」 (篇十三)
    traditional_media: bool = False
    negative_trend: str = "stable"
    offline_action_risk: str = "none"
    attention: str = "low"
    spread_speed: str = "low"
    reach: str = "low"
    topics: frozenset[str] = field(default_factory=frozenset)
    #: 「重点领域、重要节点、重要事件、重要人物」 (篇六)
    key_subject: bool = False
    sudden_event: bool = False
    special_period: bool = False
    #: 「需要市委、市政府协调解决」 (篇四)
    needs_gov_coordination: bool = False
    #: 「因处置不当,导致发展态势进一步扩大」 (篇四), set by the office
    mishandled_spread: bool = False
    #: 「不能消除或还有扩大迹象」 (篇八), set by the office
    not_subsiding: bool = False
    #: 「社会关注的热点」/「苗头性」 (篇四), an assessor's flag
    hotspot: bool = False
    #: 「已经在全省、全国范围内引起广泛关注」 (篇四 第十二条)
    nationwide_attention: bool = False
    #: 「严重影响社会稳定、扰乱社会秩序」 (篇六), an assessor's flag
    severe_social_impact: bool = False
    #: 「严重影响公司形象」 (篇八, company wording), an assessor's flag
    severe_image_impact: bool = False
    #: 篇十六's four credibility variables: how many hold (0–4)
    credibility_vars: int = 0
    #: The grade code the incident had before these metrics arrived (for +1 escalation).
    previous_grade: str | None = None

    @property
    def media_rank(self) -> int:
        return MEDIA_LEVELS.index(self.media_level)


def _as_int(value, key: str, errors: dict) -> int:
    if isinstance(value, bool):
        errors[key] = ["必须是整数。"]
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[key] = ["必须是整数。"]
        return 0
    if number < 0:
        errors[key] = ["不能为负数。"]
        return 0
    return number


def normalize_metrics(raw: dict | Metrics | None) -> Metrics:
    """Missing keys mean zero/none/false; bad values raise ``ValidationFailed`` in Chinese.

    Unknown keys are ignored: the signals pipeline may know more than any plugin uses.
    """
    if isinstance(raw, Metrics):
        return raw
    raw = dict(raw or {})
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for key in _INT_KEYS:
        if raw.get(key) is not None:
            values[key] = _as_int(raw[key], key, errors)
    for key in FLAG_KEYS:
        if raw.get(key) is not None:
            values[key] = bool(raw[key])
    for key, allowed in _ENUM_KEYS.items():
        value = raw.get(key)
        if value is None:
            continue
        if value not in allowed:
            errors[key] = [f"必须是以下之一：{'、'.join(allowed)}。"]
        else:
            values[key] = value
    topics = raw.get("topics")
    if topics is not None:
        if isinstance(topics, str) or not all(isinstance(t, str) for t in topics):
            errors["topics"] = ["必须是文本列表。"]
        else:
            values["topics"] = frozenset(topics)
    credibility = raw.get("credibility_vars")
    if credibility is not None:
        # Either a count or the four booleans themselves.
        if isinstance(credibility, list | tuple | dict):
            items = credibility.values() if isinstance(credibility, dict) else credibility
            values["credibility_vars"] = sum(1 for v in items if v)
        else:
            values["credibility_vars"] = min(_as_int(credibility, "credibility_vars", errors), 4)
    if raw.get("previous_grade") is not None:
        values["previous_grade"] = str(raw["previous_grade"])
    if errors:
        raise ValidationFailed(
            fields=errors,
            message_zh="舆情指标有误，请检查各字段。",
            message_en="The grading metrics are invalid.",
        )
    return Metrics(**values)


# --- the default numeric ladder (digest §3.0) -----------------------------------------------

#: S3/S4 numbers are 篇八's; the S2 numbers are defaults invented to fill the gap.
LADDER_SOURCES = {
    "S4": "篇八（浏览≥3000、评论≥500、主流网站≥5）；篇四（中央级媒体/门户网站）；篇十三 红",
    "S3": "篇八（浏览1000–2999、评论100–499、主流网站1–4）；篇六、篇十三（传统媒体）；篇四（省内媒体）",
    "S2": "default（浏览≥500、评论≥50）；篇六（多个网站出现且负面上升）",
    "S1": "其余情形",
}


def default_ladder_severity(m: Metrics) -> str:
    """The canonical severity S1–S4 of the default ladder, for plans without numbers."""
    if (
        m.views >= 3000
        or m.comments >= 500
        or m.mainstream_sites >= 5
        or m.media_level in ("central", "national_portal")
        or m.offline_action_risk == "imminent"
    ):
        return "S4"
    if (
        m.views >= 1000
        or m.comments >= 100
        or m.mainstream_sites >= 1
        or m.traditional_media
        or m.media_level == "provincial"
    ):
        return "S3"
    if (
        m.views >= 500
        or m.comments >= 50
        or (m.distinct_sites >= 2 and m.negative_trend == "rising")
    ):
        return "S2"
    return "S1"
