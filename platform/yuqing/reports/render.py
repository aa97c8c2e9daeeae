"""Turn plain report data into HTML and PDF, with no database and no Flask app.

Workers on the ``pdf`` queue call :func:`render_html` with a template name and a dict of plain
data (schema dumps), then :func:`render_pdf`. The PDF step fetches nothing: the only URLs the
renderer may open are ``data:`` URLs, so text copied from the internet cannot make it reach a
server or read a local file. CSS is inlined by the templates and fonts come from fontconfig
(Debian ``fonts-noto-cjk``), so the HTML needs no fetching at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from base64 import b64encode
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.request import DataHandler, Request

import jinja2
import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"

#: URL schemes the PDF renderer may open. ``data:`` carries its content inline (attachments,
#: small images built by our own code), so allowing it reaches nothing outside the process.
ALLOWED_URL_SCHEMES = frozenset({"data"})

#: Context keys of ``document_base.html`` that a report may leave out.
BASE_CONTEXT_DEFAULTS: Mapping[str, Any] = {
    "subtitle": None,
    "classification": None,  # 密级 or 「内部资料 注意保存」, printed top left
    "masthead": None,  # name of a periodic briefing, e.g. 《舆情快报》; switches to 简报 layout
    "issue_number": None,  # 期数 of a periodic briefing
    "issuer": None,  # 发文机关
    "issued_on": None,  # 成文日期
}

#: ``metadata`` keys :func:`render_pdf` accepts, mapped to WeasyPrint's DocumentMetadata.
_METADATA_FIELDS = frozenset(
    {"title", "authors", "description", "keywords", "generator", "created", "modified", "lang"}
)

#: PDF/A-3 relationship of embedded files to the document: the JSON is the data the tables
#: were drawn from (ISO 19005-3, AFRelationship /Data).
_ATTACHMENT_RELATIONSHIP = "Data"

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


class RefusedURLError(ValueError):
    """The renderer was asked to open a URL whose scheme is not allowed."""


class ReportRenderError(RuntimeError):
    """WeasyPrint could not load a resource the document needs."""


# --------------------------------------------------------------------------------------------
# URL fetching


def safe_url_fetcher(url: str, *args: Any, **kwargs: Any) -> URLFetcherResponse:
    """Open ``data:`` URLs and refuse every other scheme.

    Extra arguments (``timeout``, ``ssl_context``, headers) are accepted so the function fits
    where WeasyPrint expects a fetcher, and ignored: nothing is ever fetched over a network.
    """
    match = _SCHEME_RE.match(url)
    scheme = match[1].lower() if match else ""
    if scheme not in ALLOWED_URL_SCHEMES:
        # Truncated: a refused URL is attacker-controlled text and may be huge.
        logger.warning("PDF renderer refused to fetch %r (scheme %r)", url[:200], scheme)
        raise RefusedURLError(
            f"the PDF renderer fetches only data: URLs, refused {url[:200]!r} (scheme {scheme!r})"
        )
    # urllib's DataHandler parses media type, charset and base64 exactly as RFC 2397 says.
    with DataHandler().data_open(Request(url)) as response:
        body = response.read()
        content_type = response.headers.get("Content-Type", "text/plain;charset=US-ASCII")
    return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


class SafeURLFetcher(URLFetcher):
    """WeasyPrint fetcher around :func:`safe_url_fetcher`.

    A subclass rather than a plain function because WeasyPrint 70 reads fetcher attributes
    (``_fail_on_errors``), and every entry point (``fetch``, ``open``, ``__call__``) of the base
    class ends in ``fetch``, which is overridden here.

    ``fail_on_errors`` makes WeasyPrint stop the rendering on a refused URL instead of logging
    it and leaving a hole in the document: a report that silently lost a picture or a
    stylesheet is worse than no report.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=ALLOWED_URL_SCHEMES, fail_on_errors=True)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        return safe_url_fetcher(url)


def _data_url(content: bytes, mime_type: str) -> str:
    return f"data:{mime_type};base64,{b64encode(content).decode('ascii')}"


# --------------------------------------------------------------------------------------------
# Jinja


def cn_date(value: dt.date | dt.datetime | str | None) -> str:
    """``2026年11月28日``: GB/T 9704 writes 成文日期 in full, with no leading zeros."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: dt.datetime | str | None) -> str:
    """``2026年11月28日 17:05``; the caller converts to the tenant's local time first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{cn_date(value)} {value:%H:%M}"


