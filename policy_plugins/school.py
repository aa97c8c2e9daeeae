"""P3 ``school``: schools and colleges (digest §3 P3).

Built from 篇八 (信丰县金盆山学校: the only numeric grading in the seed), 篇十二 (5 h / 24 h /
5 working days) and 篇十七 (a college's reporting chain, categories and accountability).
"""

from __future__ import annotations

from policy_plugins._common import (
    approve_statements,
    exactly_5_sites_param,
    notify_up_table,
    pian8_grades,
    pian8_severity,
    pick,
    report_table,
    review_table,
)
from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.params import BaseParamsSchema, choice_param, when_param
from yuqing.policy.rules import ApprovalRule, Role, ScheduleRule
from yuqing.policy.tables import (
    IMMEDIATE,
    DeadlineTable,
    Limit,
    for_grades,
    hours,
)

GRADES = pian8_grades(
    general="工作建议、问题反映、咨询质询、个人利益诉求；浏览 1000 以下、评论 100 以下且无主流网站"
    "报道（篇八，按补集）。",
    extraordinary="浏览 3000 以上，或评论 500 以上，或被 5 家以上主流网站报道转发；或达到重大标准"
    "且涉及突发、公共、食品、卫生、自然灾害、生产质量、安全保密等方面（篇八）。",
)
GENERAL, MAJOR, EXTRAORDINARY = (g.code for g in GRADES)


class SchoolParams(BaseParamsSchema):
    #: 篇八's 「5家以下」 and 「5家以上」 both include five (digest §2j.2).
    exactly_5_sites_grade = exactly_5_sites_param()
    reply_approver = choice_param(
        "grade_leader",
        {"grade_leader": "抓级领导（篇十二）", "publicity_dept": "党委宣传部（篇十七）"},
        label_zh="一般舆情回复稿的审定人",
        source="篇十二（抓级领导审核回复内容）；篇十七（党委宣传部审定）",
    )
    circular_when = when_param(
        "daily@17:00",
        label_zh="《网络舆情通报》的频次",
        source="篇八（通报至消除为止，频次未给出）；default 每天",
    )


