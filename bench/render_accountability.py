"""Time a ~50-page accountability record (问责记录) through the report pipeline.

Ours: ``render_html`` with a template extending ``document_base.html``, then ``render_pdf`` as
PDF/A-3b with the cited events embedded as JSON. Baseline: WeasyPrint alone on the same HTML
(``weasyprint.HTML(string=html).write_pdf()``). Both run in the same process, alternately, so
the ratio is not skewed by a warm-up or a busy machine.

    .venv/bin/python bench/render_accountability.py [--rows 1700] [--repeat 3] [--fonttools]

``--fonttools`` also times the baseline with WeasyPrint forced onto its fontTools subsetting
fallback, to show what a machine without libharfbuzz-subset would pay.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import logging
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
import weasyprint

from yuqing.reports import pdfcheck
from yuqing.reports.render import (
    BASE_CONTEXT_DEFAULTS,
    get_jinja_env,
    harfbuzz_subset_available,
    render_pdf,
)

# A report template as later code will write one; here as a string because it is synthetic.
TEMPLATE = """\
{% extends "document_base.html" %}
{% block body %}
<p>本记录列出{{ period }}内各责任单位处置时限的落实情况，共{{ rows | length }}项，\
其中未按时完成{{ late_count }}项。所引事件均附于本文件（events.json），\
事件链哈希为<span class="hash">{{ chain_hash }}</span>，可离线核验。</p>
<table class="fixed">
<colgroup>
<col style="width: 6%"><col style="width: 23%"><col style="width: 11%"><col style="width: 15%">
<col style="width: 14%"><col style="width: 6%"><col style="width: 11%"><col style="width: 14%">
</colgroup>
<thead><tr>
<th>序号</th><th>时限规则</th><th>依据</th><th>责任单位</th><th>截止时间</th>
<th>是否按时</th><th>迟延</th><th>关联事件</th>
</tr></thead>
<tbody>
{% for row in rows %}
<tr>
<td class="num">{{ loop.index }}</td><td>{{ row.rule }}</td><td>{{ row.source }}</td>
<td>{{ row.unit }}</td><td>{{ row.due | cn_datetime }}</td>
<td>{{ "是" if row.met else "否" }}</td><td>{{ "" if row.met else row.lateness | cn_duration }}</td>
<td>{{ row.events | join("、") }}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% endblock %}
"""

#: With the column widths above, about 50 A4 pages.
ROWS_FOR_50_PAGES = 650

RULES = [
    ("发现舆情后第一时间报告", "预案五 第三条"),
    ("网络名、舆情和网友留言大概内容报送", "预案二 第四条"),
    ("情况核实结果及基本材料报送", "预案二 第六条"),
    ("一级舆情30分钟内手机快报", "预案四 第十二条"),
    ("纸质快报1小时内报送市局主要领导", "预案四 第十二条"),
    ("舆情联系单立即转办涉事单位", "预案五 第五条"),
    ("对外处理情况说明报审批人", "预案二 第八条"),
    ("每日17时报送舆情日报（标题+链接地址）", "预案十九 F"),
    ("续报处置进展", "预案十七 第九条"),
    ("处置结束后报送总结报告", "预案一 第十一条"),
]
UNITS = [
    "县网信办",
    "县教育局",
    "县卫生健康委员会",
    "县公安局城关派出所",
    "县住房和城乡建设局",
    "城关镇人民政府",
    "县市场监督管理局",
    "县人力资源和社会保障局",
]


def build_context(row_count: int, seed: int = 7) -> tuple[dict, bytes]:
    """A synthetic record and the JSON of the events it cites (plain data, like a schema dump)."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, 8, 0)
    rows, events = [], []
    for index in range(row_count):
        rule, source = RULES[index % len(RULES)]
        due = start + dt.timedelta(minutes=37 * index)
        met = rng.random() > 0.15
        lateness = 0 if met else rng.randint(5, 3 * 24 * 60) * 60
        cited = [f"#{10_000 + 3 * index + k}" for k in range(rng.randint(1, 3))]
        rows.append(
            {
                "rule": rule,
                "source": source,
                "unit": UNITS[index % len(UNITS)],
                "due": due.isoformat(),
                "met": met,
                "lateness": lateness,
                "events": cited,
            }
        )
        events.extend(
            {"id": event, "kind": "deadline.breached" if not met else "deadline.met"}
            for event in cited
        )
    events_json = json.dumps({"events": events}, ensure_ascii=False, sort_keys=True).encode()
    chain_hash = hashlib.sha256(events_json).hexdigest()
    context = {
        **BASE_CONTEXT_DEFAULTS,
        "title": "舆情处置时限落实情况问责记录",
        "subtitle": "（2026年11月1日至11月28日）",
        "classification": "内部资料 注意保存",
        "issuer": "某某县网络舆情工作领导小组办公室",
        "issued_on": "2026-11-28",
        "period": "2026年11月1日至11月28日",
        "late_count": sum(not row["met"] for row in rows),
        "chain_hash": chain_hash,
        "rows": rows,
    }
    return context, events_json


