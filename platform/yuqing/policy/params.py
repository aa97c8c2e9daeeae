"""Tenant parameters of a policy plugin: marshmallow fields that speak Chinese.

A plugin's ``ParamsSchema`` subclasses :class:`BaseParamsSchema` and declares each parameter
with one of the factories below, so that every parameter has a default (``load_default``), a
Chinese label, its source in the seed (「篇六」 or "default") and Chinese error messages that the
tenant UI and the API show as they are.
"""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from yuqing.policy.labels import parse_when

# --- fields with Chinese messages -----------------------------------------------------------

_COMMON_MESSAGES = {
    "required": "不能为空。",
    "null": "不能为空。",
    "validator_failed": "取值无效。",
}


class _ZhMessages:
    # marshmallow merges ``default_error_messages`` along the MRO, the subclass last, so this
    # mixin overrides the English text of ``fields.Field`` and each concrete field type.
    default_error_messages = _COMMON_MESSAGES


class ZhInteger(_ZhMessages, fields.Integer):
    default_error_messages = {"invalid": "必须是整数。", "too_large": "数值过大。"}


class ZhFloat(_ZhMessages, fields.Float):
    default_error_messages = {
        "invalid": "必须是数字。",
        "too_large": "数值过大。",
        "special": "不能是 NaN 或无穷大。",
    }


class ZhString(_ZhMessages, fields.String):
    default_error_messages = {"invalid": "必须是文本。", "invalid_utf8": "不是有效的 UTF-8 文本。"}


class ZhBoolean(_ZhMessages, fields.Boolean):
    default_error_messages = {"invalid": "必须是“是”或“否”。"}


class ZhList(_ZhMessages, fields.List):
    default_error_messages = {"invalid": "必须是列表。"}


def _meta(label_zh: str, source: str, help_zh: str, unit_zh: str = "") -> dict:
    return {"label_zh": label_zh, "source": source, "help_zh": help_zh, "unit_zh": unit_zh}


def int_param(
    default: int,
    *,
    label_zh: str,
    source: str,
    minimum: int = 0,
    maximum: int | None = None,
    unit_zh: str = "",
    help_zh: str = "",
) -> fields.Field:
    """An integer parameter (hours, minutes, days, counts) with an inclusive range."""
    if maximum is None:
        error = f"必须不小于 {minimum}。"
    else:
        error = f"必须在 {minimum} 到 {maximum} 之间。"
    return ZhInteger(
        load_default=default,
        strict=False,
        validate=validate.Range(min=minimum, max=maximum, error=error),
        metadata=_meta(label_zh, source, help_zh, unit_zh),
    )


def choice_param(
    default: str,
    choices: dict[str, str],
    *,
    label_zh: str,
    source: str,
    help_zh: str = "",
) -> fields.Field:
    """One of ``choices`` (value → Chinese label), e.g. which grade exactly five sites fall in."""
    allowed = "、".join(f"{key}（{label}）" for key, label in choices.items())
    field = ZhString(
        load_default=default,
        validate=validate.OneOf(list(choices), error=f"必须是以下之一：{allowed}。"),
        metadata=_meta(label_zh, source, help_zh),
    )
    field.metadata["choices"] = dict(choices)
    return field


def text_param(
    default: str, *, label_zh: str, source: str, help_zh: str = "", max_length: int = 100
) -> fields.Field:
    return ZhString(
        load_default=default,
        validate=validate.Length(
            min=1, max=max_length, error=f"长度必须在 1 到 {max_length} 之间。"
        ),
        metadata=_meta(label_zh, source, help_zh),
    )


_HHMM_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _check_time_of_day(value: str) -> None:
    if not _HHMM_RE.fullmatch(value):
        raise ValidationError("必须是 HH:MM 格式的时刻，例如 17:00。")


def time_param(default: str, *, label_zh: str, source: str, help_zh: str = "") -> fields.Field:
    """A local time of day, ``"HH:MM"`` (kept as text so the resolved params stay JSON)."""
    return ZhString(
        load_default=default,
        validate=_check_time_of_day,
        metadata=_meta(label_zh, source, help_zh),
    )


def bool_param(default: bool, *, label_zh: str, source: str, help_zh: str = "") -> fields.Field:
    return ZhBoolean(load_default=default, metadata=_meta(label_zh, source, help_zh))


