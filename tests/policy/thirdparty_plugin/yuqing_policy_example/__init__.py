"""Example third-party policy plugin: a residents' committee (社区居委会).

This is the worked example of ``docs/policy-plugins.md``. It ships as its own distribution
and registers ``CommunityPolicy`` under the entry-point group ``yuqing.policies``.
"""

from __future__ import annotations

from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.params import BaseParamsSchema, int_param
from yuqing.policy.rules import ApprovalRule, Category, Grade, Role, ScheduleRule
from yuqing.policy.tables import FIRST_TIME, DeadlineTable, ParamHours, hours

# Grades, lowest first, each mapped to the canonical scale.
GRADES = (
    Grade("routine", "一般", "Routine", "S1", "居民诉求、咨询。"),
    Grade("serious", "重要", "Serious", "S3", "浏览量达到参数阈值，或涉及小区安全。"),
)
ROUTINE, SERIOUS = (g.code for g in GRADES)


class CommunityParams(BaseParamsSchema):
    # Every parameter has a default, a Chinese label and a source.
    serious_views = int_param(
        800,
        label_zh="升为「重要」的浏览量",
        source="本社区工作方案 第三条",
        minimum=1,
        unit_zh="次",
    )
    verify_hours = int_param(
        6,
        label_zh="楼栋长反馈核实结果的时限",
        source="本社区工作方案 第五条",
        minimum=1,
        maximum=48,
        unit_zh="小时",
    )


class CommunityPolicy(PolicyPlugin):
    key = "example-community"
    name_zh = "社区居委会网络舆情处置办法（示例）"
    name_en = "Residents' committee (example)"
    version = "0.1.0"
    platform_compat = ">=0.1,<1"
    description_zh = "第三方插件示例：两级舆情，楼栋长核实，重要舆情报街道。"
    source = ("本社区工作方案",)
    ParamsSchema = CommunityParams

    grades = GRADES
    roles = canonical_roles(
        monitor="网格员",
        office="居委会办公室",
        leader="居委会主任",
        spokesperson="居委会主任",
        unit_handler="楼栋长",
    ) + (Role("street_office", "街道党工委", "Street Party working committee"),)
    categories = (
        Category(
            "C1",
            "居民诉求",
            "Residents' demand",
            "楼栋长核实后由居委会办公室答复。",
            "本社区工作方案 第四条",
        ),
    )
    approval_rules = (
        ApprovalRule(
            (ROUTINE,), ("holding_reply", "reply", "press_release"), ("office",), "第六条"
        ),
        ApprovalRule(
            (SERIOUS,),
            ("holding_reply", "reply", "press_release"),
            ("leader", "street_office"),
            "第六条",
        ),
    )
    deadline_tables = (
        DeadlineTable(
            stage="report",
            anchor="discovered_at",
            actor_role="monitor",
            label_zh="网格员报送居委会办公室",
            label_en="Grid worker reports to the office",
            source="第四条「第一时间」",
            limits={ROUTINE: FIRST_TIME, SERIOUS: FIRST_TIME},
        ),
        DeadlineTable(
            stage="verify",
            anchor="slip_received_at",
            actor_role="unit_handler",
            label_zh="楼栋长反馈核实结果",
            label_en="Building head returns the verification",
            source="第五条",
            limits={ROUTINE: ParamHours("verify_hours"), SERIOUS: hours(2)},
        ),
        DeadlineTable(
            stage="notify_up",
            anchor="assessed_at",
            actor_role="office",
            label_zh="重要舆情报街道党工委",
            label_en="Report serious items to the street office",
            source="第七条",
            limits={ROUTINE: None, SERIOUS: hours(1)},
        ),
    )
    escalation_steps = ("office", "leader", "street_office")
    escalation_source = "第八条"
    schedule = (
        ScheduleRule(
            key="weekly",
            when="weekly@Fri",
            recipients=("street_office",),
            label_zh="每周舆情小结",
            label_en="Weekly summary",
            source="第九条",
        ),
    )

    def classify(self, m, params):
        # The hook: logic only where the plan needs it.
        if m.views >= params["serious_views"] or "小区安全" in m.topics:
            return self.grade_by_code(SERIOUS)
        return self.grade_by_code(ROUTINE)
