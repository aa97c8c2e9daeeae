"""Pieces several built-in plans share: the digest's categories (§2e), the grades of the default
numeric ladder, 篇八's numeric grading (used by the school and the company plans, since 篇八 was
itself copied from a company template), and the rules that recur from plan to plan — the intake
report, the golden-window reply, the upward report, the review, statement approval and the daily
digest.

Each factory takes what differs between plans (grade codes, limits, source, labels, actor) as
arguments, so a plugin still reads as its plan: one call per rule, with the rule's source.
"""

from __future__ import annotations

import dataclasses

from yuqing.policy.metrics import Metrics
from yuqing.policy.params import choice_param
from yuqing.policy.rules import STATEMENT_KINDS, ApprovalRule, Category, Grade, ScheduleRule
from yuqing.policy.tables import FIRST_TIME, GOLDEN_WINDOW, REVIEW_DUE, DeadlineTable, for_grades

#: Digest §2e; each plugin picks the categories its plan treats and may narrow the handling.
CATEGORIES = {
    "C1": Category(
        "C1",
        "询问、置疑、诉求类",
        "Inquiry, doubt or demand",
        "由职能科室办理并起草答复，经审定后统一答复：能当即回复的当即回复，发现当日内答复处理意见，"
        "办结之日内答复结果。",
        "篇一、篇十七",
    ),
    "C2": Category(
        "C2",
        "恶意传播或炒作类",
        "Malicious spread or hype",
        "公布事实真相和处置情况；事实公布后仍持续炒作且造成重大负面影响或严重损失的，"
        "商请执纪执法部门依纪依法查处。",
        "篇一、篇十七",
    ),
    "C3": Category(
        "C3",
        "捏造、歪曲、诽谤、煽动或涉嫌违法犯罪类",
        "Fabrication, defamation, incitement or suspected crime",
        "澄清事实，同时立即移交执纪执法部门；诽谤、造谣等涉嫌违法违规信息报请公安机关依法处置。",
        "篇一、篇六",
    ),
    "C4": Category(
        "C4",
        "对推动改革、发展、稳定工作有重要积极意义类",
        "Constructive suggestion",
        "积极采纳建议并按要求予以回复。",
        "篇一、篇十七",
    ),
    "C5": Category(
        "C5",
        "观点偏颇、失实或恶语中伤但影响不大类",
        "Biased or inaccurate, low impact",
        "通过正当途径公开辟谣，以跟帖等方式公开、署名地正面引导。",
        "篇二、篇五、篇十六",
    ),
    "C6": Category(
        "C6",
        "属实或有一定根据的批评类",
        "Valid criticism",
        "及时纠错、公开答复；网下整改并把处理结果及时在网上公布。",
        "篇二、篇五、篇十六、篇十八",
    ),
    "C7": Category(
        "C7",
        "需要时间调查核实类",
        "Needs time to investigate",
        "按照程序公布处置进程；一时不能处理的要说明原因，给出时间表。",
        "篇二、篇六、篇十六",
    ),
    "C8": Category(
        "C8",
        "不实贴文或虚假报道类",
        "False post or report",
        "以单位名义公开澄清，并向刊登的媒体或平台提出更正请求，请求须有记录。",
        "篇二、篇三、篇六",
    ),
    "C9": Category(
        "C9",
        "涉腐涉纪类",
        "Corruption or discipline report",
        "统一报送纪委处置；引导网友通过信访、司法等途径反映；查实后公布结论，失实的为被反映人澄清。",
        "篇十三、篇十四、篇十六",
    ),
    "C10": Category(
        "C10",
        "涉法涉诉等敏感类",
        "Litigation-related and other sensitive topics",
        "慎重稳妥把握，不炒作不渲染；对未经审判确定的事实不随意定性。",
        "篇五、篇七",
    ),
    "C11": Category(
        "C11",
        "媒体采访请求",
        "Media interview request",
        "只由新闻发布组或新闻发言人统一对外；未经单位同意任何部门和个人不得接受采访。",
        "篇八、篇十七",
    ),
    "C12": Category(
        "C12",
        "领导留言板留言",
        "Leaders' message board",
        "收集整理后按留言对象分送：书记留言板送市委督办室，省长/市长留言板送市政府督办室，"
        "并报送对应的市领导。",
        "篇四",
    ),
}


def pick(*codes: str, **handling: str) -> tuple[Category, ...]:
    """Categories by code; ``handling`` replaces the handling text where the plan is specific."""
    picked = []
    for code in codes:
        category = CATEGORIES[code]
        if code in handling:
            category = dataclasses.replace(category, handling_zh=handling[code])
        picked.append(category)
    return tuple(picked)


# --- grades ----------------------------------------------------------------------------------


def ladder_grades(
    general: str, significant: str, major: str, extraordinary: str, *, major_zh: str = "重大"
) -> tuple[Grade, ...]:
    """The four grades of the default numeric ladder: 一般/较大/重大/特别重大 on S1–S4.

    The arguments are the plan's own description of each grade (its source or criteria);
    ``major_zh`` renames 重大 where the plan has its own word for it.
    """
    return (
        Grade("general", "一般", "General", "S1", general),
        Grade("significant", "较大", "Significant", "S2", significant),
        Grade("major", major_zh, "Major", "S3", major),
        Grade("extraordinary", "特别重大", "Extraordinary", "S4", extraordinary),
    )


# --- 篇八's numeric grading -----------------------------------------------------------------

#: 「…有可能演变为突发、公共、食品、卫生、自然灾害、生产质量、安全保密等方面…」 (篇八 特别重大).
PIAN8_TOPICS = frozenset({"突发", "公共", "食品", "卫生", "自然灾害", "生产质量", "安全保密"})


