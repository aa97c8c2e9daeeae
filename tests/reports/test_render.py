"""The PDF layer: official-document layout, glyph-level CJK checks, PDF/A-3b, and a renderer
that fetches nothing."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess

import jinja2
import pikepdf
import pytest
import weasyprint
from fontTools import subset
from fontTools.ttLib import TTFont

from tests.reports.conftest import (
    SAMPLE_TEMPLATE,
    SAMPLE_TITLE,
    render_string,
    sample_context,
)
from yuqing.reports.pdfcheck import (
    PdfCheckError,
    cjk_glyph_report,
    pdf_text,
    pdfa_identification,
    qpdf_check,
    read_attachments,
)
from yuqing.reports.render import (
    RefusedURLError,
    cn_date,
    cn_datetime,
    cn_duration,
    harfbuzz_subset_available,
    render_html,
    render_pdf,
    safe_url_fetcher,
)


def page_count(pdf_bytes: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return len(pdf.pages)


def squeeze(text: str) -> str:
    """pdftotext spaces CJK text by glyph positions; compare without whitespace."""
    return re.sub(r"\s+", "", text)


# --- Layout and text -------------------------------------------------------------------------


def test_sample_document_text_and_page_numbers(sample_pdf):
    text = pdf_text(sample_pdf)
    pages = text.split("\f")[:-1]  # pdftotext ends every page with a form feed

    assert page_count(sample_pdf) == 3
    assert len(pages) == 3
    assert SAMPLE_TITLE in squeeze(pages[0])
    assert "内部资料注意保存" in squeeze(pages[0])
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共3页" in squeeze(page)
        # The table header is repeated on every page the table runs over.
        assert "序号时限规则依据截止时间是否按时" in squeeze(page)
    assert "2026年11月1日17:00" in squeeze(text)
    assert squeeze(pages[2]).endswith("某某县人民政府办公室2026年11月28日第3页共3页")


def test_title_uses_a_real_bold_face(sample_pdf):
    fonts = [font["name"].split("+", 1)[1] for font in cjk_glyph_report(sample_pdf)["fonts"]]
    # A real Bold font file, not Pango's synthetic emboldening of the regular face.
    assert "Noto-Serif-CJK-SC-Bold" in fonts
    assert "Noto-Serif-CJK-SC" in fonts
    assert "Noto-Sans-CJK-SC" in fonts


def _styles_by_class(html: str) -> dict[str, dict]:
    """Computed font size (pt), weight and colour of the first box of each element type."""
    found: dict[str, dict] = {}

    def walk(box) -> None:
        element = getattr(box, "element", None)
        if element is not None:
            key = element.get("class") or box.element_tag
            found.setdefault(
                key,
                {
                    "size": round(box.style["font_size"] * 0.75, 1),  # CSS px → pt
                    "weight": box.style["font_weight"],
                    "red": box.style["color"][:3] == (0.8, 0.0, 0.0),
                },
            )
        for child in getattr(box, "children", []):
            walk(child)

    walk(weasyprint.HTML(string=html).render().pages[0]._page_box)
    return found


def test_type_sizes_follow_the_documented_choices():
    html = render_string(
        SAMPLE_TEMPLATE, sample_context(masthead="舆情快报", issue_number=12, rows=[])
    )
    styles = _styles_by_class(html)

    assert styles["title"] == {"size": 22.0, "weight": 700, "red": False}  # 二号, bold
    assert styles["masthead"] == {"size": 36.0, "weight": 700, "red": True}
    assert styles["p"]["size"] == 14.0  # body 四号
    assert styles["th"] == {"size": 10.5, "weight": 700, "red": False}  # tables 五号
    assert styles["classification"]["weight"] == 700


def test_qpdf_check_passes(sample_pdf):
    qpdf_check(sample_pdf)


def test_qpdf_check_raises_on_a_damaged_file(sample_pdf):
    with pytest.raises(PdfCheckError):
        qpdf_check(sample_pdf[: len(sample_pdf) // 2])


def test_briefing_head_with_issue_number():
    html = render_string(
        SAMPLE_TEMPLATE,
        sample_context(masthead="舆情快报", issue_number=12, subtitle=None, rows=[]),
    )
    text = squeeze(pdf_text(render_pdf(html)))

    assert text.startswith("内部资料注意保存舆情快报第12期某某县人民政府办公室2026年11月28日")
    assert SAMPLE_TITLE in text


def test_base_template_renders_with_only_a_title():
    html = render_html("document_base.html", {"title": "标题"})

    assert "<title>标题</title>" in html
    assert "signature" not in html.split("</style>")[1]


def test_missing_context_key_raises():
    with pytest.raises(jinja2.UndefinedError):
        render_html("document_base.html", {})


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (cn_date, "2026-11-28", "2026年11月28日"),
        (cn_date, "2026-01-05T09:00:00+08:00", "2026年1月5日"),
        (cn_datetime, "2026-01-05T09:07:00", "2026年1月5日 09:07"),
        (cn_duration, 90 * 60, "1小时30分"),
        (cn_duration, 2 * 86400 + 3600, "2天1小时"),
        (cn_duration, -300, "-5分"),
        (cn_date, None, ""),
    ],
)
def test_chinese_date_filters(function, value, expected):
    assert function(value) == expected


# --- Glyph-level CJK check ---------------------------------------------------------------------


def test_every_cjk_character_has_an_embedded_glyph(sample_pdf):
    report = cjk_glyph_report(sample_pdf)

    assert report["ok"], report
    assert report["missing"] == ""
    assert report["unembedded_fonts"] == []
    assert report["cjk_chars"] > 50
    assert all(font["font_file"] == "FontFile3" for font in report["fonts"])


def test_checker_flags_characters_no_installed_font_has():
    # U+31350 (CJK Extension H) is in no Noto CJK release: Pango draws it with an unknown
    # glyph, yet pdftotext reads it back through ToUnicode as if all were well.
    rare = "\U00031350"
    fonts = subprocess.run(
        ["fc-list", f":charset={ord(rare):x}"], capture_output=True, text=True, check=True
    ).stdout
    if fonts.strip():
        pytest.skip(f"a font on this machine covers U+{ord(rare):X}")
    pdf = render_pdf(render_html("document_base.html", {"title": f"生僻字{rare}测试"}))

    assert rare in pdf_text(pdf)
    report = cjk_glyph_report(pdf)
    assert not report["ok"]
    assert report["missing"] == rare


def _rewrite_font_programs(pdf_bytes: bytes, rewrite) -> bytes:
    """Apply ``rewrite(descriptor)`` to every font descriptor of the PDF."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                rewrite(font.DescendantFonts[0].FontDescriptor)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def test_checker_flags_fonts_that_are_not_embedded(sample_pdf):
    def drop_program(descriptor):
        if "/FontFile3" in descriptor:
            del descriptor["/FontFile3"]

    pdf = _rewrite_font_programs(sample_pdf, drop_program)
    report = cjk_glyph_report(pdf)

    assert SAMPLE_TITLE in squeeze(pdf_text(pdf))  # the text layer still looks right
    assert not report["ok"]
    assert len(report["unembedded_fonts"]) == 4
    assert SAMPLE_TITLE[0] in report["missing"]


