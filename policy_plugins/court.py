"""P4 ``court``: people's courts.

Built from 篇七 only, which is an essay (analysis and recommendations), not a plan: the risk
factors, the spokesperson and the stance rules come from it, but almost every number is a
default borrowed from the urban-management (篇六) and school (篇八) plans.
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
from yuqing.policy.params import BaseParamsSchema, int_param
from yuqing.policy.rules import Role
from yuqing.policy.tables import ParamHours

GRADES = ladder_grades(
    general="default：默认数值阶梯（篇七未分级）。",
    significant="default；或涉及篇七所列风险因素。",
    major="default：默认数值阶梯。",
    extraordinary="default：默认数值阶梯。",
)
GENERAL, SIGNIFICANT, MAJOR, EXTRAORDINARY = (g.code for g in GRADES)

#: 篇七's risk factors; any of them lifts an item to at least 较大 [default].
RISK_TOPICS = frozenset(
    {
        "公私权利冲突",
        "法理情理冲突",
        "当事人身份特殊",
        "争议较大的案件",
        "法院工作人员违法犯罪",
        "立案",
        "审理",
        "执行",
        "委托司法鉴定",
        "评估",
        "查封",
        "扣押",
        "拍卖",
        "久拖不决",
    }
)


class CourtParams(BaseParamsSchema):
    report_up_s4_hours = int_param(
        1,
        label_zh="特别重大舆情上报时限",
        source="default（借用篇六 D24 的默认值）",
        minimum=1,
        maximum=24,
        unit_zh="小时",
    )
    report_up_s3_hours = int_param(
        2,
        label_zh="重大舆情上报时限",
        source="default（借用篇六 D25 的默认值）",
        minimum=1,
        maximum=48,
        unit_zh="小时",
    )


class CourtPolicy(PolicyPlugin):
    key = "court"
    name_zh = "人民法院涉法网络舆情应对"
    name_en = "People's court"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于人民法院：篇七为论述文，风险因素、网络发言人和表态规则取自篇七，"
        "等级与时限均为默认值。对未经审判确定的事实不随意定性；以公开为原则、不公开为例外。"
    )
    source = ("篇七",)
    ParamsSchema = CourtParams

    grades = GRADES
    roles = canonical_roles(
        monitor="舆情监测专门人员",
        office="舆情监测专门机构",
        leader="院领导",
        spokesperson="网络发言人",
        unit_handler="承办庭室负责人",
    ) + (Role("president", "院长/党组", "President / Party group"),)
    categories = pick(
        "C1",
        "C3",
        "C10",
        C3="有组织地散布虚假信息的，通过法定程序依法追究（篇七）。",
        C10="不对未经审判确定的事实随意定性；选择合适的司法公开限度和方式；"
        "既不一概排斥网络舆论，也不被其左右（篇七）。",
    )
    approval_rules = (
        approve_statements(
            (GENERAL, SIGNIFICANT), ("spokesperson", "leader"), "default（篇七 设立网络发言人）"
        ),
        approve_statements((MAJOR, EXTRAORDINARY), ("president",), "default"),
    )
    deadline_tables = (
        report_table(GRADES, "default（篇七 专门机构、专门人员监测）；「第一时间」默认 30 分钟"),
        golden_window_table(
            GRADES,
            source="default（黄金时限，默认 4 小时）",
            label_zh="网络发言人首次发声",
            label_en="Spokesperson's first statement",
        ),
        notify_up_table(
            GRADES,
            {
                MAJOR: ParamHours("report_up_s3_hours"),
                EXTRAORDINARY: ParamHours("report_up_s4_hours"),
            },
            source="default",
            label_zh="报告院领导、院长/党组",
            label_en="Report to the court's leadership",
        ),
        review_table(GRADES, (MAJOR, EXTRAORDINARY), source="default"),
    )
    escalation_steps = ("office", "leader", "president")
    schedule = (daily_digest(("office", "leader"), source="default"),)

    def classify(self, m, params):
        severity = default_ladder_severity(m)
        if m.topics & RISK_TOPICS and severity == "S1":
            severity = "S2"
        return self.grade_for_severity(severity)
