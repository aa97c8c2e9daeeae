"""P2 ``township``: township, town or street office (镇, 乡, 街道).

Built from 篇二 (安平镇: roles, the 舆情联系单 and 半天 verification), 篇五 / 19-F (the same
template with petitions, 24 h duty and the 17:00 daily report; verification 一天), 篇十八
(依汶: three grades and the 10-minute rule) and 篇二十 (archiving, post-handling report).
"""

from __future__ import annotations

from policy_plugins._common import notify_up_table, pick, report_table
from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.params import BaseParamsSchema, choice_param, int_param, when_param
from yuqing.policy.rules import ApprovalRule, Grade, Role, ScheduleRule
from yuqing.policy.tables import (
    IMMEDIATE,
    DeadlineTable,
    Limit,
    ParamHours,
    ParamWorkingDays,
    for_grades,
    minutes,
)

GRADES = (
    Grade("general", "一般网络舆情", "General", "S1", "影响不是很大的舆情（篇二、篇十八）。"),
    Grade(
        "important",
        "重要网络舆情",
        "Important",
        "S3",
        "篇十八的中间等级；判定标准 default：默认数值阶梯的较大、重大档（S2–S3）。",
    ),
    Grade(
        "critical",
        "重特大负面舆情",
        "Critical negative",
        "S4",
        "涉及社会稳定、用地拆迁的舆情（篇十八），或达到默认数值阶梯的特别重大档。",
    ),
)
GENERAL, IMPORTANT, CRITICAL = (g.code for g in GRADES)

#: 篇十八: 「涉及社会稳定、用地拆迁等重特大负面舆情」.
CRITICAL_TOPICS = frozenset({"社会稳定", "用地拆迁"})


class TownshipParams(BaseParamsSchema):
    #: 篇二 「半天内」; 篇五 / 19-F changed it to 「一天内」.
    verify_return_hours = int_param(
        4,
        label_zh="收到舆情联系单后反馈核实结果的时限（「半天」）",
        source="篇二 D09「半天内」，default 4 小时；篇五 D10 为「一天内」（可设为 24）",
        minimum=1,
        maximum=72,
        unit_zh="小时",
    )
    initial_response_hours = int_param(
        4,
        label_zh="迅速初步回应、告知已开展核实的时限",
        source="篇十八 D47「迅速」；default 4 小时（黄金时限）",
        minimum=1,
        maximum=48,
        unit_zh="小时",
    )
    #: 篇二: 「报领导小组办公室主任审定」; 篇五: 「报领导小组组长审定」.
    statement_approver = choice_param(
        "office_director",
        {"office_director": "领导小组办公室主任（篇二）", "leader": "领导小组组长（篇五）"},
        label_zh="对外处理情况说明的审定人",
        source="篇二（办公室主任审定）；篇五（组长审定）",
    )
    post_handling_working_days = int_param(
        3,
        label_zh="处置结束后总结上报的时限（「及时」）",
        source="篇二十 D61「及时」；default 3 个工作日",
        minimum=1,
        maximum=30,
        unit_zh="个工作日",
    )
    archive_when = when_param(
        "monthly@month_end",
        label_zh="舆情件、回复材料和媒体报道的归档周期（「定期」）",
        source="篇二十 D62「定期归档」；default 每月月底",
    )


