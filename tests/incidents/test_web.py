"""The incident pages through the Flask test client: forms, CSRF, refusals and isolation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token_from, login
from tests.factories import PASSWORD
from yuqing.accounts.actor import Actor
from yuqing.audit.models import AuditEvent
from yuqing.extensions import db
from yuqing.incidents.models import Incident
from yuqing.incidents.operations import (
    approve_statement,
    create_statement,
    get_incident,
    perform_action,
    post_metrics,
    publish_statement,
)
from yuqing.tenancy.scope import tenant_scope

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def town(make):
    """A township tenant with one village and a person for each role of the walk."""
    tenant = make.tenant("anping", name="安平镇人民政府")
    village = make.unit(tenant, "longshi", "龙市村")
    other = make.unit(tenant, "xiashi", "下市村")
    people = {
        "monitor": make.user(
            tenant, email="monitor@anping.demo", roles=["monitor"], name="王信息员"
        ),
        "office": make.user(tenant, email="office@anping.demo", roles=["office"], name="陈主任"),
        "handler": make.user(
            tenant, email="handler@anping.demo", roles=["unit_handler"], unit=village, name="李村长"
        ),
        "other_handler": make.user(
            tenant, email="other@anping.demo", roles=["unit_handler"], unit=other, name="赵村长"
        ),
    }
    return tenant, village, people


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.email, PASSWORD).status_code == 302
    return client


def post_form(client, page_url: str, action_url: str, data: dict):
    """Post a form the way a browser does: with the CSRF token of the page it sits on."""
    token = csrf_token_from(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={**data, "csrf_token": token})


def incident_state(tenant, incident_id: int) -> str:
    with tenant_scope(tenant.id):
        state = get_incident(incident_id).state
        db.session.rollback()
    return state


def walk(tenant, incident_id: int, *actions: tuple[str, dict], unit=None) -> None:
    """Move an incident on through the operations, as every role at once."""
    actor = Actor(
        tenant_id=tenant.id,
        roles=frozenset({"office", "leader", "unit_handler"}),
        unit_id=unit.id if unit else None,
        name="测试",
    )
    with tenant_scope(tenant.id):
        incident = get_incident(incident_id)
        for action, body in actions:
            perform_action(incident, action, actor=actor, body=body)
        db.session.commit()


REPORT = {
    "url": "https://weibo.example.cn/status/4711?utm_source=share",
    "platform": "微博",
    "title": "龙市村道路积水无人管",
    "content": "中心街道一下雨就积水，学生只能趟水上学。",
    "author": "安仁网友甲",
    "posted_at": "2026-05-01T08:30",
    "views": "1200",
    "comments": "35",
    "media_level": "none",
    "report_now": "y",
}


def test_monitor_reports_a_post_by_hand(app, town):
    tenant, _, people = town
    monitor = client_for(app, people["monitor"])
    page = monitor.get("/t/anping/incidents/new")
    assert page.status_code == 200
    assert "报送舆情" in page.get_data(as_text=True)
    response = post_form(monitor, "/t/anping/incidents/new", "/t/anping/incidents/new", REPORT)
    assert response.status_code == 302
    incident_id = int(re.search(r"/incidents/(\d+)$", response.headers["Location"]).group(1))
    html = monitor.get(response.headers["Location"]).get_data(as_text=True)
    assert "已登记为新的舆情事件" in html
    assert "龙市村道路积水无人管" in html
    # 「立即报送」 was ticked: the office has it now.
    assert incident_state(tenant, incident_id) == "reported"
    # The same post again updates its metrics instead of opening a second incident.
    again = post_form(
        monitor, "/t/anping/incidents/new", "/t/anping/incidents/new", {**REPORT, "views": "5000"}
    )
    assert again.headers["Location"].endswith(f"/incidents/{incident_id}")
    with tenant_scope(tenant.id):
        assert db.session.execute(sa.select(sa.func.count(Incident.id))).scalar_one() == 1
        db.session.rollback()


def test_a_missing_title_keeps_everything_else(app, town):
    _, _, people = town
    monitor = client_for(app, people["monitor"])
    response = post_form(
        monitor,
        "/t/anping/incidents/new",
        "/t/anping/incidents/new",
        {**REPORT, "title": "", "views": "-3"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请填写标题。" in html
    assert "不能为负数。" in html
    for kept in (
        REPORT["url"],
        REPORT["platform"],
        REPORT["content"],
        REPORT["author"],
        REPORT["posted_at"],
        'value="35"',
    ):
        assert kept.replace("&", "&amp;") in html


def test_report_form_is_for_the_roles_that_create(app, town):
    _, _, people = town
    handler = client_for(app, people["handler"])
    assert handler.get("/t/anping/incidents/new").status_code == 403
    # The nav only offers it to monitors and the office.
    assert "报送舆情" not in handler.get("/t/anping/incidents").get_data(as_text=True)


def test_office_assesses_and_dispatches_on_the_page(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(tenant, title="中心街道积水", state="reported")
    office = client_for(app, people["office"])
    page_url = f"/t/anping/incidents/{incident_id}"
    html = office.get(page_url).get_data(as_text=True)
    assert "研判定级" in html and 'name="category"' in html and "龙市村" in html
    response = post_form(
        office,
        page_url,
        f"{page_url}/actions/assess",
        {"category": "C1", "unit": "longshi", "summary": "群众反映排水问题"},
    )
    assert response.status_code == 302
    assert incident_state(tenant, incident_id) == "assessed"
    response = post_form(
        office,
        page_url,
        f"{page_url}/actions/dispatch",
        {"unit": "longshi", "instructions": "请半天内核实反馈"},
    )
    assert response.status_code == 302
    html = office.get(page_url).get_data(as_text=True)
    assert "已完成「交办」" in html
    assert "待签收" in html and "请半天内核实反馈" in html
    assert incident_state(tenant, incident_id) == "dispatched"


def test_invalid_action_input_is_shown_in_chinese_and_kept(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(tenant, state="reported")
    office = client_for(app, people["office"])
    page_url = f"/t/anping/incidents/{incident_id}"
    response = post_form(
        office,
        page_url,
        f"{page_url}/actions/assess",
        {"category": "", "summary": "先记下的研判意见"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "舆情分类：此字段为必填项。" in html
    assert "先记下的研判意见" in html
    assert incident_state(tenant, incident_id) == "reported"


def test_wrong_state_names_the_state_and_what_is_possible(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(tenant, state="reported")
    office = client_for(app, people["office"])
    page_url = f"/t/anping/incidents/{incident_id}"
    response = post_form(office, page_url, f"{page_url}/actions/dispatch", {"unit": "longshi"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "事件当前处于「已报送」状态" in html
    assert "当前状态下可执行的操作：研判定级" in html


def test_a_role_that_may_not_act_gets_403(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(tenant, state="reported")
    monitor = client_for(app, people["monitor"])
    page_url = f"/t/anping/incidents/{incident_id}"
    assert f'action="{page_url}/actions/assess"' not in monitor.get(page_url).get_data(as_text=True)
    response = post_form(monitor, page_url, f"{page_url}/actions/assess", {"category": "C1"})
    assert response.status_code == 403
    assert "您的角色无权执行「研判定级」" in response.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(tenant, state="reported")
    office = client_for(app, people["office"])
    response = office.post(
        f"/t/anping/incidents/{incident_id}/actions/assess", data={"category": "C1"}
    )
    assert response.status_code == 400
    assert incident_state(tenant, incident_id) == "reported"


def test_unit_handler_acknowledges_and_answers_the_slip(app, make, town):
    tenant, village, people = town
    incident_id = make.incident(tenant, state="assessed", title="龙市村排水沟堵塞")
    walk(tenant, incident_id, ("dispatch", {"unit": "longshi"}))
    page_url = f"/t/anping/incidents/{incident_id}"
    # A handler of another village does not see the item — not on the page, not in the list,
    # not among the deadlines on their home page — and cannot act on it by its URL.
    other = client_for(app, people["other_handler"])
    assert other.get(page_url).status_code == 404
    assert "龙市村排水沟堵塞" not in other.get("/t/anping/").get_data(as_text=True)
    assert "龙市村排水沟堵塞" in client_for(app, people["handler"]).get("/t/anping/").get_data(
        as_text=True
    )
    assert f"/incidents/{incident_id}" not in other.get("/t/anping/incidents").get_data(
        as_text=True
    )
    with tenant_scope(tenant.id):
        slip_id = get_incident(incident_id).latest_slip.id
        db.session.rollback()
    response = post_form(
        other, "/t/anping/incidents", f"{page_url}/slips/{slip_id}/acknowledge", {}
    )
    assert response.status_code == 404

    handler = client_for(app, people["handler"])
    assert "签收联系单" in handler.get(page_url).get_data(as_text=True)
    response = post_form(handler, page_url, f"{page_url}/slips/{slip_id}/acknowledge", {})
    assert response.status_code == 302
    assert incident_state(tenant, incident_id) == "verifying"
    html = handler.get(page_url).get_data(as_text=True)
    assert "联系单已签收" in html and "李村长" in html
    response = post_form(
        handler,
        page_url,
        f"{page_url}/slips/{slip_id}/answer",
        {"result": "排水沟确被堵塞，已安排疏通。"},
    )
    assert response.status_code == 302
    assert incident_state(tenant, incident_id) == "verified"
    assert "排水沟确被堵塞" in handler.get(page_url).get_data(as_text=True)


def test_publishing_without_approval_is_refused_and_recorded(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(tenant, state="assessed")
    office = client_for(app, people["office"])
    page_url = f"/t/anping/incidents/{incident_id}"
    response = post_form(
        office,
        page_url,
        f"{page_url}/statements",
        {"kind": "holding_reply", "text": "我镇已关注到网民反映的情况，正在核实。"},
    )
    assert response.status_code == 302
    html = office.get(page_url).get_data(as_text=True)
    assert "正在核实" in html and "尚缺" in html
    statement_id = int(re.search(r"/statements/(\d+)/publish", html).group(1))
    response = post_form(office, page_url, f"{page_url}/statements/{statement_id}/publish", {})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "未经批准不得对外发布" in html
    with tenant_scope(tenant.id):
        kinds = db.session.execute(sa.select(AuditEvent.kind)).scalars().all()
        db.session.rollback()
    assert "statement.publish_refused" in kinds


def test_statement_versions_show_a_diff(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(tenant, state="assessed")
    with tenant_scope(tenant.id):
        actor = Actor(tenant_id=tenant.id, roles=frozenset({"office"}), name="陈主任")
        statement = create_statement(
            get_incident(incident_id), actor=actor, kind="reply", text="第一稿：正在核实。"
        )
        db.session.commit()
        statement_id = statement.id
    office = client_for(app, people["office"])
    page_url = f"/t/anping/incidents/{incident_id}"
    response = post_form(
        office,
        page_url,
        f"{page_url}/statements/{statement_id}/versions",
        {"text": "第二稿：已核实，明日完成疏通。"},
    )
    assert response.status_code == 302
    html = office.get(page_url).get_data(as_text=True)
    assert "第 2 版" in html
    assert '<span class="del">-第一稿：正在核实。</span>' in html
    assert '<span class="add">+第二稿：已核实，明日完成疏通。</span>' in html


def test_untrusted_content_is_shown_as_text(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(
        tenant, title=f"标题{HOSTILE}", content=f"内容{HOSTILE}", state="reported"
    )
    office = client_for(app, people["office"])
    html = office.get(f"/t/anping/incidents/{incident_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=" in html
    # The post's own link is an http(s) URL and leaks nothing to the site it points at.
    assert re.search(
        r'<a href="https://bbs\.example\.cn/thread/\d+" '
        r'rel="noopener noreferrer nofollow"',
        html,
    )
    listing = office.get("/t/anping/incidents").get_data(as_text=True)
    assert "<script>alert(1)" not in listing


def test_netizen_handles_only_for_roles_that_need_them(app, town):
    _, _, people = town
    monitor = client_for(app, people["monitor"])
    response = post_form(monitor, "/t/anping/incidents/new", "/t/anping/incidents/new", REPORT)
    page_url = response.headers["Location"]
    assert "安仁网友甲" not in monitor.get(page_url).get_data(as_text=True)
    office = client_for(app, people["office"])
    assert "安仁网友甲" in office.get(page_url).get_data(as_text=True)


def test_list_filters_sorting_and_pages(app, make, town):
    tenant, _, people = town
    make.incident(tenant, title="道路积水", state="reported")
    make.incident(tenant, title="食堂卫生", content="学校食堂饭菜里发现头发，家长担心食品安全。")
    office = client_for(app, people["office"])
    html = office.get("/t/anping/incidents?state=reported").get_data(as_text=True)
    assert "道路积水" in html and "食堂卫生" not in html
    html = office.get("/t/anping/incidents?q=食堂").get_data(as_text=True)
    assert "食堂卫生" in html and "道路积水" not in html
    newest_first = office.get("/t/anping/incidents").get_data(as_text=True)
    assert newest_first.index("食堂卫生") < newest_first.index("道路积水")
    oldest_first = office.get("/t/anping/incidents?sort=discovered_asc").get_data(as_text=True)
    assert oldest_first.index("道路积水") < oldest_first.index("食堂卫生")
    first = office.get("/t/anping/incidents?per_page=1").get_data(as_text=True)
    assert "第 1 / 2 页" in first and "食堂卫生" in first and "道路积水" not in first
    html = office.get("/t/anping/incidents?state=bogus").get_data(as_text=True)
    assert "筛选条件无效" in html and "道路积水" in html


def test_metrics_chart_is_inline_svg(app, make, town):
    tenant, _, people = town
    incident_id = make.incident(tenant, state="reported", metrics={"views": 100, "comments": 4})
    with tenant_scope(tenant.id):
        actor = Actor(tenant_id=tenant.id, roles=frozenset({"office"}), name="陈主任")
        post_metrics(get_incident(incident_id), actor=actor, metrics={"views": 900, "comments": 40})
        db.session.commit()
    office = client_for(app, people["office"])
    page = office.get(f"/t/anping/incidents/{incident_id}").get_data(as_text=True)
    chart = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="metrics-chart"') :]
    chart = chart[: chart.index("</svg>")]
    # Two series (views, comments), each with a point at creation and one after the snapshot.
    assert chart.count("<polyline") == 2 and chart.count("<circle") == 4
    assert "浏览量" in chart and "评论数" in chart
    # No chart library, no external fetch.
    main = page.split("<main>", 1)[1]
    assert "<script" not in main and "src=" not in chart and "href=" not in chart


def test_case_library_search(app, make, town):
    tenant, village, people = town
    incident_id = make.incident(tenant, title="中心街道积水", state="assessed")
    walk_to_review(tenant, incident_id, village)
    office = client_for(app, people["office"])
    html = office.get("/t/anping/cases?q=排水").get_data(as_text=True)
    assert "中心街道积水" in html and "疏通排水沟后不再积水" in html
    assert "中心街道积水" not in office.get("/t/anping/cases?q=食堂").get_data(as_text=True)
    assert "中心街道积水" in office.get("/t/anping/cases?unit=longshi").get_data(as_text=True)


def walk_to_review(tenant, incident_id, unit):
    walk(
        tenant,
        incident_id,
        ("dispatch", {"unit": unit.code}),
        ("acknowledge", {}),
        ("verify", {"result": "排水沟堵塞属实"}),
        ("resolve", {"outcome": "已疏通"}),
        ("track", {}),
        ("subside", {}),
        ("review", {"summary": "疏通排水沟后不再积水", "lessons": "汛前排查"}),
        unit=unit,
    )


def test_tenant_b_cannot_see_tenant_a(app, make, town):
    tenant, village, _ = town
    incident_id = make.incident(tenant, title="安平镇的舆情", state="assessed")
    walk_to_review(tenant, incident_id, village)
    beta = make.tenant("beta", name="另一个镇")
    outsider = make.user(beta, email="office@beta.demo", roles=["office", "monitor"])
    client = client_for(app, outsider)
    assert client.get(f"/t/beta/incidents/{incident_id}").status_code == 404
    assert client.get(f"/t/anping/incidents/{incident_id}").status_code == 404
    token = csrf_token_from(client.get("/t/beta/incidents").get_data(as_text=True))
    for path in (
        f"/t/beta/incidents/{incident_id}/actions/reopen",
        f"/t/beta/incidents/{incident_id}/statements",
        f"/t/anping/incidents/{incident_id}/actions/reopen",
    ):
        response = client.post(path, data={"reason": "x", "csrf_token": token})
        assert response.status_code == 404
    assert "安平镇的舆情" not in client.get("/t/beta/incidents").get_data(as_text=True)
    assert "安平镇的舆情" not in client.get("/t/beta/cases").get_data(as_text=True)
    assert incident_state(tenant, incident_id) == "reviewed"


def test_approved_statement_is_published_from_the_page(app, make, town):
    tenant, _, people = town
    director = make.user(
        tenant, email="director@anping.demo", roles=["office_director"], name="周主任"
    )
    incident_id = make.incident(tenant, state="assessed")
    with tenant_scope(tenant.id):
        actor = Actor(tenant_id=tenant.id, roles=frozenset({"office"}), name="陈主任")
        statement_id = create_statement(
            get_incident(incident_id), actor=actor, kind="holding_reply", text="我镇已开展核实。"
        ).id
        db.session.commit()
    page_url = f"/t/anping/incidents/{incident_id}"
    approver = client_for(app, director)
    response = post_form(approver, page_url, f"{page_url}/statements/{statement_id}/approve", {})
    assert response.status_code == 302
    assert "已审定当前版本" in approver.get(page_url).get_data(as_text=True)
    office = client_for(app, people["office"])
    response = post_form(office, page_url, f"{page_url}/statements/{statement_id}/publish", {})
    assert response.status_code == 302
    html = office.get(page_url).get_data(as_text=True)
    assert "回应已发布，内容已锁定" in html and "周主任" in html
    assert f"/statements/{statement_id}/publish" not in html


def test_similar_past_cases_show_the_statements_used(app, make, town):
    tenant, village, people = town
    story = "中心街道一下雨就严重积水，水深到膝盖，学生只能趟水上学，排水沟堵塞多次反映无人处理。"
    past = make.incident(tenant, title="去年的积水", content=story, state="assessed")
    with tenant_scope(tenant.id):
        actor = Actor(
            tenant_id=tenant.id, roles=frozenset({"office", "office_director"}), name="陈主任"
        )
        incident = get_incident(past)
        statement = create_statement(
            incident, actor=actor, kind="holding_reply", text="我镇已安排人员疏通排水沟。"
        )
        approve_statement(incident, statement, actor=actor)
        publish_statement(incident, statement, actor=actor)
        db.session.commit()
    walk_to_review(tenant, past, village)
    current = make.incident(tenant, title="今年又积水", content=story + "今年又是这样！")
    assert current != past
    office = client_for(app, people["office"])
    html = office.get(f"/t/anping/incidents/{current}").get_data(as_text=True)
    similar = html[html.index('id="similar"') :]
    assert "去年的积水" in similar and "我镇已安排人员疏通排水沟。" in similar
