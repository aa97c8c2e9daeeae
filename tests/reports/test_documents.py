"""Issue 6: every document as a checked PDF, verifiable accountability records, redaction,
untrusted content, the render cache, the worker path, auditor exports and tenant isolation."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.factories import PASSWORD
from yuqing.audit.models import AuditEvent
from yuqing.extensions import db
from yuqing.reports import operations
from yuqing.reports.documents import EVENTS_ATTACHMENT, REDACTED_HANDLE
from yuqing.reports.models import RenderedDocument
from yuqing.reports.pdfcheck import (
    cjk_glyph_report,
    pdf_text,
    pdfa_identification,
    qpdf_check,
    read_attachments,
)
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

HANDLE = "热心市民张三"

DEADLINES = [
    {"stage": "report", "label": "发现后第一时间报送", "source": "篇五 D07", "due": 1, "met": 0.5},
    {"stage": "verify", "label": "半天内反馈核实结果", "source": "篇二 D03", "due": 6, "met": 9},
    {
        "stage": "holding_reply",
        "label": "5小时内首次回应",
        "source": "篇十二 D33",
        "due": 5,
        "met": 2,
    },
    {"stage": "resolve", "label": "3个工作日内办结", "source": "篇一 D04", "due": 72, "met": None},
]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def world(make):
    """Tenant A with a unit, an incident with a full history, a digest and a finding."""
    tenant = make.tenant("alpha", name="甲镇人民政府")
    with tenant_scope_disabled():
        db.session.get(Tenant, tenant.id).classification = "内部资料 注意保存"
        db.session.commit()
    unit = make.unit(tenant, code="JY", name="镇教育办")
    handler = make.user(tenant, name="李联络员", roles=("unit_handler",), unit=unit)
    incident_id = make.report_incident(
        tenant,
        unit=unit,
        handler=handler,
        signals=[{"content": "学校食堂饭菜质量差，家长很担心。", "handle": HANDLE}],
        deadlines=DEADLINES,
        statements=["我镇已关注网民反映的情况，正在核实，将及时公布结果。"],
        review={
            "summary": "本次舆情处置总体及时，核实环节略有延误。",
            "lessons": "加强联络员值班。",
        },
    )
    finding_id = make.report_finding(tenant, incident_id, person=handler, unit=unit)
    digest_id = make.report_digest(tenant, issue_no=12)
    keys = {
        "office": make.api_key(tenant, roles=("office",)),
        "auditor": make.api_key(tenant, roles=("auditor",)),
        "monitor": make.api_key(tenant, roles=("monitor",)),
    }
    return {
        "tenant": tenant,
        "unit": unit,
        "handler": handler,
        "incident": incident_id,
        "finding": finding_id,
        "digest": digest_id,
        "keys": keys,
    }


def _urls(world) -> dict[str, tuple[str, list[str]]]:
    """Each document's URL and phrases its text must contain."""
    incident, unit = world["incident"], world["unit"].id
    return {
        "incident_report": (
            f"/api/v1/incidents/{incident}/report.pdf",
            [
                "网上舆情",
                "定级情况及依据",
                "重要网络舆情",
                "时限落实情况",
                "半天内反馈核实结果",
                "逾期完成",
                "我镇已关注网民反映的情况",
                "下一步工作",
                REDACTED_HANDLE,
            ],
        ),
        "review": (
            f"/api/v1/incidents/{incident}/review.pdf",
            ["总结评估报告", "本次舆情处置总体及时", "加强联络员值班", "纳入舆情案例库"],
        ),
        "digest": (
            f"/api/v1/digests/{world['digest']}.pdf",
            ["舆情简报", "第12期", "当天舆情汇总", "某小区供暖不足"],
        ),
        "statistics": (
            "/api/v1/reports/statistics.pdf?period=month&date=2026-11-15",
            [
                "2026年11月网络舆情处置情况统计",
                "按等级统计",
                "各环节按时完成率",
                "回应时间分布",
                "镇教育办",
            ],
        ),
        "accountability": (
            f"/api/v1/accountability/report.pdf?from=2026-11-01&to=2026-11-30&unit={unit}",
            [
                "舆情处置时限落实情况问责记录",
                "责任单位：镇教育办",
                "按时完成2项、逾期2项",
                "问责事项3项，其中人工认定1项",
                "篇二 D03",
                "事件链头",
                "所引审计事件",
            ],
        ),
    }


