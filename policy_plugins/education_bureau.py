"""P9 ``education-bureau``: a municipal or county education bureau overseeing schools.

Built from 19-E (市教育局: weekly brief, key-date duty, media conduct). The bureau's own schools
use ``school``. Grades are defaults; the seed only speaks of 「涉教重大网络舆情」 (= S3 and up).
"""

from __future__ import annotations

import dataclasses

from policy_plugins._common import (
    approve_statements,
    golden_window_table,
    ladder_grades,
    notify_up_table,
    pick,
    report_table,
    review_table,
)
from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.params import BaseParamsSchema, dates_param, text_param, when_param
from yuqing.policy.rules import Role, ScheduleRule
from yuqing.policy.tables import FIRST_TIME

GRADES = ladder_grades(
    general="default。",
    significant="default。",
    major="19-E「涉教重大网络舆情」；判定 default。",
    extraordinary="default。",
    major_zh="涉教重大网络舆情",
)
GENERAL, SIGNIFICANT, MAJOR, EXTRAORDINARY = (g.code for g in GRADES)


class EducationBureauParams(BaseParamsSchema):
    #: 「xx市教育动态简报」: the name is redacted in the seed.
    report_series_name = text_param(
        "教育动态简报",
        label_zh="每周简报名称（「xx市教育动态简报」）",
        source="19-E 占位符 xx",
    )
    #: 两会, 高考, 教师节, 国庆 have fixed-ish dates; 春节 and 寒暑假 move, so the tenant adds them.
    key_duty_dates = dates_param(
        ["03-05", "06-07", "09-10", "10-01"],
        label_zh="重要节点专项值守日期",
        source="19-E D55（两会、高考、教师节、国庆；春节、寒暑假由租户补充）",
    )
    assessment_when = when_param(
        "monthly@month_end",
        label_zh="定期研判周期",
        source="19-E「定期研判」；default 每月月底",
    )


class EducationBureauPolicy(PolicyPlugin):
    key = "education-bureau"
    name_zh = "教育局网络舆情工作方案"
    name_en = "Education bureau"
    version = "1.0.0"
    platform_compat = ">=0.1,<1"
    description_zh = (
        "适用于市、县教育局：涉教重大舆情第一时间报上级党组织；市级以上媒体采访请求第一时间报"
        "上级党委宣传部门；每周一报送上周动态简报；重要节点专项值守（19-E）。所属学校使用「学校」策略。"
    )
    source = ("19-E",)
    ParamsSchema = EducationBureauParams

    grades = GRADES
    roles = canonical_roles(
        monitor="信息宣传报送员",
        office="领导小组办公室",
        leader="领导小组组长",
        spokesperson="新闻发言人",
        unit_handler="涉事学校/旗县区教育局联络员",
    ) + (
        Role("info_center", "市教育信息中心", "Education information centre"),
        Role("party_secretary", "党组织书记（第一责任人）", "Party secretary"),
    )
    categories = pick(
        "C1",
        "C3",
        "C11",
        C11="市级以上媒体采访请求第一时间报上级党委宣传部门；善解、善待、善用媒体，"
        "绝不能横眉冷对、盲目阻止（19-E）。",
    )
    approval_rules = (
        approve_statements((GENERAL, SIGNIFICANT), ("office",), "default（局宣传部门审定）"),
        approve_statements((MAJOR, EXTRAORDINARY), ("office", "leader"), "default"),
    )
    deadline_tables = (
        report_table(GRADES, "19-E「第一时间」（默认 30 分钟）"),
        notify_up_table(
            GRADES,
            {MAJOR: FIRST_TIME, EXTRAORDINARY: FIRST_TIME},
            source="19-E D57「第一时间」（默认 30 分钟）",
            label_zh="报告上级党组织",
            label_en="Report to the higher Party organisation",
        ),
        golden_window_table(GRADES, source="default（黄金时限，默认 4 小时）"),
        review_table(GRADES, (MAJOR, EXTRAORDINARY), source="default"),
    )
    escalation_steps = ("office", "leader", "party_secretary")
    escalation_source = "19-E（党组织书记为第一责任人）"
    schedule = (
        ScheduleRule(
            key="weekly_brief",
            when="weekly@Mon",
            recipients=("info_center",),
            label_zh="上周简讯、要讯报送《{report_series_name}》",
            label_en="Previous week's news for the weekly brief",
            source="19-E D54「每周一」",
        ),
        ScheduleRule(
            key="key_date_duty",
            when="dates@{key_duty_dates}",
            recipients=("office", "leader"),
            label_zh="重要节点专项值守",
            label_en="Special duty on key dates",
            source="19-E D55",
        ),
        ScheduleRule(
            key="periodic_assessment",
            when="{assessment_when}",
            recipients=("leader",),
            label_zh="定期研判",
            label_en="Periodic assessment",
            source="19-E「定期研判」（参数，默认每月）",
        ),
    )

    def report_schedule(self, params=None):
        # The weekly brief carries the tenant's own series name (「xx市教育动态简报」).
        p = self._params(params)
        rules = super().report_schedule(p)
        return [
            dataclasses.replace(r, label_zh=r.label_zh.format(**p)) if "{" in r.label_zh else r
            for r in rules
        ]
