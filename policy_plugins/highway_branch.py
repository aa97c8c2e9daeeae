"""P6 ``highway-branch``: a highway branch or field office of a provincial line agency.

Built from 篇四 (华宁公路分局, 31 articles), the most complete plan in the seed. Two traps:
篇四 numbers its grades downward (一级 is the **highest**), and its top label 「重大」 is the
third of four grades in 篇六 — so grades are ordered and compared by canonical severity only.
"""

from __future__ import annotations

from policy_plugins._common import (
    approve_statements,
    daily_digest,
    notify_up_table,
    pick,
    report_table,
    review_table,
)
from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.params import BaseParamsSchema, choice_param, int_param
from yuqing.policy.rules import ApprovalRule, EndOfDay, Grade, Role
from yuqing.policy.tables import (
    FIRST_TIME,
    DeadlineTable,
    ParamHours,
    ParamWorkingDays,
    hours,
    minutes,
)

# Lowest first: 三级 → 二级 → 一级.
GRADES = (
    Grade(
        "level_3",
        "三级（一般）",
        "Level 3 (general)",
        "S1",
        "市内网站的一般爆料、投诉、普通民生诉求（篇四）。",
    ),
    Grade(
        "level_2",
        "二级（严重）",
        "Level 2 (serious)",
        "S3",
        "省内媒体关注或报道、云南网及市内主要网站刊发，或需要市委、市政府协调解决；"
        "三级因处置不当导致态势扩大的（篇四）。",
    ),
    Grade(
        "level_1",
        "一级（重大）",
        "Level 1 (major)",
        "S4",
        "中央级媒体关注或报道、国内大型门户网站刊发，或社会关注的热点、苗头性问题；"
        "二级因处置不当导致态势扩大的；已在全省、全国范围内引起广泛关注的（篇四 第十二条）。",
    ),
)
LEVEL_3, LEVEL_2, LEVEL_1 = (g.code for g in GRADES)


class HighwayBranchParams(BaseParamsSchema):
    #: 三级 「在规定时限内完成处置工作」: the limit is referenced, never given.
    tier3_handling_working_days = int_param(
        3,
        label_zh="三级舆情直办时限（「规定时限」）",
        source="篇四 D20「在规定时限内」；default 3 个工作日",
        minimum=1,
        maximum=30,
        unit_zh="个工作日",
    )
    tier1_meeting_hours = int_param(
        2,
        label_zh="一级舆情召开联席会议、制定处置方案的时限",
        source="篇四（联席会议，时限未给出）；default 2 小时",
        minimum=1,
        maximum=24,
        unit_zh="小时",
    )
    #: 第二十一条: 一级 新闻通稿 「由舆情处置专班或局党委宣传部审定」 — either body.
    tier1_release_approver = choice_param(
        "task_force",
        {"task_force": "舆情处置专班", "party_publicity": "局党委宣传部"},
        label_zh="一级舆情新闻通稿的审定机构",
        source="篇四 第二十一条（专班或局党委宣传部，二者择一）",
    )