@pytest.mark.parametrize(
    "kind", ["incident_report", "review", "digest", "statistics", "accountability"]
)
def test_every_document_is_a_checked_pdf(app, client, world, monkeypatch, kind):
    monkeypatch.setitem(app.config, "REPORTS_SYNC_ROW_LIMIT", 10_000)
    url, phrases = _urls(world)[kind]
    response = client.get(url, headers=bearer(world["keys"]["auditor"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    pdf = response.data

    report = cjk_glyph_report(pdf)
    assert report["ok"], report
    assert report["cjk_chars"] > 30
    text = squeeze(pdf_text(pdf))
    for phrase in phrases:
        assert squeeze(phrase) in text, phrase
    assert "内部资料注意保存" in text
    assert "甲镇人民政府" in text
    assert re.search(r"第1页共\d+页", text)
    qpdf_check(pdf)
    assert pdfa_identification(pdf) == (3, "B")

    preview = client.get(url.replace(".pdf", ".html"), headers=bearer(world["keys"]["office"]))
    assert preview.status_code == 200
    assert preview.mimetype == "text/html"
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]


def test_accountability_record_carries_events_that_verify_pdf_accepts_then_rejects(
    app, client, world, tmp_path
):
    from yuqing.cli import cli

    response = client.get(
        f"/api/v1/accountability/report.pdf?incident={world['incident']}",
        headers=bearer(world["keys"]["auditor"]),
    )
    assert response.status_code == 200
    pdf = response.data
    assert pdfa_identification(pdf) == (3, "B")
    payload = json.loads(read_attachments(pdf)[EVENTS_ATTACHMENT])
    kinds = {event["kind"] for event in payload["events"]}
    # The breach events behind the late lines, the finding, and the incident's own events.
    assert {"deadline.breach", "deadline.met", "accountability.finding", "incident.create"} <= kinds
    first = payload["events"][0]
    assert set(first) >= {
        "seq",
        "hash",
        "prev_hash",
        "occurred_at",
        "kind",
        "actor_label",
        "data",
        "tenant_id",
    }
    assert payload["chain_head"]["seq"] >= max(e["seq"] for e in payload["events"])
    text = squeeze(pdf_text(pdf))
    assert "瞒报" in text and "事件链头" in text

    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["audit", "verify-pdf", str(path)])
    assert result.exit_code == 0, result.output
    assert "全部事件与系统事件链一致" in result.output

    breach = next(e for e in payload["events"] if e["kind"] == "deadline.breach")
    _tamper_event(app, world["tenant"].id, breach["seq"])
    result = runner.invoke(cli, ["audit", "verify-pdf", str(path)])
    assert result.exit_code != 0
    assert f"事件 #{breach['seq']}" in result.output
    assert "篡改" in result.output
    untouched = [e["seq"] for e in payload["events"] if e["seq"] != breach["seq"]]
    assert all(f"事件 #{seq}：" not in result.output for seq in untouched)


def _tamper_event(app, tenant_id: int, seq: int) -> None:
    """Edit a stored event as the table owner, the way an insider with database access could."""
    engine = sa.create_engine(app.config["OWNER_ENGINE_URL"])
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # The owner is subject to FORCE ROW LEVEL SECURITY as well.
            conn.execute(sa.text("SELECT set_config('app.all_tenants', 'on', true)"))
        updated = conn.execute(
            sa.text(
                "UPDATE audit_events SET actor_name = '篡改者' "
                "WHERE tenant_id = :tenant AND seq = :seq"
            ),
            {"tenant": tenant_id, "seq": seq},
        )
        assert updated.rowcount == 1
    engine.dispose()


def test_untrusted_post_content_is_text_and_fetches_nothing(app, client, make, http_server):
    tenant = make.tenant("gamma", name="丙镇")
    hostile = (
        f'<img src="{http_server.url("/pixel.png")}">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        f'<iframe src="{http_server.url("/frame")}"></iframe><script>alert(1)</script>'
        "file:///etc/shadow 网民留言"
    )
    incident_id = make.report_incident(
        tenant,
        title=f'标题<img src="{http_server.url("/title.png")}">',
        signals=[
            {"content": hostile, "handle": "某网民", "url": http_server.url("/post") + "?a=<b>"}
        ],
    )
    key = make.api_key(tenant, roles=("office",))

    pdf_response = client.get(f"/api/v1/incidents/{incident_id}/report.pdf", headers=bearer(key))
    assert pdf_response.status_code == 200
    text = squeeze(pdf_text(pdf_response.data))
    assert squeeze('<img src="http://127.0.0.1') in text
    assert "<script>alert(1)</script>" in text
    assert "file:///etc/shadow" in text

    html = client.get(f"/api/v1/incidents/{incident_id}/report.html", headers=bearer(key)).get_data(
        as_text=True
    )
    assert "&lt;img src=" in html
    assert "<img" not in html and "<script>" not in html and "<iframe" not in html
    assert http_server.paths == []


def test_handles_redacted_unless_an_auditor_asks(app, client, world):
    incident, keys = world["incident"], world["keys"]
    url = f"/api/v1/incidents/{incident}/report.pdf"

    redacted = client.get(url, headers=bearer(keys["office"]))
    text = squeeze(pdf_text(redacted.data))
    assert REDACTED_HANDLE in text and HANDLE not in text

    refused = client.get(url + "?reveal_handles=1", headers=bearer(keys["office"]))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"

    revealed = client.get(url + "?reveal_handles=1", headers=bearer(keys["auditor"]))
    assert revealed.status_code == 200
    assert HANDLE in squeeze(pdf_text(revealed.data))
    html = client.get(
        url.replace(".pdf", ".html") + "?reveal_handles=true", headers=bearer(keys["auditor"])
    ).get_data(as_text=True)
    assert HANDLE in html

    with tenant_scope(world["tenant"].id):
        events = (
            db.session.execute(
                sa.select(AuditEvent)
                .where(AuditEvent.kind.like("export.%"))
                .order_by(AuditEvent.seq)
            )
            .scalars()
            .all()
        )
        kinds = [(e.kind, e.actor_label.split(":")[0]) for e in events]
        assert kinds == [
            ("export.pdf", "apikey"),  # the office's redacted PDF
            ("export.reveal_handles", "apikey"),
            ("export.pdf", "apikey"),
            ("export.reveal_handles", "apikey"),
            ("export.html", "apikey"),
        ]
        assert events[0].data["document"] == "incident_report"
        assert events[0].data["params"] == {"incident_id": incident, "reveal_handles": False}
        assert events[0].data["file_sha256"] == redacted.headers["X-Document-SHA256"]
        assert events[2].data["params"]["reveal_handles"] is True


def test_monitor_cannot_export_accountability_but_auditor_reads_everything(client, world):
    keys = world["keys"]
    url = f"/api/v1/accountability/report.html?incident={world['incident']}"
    assert client.get(url, headers=bearer(keys["monitor"])).status_code == 403
    assert client.get(url, headers=bearer(keys["auditor"])).status_code == 200
    assert (
        client.get(
            f"/api/v1/digests/{world['digest']}.html", headers=bearer(keys["monitor"])
        ).status_code
        == 200
    )


def test_unchanged_data_is_served_without_rendering_changed_data_renders_again(app, client, world):
    url = f"/api/v1/incidents/{world['incident']}/report.pdf"
    headers = bearer(world["keys"]["office"])
    first = client.get(url, headers=headers)
    rendered = operations.render_counter["count"]
    second = client.get(url, headers=headers)
    assert second.status_code == 200
    assert operations.render_counter["count"] == rendered
    assert second.headers["X-Render-Cache"] == "hit"
    assert second.headers["X-Document-Id"] == first.headers["X-Document-Id"]
    assert second.data == first.data

    from yuqing.incidents.models import Incident

    with tenant_scope(world["tenant"].id):
        db.session.get(Incident, world["incident"]).outcome = "已督促学校整改食堂管理。"
        db.session.commit()
    third = client.get(url, headers=headers)
    assert third.headers["X-Render-Cache"] == "miss"
    assert operations.render_counter["count"] == rendered + 1
    assert third.headers["X-Document-Id"] != first.headers["X-Document-Id"]
    assert "已督促学校整改食堂管理" in squeeze(pdf_text(third.data))
    with tenant_scope(world["tenant"].id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RenderedDocument)) == 2


