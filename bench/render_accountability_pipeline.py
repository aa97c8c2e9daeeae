"""Time a ~50-page accountability record (问责记录) through the product's document pipeline.

Ours: what a worker on the ``pdf`` queue does — ``prepare_document`` (database queries, plain
context, fingerprint), ``render_and_store`` (Jinja, WeasyPrint PDF/A-3b with the cited audit
events attached as JSON, SHA-256, stored row). Baseline: WeasyPrint alone on the same HTML
(``weasyprint.HTML(string=html).write_pdf()``). Runs alternate so neither gets warmer caches.

The data lives in a throw-away SQLite database in a temporary instance folder: a tenant, units,
incidents with deadlines (a quarter of them late, with accountability entries and breach
events) and a few findings, all appended to a real audit chain.

    .venv/bin/python bench/render_accountability_pipeline.py [--incidents 39] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
import sqlalchemy as sa
import weasyprint

STAGES = [
    ("report", "发现舆情后第一时间报送", "篇五 D07", 1),
    ("verify", "半天内反馈情况核实结果及基本材料", "篇二 D03", 6),
    ("holding_reply", "5小时内首次回应", "篇十二 D33", 5),
    ("resolve", "3个工作日内处置办结", "篇一 D04", 72),
]
UNITS = [
    "县网信办",
    "县教育局",
    "县卫生健康委员会",
    "城关派出所",
    "县住房和城乡建设局",
    "城关镇人民政府",
    "县市场监督管理局",
    "县人力资源和社会保障局",
]


def seed(incident_count: int) -> tuple[int, dict]:
    """Create the tenant and its history; return the tenant id and the export params."""
    from yuqing.accounts.actor import system_actor
    from yuqing.audit.operations import record_event
    from yuqing.deadlines.models import AccountabilityEntry, Deadline
    from yuqing.extensions import db
    from yuqing.incidents.models import Incident
    from yuqing.policy import get_plugin
    from yuqing.policy.operations import choose_policy
    from yuqing.tenancy.operations import create_tenant, save_unit
    from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

    with tenant_scope_disabled():
        tenant = create_tenant(slug="bench", name="某某县网络舆情工作领导小组办公室", kind="county")
        choose_policy(tenant=tenant, key="township", params={})
        tenant.classification = "内部资料 注意保存"
        db.session.commit()
    plugin = get_plugin("township")
    grade = plugin.grade_by_code("important")
    start = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
    with tenant_scope(tenant.id):
        actor = system_actor(tenant.id)
        units = [save_unit(code=f"U{i}", name=name) for i, name in enumerate(UNITS)]
        for index in range(incident_count):
            discovered = start + timedelta(minutes=337 * index)
            incident = Incident(
                title=f"网民反映第{index + 1}号问题（供暖、教育收费、医疗服务等）",
                summary="网民在本地论坛发帖。",
                state="tracking",
                grade_code=grade.code,
                grade_label=grade.label_zh,
                severity=grade.severity,
                category="C1",
                unit_id=units[index % len(units)].id,
                policy_key=plugin.key,
                policy_version=plugin.version,
                discovered_at=discovered,
                created_by="system",
            )
            db.session.add(incident)
            db.session.flush()
            record_event("incident.create", actor=actor, subject=incident, at=discovered)
            for stage_index, (stage, label, source, hours) in enumerate(STAGES):
                due = discovered + timedelta(hours=hours)
                late = (index + stage_index) % 4 == 0
                met = due + timedelta(minutes=95) if late else due - timedelta(minutes=20)
                row = Deadline(
                    incident_id=incident.id,
                    stage=stage,
                    anchor="discovered_at",
                    anchor_at=discovered,
                    grade_code=grade.code,
                    label_zh=label,
                    rule_source=source,
                    actor_role="unit_handler",
                    due_at=due,
                    met_at=met,
                    breached_at=due if late else None,
                )
                db.session.add(row)
                db.session.flush()
                record_event("deadline.met", actor=actor, subject=("deadline", row.id), at=met)
                if late:
                    event = record_event(
                        "deadline.breach",
                        actor=actor,
                        subject=("deadline", row.id),
                        at=due,
                        data={"lateness_seconds": 95 * 60},
                    )
                    db.session.add(
                        AccountabilityEntry(
                            kind="missed_deadline",
                            incident_id=incident.id,
                            deadline_id=row.id,
                            unit_id=incident.unit_id,
                            responsible_role="unit_handler",
                            rule_label_zh=label,
                            rule_source=source,
                            stage=stage,
                            due_at=due,
                            lateness_seconds=95 * 60,
                            met_at=met,
                            evidence=f"「{label}」逾期。",
                            audit_event_ids=[event.id],
                            created_by="system",
                            created_by_name="系统",
                            created_at=due,
                        )
                    )
        db.session.commit()
    last_day = (start + timedelta(minutes=337 * incident_count)).date()
    return tenant.id, {
        "date_from": start.date().isoformat(),
        "date_to": last_day.isoformat(),
        "incident": None,
        "person": None,
        "reveal_handles": False,
        "unit": None,
    }


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def describe(label: str, seconds: list[float]) -> str:
    return (
        f"{label:<44} median {statistics.median(seconds):6.2f} s   "
        f"min {min(seconds):6.2f} s   ({', '.join(f'{s:.2f}' for s in seconds)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--incidents", type=int, default=39, help="incidents, four deadlines each (39 ≈ 50 pages)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="yuqing-bench-"))
    os.environ.setdefault("YUQING_INSTANCE_PATH", str(instance))
    os.environ["YUQING_DATABASE_URL"] = f"sqlite:///{instance / 'bench.db'}"
    os.environ.pop("YUQING_DATABASE_OWNER_URL", None)
    os.environ.setdefault("YUQING_SECRET_KEY", "bench")

    import logging

    from yuqing.app import create_app
    from yuqing.extensions import db
    from yuqing.reports import operations
    from yuqing.reports.models import RenderedDocument
    from yuqing.reports.pdfcheck import cjk_glyph_report, pdfa_identification, qpdf_check
    from yuqing.tenancy.scope import tenant_scope

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
    app = create_app({"TESTING": True}, instance_path=instance)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        tenant_id, params = seed(args.incidents)
        print(f"seeded {args.incidents} incidents in {time.perf_counter() - started:.1f} s")

        ours_seconds, baseline_seconds = [], []
        ours_pdf = baseline_pdf = b""
        with tenant_scope(tenant_id):
            html = operations.document_html(operations.prepare_document("accountability", params))

            def ours() -> bytes:
                # As the worker runs it: no stored copy, so build, render, hash and store.
                db.session.execute(sa.delete(RenderedDocument))
                prepared = operations.prepare_document("accountability", params)
                document = operations.render_and_store(prepared)
                db.session.commit()
                return document.content

            def baseline() -> bytes:
                return weasyprint.HTML(string=html).write_pdf()

            for repetition in range(args.repeat):
                order = [(ours, ours_seconds), (baseline, baseline_seconds)]
                for function, seconds in order if repetition % 2 == 0 else order[::-1]:
                    began = time.perf_counter()
                    pdf = function()
                    seconds.append(time.perf_counter() - began)
                    if function is ours:
                        ours_pdf = pdf
                    else:
                        baseline_pdf = pdf

            prepared = operations.prepare_document("accountability", params)
            print(
                f"rows: {len(prepared.context['rows'])} deadlines, "
                f"{len(prepared.context['entries'])} entries, "
                f"{len(prepared.context['events'])} cited events"
            )
    print(f"pages: ours {page_count(ours_pdf)}, baseline {page_count(baseline_pdf)}")
    print(
        f"size:  ours {len(ours_pdf) / 1024:.0f} KiB, baseline {len(baseline_pdf) / 1024:.0f} KiB"
    )
    print(describe("ours (pipeline: query+context+PDF/A-3b+store)", ours_seconds))
    print(describe("baseline (HTML().write_pdf() on same HTML)", baseline_seconds))
    ratio = statistics.median(ours_seconds) / statistics.median(baseline_seconds)
    print(f"ratio ours / baseline (medians): {ratio:.2f}")
    report = cjk_glyph_report(ours_pdf)
    qpdf_check(ours_pdf)
    print(
        f"glyph check ok={report['ok']} ({report['cjk_chars']} CJK chars); "
        f"PDF/A id {pdfa_identification(ours_pdf)}; qpdf --check ok"
    )


if __name__ == "__main__":
    main()