class TownshipPolicy(PolicyPlugin):
    key = "township"
    name_zh = "乡镇（街道）网络舆情处置工作方案"
    name_en = "Township"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于乡镇、街道：信息员第一时间报送，办公室立即发出舆情联系单，涉事村（办、所）"
        "半天内反馈核实结果（篇二）；重特大舆情 10 分钟内通报（篇十八）；每天 17:00 汇总（篇五）。"
    )
    source = ("篇二", "篇五", "篇十八", "篇二十")
    ParamsSchema = TownshipParams

    grades = GRADES
    roles = canonical_roles(
        monitor="网络舆情信息员",
        office="镇宣传办（领导小组办公室）",
        leader="领导小组组长（镇党委书记）",
        spokesperson="网络新闻发言人（宣传委员）",
        unit_handler="涉事村（办、所）负责人/联络员",
    ) + (
        Role("office_director", "领导小组办公室主任", "Office director"),  # 篇二
        # 「重大事件按照要求报上级有关部门审定」 (篇二).
        Role("upper_authority", "上级有关部门（县委宣传部/县网信办）", "County authority"),
    )
    categories = pick(
        "C1",
        "C3",
        "C5",
        "C6",
        "C7",
        "C10",
        C3="恶意攻击、散布谣言、严重影响本地形象的有害信息，报县委宣传部、政法委、公安局依法处置"
        "（篇二、篇五）。",
        C10="涉藏、涉法、涉诉等敏感问题慎重稳妥把握，不炒作不渲染（篇五）；"
        "回应前报组长审定（default）。",
    )
    approval_rules = (
        ApprovalRule(
            (GENERAL, IMPORTANT, CRITICAL),
            ("holding_reply",),
            ("office_director",),
            "篇二（对外处理情况说明报办公室主任审定）",
        ),
        ApprovalRule(
            (GENERAL,),
            ("reply", "press_release"),
            ("office_director",),
            "篇二（对外处理情况说明报办公室主任审定）",
        ),
        ApprovalRule(
            (IMPORTANT, CRITICAL),
            ("reply", "press_release"),
            ("upper_authority",),
            "篇二「重大事件按照要求报上级有关部门审定」",
        ),
    )
    deadline_tables = (
        report_table(
            GRADES,
            "篇二、篇五 D07「第一时间」（默认 30 分钟）",
            "信息员报送办公室（网络名、舆情和网友留言大概内容）",
        ),
        DeadlineTable(
            stage="dispatch",
            anchor="assessed_at",
            actor_role="office",
            label_zh="办公室立即向涉事村（办、所）发出舆情联系单",
            label_en="Office sends the dispatch slip at once",
            source="篇二、篇五 D08「立即」（默认 15 分钟）",
            limits=for_grades(GRADES, default=IMMEDIATE),
        ),
        DeadlineTable(
            stage="verify",
            anchor="slip_received_at",
            actor_role="unit_handler",
            label_zh="收到舆情联系单后反馈情况核实结果及基本材料",
            label_en="Return the verification result after receiving the slip",
            source="篇二 D09「半天内」（参数，默认 4 小时）",
            limits=for_grades(GRADES, default=ParamHours("verify_return_hours")),
        ),
        notify_up_table(
            GRADES,
            {
                IMPORTANT: Limit(IMMEDIATE, "篇十八 D46「立即」（默认 15 分钟）"),
                CRITICAL: minutes(10),
            },
            source="篇十八 D45「10分钟内」（重特大）",
            label_zh="通报责任单位并报县网信办",
            label_en="Notify the responsible unit and the county CAC",
        ),
        DeadlineTable(
            stage="holding_reply",
            anchor="discovered_at",
            actor_role="unit_handler",
            label_zh="迅速初步回应，告知已开展核实",
            label_en="Initial response: verification has started",
            source="篇十八 D47「迅速」（参数，默认 4 小时）",
            limits=for_grades(GRADES, default=ParamHours("initial_response_hours")),
        ),
        DeadlineTable(
            stage="review",
            anchor="closed_at",
            actor_role="office",
            label_zh="处置结束后及时总结并上报",
            label_en="Summary and report after handling",
            source="篇二十 D61「及时」（参数，默认 3 个工作日）",
            limits=for_grades(GRADES, default=ParamWorkingDays("post_handling_working_days")),
        ),
    )
    escalation_steps = ("office", "office_director", "leader")
    escalation_source = "篇二（办公室、办公室主任、组长）"
    schedule = (
        ScheduleRule(
            key="daily_digest",
            when="daily@{digest_time}",
            recipients=("office",),
            label_zh="当天舆情汇总（标题+链接地址）",
            label_en="Daily digest of the day's items (title + link)",
            source="篇五 D12「每天下午17时」",
            item_format="title_link",
        ),
        ScheduleRule(
            key="archive",
            when="{archive_when}",
            recipients=("office",),
            label_zh="舆情件、回复材料和媒体相关报道归档",
            label_en="Archive items, replies and media coverage",
            source="篇二十 D62「定期」（参数，默认每月）",
        ),
    )

    def classify(self, m, params):
        if m.topics & CRITICAL_TOPICS:
            return self.grade_by_code(CRITICAL)
        # The two upper grades follow the default ladder; S2 rounds up to 重要.
        return super().classify(m, params)

    def approval_rules_for(self, params=None):
        approver = self._params(params)["statement_approver"]
        if approver == "office_director":
            return self.approval_rules
        source = "篇五（报领导小组组长审定）"
        return tuple(
            ApprovalRule(r.grades, r.kinds, (approver,), source)
            if r.approver_roles == ("office_director",)
            else r
            for r in self.approval_rules
        )
