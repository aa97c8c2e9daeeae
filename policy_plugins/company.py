"""P5 ``company``: enterprises.

Built from 篇八 (its grading text was written for a 「公司」 and copied into a school plan),
篇十五 / 19-D (the ideology-risk register with its monthly and December forms) and 篇十
(monitoring tooling, an essay).
"""

from __future__ import annotations

from policy_plugins._common import (
    approve_statements,
    daily_digest,
    exactly_5_sites_param,
    golden_window_table,
    notify_up_table,
    pian8_grades,
    pian8_severity,
    pick,
    report_table,
    review_table,
)
from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.params import BaseParamsSchema, choice_param
from yuqing.policy.rules import Role, ScheduleRule
from yuqing.policy.tables import IMMEDIATE, DeadlineTable, hours

GRADES = pian8_grades(
    general="工作建议、问题反映、咨询质询、个人利益诉求（篇八）。",
    extraordinary="浏览 3000 以上、评论 500 以上、被 5 家以上主流网站报道转发，或严重影响公司形象"
    "及社会稳定（篇八）。",
)
GENERAL, MAJOR, EXTRAORDINARY = (g.code for g in GRADES)


class CompanyParams(BaseParamsSchema):
    exactly_5_sites_grade = exactly_5_sites_param()
    #: 篇十五 asks for the December form and annual progress 「12月11日前」 and the annual
    #: report on 「12月20日」: the seed contradicts itself, the tenant picks.
    annual_report_date = choice_param(
        "12-11",
        {"12-11": "12月11日前（篇十五 信息填报）", "12-20": "12月20日（篇十五 年度报告）"},
        label_zh="年度风险化解进展报送日期",
        source="篇十五 / 19-D（12月11日与12月20日相互矛盾）；default 12-11",
    )


class CompanyPolicy(PolicyPlugin):
    key = "company"
    name_zh = "企业网络舆情及意识形态风险防范预案"
    name_en = "Company"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于企业、集团公司：按篇八的浏览量、评论量、主流网站转发数分级；"
        "一般舆情 2 小时转办、1 天内解释或解决；意识形态风险台账每月月底填报（篇十五）。"
    )
    source = ("篇八", "篇十五", "19-D", "篇十")
    ParamsSchema = CompanyParams

    grades = GRADES
    roles = canonical_roles(
        monitor="舆情监控工作人员",
        office="网络舆情办公室",
        leader="责任领导（领导小组组长）",
        spokesperson="新闻发言人",
        unit_handler="责任部门/责任单位联络员",
    ) + (
        Role("press_team", "新闻发布组", "Press team"),  # 篇八
        Role("group_company", "集团公司/上级主管部门", "Group company / supervising authority"),
    )
    categories = pick(
        "C1",
        "C3",
        "C6",
        "C11",
        C3="越过法律界限的行为报公安机关依法处置（篇十五）。",
    )
    approval_rules = (
        approve_statements((GENERAL,), ("office",), "篇十五（信息发布审核制度）"),
        approve_statements(
            (MAJOR, EXTRAORDINARY),
            ("press_team",),
            "篇八（重大以上由新闻发布组、新闻发言人统一对外）",
        ),
    )
    deadline_tables = (
        report_table(GRADES, "篇八 D07「第一时间」（默认 30 分钟）"),
        DeadlineTable(
            stage="dispatch",
            anchor="assessed_at",
            actor_role="office",
            label_zh="研判后转责任部门",
            label_en="Forward to the responsible department",
            source="篇八 D28「2小时内」",
            limits={GENERAL: hours(2), MAJOR: None, EXTRAORDINARY: None},
        ),
        DeadlineTable(
            stage="resolve",
            anchor="assessed_at",
            actor_role="unit_handler",
            label_zh="正面解释或解决问题",
            label_en="Explain or solve the issue",
            source="篇八 D29「1天内」（按 24 小时）",
            limits={GENERAL: hours(24), MAJOR: None, EXTRAORDINARY: None},
        ),
        notify_up_table(
            GRADES,
            {MAJOR: IMMEDIATE, EXTRAORDINARY: IMMEDIATE},
            source="篇八「立刻」（默认 15 分钟）",
            label_zh="报告上级主管部门/集团公司",
            label_en="Report to the supervising authority or group company",
        ),
        golden_window_table(GRADES, source="default（黄金时限，默认 4 小时）"),
        review_table(
            GRADES, (MAJOR, EXTRAORDINARY), source="篇八（总结评估）；时限 default 10 个工作日"
        ),
    )
    escalation_steps = ("office", "leader", "group_company")
    escalation_source = "篇八、篇十五（领导包案、一事一策）"
    schedule = (
        ScheduleRule(
            key="risk_register_monthly",
            when="monthly@month_end",
            recipients=("office",),
            label_zh="意识形态风险信息填报表",
            label_en="Monthly risk-register form",
            source="篇十五 D40「每月月底」",
        ),
        ScheduleRule(
            key="risk_register_annual",
            when="annual@{annual_report_date}",
            recipients=("leader", "group_company"),
            label_zh="年度风险化解进展报告",
            label_en="Annual risk-handling progress report",
            source="篇十五 D41/D42（日期为参数）",
        ),
        daily_digest(("office",), source="default"),
    )
    escalation_flags = ("not_subsiding",)
    escalation_flags_source = "篇八「不能消除或还有扩大迹象」"

    def classify(self, m, params):
        if m.severe_image_impact:
            return self.grade_by_code(EXTRAORDINARY)
        five = "S4" if params["exactly_5_sites_grade"] == EXTRAORDINARY else "S3"
        return self.grade_for_severity(pian8_severity(m, five))