def test_large_document_is_rendered_by_a_worker(app, client, make, world, monkeypatch):
    from rq import SimpleWorker

    from yuqing.jobs import get_queue, redis_connection

    monkeypatch.setitem(app.config, "REPORTS_SYNC_ROW_LIMIT", 0)
    url = "/api/v1/accountability/report.pdf?from=2026-11-01&to=2026-11-30"
    headers = bearer(world["keys"]["auditor"])
    queued = client.get(url, headers=headers)
    assert queued.status_code == 202
    job_id = queued.json["job"]
    status_url = queued.json["status_url"]
    assert status_url == f"/api/v1/reports/jobs/{job_id}"
    assert client.get(status_url, headers=headers).json["status"] == "queued"
    # Asking again while it waits joins the same job.
    assert client.get(url, headers=headers).json["job"] == job_id

    # Another tenant cannot see the job.
    other = make.tenant("beta", name="乙镇")
    other_key = make.api_key(other, roles=("auditor",))
    assert client.get(status_url, headers=bearer(other_key)).status_code == 404

    worker = SimpleWorker([get_queue("pdf")], connection=redis_connection())
    assert worker.work(burst=True)

    status = client.get(status_url, headers=headers).json
    assert status["status"] == "finished", status
    document = client.get(status["document_url"], headers=headers)
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    again = client.get(url, headers=headers)
    assert again.status_code == 200
    assert again.headers["X-Render-Cache"] == "hit"
    assert again.data == document.data
    assert EVENTS_ATTACHMENT in read_attachments(again.data)
    assert client.get(status["document_url"], headers=bearer(other_key)).status_code == 404


