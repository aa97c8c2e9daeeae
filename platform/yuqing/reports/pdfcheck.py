"""Checks on rendered PDFs, for the tests and for ``yuqing`` CLI checks of stored reports.

The important one is :func:`cjk_glyph_report`. ``pdftotext`` reads the ToUnicode map, not the
glyphs, so its output looks right even when the page shows empty boxes (a font without the
glyph, or a font that is not embedded and will be substituted by the reader). The report
therefore follows each character of the text to the glyph drawn for it in an embedded font
program and checks that glyph has an outline.

Needs poppler-utils (``pdftotext``) and ``qpdf`` on the machine.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from fontTools.cffLib import CFFFontSet
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

#: Blocks counted as CJK: punctuation (「」、。), ideographs (BMP and supplementary planes),
#: compatibility ideographs, full-width forms.
CJK_RANGES = (
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # Unified Ideographs
    (0xF900, 0xFAFF),  # Compatibility Ideographs
    (0xFE30, 0xFE4F),  # Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
    (0x20000, 0x323AF),  # Extensions B to H
)

_FONT_FILE_KEYS = ("/FontFile", "/FontFile2", "/FontFile3")
_PDFAID_NS = "http://www.aiim.org/pdfa/ns/id/"
_HEX_RE = re.compile(rb"<([0-9A-Fa-f\s]*)>")


class PdfCheckError(RuntimeError):
    """A PDF failed a structural check."""


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


# --------------------------------------------------------------------------------------------
# Command-line tools


def _run_on_file(args: list[str], pdf_bytes: bytes) -> subprocess.CompletedProcess[bytes]:
    # A temporary file rather than stdin: qpdf cannot read a PDF from a pipe.
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf_bytes)
        handle.flush()
        return subprocess.run([*args, handle.name], capture_output=True, check=False)


def pdf_text(pdf_bytes: bytes) -> str:
    """Text of every page (``pdftotext -layout``); pages are separated by form feeds."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf_bytes)
        result = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", str(source), "-"],
            capture_output=True,
            check=False,
        )
    if result.returncode != 0:
        raise PdfCheckError(f"pdftotext failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode("utf-8")


def qpdf_check(pdf_bytes: bytes) -> None:
    """Raise :class:`PdfCheckError` unless ``qpdf --check`` finds neither errors nor warnings."""
    result = _run_on_file(["qpdf", "--check"], pdf_bytes)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).decode(errors="replace")
        raise PdfCheckError(f"qpdf --check exited with {result.returncode}:\n{output}")


# --------------------------------------------------------------------------------------------
# Metadata and attachments


def pdfa_identification(pdf_bytes: bytes) -> tuple[int | None, str | None]:
    """``(part, conformance)`` from the XMP ``pdfaid`` schema, e.g. ``(3, "B")``.

    ``(None, None)`` when the PDF does not claim PDF/A. This reads the claim only; it is not a
    validation (that needs veraPDF).
    """
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        stream = pdf.Root.get("/Metadata")
        if stream is None:
            return None, None
        xmp = stream.read_bytes()
    root = ET.fromstring(xmp)
    values: dict[str, str] = {}
    # pdfaid may be written as attributes of rdf:Description or as child elements.
    for element in root.iter():
        for name in ("part", "conformance"):
            qualified = f"{{{_PDFAID_NS}}}{name}"
            if qualified in element.attrib:
                values[name] = element.attrib[qualified]
            if element.tag == qualified and element.text:
                values[name] = element.text.strip()
    part = values.get("part")
    return (int(part) if part else None), values.get("conformance")