def test_checker_flags_embedded_fonts_with_empty_glyphs(sample_pdf):
    # Same glyph ids and ToUnicode map, but the outlines are gone: a reader shows blanks.
    def empty_glyphs(descriptor):
        stream = descriptor.FontFile3
        font = TTFont(io.BytesIO(stream.read_bytes()))
        options = subset.Options(retain_gids=True, notdef_outline=True, name_IDs=["*"])
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=[0])
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        stream.write(out.getvalue())

    pdf = _rewrite_font_programs(sample_pdf, empty_glyphs)
    report = cjk_glyph_report(pdf)

    assert SAMPLE_TITLE in squeeze(pdf_text(pdf))
    assert report["unembedded_fonts"] == []
    assert not report["ok"]
    assert set(SAMPLE_TITLE) <= set(report["missing"])


# --- PDF/A-3b --------------------------------------------------------------------------------


def test_pdfa3b_with_json_attachment():
    events = json.dumps(
        {"chain_hash": "ab" * 32, "events": [{"id": 1, "kind": "迟报"}]}, ensure_ascii=False
    ).encode()
    pdf = render_pdf(
        render_string(SAMPLE_TEMPLATE, sample_context(rows=[])),
        pdf_variant="pdf/a-3b",
        attachments=[("events.json", events, "application/json")],
        metadata={"title": "问责记录", "authors": ["某某县网信办"]},
    )

    assert pdfa_identification(pdf) == (3, "B")
    assert read_attachments(pdf) == {"events.json": events}
    qpdf_check(pdf)
    assert cjk_glyph_report(pdf)["ok"]
    with pikepdf.open(io.BytesIO(pdf)) as document:
        (spec,) = document.Root.AF
        assert spec.AFRelationship == "/Data"
        assert spec.EF.F.Subtype == "/application/json"
        assert "/OutputIntents" in document.Root
        with document.open_metadata() as xmp:
            assert xmp["dc:title"] == "问责记录"