_MMDD_RE = re.compile(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")


def _check_month_day(value: str) -> None:
    if not _MMDD_RE.fullmatch(value):
        raise ValidationError("必须是 MM-DD 格式的日期，例如 10-01。")


def dates_param(
    default: list[str], *, label_zh: str, source: str, help_zh: str = ""
) -> fields.Field:
    """A list of month-days (``"MM-DD"``), e.g. key dates that need a special duty roster."""
    return ZhList(
        ZhString(validate=_check_month_day),
        load_default=lambda: list(default),
        metadata=_meta(label_zh, source, help_zh),
    )


def _check_fractions(values: list[float]) -> None:
    if not values:
        raise ValidationError("至少需要一个预警点。")
    if any(not 0 < v < 1 for v in values):
        raise ValidationError("每个预警点必须大于 0 且小于 1。")
    if list(values) != sorted(set(values)):
        raise ValidationError("预警点必须从小到大排列且不重复。")


# --- the schema every plugin extends -------------------------------------------------------


class BaseParamsSchema(Schema):
    """Parameters every plan has (digest §3.0 time semantics and §3.11).

    Plugins subclass this and add their own; a plugin may redeclare a field to change its
    default (篇十二's 5 h, say) but should keep its meaning.
    """

    error_messages = {"unknown": "未知参数。", "type": "参数必须是一个对象（键值对）。"}

    #: 「第一时间」: the seed never quantifies it (it occurs 51 times).
    first_time_minutes = int_param(
        30,
        label_zh="「第一时间」折算时限",
        source="default（摘要 §3.0）",
        minimum=1,
        maximum=24 * 60,
        unit_zh="分钟",
    )
    #: 「立即」/「立刻」/「即刻」/「即时」/「当即」.
    immediate_minutes = int_param(
        15,
        label_zh="「立即」折算时限",
        source="default（摘要 §3.0）",
        minimum=1,
        maximum=24 * 60,
        unit_zh="分钟",
    )
    #: 「黄金xx小时法则」 (篇六/九); 3 h in 篇一 and 5 h in 篇十二 bracket the default.
    golden_window_hours = int_param(
        4,
        label_zh="黄金回应时限（「黄金xx小时法则」）",
        source="篇六/篇九 占位符 xx；default 4",
        minimum=1,
        maximum=72,
        unit_zh="小时",
    )
    #: 「xx小时检测」: monitoring coverage; 24 h in 篇三, 五, 八, 十三, 二十.
    monitoring_hours = int_param(
        24,
        label_zh="每日监测覆盖时长（「xx小时检测」）",
        source="篇六 占位符 xx；default 24（篇三、五、八、十三、二十）",
        minimum=1,
        maximum=24,
        unit_zh="小时",
    )
    review_due_working_days = int_param(
        10,
        label_zh="消除后提交总结评估的时限",
        source="default（摘要 §3.11 review_due）",
        minimum=1,
        maximum=60,
        unit_zh="个工作日",
    )
    digest_time = time_param(
        "17:00",
        label_zh="每日舆情汇总时刻",
        source="篇五 D12「每天下午17时」",
    )
    escalation_cadence_minutes = int_param(
        30,
        label_zh="超时后逐级提醒的间隔",
        source="default",
        minimum=5,
        maximum=24 * 60,
        unit_zh="分钟",
    )
    prewarn_fractions = ZhList(
        ZhFloat(),
        load_default=lambda: [0.5, 0.8],
        validate=_check_fractions,
        metadata=_meta(
            "到期前预警点（占时限的比例）",
            "default",
            "例如 0.5 表示时限过半时提醒。",
        ),
    )
    #: 「县xx办」 (篇六/九), most likely 县网信办.
    external_coordinator_name = text_param(
        "县网信办",
        label_zh="外部协调机构名称（「县xx办」）",
        source="篇六/篇九 占位符「县xx办」；default 县网信办",
    )


def _check_when(value: str) -> None:
    try:
        parse_when(value)
    except ValueError as exc:
        raise ValidationError(
            "必须是 daily@HH:MM、weekly@Mon、monthly@month_end、quarterly@quarter_end、"
            "semiannual、annual@MM-DD 或 dates@MM-DD,… 之一。"
        ) from exc


def when_param(default: str, *, label_zh: str, source: str, help_zh: str = "") -> fields.Field:
    """A schedule expression (``daily@17:00``, ``weekly@Mon`` …) chosen by the tenant."""
    return ZhString(
        load_default=default, validate=_check_when, metadata=_meta(label_zh, source, help_zh)
    )