class SchoolPolicy(PolicyPlugin):
    key = "school"
    name_zh = "学校网络舆情应对机制"
    name_en = "School"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于中小学、幼儿园和院校：按浏览量、评论量和主流网站转发数分三级（篇八），"
        "5 小时首次回应、24 小时正式答复（篇十二），院系报送链和问责（篇十七）。"
    )
    source = ("篇八", "篇十二", "篇十七")
    ParamsSchema = SchoolParams

    grades = GRADES
    roles = canonical_roles(
        monitor="舆情监控工作人员",
        office="网络舆情办公室（政教处）",
        leader="领导小组组长（校长/书记）",
        spokesperson="新闻发言人",
        unit_handler="相关业务科室/年级组负责人",
    ) + (
        Role("grade_leader", "抓级领导", "Grade-level leader"),  # 篇十二 「各抓级领导」
        Role("publicity_dept", "党委宣传部", "Party publicity department"),  # 篇十七
        Role("press_team", "新闻发布组", "Press team"),  # 篇八 重大以上
        Role("party_branch", "学校党支部", "School Party branch"),  # 篇八
    )
    categories = pick(
        "C1",
        "C2",
        "C3",
        "C4",
        "C7",
        "C11",
        C1="抓级领导/年级组办理：5 小时内首次回应，24 小时内正式答复（篇十二）；回复稿经审定后统一答复，"
        "拿不准的问题报主要领导审定（篇十二）；杜绝应付式、程式化语言。",
        C7="复杂问题回复说明并承诺完成时间，不超过 5 个工作日（篇十二 D35）。",
    )
    action_roles = {
        # 篇十二: grade-level leaders answer the poster themselves (首问负责制).
        "publish_statement": ("spokesperson", "office", "unit_handler"),
    }
    approval_rules = (
        ApprovalRule((GENERAL,), ("holding_reply", "reply"), ("grade_leader",), "篇十二"),
        ApprovalRule((GENERAL,), ("press_release",), ("leader",), "default"),
        approve_statements(
            (MAJOR, EXTRAORDINARY),
            ("press_team",),
            "篇八（重大以上由新闻发布组、新闻发言人统一对外，县委宣传部指导）",
        ),
    )
    deadline_tables = (
        report_table(GRADES, "篇八 D07「第一时间」（默认 30 分钟）"),
        DeadlineTable(
            stage="holding_reply",
            anchor="discovered_at",
            actor_role="unit_handler",
            label_zh="发现帖文后首次回应（含休息日、节假日）",
            label_en="First response within 5 hours of discovery, rest days included",
            source="篇十二 D33「5小时内」",
            limits=for_grades(GRADES, default=hours(5)),
        ),
        DeadlineTable(
            stage="respond",
            anchor="posted_at",
            actor_role="unit_handler",
            label_zh="自网民发帖起正式答复（简单问题）",
            label_en="Formal answer within 24 hours of posting",
            source="篇十二 D34「24小时内」",
            limits=for_grades(GRADES, default=hours(24)),
        ),
        DeadlineTable(
            stage="dispatch",
            anchor="assessed_at",
            actor_role="office",
            label_zh="办公室研判后转相关业务科室",
            label_en="Office forwards the item to the business section",
            source="篇八 D28「2小时内」",
            limits={
                GENERAL: hours(2),
                MAJOR: Limit(IMMEDIATE, "default（篇八 重大以上「立即」启动，默认 15 分钟）"),
                EXTRAORDINARY: Limit(
                    IMMEDIATE, "default（篇八 重大以上「立即」启动，默认 15 分钟）"
                ),
            },
        ),
        DeadlineTable(
            stage="resolve",
            anchor="assessed_at",
            actor_role="unit_handler",
            label_zh="正面解释或解决问题，结果报学校党支部",
            label_en="Explain or solve the issue and report the result to the Party branch",
            source="篇八 D29「1天内」（按 24 小时）",
            limits={GENERAL: hours(24), MAJOR: None, EXTRAORDINARY: None},
        ),
        notify_up_table(
            GRADES,
            {MAJOR: IMMEDIATE, EXTRAORDINARY: IMMEDIATE},
            source="篇八 D30「立刻」「立即」（默认 15 分钟）",
            label_zh="立即报告镇党委，由镇党委报县舆情应对领导小组",
            label_en="Report at once to the township Party committee and the county group",
        ),
        review_table(
            GRADES,
            (MAJOR, EXTRAORDINARY),
            source="篇八（总结评估）；时限 default 10 个工作日",
            label_zh="重大以上舆情消除后总结评估，修订工作机制",
            label_en="Review after a major item subsides",
        ),
    )
    escalation_steps = ("office", "leader", "party_branch")
    escalation_source = "篇八（学校党支部、镇党委逐级）"
    schedule = (
        ScheduleRule(
            key="circular",
            when="{circular_when}",
            recipients=("leader", "party_branch"),
            label_zh="《网络舆情通报》（重大以上舆情，至消除为止）",
            label_en="Online-opinion circular for major items until resolved",
            source="篇八 D31（频次为参数）",
        ),
    )
    #: 「不能消除或还有扩大迹象」 → run the 重大 flow (篇八).
    escalation_flags = ("not_subsiding",)
    escalation_flags_source = "篇八「不能消除或还有扩大迹象」"

    def classify(self, m, params):
        five = "S4" if params["exactly_5_sites_grade"] == EXTRAORDINARY else "S3"
        return self.grade_for_severity(pian8_severity(m, five))

    def approval_rules_for(self, params=None):
        approver = self._params(params)["reply_approver"]
        first, *rest = self.approval_rules
        source = "篇十二" if approver == "grade_leader" else "篇十七"
        return (ApprovalRule(first.grades, first.kinds, (approver,), source), *rest)