def timed(function: Callable[[], bytes]) -> tuple[float, bytes]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def describe(label: str, seconds: list[float]) -> str:
    return (
        f"{label:<34} median {statistics.median(seconds):6.2f} s   "
        f"min {min(seconds):6.2f} s   ({', '.join(f'{s:.2f}' for s in seconds)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS_FOR_50_PAGES, help="table rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fonttools", action="store_true", help="also time fontTools subsetting")
    parser.add_argument("--out", type=Path, help="write both PDFs into this folder")
    args = parser.parse_args()

    print(
        f"WeasyPrint {weasyprint.__version__}; HarfBuzz subsetting: {harfbuzz_subset_available()}"
    )
    context, events_json = build_context(args.rows)

    html_seconds, html = timed(lambda: get_jinja_env().from_string(TEMPLATE).render(context))

    def ours() -> bytes:
        return render_pdf(
            html,
            pdf_variant="pdf/a-3b",
            attachments=[("events.json", events_json, "application/json")],
        )

    def baseline() -> bytes:
        return weasyprint.HTML(string=html).write_pdf()

    ours_seconds, baseline_seconds = [], []
    for repetition in range(args.repeat):
        # Alternate which runs first so neither always gets the warmer caches.
        order = [(ours, ours_seconds), (baseline, baseline_seconds)]
        for function, seconds in order if repetition % 2 == 0 else order[::-1]:
            elapsed, pdf = timed(function)
            seconds.append(elapsed)
            if function is ours:
                ours_pdf = pdf
            else:
                baseline_pdf = pdf

    print(f"rows {args.rows}, {len(events_json) / 1024:.0f} KiB of event JSON")
    print(f"pages: ours {page_count(ours_pdf)}, baseline {page_count(baseline_pdf)}")
    print(
        f"size:  ours {len(ours_pdf) / 1024:.0f} KiB, baseline {len(baseline_pdf) / 1024:.0f} KiB"
    )
    print(f"{'render_html (Jinja)':<34} {html_seconds:6.3f} s")
    print(describe("ours (render_pdf, PDF/A-3b + JSON)", ours_seconds))
    print(describe("baseline (HTML().write_pdf())", baseline_seconds))
    ratio = statistics.median(ours_seconds) / statistics.median(baseline_seconds)
    print(f"ratio ours / baseline (medians): {ratio:.2f}")

    check_seconds, report = timed(lambda: pdfcheck.cjk_glyph_report(ours_pdf))
    pdfcheck.qpdf_check(ours_pdf)
    print(
        f"glyph check {check_seconds:.2f} s: ok={report['ok']}, {report['cjk_chars']} CJK chars, "
        f"missing={report['missing']!r}; PDF/A id {pdfcheck.pdfa_identification(ours_pdf)}; "
        "qpdf --check ok"
    )

    if args.fonttools:
        import weasyprint.pdf.fonts as pdf_fonts

        # Subsetting happens in write_pdf(), so time that step on its own for each subsetter.
        # A fresh layout each time: write_pdf() replaces the document's fonts by their subsets.
        def write_seconds() -> float:
            document = weasyprint.HTML(string=html).render()
            return timed(document.write_pdf)[0]

        harfbuzz_write = write_seconds()
        saved = pdf_fonts.harfbuzz_subset
        pdf_fonts.harfbuzz_subset = None  # WeasyPrint then falls back to fontTools
        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its fallback warning
        try:
            fonttools_write = write_seconds()
            fonttools_total = timed(baseline)[0]
        finally:
            pdf_fonts.harfbuzz_subset = saved
        print(
            f"write_pdf() step: HarfBuzz {harfbuzz_write:.2f} s, fontTools {fonttools_write:.2f} s "
            f"({fonttools_write / harfbuzz_write:.0f}×)"
        )
        print(
            f"{'baseline with fontTools subsetting':<34} {fonttools_total:6.2f} s "
            f"({fonttools_total / statistics.median(baseline_seconds):.1f}× HarfBuzz)"
        )

    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "accountability-ours.pdf").write_bytes(ours_pdf)
        (args.out / "accountability-baseline.pdf").write_bytes(baseline_pdf)
        print(f"wrote {args.out}/accountability-{{ours,baseline}}.pdf")


if __name__ == "__main__":
    main()
