"""P1 ``gov-bureau``: a government bureau (archives, transport, audit and similar).

Built from 篇一 (市档案局: the 3-hour reply and the category rules), 篇三/十一 (交通运输局: four
response tiers) and 篇二十一 (审计局: methods, accountability). The optional periodic module
comes from 19-B (a 司法行政 bureau).
"""

from __future__ import annotations

from policy_plugins._common import (
    approve_statements,
    notify_up_table,
    pick,
    report_table,
    review_table,
)
from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.params import BaseParamsSchema, bool_param, int_param
from yuqing.policy.rules import EndOfDay, Grade, Role, ScheduleRule
from yuqing.policy.tables import DeadlineTable, ParamMinutes, for_grades, hours

GRADES = (
    Grade(
        "minor",
        "影响较小的网络舆情",
        "Minor",
        "S0",
        "由涉事部门在办公室指导下处置（篇三）；判定 default：浏览 100 以下、评论 10 以下且只在一个网站。",
    ),
    Grade("general", "一般网络舆情", "General", "S1", "办公室会同有关科室处置（篇三）。"),
    Grade(
        "major",
        "重大或较大网络舆情",
        "Major or significant",
        "S3",
        "领导小组会同有关部门处置（篇三）；篇一的「突发重大网络舆情」属此级及以上。"
        "篇三把较大与重大合为一级，故默认数值阶梯的较大档（S2）也归入此级。",
    ),
    Grade(
        "extraordinary",
        "特别重大网络舆情",
        "Extraordinary",
        "S4",
        "由组长提请局主要领导决定应对（篇三）。",
    ),
)
MINOR, GENERAL, MAJOR, EXTRAORDINARY = (g.code for g in GRADES)


class GovBureauParams(BaseParamsSchema):
    #: 篇一: 「按照应急管理规定时限」 — referenced, never given.
    emergency_report_minutes = int_param(
        60,
        label_zh="重大舆情逐级上报的时限（「应急管理规定时限」）",
        source="篇一 D05（时限引用外部规定）；default 60 分钟",
        minimum=5,
        maximum=24 * 60,
        unit_zh="分钟",
    )
    ideology_module = bool_param(
        False,
        label_zh="启用意识形态工作定期报告模块",
        source="19-B（季度报送、半年专题研究、年度述职）",
    )