def pian8_grades(general: str, extraordinary: str) -> tuple[Grade, ...]:
    """篇八's three grades: 一般关注/重大/特别重大 on S1/S3/S4.

    重大's criteria are 篇八's numbers in every plan built from it; ``general`` and
    ``extraordinary`` are the plan's own wording of the other two grades.
    """
    return (
        Grade("general", "一般关注", "General attention", "S1", general),
        # 「重大」 here is the middle of three grades; in 篇四 the same word is the top grade.
        Grade(
            "major",
            "重大",
            "Major",
            "S3",
            "浏览 1000–2999，或评论 100–499，或被 5 家以下主流网站报道转发（篇八）。",
        ),
        Grade("extraordinary", "特别重大", "Extraordinary", "S4", extraordinary),
    )


def pian8_severity(m: Metrics, exactly_5_sites: str) -> str:
    """S4/S3/S1 by 篇八's thresholds; ``exactly_5_sites`` ("S3"/"S4") settles the overlap.

    篇八 says 重大 is 「5家以下」 mainstream sites and 特别重大 「5家以上」; in Chinese usage both
    include 5, so exactly five sites falls in both grades and a tenant parameter decides.
    """
    five = m.mainstream_sites == 5
    if m.views >= 3000 or m.comments >= 500 or m.mainstream_sites > 5:
        return "S4"
    if five and exactly_5_sites == "S4":
        return "S4"
    s3 = (
        1000 <= m.views <= 2999
        or 100 <= m.comments <= 499
        or 1 <= m.mainstream_sites <= 4
        or five  # exactly_5_sites == "S3"
    )
    if s3:
        # The topic list of 特别重大 lifts a post that already meets 重大 numbers [default
        # reading: the seed lists the topics alongside the numbers without saying "and"].
        return "S4" if m.topics & PIAN8_TOPICS else "S3"
    return "S1"


def exactly_5_sites_param():
    """The tenant's reading of exactly five mainstream sites (see :func:`pian8_severity`)."""
    return choice_param(
        "extraordinary",
        {"extraordinary": "特别重大", "major": "重大"},
        label_zh="恰好 5 家主流网站报道时的等级",
        source="篇八（「5家以下」与「5家以上」在 5 家处重叠）；default 特别重大",
    )


# --- rules that recur from plan to plan -----------------------------------------------------


def _limits_at(grades, limits: dict) -> dict:
    """``limits`` (grade code → limit) completed with ``None`` for every other grade, in the
    plan's grade order, so the table still names every grade."""
    codes = [g.code for g in grades]
    unknown = sorted(set(limits) - set(codes))
    if unknown:
        raise ValueError(f"not grades of this plan: {unknown}")
    return {code: limits.get(code) for code in codes}


def report_table(grades, source: str, label_zh: str = "发现舆情后报送办公室") -> DeadlineTable:
    """「第一时间」 intake report, monitor → office, from discovery (digest D07)."""
    return DeadlineTable(
        stage="report",
        anchor="discovered_at",
        actor_role="monitor",
        label_zh=label_zh,
        label_en="Monitor reports the item to the office",
        source=source,
        limits=for_grades(grades, default=FIRST_TIME),
    )


def golden_window_table(
    grades,
    *,
    source: str,
    actor_role: str = "spokesperson",
    label_zh: str = "首次回应",
    label_en: str = "First response",
) -> DeadlineTable:
    """First response (holding reply) within the golden window, from discovery, at every grade."""
    return DeadlineTable(
        stage="holding_reply",
        anchor="discovered_at",
        actor_role=actor_role,
        label_zh=label_zh,
        label_en=label_en,
        source=source,
        limits=for_grades(grades, default=GOLDEN_WINDOW),
    )


def notify_up_table(
    grades,
    limits: dict,
    *,
    source: str,
    label_zh: str,
    label_en: str,
    actor_role: str = "office",
    anchor: str = "discovered_at",
) -> DeadlineTable:
    """Upward report (上报): ``limits`` names the grades that must be reported, and by when;
    the other grades have no limit."""
    return DeadlineTable(
        stage="notify_up",
        anchor=anchor,
        actor_role=actor_role,
        label_zh=label_zh,
        label_en=label_en,
        source=source,
        limits=_limits_at(grades, limits),
    )


def review_table(
    grades,
    reviewed: tuple[str, ...],
    *,
    source: str,
    actor_role: str = "office",
    label_zh: str = "重大以上舆情总结评估",
    label_en: str = "Review after a major item",
) -> DeadlineTable:
    """Written review (总结评估) within ``REVIEW_DUE`` working days after the item subsides, for
    the ``reviewed`` grade codes; the other grades have no review deadline."""
    return DeadlineTable(
        stage="review",
        anchor="subsided_at",
        actor_role=actor_role,
        label_zh=label_zh,
        label_en=label_en,
        source=source,
        limits=_limits_at(grades, dict.fromkeys(reviewed, REVIEW_DUE)),
    )


def approve_statements(
    grades: tuple[str, ...], approvers: tuple[str, ...], source: str
) -> ApprovalRule:
    """Every kind of statement (holding reply, reply, press release) at ``grades`` needs the
    approval of every role in ``approvers``."""
    return ApprovalRule(grades, STATEMENT_KINDS, approvers, source)


def daily_digest(
    recipients: tuple[str, ...],
    *,
    source: str,
    label_zh: str = "每日舆情汇总",
    label_en: str = "Daily digest",
) -> ScheduleRule:
    """The daily digest at the tenant's ``digest_time``."""
    return ScheduleRule(
        key="daily_digest",
        when="daily@{digest_time}",
        recipients=recipients,
        label_zh=label_zh,
        label_en=label_en,
        source=source,
    )
