"""P10 ``discipline-inspection``: a discipline inspection / supervision commission (纪委监委).

Built from 篇十三 (漯河市纪委监察局: four colour levels and their routing, 24 h monitoring,
quarterly joint meeting), 篇十四 (speak before the investigation ends; the 2-hour heating
window) and 篇十六 (handling by veracity; four credibility variables). 「严重」 here is the
third of four grades; in 篇四 it is the middle of three.
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
from yuqing.policy.metrics import default_ladder_severity
from yuqing.policy.params import BaseParamsSchema, int_param
from yuqing.policy.rules import SEVERITIES, Grade, Role, ScheduleRule
from yuqing.policy.tables import FIRST_TIME, DeadlineTable, ParamHours, hours

GRADES = (
    Grade(
        "blue",
        "一般（蓝色预警）",
        "General (blue)",
        "S1",
        "关注度低、传播慢、范围小、无线下行动风险；由廉舆情网络信息办公室处置（篇十三）。",
    ),
    Grade(
        "yellow",
        "较重（黄色预警）",
        "Serious (yellow)",
        "S2",
        "关注度较高、传播速度中等、没有传统媒体介入；报分管常委（篇十三）。",
    ),
    Grade(
        "orange",
        "严重（橙色预警）",
        "Severe (orange)",
        "S3",
        "传统媒体开始关注、传播快、评论量大、可能引发线下行动；报纪委副书记、书记（篇十三）。",
    ),
    Grade(
        "red",
        "特别严重（红色预警）",
        "Very severe (red)",
        "S4",
        "全社会关注、线下行动一触即发；报市委（篇十三）。",
    ),
)
BLUE, YELLOW, ORANGE, RED = (g.code for g in GRADES)


class DisciplineParams(BaseParamsSchema):
    #: 篇十六: 「对象是否具体、线索是否详实、情节是否严重、后果是否值得关注」.
    credibility_threshold = int_param(
        3,
        label_zh="可信度变量成立几项时升一级",
        source="篇十六（四个变量）；阈值 default 3",
        minimum=1,
        maximum=4,
        unit_zh="项",
    )
    prepare_hours = int_param(
        2,
        label_zh="发现后完成研判、启动应对准备的时限",
        source="篇十四「在2小时内甚至更短」发酵；default 2 小时",
        minimum=1,
        maximum=24,
        unit_zh="小时",
    )
    reply_all_hours = int_param(
        24,
        label_zh="网民诉求全回复的时限",
        source="篇十三「网民诉求全回复」；default 24 小时（参照「不足24小时成功辟谣」）",
        minimum=1,
        maximum=240,
        unit_zh="小时",
    )


class DisciplineInspectionPolicy(PolicyPlugin):
    key = "discipline-inspection"
    name_zh = "纪检监察机关涉腐网络舆情处置"
    name_en = "Discipline inspection"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于纪委监委：蓝、黄、橙、红四色预警，按颜色分送办公室、分管常委、纪委副书记和书记、"
        "市委（篇十三）；调查未结束也应及时回应（篇十四）；按真实性分类处置（篇十六）。"
    )
    source = ("篇十三", "篇十四", "篇十六")
    ParamsSchema = DisciplineParams

    grades = GRADES
    roles = canonical_roles(
        monitor="网情搜集员",
        office="宣传部（廉舆情网络信息办公室）",
        leader="领导小组组长（分管副书记）",
        spokesperson="微博管理员/新闻发言人",
        unit_handler="承办部室负责人",
    ) + (
        Role("deputy_head", "副组长（分管常委）", "Deputy head (standing committee member)"),
        Role("commission_secretary", "纪委书记", "Commission secretary"),
        Role("city_committee", "市委", "Municipal Party committee"),
    )
    categories = pick(
        "C9",
        "C3",
        "C6",
        "C7",
        "C10",
        C10="涉法涉诉、信访类：主动私信网友，引导其通过信访、司法等途径解决（篇十三「疏」）。",
    )
    action_roles = {
        # 篇十三: red items are decided by the 市委; the colour routing names who may raise one.
        "escalate": ("office", "leader", "deputy_head", "commission_secretary"),
        "downgrade": ("leader", "commission_secretary"),
    }
    approval_rules = (
        approve_statements((BLUE, YELLOW), ("office",), "default"),
        approve_statements(
            (ORANGE,), ("commission_secretary",), "default（篇十三 橙色报纪委副书记、书记）"
        ),
        approve_statements(
            (RED,), ("commission_secretary", "city_committee"), "篇十三（红色报市委决定）"
        ),
    )
    deadline_tables = (
        report_table(GRADES, "篇十三（24 小时监测）；「第一时间」默认 30 分钟"),
        DeadlineTable(
            stage="assess",
            anchor="discovered_at",
            actor_role="office",
            label_zh="研判定色并启动应对准备",
            label_en="Assess and prepare the response",
            source="篇十四 D38（2 小时内发酵，参数）",
            limits={g.code: ParamHours("prepare_hours") for g in GRADES},
        ),
        notify_up_table(
            GRADES,
            {YELLOW: FIRST_TIME, ORANGE: FIRST_TIME, RED: FIRST_TIME},
            source="篇十三（分色报送）；时限「第一时间」默认 30 分钟",
            anchor="assessed_at",
            label_zh="按预警颜色报告：黄色报分管常委，橙色报纪委副书记、书记，红色报市委",
            label_en="Route by colour: yellow, orange and red go up",
        ),
        DeadlineTable(
            stage="holding_reply",
            anchor="discovered_at",
            actor_role="spokesperson",
            label_zh="调查未开始或未结束时也应及时发布官方回应",
            label_en="Official holding response before the investigation ends",
            source="篇十四（调查未结束也要回应）；default 4 小时",
            limits={g.code: hours(4) for g in GRADES},
        ),
        DeadlineTable(
            stage="respond",
            anchor="discovered_at",
            actor_role="unit_handler",
            label_zh="网民诉求全回复（督、疏、@）",
            label_en="Reply to every netizen demand",
            source="篇十三「网民诉求全回复」（参数，默认 24 小时）",
            limits={g.code: ParamHours("reply_all_hours") for g in GRADES},
        ),
        review_table(
            GRADES,
            (ORANGE, RED),
            source="default",
            label_zh="橙色以上舆情总结评估",
            label_en="Review after an orange or red item",
        ),
    )
    escalation_steps = ("office", "deputy_head", "commission_secretary")
    escalation_source = "篇十三（分色报送路线）"
    schedule = (
        ScheduleRule(
            key="joint_meeting",
            when="quarterly@quarter_end",
            recipients=("leader", "commission_secretary"),
            label_zh="涉腐舆情联席会议（纪委、宣传、信访、公安等）",
            label_en="Quarterly joint meeting",
            source="篇十三 D37「每季度」",
        ),
        daily_digest(("office",), source="default"),
    )

    def classify(self, m, params):
        severity = default_ladder_severity(m)
        # 篇十三 黄: 「没有传统媒体介入」 — traditional media means at least orange.
        if m.traditional_media and SEVERITIES.index(severity) < 3:
            severity = "S3"
        # 篇十六: a specific target, detailed leads, serious circumstances, notable
        # consequences — when enough of them hold, the item is one colour worse [default].
        if m.credibility_vars >= params["credibility_threshold"]:
            severity = SEVERITIES[min(SEVERITIES.index(severity) + 1, 4)]
        return self.grade_for_severity(severity)