class GovBureauPolicy(PolicyPlugin):
    key = "gov-bureau"
    name_zh = "政府部门网络舆情应急处置预案"
    name_en = "Government bureau"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于档案、交通、审计等政府部门：四级响应（篇三），重大舆情发现后 3 小时内以单位或"
        "网络新闻发言人名义跟帖（篇一），询问类当日答复、办结之日答复结果（篇一）。"
    )
    source = ("篇一", "篇三", "篇十一", "篇二十一", "19-B")
    ParamsSchema = GovBureauParams

    grades = GRADES
    roles = canonical_roles(
        monitor="信息员（局属各单位信息员）",
        office="领导小组办公室（科教编研科/局综合科/局办公室）",
        leader="领导小组组长（局长/局党组书记）",
        spokesperson="网络新闻发言人",
        unit_handler="相关职能科（股）室负责人",
    ) + (
        Role("county_head", "各县（区）局负责人", "County bureau head"),  # 篇一
        Role("principal_leader", "局主要领导", "Principal leader"),  # 篇三, 篇二十一
    )
    categories = pick("C1", "C2", "C3", "C4")
    action_roles = {
        # 篇三: 特别重大 is launched by the principal leader at the 组长's request.
        "assess": ("office", "leader", "principal_leader"),
        "escalate": ("office", "leader", "principal_leader"),
    }
    approval_rules = (
        approve_statements(
            (MINOR,), ("unit_handler",), "篇三（影响较小的由涉事部门在办公室指导下处置）"
        ),
        approve_statements((GENERAL,), ("county_head",), "篇一（答复经各县（区）局负责人审定）"),
        approve_statements((MAJOR,), ("leader",), "default（篇三 由领导小组会同有关部门处置）"),
        approve_statements(
            (EXTRAORDINARY,),
            ("principal_leader",),
            "篇三（组长提请局主要领导）；篇二十一（新闻处置建议预案报局主要领导批准）",
        ),
    )
    deadline_tables = (
        report_table(GRADES, "篇一 D05「逐级报告」；「第一时间」默认 30 分钟"),
        notify_up_table(
            GRADES,
            {
                MAJOR: ParamMinutes("emergency_report_minutes"),
                EXTRAORDINARY: ParamMinutes("emergency_report_minutes"),
            },
            source="篇一 D05「应急管理规定时限」（参数，默认 60 分钟）",
            label_zh="逐级、双重报告分管领导和主要领导",
            label_en="Report up the line to the supervising and principal leaders",
        ),
        DeadlineTable(
            stage="holding_reply",
            anchor="discovered_at",
            actor_role="spokesperson",
            label_zh="以单位或网络新闻发言人名义跟帖，告知事实真相、处置情况或答疑释惑",
            label_en="Reply in the unit's or spokesperson's name within 3 hours",
            source="篇一 D01「于发现后三小时内」",
            limits={MINOR: None, GENERAL: None, MAJOR: hours(3), EXTRAORDINARY: hours(3)},
        ),
        DeadlineTable(
            stage="respond",
            anchor="discovered_at",
            actor_role="unit_handler",
            label_zh="职能科室答复处理意见",
            label_en="Reply with the handling opinion on the day of discovery",
            source="篇一 D03「发现当日内」",
            limits={
                MINOR: EndOfDay(),
                GENERAL: EndOfDay(),
                MAJOR: None,
                EXTRAORDINARY: None,
            },
        ),
        DeadlineTable(
            stage="respond",
            anchor="closed_at",
            actor_role="unit_handler",
            label_zh="办结后答复处理结果",
            label_en="Reply with the result on the day of closure",
            source="篇一 D04「办结之日内」",
            limits=for_grades(GRADES, default=EndOfDay()),
        ),
        review_table(
            GRADES,
            (MAJOR, EXTRAORDINARY),
            source="篇一、篇三（总结评估）；时限 default 10 个工作日",
            actor_role="unit_handler",
            label_zh="处置结束后向办公室提交书面总结报告",
            label_en="Written review to the office",
        ),
    )
    escalation_steps = ("office", "leader", "principal_leader")
    escalation_source = "篇一（科教编研科报分管领导和主要领导）"
    optional_schedule = {
        "ideology_module": (
            ScheduleRule(
                key="quarterly_filing",
                when="quarterly@quarter_end",
                recipients=("office",),
                label_zh="各科室季度末报送意识形态问题及处置情况",
                label_en="Quarterly filing of problems and handling",
                source="19-B D50",
            ),
            ScheduleRule(
                key="semiannual_study",
                when="semiannual",
                recipients=("leader",),
                label_zh="意识形态工作专题研究及书面报告",
                label_en="Semi-annual dedicated study",
                source="19-B D49",
            ),
            ScheduleRule(
                key="annual_duty_report",
                when="annual@12-20",
                recipients=("leader",),
                label_zh="民主生活会上报告意识形态工作",
                label_en="Annual duty report at the 民主生活会",
                source="19-B D52（日期 default 12-20）",
            ),
        ),
    }

    def classify(self, m, params):
        grade = super().classify(m, params)
        # [default] S0: what the ladder calls general, but barely seen and on one site only.
        if (
            grade.code == GENERAL
            and m.views < 100
            and m.comments < 10
            and m.distinct_sites <= 1
            and m.mainstream_sites == 0
            and not m.traditional_media
            and m.media_level in ("none", "local_site")
        ):
            return self.grade_by_code(MINOR)
        return grade
