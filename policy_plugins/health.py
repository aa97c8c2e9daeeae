"""P7 ``health``: a health commission and its medical institutions.

Built from 19-H (市卫健委: public-safety risk campaign and its risk points) and 19-C (卫生院:
ideology screening, 「三审三校」). Grades are defaults: 19-H refers to a 「风险等级划分标准」
that the seed never gives.
"""

from __future__ import annotations

from policy_plugins._common import (
    approve_statements,
    daily_digest,
    golden_window_table,
    ladder_grades,
    notify_up_table,
    pick,
    report_table,
    review_table,
)
from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.metrics import default_ladder_severity
from yuqing.policy.params import BaseParamsSchema, bool_param, when_param
from yuqing.policy.rules import Category, Role, ScheduleRule
from yuqing.policy.tables import FIRST_TIME

GRADES = ladder_grades(
    general="default（19-H「风险等级划分标准」未给出）。",
    significant="default。",
    major="default；或涉及 19-H 所列风险点。",
    extraordinary="default。",
)
GENERAL, SIGNIFICANT, MAJOR, EXTRAORDINARY = (g.code for g in GRADES)

#: 19-H's risk points; any of them lifts an item to at least 重大 [default].
RISK_TOPICS = frozenset(
    {
        "传染病",
        "群体性不明原因疾病",
        "疫苗接种",
        "医院感染",
        "血液安全",
        "实验室生物安全",
        "生物医学研究",
        "受试者信息泄漏",
        "职业健康",
        "医疗纠纷",
        "医闹",
        "伤医",
        "计生特殊家庭信访",
        "公立医院债务",
        "意识形态",
    }
)


class HealthParams(BaseParamsSchema):
    periodic_status_when = when_param(
        "monthly@month_end",
        label_zh="向卫健委报送风险防控情况的周期（「定期」）",
        source="19-H「定期」；default 每月月底",
    )
    risk_campaign = bool_param(
        False,
        label_zh="启用 19-H 公共安全风险专项行动日程",
        source="19-H（4月20日、5月20日、8月15日节点）",
    )


class HealthPolicy(PolicyPlugin):
    key = "health"
    name_zh = "卫生健康系统网络舆情与风险防控方案"
    name_en = "Health"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于卫健委及医疗卫生机构：相关科室第一时间介入并报院领导（19-C），"
        "重大舆情第一时间报上级（19-H）；对外发布实行三审三校（19-C）。等级为默认值。"
    )
    source = ("19-H", "19-C")
    ParamsSchema = HealthParams

    grades = GRADES
    roles = canonical_roles(
        monitor="舆情信息员",
        office="办公室（卫生应急办公室）",
        leader="领导小组组长（院长）",
        spokesperson="新闻发言人",
        unit_handler="相关科室负责人",
    ) + (Role("commission", "上级卫生健康委（委应急办）", "Health commission"),)
    categories = pick("C1", "C3", "C6") + (
        Category(
            "data_leak",
            "受试者等信息泄漏",
            "Personal-data leak",
            "立即当面报告委应急办（19-H）；是否及如何告知受影响的人，须按个人信息保护的法定义务另行决定。",
            "19-H",
        ),
    )
    approval_rules = (
        # 「三审三校」: three reviews before anything is published; all three must sign.
        approve_statements(
            (GENERAL, SIGNIFICANT), ("unit_handler", "office", "leader"), "19-C「三审三校」"
        ),
        approve_statements(
            (MAJOR, EXTRAORDINARY),
            ("unit_handler", "office", "leader", "commission"),
            "19-C「三审三校」；19-H 与上级主管部门协同处置（卫健委审定为 default）",
        ),
    )
    deadline_tables = (
        report_table(GRADES, "19-C「第一时间」（默认 30 分钟）", "相关科室第一时间介入并报院领导"),
        notify_up_table(
            GRADES,
            {MAJOR: FIRST_TIME, EXTRAORDINARY: FIRST_TIME},
            source="19-H D57「第一时间」（默认 30 分钟）",
            label_zh="报告有关部门和上级党组织",
            label_en="Report to the commission and the higher Party organisation",
        ),
        golden_window_table(GRADES, source="default（黄金时限，默认 4 小时）"),
        review_table(GRADES, (MAJOR, EXTRAORDINARY), source="default"),
    )
    escalation_steps = ("office", "leader", "commission")
    escalation_source = "19-C（相关科室、院领导）；19-H（上级主管部门）"
    schedule = (
        ScheduleRule(
            key="periodic_status",
            when="{periodic_status_when}",
            recipients=("commission",),
            label_zh="风险防控情况报告",
            label_en="Periodic risk-control status",
            source="19-H「定期」（参数，默认每月）",
        ),
        daily_digest(("office",), source="default"),
    )
    optional_schedule = {
        "risk_campaign": (
            ScheduleRule(
                key="campaign_milestones",
                when="dates@04-20,05-20,08-15",
                recipients=("commission",),
                label_zh="专项行动节点：制度宣传、风险报告、管控到位",
                label_en="Risk campaign milestones",
                source="19-H D59",
            ),
        ),
    }

    def classify(self, m, params):
        severity = default_ladder_severity(m)
        if m.topics & RISK_TOPICS and severity in ("S1", "S2"):
            severity = "S3"
        return self.grade_for_severity(severity)
