"""P8 ``urban-management``: an urban-management / comprehensive law-enforcement bureau.

Built from 篇六 (嘉祥县城市管理局; 篇九 is a near-duplicate). Its criteria are qualitative and
its time limits are redacted placeholders (「黄金xx小时法则」, 「x小时内上报」): every one is a
tenant parameter with the digest's §3.11 default. Its 「重大」 is the third of four grades —
not the top grade it is in 篇四.
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
from yuqing.policy.params import BaseParamsSchema, int_param
from yuqing.policy.rules import Role
from yuqing.policy.tables import (
    IMMEDIATE,
    DeadlineTable,
    ParamHours,
    ParamMinutes,
    for_grades,
)

# The default ladder's four grades and labels, with 篇六's own criteria.
GRADES = ladder_grades(
    general="论坛、微博、维权网站上的询问、质疑、诉求；未有主流媒体（电视、报刊）介入报道，"
    "评论量零星分布（篇六）。",
    significant="在不同网站出现且负面声音有所上升，发酵趋势明显（篇六）。",
    major="有主流媒体（电视、报刊等）介入报道；或涉及重点领域、重要节点、重要事件、重要人物且"
    "迅速发酵（篇六）。",
    extraordinary="突发事件引起的、严重影响社会稳定、扰乱社会秩序的舆情，在县xx办统筹下处置"
    "（篇六）。",
)
GENERAL, SIGNIFICANT, MAJOR, EXTRAORDINARY = (g.code for g in GRADES)


class UrbanManagementParams(BaseParamsSchema):
    report_up_s4_hours = int_param(
        1,
        label_zh="特别重大舆情上报时限（「务必x小时内上报」）",
        source="篇六 D24 占位符 x；default 1 小时",
        minimum=1,
        maximum=24,
        unit_zh="小时",
    )
    report_up_s4_prealert_minutes = int_param(
        30,
        label_zh="特别重大舆情电话预报时限",
        source="default 30 分钟（参照篇四 30 分钟/1 小时快报）",
        minimum=5,
        maximum=24 * 60,
        unit_zh="分钟",
    )
    report_up_s3_hours = int_param(
        2,
        label_zh="重大舆情上报时限（「务必x小时内上报」）",
        source="篇六 D25 占位符 x；default 2 小时",
        minimum=1,
        maximum=48,
        unit_zh="小时",
    )
    #: 「评论量也是零星分布」: the seed gives no number.
    sparse_comment_limit = int_param(
        100,
        label_zh="「评论量零星分布」的上限",
        source="篇六（未给出数值）；default 100",
        minimum=1,
        unit_zh="条",
    )


class UrbanManagementPolicy(PolicyPlugin):
    key = "urban-management"
    name_zh = "城市管理（综合执法）网络舆情处置实施方案"
    name_en = "Urban management"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于城市管理局、综合执法局：一般/较大/重大/特别重大四级（篇六），"
        "黄金 xx 小时内发声，特别重大 x 小时、重大 x 小时内上报，较大和一般酌情适时上报；"
        "网下治本、网上治标（双处置）。"
    )
    source = ("篇六", "篇九")
    ParamsSchema = UrbanManagementParams

    grades = GRADES
    roles = canonical_roles(
        monitor="舆情信息员（各执法大队）",
        office="局办公室（舆情管理员）",
        leader="领导小组组长（党组书记、局长）",
        spokesperson="新闻发言人",
        unit_handler="涉事主体负责人",
    ) + (
        Role("office_director", "办公室主任", "Office director"),
        Role("deputy_head", "副组长（分管副局长）", "Deputy head"),
    )
    categories = pick(
        "C1",
        "C3",
        "C7",
        "C8",
        C7="阶段性公布调查和解决实况：快报事实，原因待调查后公布，定期通报进展（篇六）。",
        C8="以单位名义公开澄清，并即刻函告县xx办依法处理，邀请主流媒体客观报道（篇六）；"
        "函告须有记录。",
    )
    approval_rules = (
        approve_statements((GENERAL,), ("unit_handler",), "default"),
        approve_statements((SIGNIFICANT,), ("office_director",), "default"),
        approve_statements(
            (MAJOR, EXTRAORDINARY), ("leader",), "default（特别重大在县xx办统筹下处置，篇六）"
        ),
    )
    deadline_tables = (
        report_table(GRADES, "篇六「第一时间」（默认 30 分钟）"),
        golden_window_table(
            GRADES,
            source="篇六 D22「黄金xx小时法则」（参数，默认 4 小时）",
            actor_role="unit_handler",
            label_zh="黄金时限内发出第一声音（跟帖回应）",
            label_en="First official voice within the golden window",
        ),
        notify_up_table(
            GRADES,
            {EXTRAORDINARY: ParamMinutes("report_up_s4_prealert_minutes")},
            source="default（§3.11 预报 0.5 小时）",
            actor_role="unit_handler",
            label_zh="电话预报党组、上级部门和县xx办",
            label_en="Phone pre-alert before the written report",
        ),
        notify_up_table(
            GRADES,
            {
                MAJOR: ParamHours("report_up_s3_hours"),
                EXTRAORDINARY: ParamHours("report_up_s4_hours"),
            },
            source="篇六 D24/D25「务必x小时内上报」（参数）；较大和一般「酌情适时」，列入每日汇总",
            actor_role="unit_handler",
            label_zh="上报党组、上级部门和县xx办",
            label_en="Report to the Party group, superiors and the county CAC",
        ),
        review_table(GRADES, (MAJOR, EXTRAORDINARY), source="default"),
        DeadlineTable(
            stage="dispatch",
            anchor="assessed_at",
            actor_role="office",
            label_zh="办公室研判后交涉事主体处置",
            label_en="Office dispatches to the involved subject",
            source="default（「立即」默认 15 分钟）",
            limits=for_grades(GRADES, default=IMMEDIATE),
        ),
    )
    escalation_steps = ("office", "deputy_head", "leader")
    escalation_source = "篇六（组长、副组长）"
    schedule = (
        daily_digest(
            ("office", "leader"),
            source="篇六 D26「酌情适时」→ default 每日 17:00 汇总",
            label_zh="较大、一般舆情每日汇总上报",
            label_en="Daily digest of significant and general items",
        ),
    )

    def classify(self, m, params):
        if m.sudden_event and m.severe_social_impact:
            return self.grade_by_code(EXTRAORDINARY)
        if m.traditional_media or (m.key_subject and m.negative_trend == "rising"):
            return self.grade_by_code(MAJOR)
        if (m.distinct_sites >= 2 and m.negative_trend == "rising") or m.comments >= params[
            "sparse_comment_limit"
        ]:
            return self.grade_by_code(SIGNIFICANT)
        return self.grade_by_code(GENERAL)
