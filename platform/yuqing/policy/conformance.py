"""Conformance checks: everything a plugin declares is verified before the host uses it.

Like pluggy rejecting a hook whose signature does not match its spec, the host refuses a
plugin that names an unknown role, leaves a grade out of a deadline table, or ships a
parameter default that fails its own schema. ``check_plugin`` returns every problem found (in
Chinese, naming the offending item), so an author fixes them in one pass.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from marshmallow import Schema, ValidationError, missing
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

import yuqing
from yuqing.policy.base import PolicyPlugin, when_values
from yuqing.policy.labels import CANONICAL_ROLE_LABELS, parse_when
from yuqing.policy.params import BaseParamsSchema
from yuqing.policy.rules import (
    ACTIONS,
    ANCHORS,
    SEVERITIES,
    STAGES,
    STATEMENT_KINDS,
    Grade,
    Role,
)
from yuqing.policy.tables import PARAM_REFS, DeadlineTable, is_within, resolve_within

#: Same tuple as ``yuqing.accounts.models.CANONICAL_ROLES`` (a test keeps them equal); not
#: imported from there so that checking a plugin needs no database models.
CANONICAL_ROLES = tuple(CANONICAL_ROLE_LABELS)

_KEY_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_IDENT_RE = re.compile(r"[a-z][a-z0-9_]*")

#: Sample posts every ``grade_for`` must answer with one of the plugin's own grades.
_SAMPLE_METRICS = (
    {},
    {"views": 10},
    {"views": 1500, "comments": 150, "mainstream_sites": 3},
    {"views": 50000, "comments": 5000, "mainstream_sites": 20, "media_level": "central"},
    {"traditional_media": True, "negative_trend": "rising", "distinct_sites": 3},
    {"topics": ["社会稳定"], "sudden_event": True, "severe_social_impact": True},
)


def check_plugin(plugin_cls) -> list[str]:
    """Every conformance problem of a plugin class; an empty list means it may be loaded."""
    if not (isinstance(plugin_cls, type) and issubclass(plugin_cls, PolicyPlugin)):
        return [f"入口点指向的对象 {plugin_cls!r} 不是 PolicyPlugin 的子类。"]
    problems: list[str] = []
    _check_identity(plugin_cls, problems)
    try:
        plugin = plugin_cls()
    except Exception as exc:  # an author's constructor may fail in any way
        return [*problems, f"无法实例化插件：{type(exc).__name__}: {exc}"]
    params = _check_params(plugin, problems)
    grade_codes = _check_grades(plugin, problems)
    role_keys = _check_roles(plugin, problems)
    _check_categories(plugin, problems)
    _check_action_roles(plugin, role_keys, problems)
    if params is None:
        # Everything below resolves parameters; without valid defaults it would only repeat
        # the same fault in other words.
        return problems
    _check_approvals(plugin, grade_codes, role_keys, params, problems)
    _check_deadlines(plugin, grade_codes, role_keys, params, problems)
    _check_escalation(plugin, role_keys, problems)
    _check_schedule(plugin, role_keys, params, problems)
    if grade_codes and not problems:
        _check_grading(plugin, params, problems)
        _check_describe(plugin, params, problems)
    return problems


def _check_identity(cls, problems: list[str]) -> None:
    if not isinstance(cls.key, str) or not _KEY_RE.fullmatch(cls.key):
        problems.append(f"插件键 key={cls.key!r} 无效：须为小写字母、数字和连字符，如 school。")
    for attr in ("name_zh", "name_en", "description_zh"):
        if not getattr(cls, attr, ""):
            problems.append(f"缺少 {attr}。")
    try:
        Version(cls.version)
    except (InvalidVersion, TypeError):
        problems.append(f"版本号 version={cls.version!r} 不符合 PEP 440。")
    try:
        spec = SpecifierSet(cls.platform_compat)
    except (InvalidSpecifier, TypeError):
        problems.append(f"平台兼容范围 platform_compat={cls.platform_compat!r} 无法解析。")
    else:
        if not spec.contains(yuqing.__version__, prereleases=True):
            problems.append(
                f"平台兼容范围 {cls.platform_compat!r} 不包含当前平台版本 {yuqing.__version__}。"
            )
    if not cls.source:
        problems.append("缺少来源 source（例如 ('篇八',)）。")


def _check_params(plugin: PolicyPlugin, problems: list[str]) -> dict | None:
    schema_cls = plugin.ParamsSchema
    if not (isinstance(schema_cls, type) and issubclass(schema_cls, Schema)):
        problems.append("ParamsSchema 必须是 marshmallow Schema 的子类。")
        return None
    if not issubclass(schema_cls, BaseParamsSchema):
        problems.append("ParamsSchema 必须继承 yuqing.policy.params.BaseParamsSchema。")
        return None
    schema = schema_cls()
    field_problems = []
    for name, fld in schema.fields.items():
        if fld.required or fld.load_default is missing:
            field_problems.append(f"参数 {name} 没有默认值（load_default）：租户不填时无法解析。")
        if not fld.metadata.get("label_zh"):
            field_problems.append(f"参数 {name} 缺少中文名称 metadata['label_zh']。")
        if not fld.metadata.get("source"):
            field_problems.append(f"参数 {name} 缺少来源 metadata['source']（篇号或 default）。")
    if field_problems:
        problems.extend(field_problems)
        return None
    try:
        defaults = schema.load({})
    except ValidationError as exc:
        problems.append(f"参数默认值无法解析：{exc.messages}")
        return None
    # marshmallow does not validate load_default values, so feed them back through the schema:
    # a default that fails its own validator would otherwise surface only in production.
    try:
        round_trip = schema.load(json.loads(json.dumps(defaults)))
    except (TypeError, ValueError) as exc:
        problems.append(f"参数默认值不能序列化为 JSON（快照需要）：{exc}")
        return None
    except ValidationError as exc:
        for name, messages in exc.messages.items():
            problems.append(
                f"参数 {name} 的默认值 {defaults.get(name)!r} 不符合其自身的校验：{messages}"
            )
        return None
    if round_trip != defaults:
        problems.append("参数默认值经过一次解析后发生了变化，快照将无法复现。")
    return defaults


def _check_grades(plugin: PolicyPlugin, problems: list[str]) -> set[str]:
    grades = plugin.grades
    if not grades:
        problems.append("没有声明任何等级 grades。")
        return set()
    codes: set[str] = set()
    previous = -1
    for grade in grades:
        if not isinstance(grade, Grade):
            problems.append(f"等级 {grade!r} 不是 Grade。")
            continue
        if grade.code in codes:
            problems.append(f"等级代码 {grade.code!r} 重复。")
        codes.add(grade.code)
        if grade.severity not in SEVERITIES:
            problems.append(f"等级 {grade.code} 的规范严重度 {grade.severity!r} 不在 S0–S4 之内。")
            continue
        if not grade.label_zh or not grade.label_en:
            problems.append(f"等级 {grade.code} 缺少中文或英文名称。")
        # Order is by canonical severity, never by label: 篇四 counts 一级 as the highest.
        if grade.rank <= previous:
            problems.append(
                f"等级须从低到高排列且严重度各不相同：{grade.code}（{grade.severity}）排在了"
                "同级或更高的等级之后。"
            )
        previous = grade.rank
    return codes


def _check_roles(plugin: PolicyPlugin, problems: list[str]) -> set[str]:
    keys: set[str] = set()
    for role in plugin.roles:
        if not isinstance(role, Role):
            problems.append(f"角色 {role!r} 不是 Role。")
            continue
        if role.key in keys:
            problems.append(f"角色 {role.key!r} 重复。")
        if not _IDENT_RE.fullmatch(role.key):
            problems.append(f"角色键 {role.key!r} 无效：须为小写字母、数字和下划线。")
        if not role.label_zh:
            problems.append(f"角色 {role.key} 缺少中文名称。")
        keys.add(role.key)
    missing = [r for r in CANONICAL_ROLES if r not in keys]
    if missing:
        problems.append(f"缺少规范角色：{'、'.join(missing)}（每个插件都必须声明这七个角色）。")
    return keys


def _check_categories(plugin: PolicyPlugin, problems: list[str]) -> None:
    codes: set[str] = set()
    for category in plugin.categories:
        if category.code in codes:
            problems.append(f"类别代码 {category.code!r} 重复。")
        codes.add(category.code)
        if not category.handling_zh:
            problems.append(f"类别 {category.code} 缺少处置要求 handling_zh。")
        if not category.source:
            problems.append(f"类别 {category.code} 缺少来源 source。")


def _check_action_roles(plugin: PolicyPlugin, role_keys: set[str], problems: list[str]) -> None:
    table = plugin.action_table()
    for action, roles in table.items():
        if action not in ACTIONS:
            problems.append(f"操作表中有未知操作 {action!r}（可用：{'、'.join(ACTIONS)}）。")
            continue
        if not roles and action != "approve_statement":
            problems.append(f"操作 {action} 没有任何角色可以执行。")
        for role in roles:
            if role not in role_keys:
                problems.append(f"操作 {action} 引用了未声明的角色 {role!r}。")


def _check_approvals(plugin, grade_codes, role_keys, params, problems) -> None:
    try:
        rules = plugin.approval_rules_for(params)
    except Exception as exc:
        problems.append(f"approval_rules_for() 出错：{type(exc).__name__}: {exc}")
        return
    covered: set[tuple[str, str]] = set()
    for number, rule in enumerate(rules, start=1):
        where = f"审批规则 #{number}（来源 {rule.source or '未注明'}）"
        if not rule.source:
            problems.append(f"{where} 缺少来源 source（篇号或 default）。")
        if not rule.grades or not rule.kinds:
            problems.append(f"{where} 的等级或回应类型为空。")
        for grade in rule.grades:
            if grade not in grade_codes:
                problems.append(f"{where} 引用了未声明的等级 {grade!r}。")
        for kind in rule.kinds:
            if kind not in STATEMENT_KINDS:
                problems.append(
                    f"{where} 引用了未知的回应类型 {kind!r}（可用：{'、'.join(STATEMENT_KINDS)}）。"
                )
        for role in rule.approver_roles:
            if role not in role_keys:
                problems.append(f"{where} 引用了未声明的角色 {role!r}。")
        covered.update((g, k) for g in rule.grades for k in rule.kinds)
    # Every grade must say who approves each kind of statement, even "nobody" (an explicit
    # rule with no approvers): 「未经批准擅自对外发布」 is an offence, so silence is a bug.
    for grade in sorted(grade_codes):
        missing = [k for k in STATEMENT_KINDS if (grade, k) not in covered]
        if missing:
            problems.append(
                f"等级 {grade} 缺少审批规则：回应类型 {'、'.join(missing)} 未被任何规则覆盖。"
            )


def _check_deadlines(plugin, grade_codes, role_keys, params, problems) -> None:
    schema_fields = plugin.ParamsSchema().fields
    for number, table in enumerate(plugin.deadline_tables, start=1):
        if not isinstance(table, DeadlineTable):
            problems.append(f"时限表 #{number} 不是 DeadlineTable。")
            continue
        where = f"时限表 #{number}（{table.stage}/{table.anchor}「{table.label_zh}」）"
        if table.stage not in STAGES:
            problems.append(f"{where} 的环节 {table.stage!r} 未知（可用：{'、'.join(STAGES)}）。")
        if table.anchor not in ANCHORS:
            problems.append(
                f"{where} 的起算点 {table.anchor!r} 未知（可用：{'、'.join(ANCHORS)}）。"
            )
        if table.actor_role not in role_keys:
            problems.append(f"{where} 的责任角色 {table.actor_role!r} 未声明。")
        if not table.source:
            problems.append(f"{where} 缺少来源 source（篇号或 default）。")
        if not table.label_zh or not table.label_en:
            problems.append(f"{where} 缺少中文或英文说明。")
        for grade in sorted(grade_codes - set(table.limits)):
            problems.append(
                f"{where} 缺少等级 {grade!r}：请给出时限，或写 None 表示该等级不设时限。"
            )
        for grade in sorted(set(table.limits) - grade_codes):
            problems.append(f"{where} 引用了未声明的等级 {grade!r}。")
        for grade in sorted(set(table.limits) & grade_codes):
            entry = table.entry(grade)
            if entry is None:
                continue
            value, source = entry
            if not source:
                problems.append(f"{where} 等级 {grade} 的时限缺少来源。")
            if isinstance(value, PARAM_REFS) and value.name not in schema_fields:
                problems.append(f"{where} 等级 {grade} 引用了未声明的参数 {value.name!r}。")
                continue
            try:
                within = resolve_within(value, params)
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"{where} 等级 {grade} 的时限无法解析：{exc}")
                continue
            if not is_within(within):
                problems.append(
                    f"{where} 等级 {grade} 的时限 {within!r} 不是 Duration/WorkingDays/EndOfDay/TimeOfDay。"
                )
            elif getattr(within, "delta", timedelta(1)) <= timedelta(0):
                problems.append(f"{where} 等级 {grade} 的时限必须大于零。")


def _check_escalation(plugin, role_keys, problems) -> None:
    if not plugin.escalation_steps:
        problems.append("逐级上报梯队 escalation_steps 为空。")
    for role in plugin.escalation_steps:
        if role not in role_keys:
            problems.append(f"逐级上报梯队引用了未声明的角色 {role!r}。")


def _check_schedule(plugin, role_keys, params, problems) -> None:
    every = list(plugin.schedule)
    schema_fields = plugin.ParamsSchema().fields
    for flag, extra in plugin.optional_schedule.items():
        if flag not in schema_fields:
            problems.append(f"可选报表模块的开关参数 {flag!r} 未声明。")
        every.extend(extra)
    values = when_values(params)
    seen: set[str] = set()
    for rule in every:
        where = f"报表 {rule.key}「{rule.label_zh}」"
        if rule.key in seen:
            problems.append(f"{where} 的键重复。")
        seen.add(rule.key)
        if not rule.source:
            problems.append(f"{where} 缺少来源 source。")
        try:
            parse_when(rule.when.format(**values))
        except (KeyError, IndexError) as exc:
            problems.append(f"{where} 的时间表达式引用了未声明的参数 {exc}。")
        except ValueError as exc:
            problems.append(f"{where}：{exc}")
        for role in rule.recipients:
            if role not in role_keys:
                problems.append(f"{where} 的接收角色 {role!r} 未声明。")


def _check_grading(plugin, params, problems) -> None:
    for metrics in _SAMPLE_METRICS:
        try:
            grade = plugin.grade_for(metrics, params)
        except Exception as exc:
            problems.append(f"grade_for({metrics}) 出错：{type(exc).__name__}: {exc}")
            continue
        if grade not in plugin.grades:
            problems.append(f"grade_for({metrics}) 返回了未声明的等级 {grade!r}。")


def _check_describe(plugin, params, problems) -> None:
    try:
        json.dumps(plugin.describe(params), ensure_ascii=False)
    except Exception as exc:
        problems.append(f"describe() 无法生成 JSON：{type(exc).__name__}: {exc}")