def read_attachments(pdf_bytes: bytes) -> dict[str, bytes]:
    """Embedded files by name."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}


# --------------------------------------------------------------------------------------------
# Glyph coverage


@dataclass
class _FontCheck:
    """What one font dictionary of the PDF can draw."""

    name: str
    subtype: str
    embedded: bool
    font_file: str | None
    #: Characters mapped by ToUnicode to a glyph with an outline in the embedded program.
    drawable: set[str] = field(default_factory=set)
    #: Characters mapped by ToUnicode to a glyph that is missing, empty or not embedded.
    undrawable: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "subtype": self.subtype,
            "embedded": self.embedded,
            "font_file": self.font_file,
            "cjk_drawable": len({c for c in self.drawable if is_cjk(c)}),
            "cjk_undrawable": "".join(sorted(c for c in self.undrawable if is_cjk(c))),
            "problems": self.problems,
        }


def _parse_to_unicode(cmap: bytes) -> dict[int, str]:
    """Character code → text, from the bfchar and bfrange sections of a ToUnicode CMap."""

    def hex_values(chunk: bytes) -> list[bytes]:
        return [bytes.fromhex(m.decode().replace(" ", "")) for m in _HEX_RE.findall(chunk)]

    def utf16(raw: bytes) -> str:
        return raw.decode("utf-16-be", errors="replace")

    mapping: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        values = hex_values(section)
        for source, target in zip(values[::2], values[1::2], strict=False):
            mapping[int.from_bytes(source, "big")] = utf16(target)
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for line in re.findall(rb"<[^>]*>\s*<[^>]*>\s*(?:<[^>]*>|\[[^\]]*\])", section):
            low, high, *targets = hex_values(line)
            first, last = int.from_bytes(low, "big"), int.from_bytes(high, "big")
            if b"[" in line:
                for code, target in zip(range(first, last + 1), targets, strict=False):
                    mapping[code] = utf16(target)
            else:
                # The last byte of the target increments along the range (PDF 32000 9.10.3).
                base = targets[0]
                for offset, code in enumerate(range(first, last + 1)):
                    target = base[:-1] + bytes([(base[-1] + offset) & 0xFF])
                    mapping[code] = utf16(target)
    return mapping


class _GlyphProgram:
    """Outline lookup in an embedded font program (OpenType/TrueType, or bare CFF)."""

    def __init__(self, data: bytes, bare_cff: bool) -> None:
        if bare_cff:
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(data), otFont=None)
            top = cff[cff.fontNames[0]]
            self._glyph_order = top.charset
            self._glyph_set = top.CharStrings
            self._cid_keyed = hasattr(top, "ROS")
        else:
            font = TTFont(io.BytesIO(data), lazy=True)
            self._glyph_order = font.getGlyphOrder()
            self._glyph_set = font.getGlyphSet()
            self._cid_keyed = False

    def glyph_name(self, code: int) -> str | None:
        # A bare CID-keyed CFF is indexed by CID through its charset; everything else WeasyPrint
        # and most producers write (Identity-H over an OpenType program) is indexed by glyph id.
        if self._cid_keyed:
            name = f"cid{code:05d}"
            return name if name in self._glyph_set else None
        return self._glyph_order[code] if 0 < code < len(self._glyph_order) else None

    def has_outline(self, name: str) -> bool:
        pen = BoundsPen(self._glyph_set)
        self._glyph_set[name].draw(pen)
        return pen.bounds is not None


def _check_font(font: pikepdf.Dictionary) -> _FontCheck:
    subtype = str(font.get("/Subtype", ""))
    descendant = font.DescendantFonts[0] if subtype == "/Type0" else font
    descriptor = descendant.get("/FontDescriptor")
    font_file_key = None
    if descriptor is not None:
        font_file_key = next((key for key in _FONT_FILE_KEYS if key in descriptor), None)
    if subtype == "/Type3":
        # Glyphs are content streams inside the font dictionary (WeasyPrint's bitmap fonts,
        # used for colour emoji): embedded by definition, not followed further.
        font_file_key = "/CharProcs"
    check = _FontCheck(
        name=str(font.get("/BaseFont", font.get("/Name", "?"))).lstrip("/"),
        subtype="/".join(
            str(value).lstrip("/")
            for value in (subtype, descendant.get("/Subtype") if descendant is not font else None)
            if value
        ),
        embedded=font_file_key is not None,
        font_file=font_file_key.lstrip("/") if font_file_key else None,
    )
    to_unicode = font.get("/ToUnicode")
    if to_unicode is None:
        check.problems.append("no ToUnicode map")
        return check
    mapping = _parse_to_unicode(to_unicode.read_bytes())

    program: _GlyphProgram | None = None
    if font_file_key is None:
        check.problems.append("font program not embedded")
    elif subtype != "/Type0":
        # Simple fonts address glyphs through an encoding, and cannot carry CJK text anyway.
        check.problems.append(f"simple font {subtype}: glyphs not verified")
    else:
        stream = descriptor[font_file_key]
        bare_cff = str(stream.get("/Subtype", "")) in ("/CIDFontType0C", "/Type1C")
        try:
            program = _GlyphProgram(stream.read_bytes(), bare_cff)
        except Exception as exc:  # whatever fontTools raises, there are no glyphs to check
            check.problems.append(f"unreadable font program: {exc}")
        cid_to_gid = descendant.get("/CIDToGIDMap")
        if isinstance(cid_to_gid, pikepdf.Stream):
            check.problems.append("CIDToGIDMap stream not supported: glyphs not verified")
            program = None

    for code, text in mapping.items():
        glyph = program.glyph_name(code) if program else None
        drawable = glyph is not None and (
            all(unicodedata.category(c).startswith("Z") for c in text)  # spaces have no ink
            or program.has_outline(glyph)
        )
        (check.drawable if drawable else check.undrawable).update(text)
    return check


def _fonts_of(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every font dictionary used by the pages, including inside form XObjects."""
    seen: set[tuple[int, int]] = set()
    fonts: list[pikepdf.Dictionary] = []

    def visit(resources: pikepdf.Dictionary | None) -> None:
        if resources is None:
            return
        for font in (resources.get("/Font") or {}).values():
            key = font.objgen
            if key == (0, 0) or key not in seen:
                seen.add(key)
                fonts.append(font)
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                visit(xobject.get("/Resources"))

    for page in pdf.pages:
        visit(page.obj.get("/Resources"))
    return fonts


def cjk_glyph_report(pdf_bytes: bytes) -> dict[str, Any]:
    """Whether every CJK character of the text is drawn by a glyph of an embedded font.

    Returns ``ok``; ``cjk_chars`` (distinct CJK characters in the ``pdftotext`` text);
    ``missing`` (a sorted string of CJK characters that either no embedded glyph draws, or that
    some font maps to a missing, empty or unembedded glyph); ``unembedded_fonts``; and
    ``fonts``, one entry per font dictionary.
    """
    text_chars = {char for char in pdf_text(pdf_bytes) if is_cjk(char)}
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        checks = [_check_font(font) for font in _fonts_of(pdf)]
    drawable = set().union(*(check.drawable for check in checks))
    undrawable = {c for check in checks for c in check.undrawable if is_cjk(c)}
    missing = (text_chars - drawable) | undrawable
    unembedded = [check.name for check in checks if not check.embedded]
    return {
        "ok": not missing and not unembedded,
        "cjk_chars": len(text_chars),
        "missing": "".join(sorted(missing)),
        "unembedded_fonts": unembedded,
        "fonts": [check.as_dict() for check in checks],
    }
