"""Sample incidents for the demo agencies, so a first visit shows work in every state.

Each story is driven through the same operations the web and the API use, by the member whose
role the tenant's plan gives that step; deadlines, timers and the audit chain follow as they
would in real use. A tenant that already has incidents is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from yuqing.accounts.actor import Actor
from yuqing.accounts.models import Membership, User
from yuqing.db_types import utcnow
from yuqing.extensions import db
from yuqing.incidents import operations as ops
from yuqing.incidents.models import Incident
from yuqing.signals.operations import ingest_signal
from yuqing.tenancy.models import Tenant, Unit
from yuqing.tenancy.scope import tenant_scope


@dataclass(frozen=True)
class Story:
    title: str
    content: str
    platform: str
    #: When the post was found. Stories that moved on were found minutes ago, so their steps
    #: were in time; the new post has waited two hours, so the demo shows a late report too.
    hours_ago: float
    metrics: dict
    #: How far the story has come: "detected", "reported", "assessed", "dispatched",
    #: "acknowledged" or "archived".
    progress: str


STORIES = (
    Story(
        "村道修了一半就停工，雨天泥泞学生上学难",
        "我们村通往学校的水泥路去年秋天开工，修了一半就停了，下雨天孩子们只能踩着泥走。"
        "问了几次都说在协调，希望有关部门给个说法和时间表。",
        "地方论坛",
        0.2,
        {"views": 860, "comments": 42, "reposts": 12},
        "acknowledged",
    ),
    Story(
        "有网友称食堂饭菜分量缩水、价格上涨",
        "网友发帖称食堂本学期饭菜分量明显减少，价格却上涨一元，附两张对比照片，评论区有家长附和。",
        "微博",
        0.15,
        {"views": 1500, "comments": 160, "reposts": 40},
        "assessed",
    ),
    Story(
        "夜间施工噪音扰民，投诉无人回应",
        "连续一周晚上十一点后还在施工，打热线说会转交，至今没有人回复。",
        "12345 留言板",
        0.1,
        {"views": 120, "comments": 8},
        "reported",
    ),
    Story(
        "网传“某路段塌方致多人受伤”视频系旧闻",
        "一段标注为本地的塌方视频被大量转发，经核实为外省三年前的旧视频，已发布澄清说明。",
        "短视频平台",
        0.2,
        {"views": 2600, "comments": 310, "reposts": 500},
        "archived",
    ),
    Story(
        "路灯坏了半个月没人修",
        "小区门口三盏路灯坏了半个月，晚上老人出门很不安全。",
        "微信群",
        2,
        {"views": 35, "comments": 3},
        "detected",
    ),
)

_ORDER = ("detected", "reported", "assessed", "dispatched", "acknowledged", "archived")


def _actors(tenant: Tenant) -> dict[str, Actor]:
    """The first member holding each role, as an actor."""
    actors: dict[str, Actor] = {}
    rows = db.session.execute(
        db.select(Membership, User).join(User, User.id == Membership.user_id).order_by(User.email)
    ).all()
    for membership, user in rows:
        for role in membership.roles:
            actors.setdefault(
                role,
                Actor(
                    tenant_id=tenant.id,
                    roles=frozenset(membership.roles),
                    user_id=user.id,
                    unit_id=membership.unit_id,
                    name=user.name,
                ),
            )
    return actors


def seed_demo_incidents(tenant: Tenant) -> int:
    """Create the sample stories in ``tenant`` unless it has incidents; answer how many."""
    with tenant_scope(tenant.id):
        if db.session.execute(db.select(Incident.id).limit(1)).first() is not None:
            return 0
        actors = _actors(tenant)
        handler = actors.get("unit_handler")
        handler_unit = (
            db.session.get(Unit, handler.unit_id) if handler and handler.unit_id else None
        )
        monitor, office = actors.get("monitor"), actors.get("office")
        if monitor is None or office is None or handler_unit is None:
            return 0
        plugin = ops.get_plugin(tenant.policy_key)
        category = plugin.categories[0].code
        now = utcnow()
        for number, story in enumerate(STORIES, start=1):
            seen = now - timedelta(hours=story.hours_ago)
            result = ingest_signal(
                actor=monitor,
                url=f"https://bbs.example.cn/{tenant.slug}/thread/{number}",
                platform=story.platform,
                title=story.title,
                content=story.content,
                posted_at=seen - timedelta(minutes=20),
                discovered_at=seen,
                metrics=story.metrics,
            )
            _advance(result.incident, story, actors, category, handler_unit)
        db.session.commit()
    return len(STORIES)


def _advance(incident, story: Story, actors: dict, category: str, unit: Unit) -> None:
    level = _ORDER.index(story.progress)
    steps = [
        ("reported", lambda: ops.report_incident(incident, actor=actors["monitor"])),
        (
            "assessed",
            lambda: ops.assess_incident(
                incident, actor=actors["office"], category=category, unit=unit.code
            ),
        ),
        (
            "assessed",
            lambda: ops.notify_up_incident(
                incident,
                actor=actors["office"],
                recipients="县网信办、镇党委主要领导",
                channel="电话",
            ),
        ),
        (
            "dispatched",
            lambda: ops.dispatch_incident(
                incident,
                actor=actors["office"],
                unit=unit.code,
                instructions="请于规定时限内核实情况并反馈。",
            ),
        ),
        ("acknowledged", lambda: ops.acknowledge_incident(incident, actor=actors["unit_handler"])),
    ]
    for state, step in steps:
        if _ORDER.index(state) <= level:
            step()
    if story.progress == "assessed":
        ops.create_statement(
            incident,
            actor=actors["office"],
            kind="holding_reply",
            text="您反映的情况已收到，我们已安排专人核实，将尽快公布核查结果。感谢您的监督。",
        )
    if story.progress == "archived":
        _close(incident, actors)


def _close(incident, actors: dict) -> None:
    handler, office = actors["unit_handler"], actors["office"]
    ops.verify_incident(
        incident, actor=handler, result="经核实，视频系外省三年前旧闻，与本地无关。"
    )
    ops.resolve_incident(
        incident, actor=handler, outcome="已发布澄清说明，并请平台对不实标注予以更正。"
    )
    ops.track_incident(incident, actor=office)
    closer = actors.get("leader") if ops.may(incident, "subside", actors.get("leader")) else office
    ops.subside_incident(incident, actor=closer)
    reviewer = next(
        (a for a in (office, actors.get("leader")) if a and ops.may(incident, "review", a)), office
    )
    ops.review_incident(
        incident,
        actor=reviewer,
        summary="旧闻被误标为本地事件，当日核实并澄清，2 小时内转发量明显回落。",
        lessons="对“本地突发”类视频先核来源与时间，再决定回应口径。",
    )
    ops.archive_incident(incident, actor=office)
