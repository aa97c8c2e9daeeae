"""Fixtures for the PDF layer: a sample official document, and a local HTTP server that counts
the requests it receives (to prove the renderer fetched nothing)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from yuqing.reports.render import BASE_CONTEXT_DEFAULTS, get_jinja_env, render_pdf

#: A report as later code will write one: extends the base and fills the body with a table.
#: Tests render it from a string because it is not a template of the product.
SAMPLE_TEMPLATE = """\
{% extends "document_base.html" %}
{% block body %}
<h2>一、基本情况</h2>
<p>{{ summary }}</p>
<h2>二、处置时限落实情况</h2>
<table>
<thead><tr><th>序号</th><th>时限规则</th><th>依据</th><th>截止时间</th><th>是否按时</th></tr></thead>
<tbody>
{% for row in rows %}
<tr><td class="num">{{ loop.index }}</td><td>{{ row.rule }}</td><td>{{ row.source }}</td>
<td>{{ row.due | cn_datetime }}</td><td>{{ "是" if row.met else "否" }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endblock %}
"""

#: Rows that make the sample exactly three A4 pages: the table runs over all three.
SAMPLE_ROW_COUNT = 70

SAMPLE_TITLE = "关于网络舆情处置情况的通报"


def render_string(source: str, context: dict[str, Any]) -> str:
    """Render a template given as a string through the report environment."""
    return get_jinja_env().from_string(source).render({**BASE_CONTEXT_DEFAULTS, **context})


def sample_context(**overrides: Any) -> dict[str, Any]:
    context = {
        "title": SAMPLE_TITLE,
        "subtitle": "（2026年第3期）",
        "issuer": "某某县人民政府办公室",
        "issued_on": "2026-11-28",
        "classification": "内部资料 注意保存",
        "summary": "11月27日，网民在本地论坛发帖反映某小区供暖不足，县网信办第一时间转办。",
        "rows": [
            {
                "rule": "发现后第一时间报告",
                "source": "预案五 第三条",
                "due": f"2026-11-{1 + index % 28:02d}T17:00:00",
                "met": index % 7 != 3,
            }
            for index in range(SAMPLE_ROW_COUNT)
        ],
    }
    context.update(overrides)
    return context


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    return render_pdf(render_string(SAMPLE_TEMPLATE, sample_context()))


@dataclass
class RecordingServer:
    port: int
    paths: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def http_server() -> Iterator[RecordingServer]:
    """An HTTP server on 127.0.0.1 that records every request and answers 404."""
    paths: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            paths.append(self.path)
            self.send_error(404)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RecordingServer(port=server.server_address[1], paths=paths)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