class HighwayBranchPolicy(PolicyPlugin):
    key = "highway-branch"
    name_zh = "公路分局网络舆情处置细则"
    name_en = "Highway branch"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于省属条线机构的分局、站所：三级（一般）/二级（严重）/一级（重大）三个等级，"
        "一级最高；一级 30 分钟手机快报、1 小时纸质快报；按等级审定新闻通稿（篇四）。"
    )
    source = ("篇四",)
    ParamsSchema = HighwayBranchParams

    grades = GRADES
    roles = canonical_roles(
        monitor="网络舆情管理员",
        office="领导小组办公室",
        leader="分局主要领导（第一责任人）",
        spokesperson="网络发言人（分管领导）",
        unit_handler="涉事部门主要负责人",
    ) + (
        Role("party_branch", "分局党总支", "Branch Party general branch"),
        Role("task_force", "舆情处置专班", "Handling task force"),
        Role("party_publicity", "局党委宣传部", "Bureau Party publicity department"),
        # 第四条: the grade is set by 「省公路局党委和玉溪公路局党委和市网管办」.
        Role("upper_authority", "上级党委/市网管办", "Upper Party committee / city CAC"),
    )
    categories = pick("C1", "C3", "C11", "C12")
    action_roles = {
        # 第四条: the office proposes; the upper bodies set or override the grade.
        "assess": ("office", "leader", "upper_authority"),
        "escalate": ("office", "leader", "party_branch", "upper_authority"),
        "downgrade": ("leader", "upper_authority"),
        # 二级: 党总支办 全程跟踪督办.
        "track": ("office", "party_branch"),
    }
    approval_rules = (
        approve_statements(
            (LEVEL_1,), ("task_force",), "篇四 第二十一条（一级新闻通稿由专班或局党委宣传部审定）"
        ),
        approve_statements(
            (LEVEL_2,), ("office",), "篇四 第二十一条（二级新闻通稿由领导小组办公室审定）"
        ),
        ApprovalRule(
            (LEVEL_3,),
            ("holding_reply", "reply"),
            ("spokesperson",),
            "篇四 第二十一条（三级网上回复稿由分管本部门的主要领导审定）",
        ),
        ApprovalRule((LEVEL_3,), ("press_release",), ("office",), "default"),
    )
    deadline_tables = (
        report_table(GRADES, "篇四（每日搜索监测，发现即报）；「第一时间」默认 30 分钟"),
        DeadlineTable(
            stage="assess",
            anchor="discovered_at",
            actor_role="leader",
            label_zh="一级：领导小组会同玉溪公路党委、涉事部门召开联席会议，制定处置方案",
            label_en="Level 1: joint meeting draws up the handling plan",
            source="篇四（联席会议）；时限 default 2 小时",
            limits={LEVEL_3: None, LEVEL_2: None, LEVEL_1: ParamHours("tier1_meeting_hours")},
        ),
        # Two express reports run from the same clock: both are due, neither replaces the other.
        notify_up_table(
            GRADES,
            {LEVEL_1: minutes(30)},
            source="篇四 D16「30分钟内」",
            anchor="occurred_at",
            actor_role="party_branch",
            label_zh="一级：手机快报报市局主要领导（由分局党总支报送）",
            label_en="Level 1: mobile express report to the city bureau's principal leaders",
        ),
        notify_up_table(
            GRADES,
            {LEVEL_1: hours(1)},
            source="篇四 D17「1小时内」",
            anchor="occurred_at",
            actor_role="party_branch",
            label_zh="一级：纸质快报送达市局主要领导（由分局党总支报送）",
            label_en="Level 1: paper express report delivered",
        ),
        notify_up_table(
            GRADES,
            {LEVEL_2: EndOfDay()},
            source="篇四 D19「的同时」；当日报送为 default",
            actor_role="unit_handler",
            label_zh="二级：报分局领导并同时与玉溪公路局主管部门会商，报送《网上舆情》",
            label_en="Level 2: report to branch leaders and consult the supervising department",
        ),
        notify_up_table(
            GRADES,
            {LEVEL_1: FIRST_TIME},
            source="篇四 D18「第一时间」（默认 30 分钟）",
            actor_role="unit_handler",
            label_zh="一级：涉事部门报告分局党总支，由其报上级部门及市委、市政府主要领导",
            label_en="Level 1: involved department reports to the branch Party general branch",
        ),
        DeadlineTable(
            stage="resolve",
            anchor="assessed_at",
            actor_role="unit_handler",
            label_zh="三级：直办制，调查处置完毕后回告市局并在网上反馈",
            label_en="Level 3: handle directly, report back and answer online",
            source="篇四 D20「在规定时限内」（参数，默认 3 个工作日）",
            limits={
                LEVEL_3: ParamWorkingDays("tier3_handling_working_days"),
                LEVEL_2: None,
                LEVEL_1: None,
            },
        ),
        review_table(
            GRADES,
            (LEVEL_2, LEVEL_1),
            source="篇四 D21（必须总结）；时限 default 10 个工作日",
            actor_role="unit_handler",
            label_zh="一、二级：总结报告，纳入案例库",
            label_en="Levels 1 and 2: written review into the case library",
        ),
    )
    escalation_steps = ("office", "leader", "party_branch")
    escalation_source = "篇四（第一责任人、分局党总支）"
    schedule = (
        daily_digest(
            ("office", "leader"),
            source="default（篇四 每日监测）",
            label_zh="三级舆情每日汇总",
            label_en="Daily digest of level-3 items",
        ),
    )
    #: 「因处置不当,导致发展态势进一步扩大」 → one level up (篇四).
    escalation_flags = ("mishandled_spread",)
    escalation_flags_source = "篇四「因处置不当,导致发展态势进一步扩大」"

    def classify(self, m, params):
        if m.media_level in ("central", "national_portal") or m.hotspot or m.nationwide_attention:
            return self.grade_by_code(LEVEL_1)
        if m.media_level in ("provincial", "city_major") or m.needs_gov_coordination:
            return self.grade_by_code(LEVEL_2)
        return self.grade_by_code(LEVEL_3)

    def approval_rules_for(self, params=None):
        approver = self._params(params)["tier1_release_approver"]
        first, *rest = self.approval_rules
        return (ApprovalRule(first.grades, first.kinds, (approver,), first.source), *rest)
