"""The policy-plugin contract (ARCHITECTURE §3): an organisation's work plan as code.

A plugin is a :class:`PolicyPlugin` subclass that declares its plan as data — grades, roles,
categories, deadline tables, approval rules, escalation ladder, report schedule — and writes
code only where the plan needs logic (:meth:`PolicyPlugin.classify`, grading from metrics).
The host (``registry.py``) validates every declaration at start-up with ``conformance.py``.

Every method that takes ``params`` accepts the tenant's *resolved* parameters (the output of
:meth:`PolicyPlugin.resolve_params`, or an incident's snapshot) or ``None`` for the defaults;
keys missing from an older snapshot fall back to today's defaults rather than failing.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import ClassVar

from marshmallow import ValidationError

from yuqing.errors import NotFound, ValidationFailed
from yuqing.policy.labels import (
    ACTION_LABELS,
    ANCHOR_LABELS,
    CANONICAL_ROLE_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    STATEMENT_KIND_LABELS,
    when_zh,
    within_json,
    within_zh,
)
from yuqing.policy.metrics import Metrics, default_ladder_severity, normalize_metrics
from yuqing.policy.params import BaseParamsSchema
from yuqing.policy.rules import (
    ACTIONS,
    SEVERITIES,
    STATEMENT_KINDS,
    ApprovalRule,
    Category,
    DeadlineRule,
    EscalationLadder,
    Grade,
    Role,
    ScheduleRule,
)
from yuqing.policy.tables import DeadlineTable, resolve_within

#: Who may perform each lifecycle action unless a plan says otherwise (digest §2d, T1–T15,
#: E1–E4). ``approve_statement`` also admits every approver named in the approval rules.
DEFAULT_ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "create": ("monitor", "office"),  # T1: monitors, 舆情管理员, referrals entered by the office
    "report": ("monitor", "office"),  # T2
    "assess": ("office", "leader"),  # T3: office grades; S3/S4 confirmed by the leading group
    # T4: the express report upward (快报/上报); the plan's own reporters are added from its
    # notify_up deadline tables (e.g. 篇四's 分局党总支).
    "notify_up": ("office", "leader"),
    "dispatch": ("office",),  # T5: the office sends the 舆情联系单
    "acknowledge": ("unit_handler",),  # T6
    "verify": ("unit_handler",),  # T6/T7
    "resolve": ("unit_handler",),  # T10
    "track": ("office",),  # T11: 「专人」 in the office
    "subside": ("office", "leader"),  # T12
    "review": ("unit_handler", "office", "leader"),  # T13
    "archive": ("office",),  # T14
    "escalate": ("office", "leader"),  # E1
    "downgrade": ("leader",),  # not in the seed: leading group only, with a recorded reason
    "refer": ("office", "leader", "unit_handler"),  # E2/E3
    "reopen": ("office",),  # E4
    "draft_statement": ("office", "spokesperson", "unit_handler"),  # T8/T9
    "approve_statement": ("office", "leader"),  # T9, widened by the approval rules
    "publish_statement": ("spokesperson", "office"),  # T9: 统一出口
    # 瞒报/谎报 are findings recorded by a person with evidence (ARCHITECTURE §6).
    "record_finding": ("auditor", "leader"),
}


class PolicyLookupError(NotFound, KeyError):
    """A grade, role, action or statement kind that the plugin does not declare.

    A ``KeyError`` too, so callers that treat a bad code as a missing key keep working.
    """

    def __str__(self) -> str:
        return self.message_en


class PolicyPlugin:
    """Base class of every policy plugin. Subclasses override the ``#:`` attributes below."""

    #: Stable identifier used in tenant manifests and snapshots (``school``, ``township``).
    key: ClassVar[str] = ""
    name_zh: ClassVar[str] = ""
    name_en: ClassVar[str] = ""
    #: The plugin's own version (PEP 440); it is recorded in every incident's snapshot.
    version: ClassVar[str] = "0.0.0"
    #: The platform versions this plugin works with (a PEP 440 specifier set).
    platform_compat: ClassVar[str] = ">=0.1,<1"
    description_zh: ClassVar[str] = ""
    #: The seed's 篇 this plan is built from, e.g. ("篇八", "篇十二").
    source: ClassVar[tuple[str, ...]] = ()

    #: Tenant parameters with their defaults (subclass :class:`BaseParamsSchema`).
    ParamsSchema: ClassVar[type] = BaseParamsSchema

    #: Grades, lowest first, each mapped to the canonical S0–S4 scale.
    grades: ClassVar[tuple[Grade, ...]] = ()
    #: The seven canonical roles with this plan's wording, plus the plan's own extra roles.
    roles: ClassVar[tuple[Role, ...]] = ()
    categories: ClassVar[tuple[Category, ...]] = ()
    #: Overrides of :data:`DEFAULT_ACTION_ROLES` where the plan differs.
    action_roles: ClassVar[dict[str, tuple[str, ...]]] = {}
    approval_rules: ClassVar[tuple[ApprovalRule, ...]] = ()
    deadline_tables: ClassVar[tuple[DeadlineTable, ...]] = ()
    #: Steps of the escalation ladder; the cadence comes from a tenant parameter.
    escalation_steps: ClassVar[tuple[str, ...]] = ("office", "leader")
    escalation_source: ClassVar[str] = "default"
    #: Recurring documents; ``when`` may name parameters, e.g. ``"daily@{digest_time}"``.
    schedule: ClassVar[tuple[ScheduleRule, ...]] = ()
    #: Documents switched on by a boolean parameter (an optional module of the plan).
    optional_schedule: ClassVar[dict[str, tuple[ScheduleRule, ...]]] = {}
    #: Metric flags that lift a grade one step above ``previous_grade`` (篇四, 篇八).
    escalation_flags: ClassVar[tuple[str, ...]] = ()
    escalation_flags_source: ClassVar[str] = ""

    def __init__(self) -> None:
        self._defaults: dict | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key} {self.version}>"

    # --- parameters -------------------------------------------------------------------------

    def resolve_params(self, raw: dict | None) -> dict:
        """Validate a tenant's parameters and fill in defaults; errors are in Chinese."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ValidationFailed(fields={"_schema": ["参数必须是一个对象（键值对）。"]})
        try:
            return self.ParamsSchema().load(raw)
        except ValidationError as exc:
            raise ValidationFailed(
                fields=_stringify_keys(exc.messages),
                message_zh=f"策略「{self.name_zh}」的参数有误，请检查各字段。",
                message_en=f"The parameters of policy {self.key!r} are invalid.",
            ) from exc

    def default_params(self) -> dict:
        if self._defaults is None:
            self._defaults = self.resolve_params({})
        return dict(self._defaults)

    def _params(self, params: dict | None) -> dict:
        return self.default_params() | dict(params or {})

    def snapshot(self, params: dict | None) -> dict:
        """What an incident keeps: the rules in force when it was graded (ARCHITECTURE §3)."""
        return {"key": self.key, "version": self.version, "params": self.resolve_params(params)}

    # --- grades -----------------------------------------------------------------------------

    def grade_by_code(self, code: str) -> Grade:
        for grade in self.grades:
            if grade.code == code:
                return grade
        known = "、".join(g.code for g in self.grades)
        raise PolicyLookupError(
            f"策略「{self.name_zh}」没有等级 {code!r}（可用：{known}）。",
            f"Policy {self.key!r} has no grade {code!r} (known: {known}).",
        )

    @property
    def lowest_grade(self) -> Grade:
        return self.grades[0]

    @property
    def highest_grade(self) -> Grade:
        return self.grades[-1]

    def grade_for_severity(self, severity: str) -> Grade:
        """The plan's grade for a canonical severity, rounding *up* where the plan has a gap.

        Rounding up (S2 → a plan's 「重大」 when it has no S2 grade) errs on the side of acting:
        the plans punish 迟报 and 漏报, never over-reporting.
        """
        rank = SEVERITIES.index(severity)
        for grade in self.grades:
            if grade.rank >= rank:
                return grade
        return self.highest_grade

    def grade_above(self, grade: Grade) -> Grade:
        index = self.grades.index(grade)
        return self.grades[min(index + 1, len(self.grades) - 1)]

    def grade_for(self, metrics: dict | Metrics | None, params: dict | None = None) -> Grade:
        """The grade the plan gives a post with these metrics (the grading hook).

        Plugins override :meth:`classify`; this wrapper normalises the metrics and applies the
        plan's "+1 when mishandled" rule against ``metrics["previous_grade"]``.
        """
        m = normalize_metrics(metrics)
        p = self._params(params)
        grade = self.classify(m, p)
        if m.previous_grade and any(getattr(m, flag) for flag in self.escalation_flags):
            lifted = self.grade_above(self.grade_by_code(m.previous_grade))
            if lifted.rank > grade.rank:
                grade = lifted
        return grade

    def classify(self, m: Metrics, params: dict) -> Grade:
        """Override with the plan's criteria; the default is the digest's numeric ladder."""
        return self.grade_for_severity(default_ladder_severity(m))

    def review_required(self, grade_code: str) -> bool:
        """Whether a written review (总结评估) is mandatory: S3/S4 (篇四 一、二级 → 案例库)."""
        return self.grade_by_code(grade_code).rank >= SEVERITIES.index("S3")

    # --- roles and actions ------------------------------------------------------------------

    def role_label(self, role_key: str) -> str:
        for role in self.roles:
            if role.key == role_key:
                return role.label_zh
        raise PolicyLookupError(
            f"策略「{self.name_zh}」没有角色 {role_key!r}。",
            f"Policy {self.key!r} has no role {role_key!r}.",
        )

    def action_table(self) -> dict[str, tuple[str, ...]]:
        """:data:`DEFAULT_ACTION_ROLES` with every class's overrides applied, base first."""
        table = dict(DEFAULT_ACTION_ROLES)
        for klass in reversed(type(self).__mro__):
            table.update(klass.__dict__.get("action_roles", {}))
        return table

    def allowed_roles(self, action: str, params: dict | None = None) -> frozenset[str]:
        if action not in ACTIONS:
            raise PolicyLookupError(f"未知的操作 {action!r}。", f"Unknown action {action!r}.")
        roles = set(self.action_table().get(action, ()))
        if action == "approve_statement":
            for rule in self.approval_rules_for(params):
                roles.update(rule.approver_roles)
        if action == "notify_up":
            # Whoever the plan makes answer for the upward report may also make it.
            roles.update(t.actor_role for t in self.deadline_tables if t.stage == "notify_up")
        return frozenset(roles)

    # --- statements -------------------------------------------------------------------------

    def approval_rules_for(self, params: dict | None = None) -> tuple[ApprovalRule, ...]:
        """The approval rules in force; override where a parameter picks the plan's variant."""
        return self.approval_rules

    def approval_roles(
        self, grade_code: str, statement_kind: str, params: dict | None = None
    ) -> tuple[str, ...]:
        """Roles that must *all* approve a statement of this kind; ``()`` means none needed."""
        self.grade_by_code(grade_code)
        if statement_kind not in STATEMENT_KINDS:
            raise PolicyLookupError(
                f"未知的回应类型 {statement_kind!r}。",
                f"Unknown statement kind {statement_kind!r}.",
            )
        roles: list[str] = []
        for rule in self.approval_rules_for(params):
            if grade_code in rule.grades and statement_kind in rule.kinds:
                roles.extend(r for r in rule.approver_roles if r not in roles)
        return tuple(roles)

    # --- deadlines, escalation, schedule ----------------------------------------------------

    def deadline_rules(self, grade_code: str, params: dict | None = None) -> list[DeadlineRule]:
        """The plan's time limits for an incident of this grade, parameters substituted."""
        self.grade_by_code(grade_code)
        p = self._params(params)
        rules = []
        for table in self.deadline_tables:
            entry = table.entry(grade_code)
            if entry is None:
                continue
            within, source = entry
            rules.append(
                DeadlineRule(
                    stage=table.stage,
                    anchor=table.anchor,
                    within=resolve_within(within, p),
                    actor_role=table.actor_role,
                    label_zh=table.label_zh,
                    label_en=table.label_en,
                    source=source,
                )
            )
        return rules

    def escalation_ladder(self, params: dict | None = None) -> EscalationLadder:
        p = self._params(params)
        return EscalationLadder(
            steps=tuple(self.escalation_steps),
            cadence=timedelta(minutes=int(p["escalation_cadence_minutes"])),
            source=self.escalation_source,
        )

    def prewarn_fractions(self, params: dict | None = None) -> tuple[float, ...]:
        """Fractions of a limit at which to warn before it is breached (default 50 %, 80 %)."""
        return tuple(float(f) for f in self._params(params)["prewarn_fractions"])

    def report_schedule(self, params: dict | None = None) -> list[ScheduleRule]:
        p = self._params(params)
        rules = list(self.schedule)
        for flag, extra in self.optional_schedule.items():
            if p.get(flag):
                rules.extend(extra)
        values = when_values(p)
        return [dataclasses.replace(rule, when=rule.when.format(**values)) for rule in rules]

    # --- description ------------------------------------------------------------------------

    def describe(self, params: dict | None = None) -> dict:
        """Everything the plugin declares, as plain JSON-able data with Chinese labels."""
        p = self._params(params)
        label = self.role_label_or_key
        return {
            "key": self.key,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "version": self.version,
            "platform_compat": self.platform_compat,
            "description_zh": self.description_zh,
            "source": list(self.source),
            "params": self._describe_params(p),
            "grades": [
                {
                    "code": g.code,
                    "label_zh": g.label_zh,
                    "label_en": g.label_en,
                    "severity": g.severity,
                    "severity_zh": SEVERITY_LABELS[g.severity][0],
                    "description_zh": g.description_zh,
                    "review_required": self.review_required(g.code),
                }
                for g in self.grades
            ],
            "roles": [
                {"key": r.key, "label_zh": r.label_zh, "label_en": r.label_en} for r in self.roles
            ],
            "categories": [
                {
                    "code": c.code,
                    "label_zh": c.label_zh,
                    "label_en": c.label_en,
                    "handling_zh": c.handling_zh,
                    "source": c.source,
                }
                for c in self.categories
            ],
            "action_roles": {
                action: {
                    "label_zh": ACTION_LABELS[action][0],
                    "roles": sorted(self.allowed_roles(action, p)),
                    "roles_zh": [label(r) for r in sorted(self.allowed_roles(action, p))],
                }
                for action in ACTIONS
            },
            "approvals": {
                g.code: {
                    kind: [label(r) for r in self.approval_roles(g.code, kind, p)]
                    for kind in STATEMENT_KINDS
                }
                for g in self.grades
            },
            "approval_rules": [
                {
                    "grades": list(rule.grades),
                    "kinds": list(rule.kinds),
                    "kinds_zh": [STATEMENT_KIND_LABELS[k][0] for k in rule.kinds],
                    "approver_roles": list(rule.approver_roles),
                    "approvers_zh": [label(r) for r in rule.approver_roles],
                    "source": rule.source,
                }
                for rule in self.approval_rules_for(p)
            ],
            "deadlines": {
                g.code: [
                    {
                        "stage": rule.stage,
                        "stage_zh": STAGE_LABELS[rule.stage][0],
                        "anchor": rule.anchor,
                        "anchor_zh": ANCHOR_LABELS[rule.anchor][0],
                        "within": within_json(rule.within),
                        "within_zh": within_zh(rule.within),
                        "actor_role": rule.actor_role,
                        "actor_zh": label(rule.actor_role),
                        "label_zh": rule.label_zh,
                        "label_en": rule.label_en,
                        "source": rule.source,
                    }
                    for rule in self.deadline_rules(g.code, p)
                ]
                for g in self.grades
            },
            "escalation": {
                "steps": list(self.escalation_steps),
                "steps_zh": [label(r) for r in self.escalation_steps],
                "cadence_minutes": int(p["escalation_cadence_minutes"]),
                "source": self.escalation_source,
            },
            "prewarn_fractions": list(self.prewarn_fractions(p)),
            "schedule": [
                {
                    "key": rule.key,
                    "when": rule.when,
                    "when_zh": when_zh(rule.when),
                    "recipients": list(rule.recipients),
                    "recipients_zh": [label(r) for r in rule.recipients],
                    "label_zh": rule.label_zh,
                    "label_en": rule.label_en,
                    "item_format": rule.item_format,
                    "source": rule.source,
                }
                for rule in self.report_schedule(p)
            ],
            "escalation_flags": list(self.escalation_flags),
            "escalation_flags_source": self.escalation_flags_source,
        }

    def role_label_or_key(self, role_key: str) -> str:
        """The Chinese label, or the key itself for a role this plugin does not declare (a
        snapshot may name a role that a later version dropped)."""
        try:
            return self.role_label(role_key)
        except PolicyLookupError:
            return role_key

    # The earlier private name, already used by callers outside this package.
    _role_label_or_key = role_label_or_key

    def _describe_params(self, values: dict) -> list[dict]:
        described = []
        for name, fld in self.ParamsSchema().fields.items():
            default = fld.load_default() if callable(fld.load_default) else fld.load_default
            meta = fld.metadata
            described.append(
                {
                    "name": name,
                    "label_zh": meta.get("label_zh", name),
                    "unit_zh": meta.get("unit_zh", ""),
                    "help_zh": meta.get("help_zh", ""),
                    "source": meta.get("source", ""),
                    "choices": meta.get("choices"),
                    "default": default,
                    "value": values.get(name, default),
                }
            )
        return described


def when_values(params: dict) -> dict:
    """Parameters as they are substituted into a schedule's ``when`` (lists comma-joined)."""
    return {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in params.items()}


def _stringify_keys(messages):
    """marshmallow keys list items by int; JSON and the UI want strings."""
    if isinstance(messages, dict):
        return {str(k): _stringify_keys(v) for k, v in messages.items()}
    return messages


def canonical_roles(**labels: tuple[str, str] | str) -> tuple[Role, ...]:
    """The seven canonical roles, each with the plan's own label where the plan gives one.

    ``labels`` maps a canonical key to ``label_zh`` or ``(label_zh, label_en)``.
    """
    unknown = set(labels) - set(CANONICAL_ROLE_LABELS)
    if unknown:
        raise ValueError(f"not canonical roles: {sorted(unknown)}")
    roles = []
    for key, (zh, en) in CANONICAL_ROLE_LABELS.items():
        given = labels.get(key)
        if isinstance(given, tuple):
            zh, en = given
        elif given:
            zh = given
        roles.append(Role(key, zh, en))
    return tuple(roles)