def test_query_parameters_are_validated(client, world):
    headers = bearer(world["keys"]["auditor"])
    bad_period = client.get("/api/v1/reports/statistics.pdf?period=decade", headers=headers)
    assert bad_period.status_code == 422
    assert "period" in bad_period.json["error"]["fields"]
    missing = client.get("/api/v1/accountability/report.pdf", headers=headers)
    assert missing.status_code == 422
    assert set(missing.json["error"]["fields"]) >= {"from", "to"}
    reversed_range = client.get(
        "/api/v1/accountability/report.pdf?from=2026-11-30&to=2026-11-01", headers=headers
    )
    assert reversed_range.status_code == 422
    assert (
        client.get("/api/v1/accountability/report.pdf?incident=999999", headers=headers).status_code
        == 404
    )


def test_tenant_b_cannot_export_tenant_a_documents(client, make, world):
    other = make.tenant("beta", name="乙镇")
    key = make.api_key(other, roles=("auditor",))
    incident = world["incident"]
    for url in (
        f"/api/v1/incidents/{incident}/report.pdf",
        f"/api/v1/incidents/{incident}/review.html",
        f"/api/v1/accountability/report.pdf?incident={incident}",
        f"/api/v1/accountability/report.pdf?from=2026-11-01&to=2026-11-30&unit={world['unit'].id}",
        f"/api/v1/accountability/report.pdf?from=2026-11-01&to=2026-11-30"
        f"&person={world['handler'].id}",
        f"/api/v1/digests/{world['digest']}.pdf",
    ):
        response = client.get(url, headers=bearer(key))
        assert response.status_code == 404, url


def test_web_index_preview_and_download(client, make, world):
    auditor = make.user(
        world["tenant"], email="auditor@example.cn", name="审计员", roles=("auditor",)
    )
    assert auditor is not None
    login(client, "auditor@example.cn", PASSWORD)
    index = client.get("/t/alpha/reports/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert "问责记录" in page and "定期统计" in page and "reveal_handles" in page
    assert 'href="/t/alpha/reports/"' in page  # the nav entry

    preview = client.get(
        f"/t/alpha/reports/accountability.html?incident={world['incident']}&from=&to=&unit=&person="
    )
    assert preview.status_code == 200
    assert "问责记录" in preview.get_data(as_text=True)
    download = client.get(f"/t/alpha/reports/incidents/{world['incident']}/report.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    picked = client.get(
        f"/t/alpha/reports/incident?incident_id={world['incident']}&document=review&fmt=html"
    )
    assert picked.status_code == 302
    assert picked.headers["Location"].endswith(f"/incidents/{world['incident']}/review.html")
    invalid = client.get("/t/alpha/reports/statistics.pdf?period=decade")
    assert invalid.status_code == 422