def test_plain_pdf_claims_no_pdfa(sample_pdf):
    assert pdfa_identification(sample_pdf) == (None, None)
    assert read_attachments(sample_pdf) == {}


def test_unknown_metadata_key_is_rejected():
    with pytest.raises(ValueError, match="unknown PDF metadata"):
        render_pdf(render_html("document_base.html", {"title": "标题"}), metadata={"x": 1})


# --- Fonts are subset by HarfBuzz ---------------------------------------------------------------


def test_fonts_are_subset_by_harfbuzz(caplog):
    assert harfbuzz_subset_available()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf(render_html("document_base.html", {"title": "子集化"}))
    assert not [r for r in caplog.records if "fontTools" in r.getMessage()]


# --- Nothing is fetched ----------------------------------------------------------------------


def hostile_post(server) -> str:
    return (
        f'网民留言：<img src="{server.url("/x.png")}">'
        "<script>alert('xss')</script>"
        f'<link rel="stylesheet" href="{server.url("/s.css")}">'
        f"<style>@import url({server.url('/i.css')});</style>"
        "file:///etc/passwd"
    )


def test_untrusted_content_is_shown_as_text_and_fetches_nothing(http_server):
    post = hostile_post(http_server)
    html = render_string(SAMPLE_TEMPLATE, sample_context(summary=post, rows=[]))
    pdf = render_pdf(html)

    assert "<img" not in html and "&lt;img" in html
    text = squeeze(pdf_text(pdf))
    assert squeeze(f'<img src="{http_server.url("/x.png")}">') in text
    assert "<script>alert('xss')</script>" in text
    assert "file:///etc/passwd" in text
    assert http_server.paths == []


def test_unescaped_urls_are_refused_not_fetched(http_server, monkeypatch):
    # Even markup that slipped past escaping (a |safe by mistake) cannot reach the network.
    for variable in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    html = f'<html><body><p>图</p><img src="{http_server.url("/x.png")}"></body></html>'

    with pytest.raises(RefusedURLError):
        render_pdf(html)
    assert http_server.paths == []

    # Control: WeasyPrint's own fetcher does fetch it, so the server above would have seen it.
    weasyprint.HTML(string=html).write_pdf()
    assert http_server.paths == ["/x.png"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "FILE:///etc/passwd"])
def test_unescaped_file_url_is_refused(url):
    with pytest.raises(RefusedURLError):
        render_pdf(f'<html><body><img src="{url}"></body></html>')


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x",
        "x.png",
        "//example.com/x.png",
    ],
)
def test_fetcher_refuses_everything_but_data(url, caplog):
    with (
        caplog.at_level(logging.WARNING, logger="yuqing.reports.render"),
        pytest.raises(RefusedURLError),
    ):
        safe_url_fetcher(url)
    assert "refused" in caplog.text


def test_fetcher_opens_data_urls():
    response = safe_url_fetcher("data:application/json;base64,eyJhIjogMX0=")

    assert response.read() == b'{"a": 1}'
    assert response.content_type == "application/json"


def test_data_url_image_renders():
    svg = "%3Csvg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/%3E"
    pdf = render_pdf(f'<html><body><img src="data:image/svg+xml,{svg}"><p>图</p></body></html>')

    assert "图" in pdf_text(pdf)


def test_pdffonts_agrees_fonts_are_embedded(sample_pdf, tmp_path):
    # An independent reader's view, so the checker is not the only judge of embedding.
    path = tmp_path / "sample.pdf"
    path.write_bytes(sample_pdf)
    rows = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert rows
    assert all(row.split()[-5] == "yes" for row in rows)  # the "emb" column