def cn_duration(value: dt.timedelta | int | float | None) -> str:
    """A lateness such as ``2天3小时15分``; seconds or a timedelta, rounded to minutes."""
    if value is None or value == "":
        return ""
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    sign, minutes = ("-" if seconds < 0 else ""), round(abs(seconds) / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{minutes}分"]
    if minutes == 0 and (days or hours):
        parts[2] = ""
    return sign + "".join(parts)


def _bar_chart(*args: Any, **kwargs: Any) -> str:
    # Imported late: charts are a leaf module of their own, used by the document templates.
    from yuqing.reports.charts import bar_chart_filter

    return bar_chart_filter(*args, **kwargs)


#: Filters the report templates use; a Flask app previewing reports as HTML registers these.
REPORT_FILTERS: Mapping[str, Callable[..., str]] = {
    "cn_date": cn_date,
    "cn_datetime": cn_datetime,
    "cn_duration": cn_duration,
    # Inline SVG bar chart from plain rows (statistics documents); see charts.py.
    "bar_chart": _bar_chart,
}


def configure_jinja_env(env: jinja2.Environment) -> jinja2.Environment:
    """Add the report filters to ``env`` (ours, or a Flask app's ``app.jinja_env``)."""
    env.filters.update(REPORT_FILTERS)
    return env


@functools.cache
def get_jinja_env() -> jinja2.Environment:
    """The report environment: autoescaped everywhere, and undefined names raise.

    Built without Flask so an RQ worker renders with no app context. StrictUndefined turns a
    misspelt context key into an error instead of an empty cell in an accountability record.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return configure_jinja_env(env)


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """Render a report template with plain data; optional base-template keys default to None."""
    template = get_jinja_env().get_template(template_name)
    return template.render({**BASE_CONTEXT_DEFAULTS, **context})


# --------------------------------------------------------------------------------------------
# PDF


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint will subset fonts with HarfBuzz rather than the slow fontTools path."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    # WeasyPrint needs HarfBuzz ≥ 4.1.0 (hb_set_add_sorted_array) to take the HarfBuzz path.
    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def _apply_metadata(document: weasyprint.Document, metadata: Mapping[str, Any]) -> None:
    unknown = set(metadata) - _METADATA_FIELDS
    if unknown:
        raise ValueError(f"unknown PDF metadata keys: {sorted(unknown)}")
    for key, value in metadata.items():
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()  # WeasyPrint takes W3C date strings
        setattr(document.metadata, key, value)


def _dedupe_associated_files(document: weasyprint.Document, pdf: Any) -> None:
    """Drop repeated entries of the catalog's /AF array.

    WeasyPrint 70 lists each PDF/A-3 attachment twice (once from the EmbeddedFiles name tree,
    once from the file specification itself); one file, one association.
    """
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)


def render_pdf(
    html: str,
    *,
    pdf_variant: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> bytes:
    """Lay out ``html`` and return the PDF bytes.

    ``pdf_variant`` is a WeasyPrint variant name; accountability records use ``"pdf/a-3b"``.
    ``attachments`` are ``(file name, content, MIME type)`` embedded in the PDF (PDF/A-3 files
    associated with the document as /Data). ``metadata`` overrides what the HTML declares:
    title, authors, description, keywords, generator, created, modified, lang.

    Raises :class:`RefusedURLError` if the HTML refers to anything but a ``data:`` URL.
    """
    fetcher = SafeURLFetcher()
    # WeasyPrint writes these dates with a "Z" suffix, so they must be UTC (its default is
    # local time).
    now = dt.datetime.now(dt.UTC)
    pdf_attachments = [
        weasyprint.Attachment(
            url=_data_url(content, mime_type),
            url_fetcher=fetcher,
            name=name,
            created=now,
            modified=now,
            relationship=_ATTACHMENT_RELATIONSHIP,
        )
        for name, content, mime_type in attachments or []
    ]
    try:
        # base_url stays None: there is nothing relative to resolve, and a file: base would
        # turn a relative src into a local path.
        # The variant is given to both steps: layout already depends on it (tagging for
        # PDF/A-*a and PDF/UA).
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(pdf_variant=pdf_variant)
        if metadata:
            _apply_metadata(document, metadata)
        return document.write_pdf(
            pdf_variant=pdf_variant,
            attachments=pdf_attachments,
            finisher=_dedupe_associated_files,
        )
    except FatalURLFetchingError as exc:
        if isinstance(exc.__cause__, RefusedURLError):
            raise exc.__cause__ from None
        raise ReportRenderError(str(exc)) from exc.__cause__
