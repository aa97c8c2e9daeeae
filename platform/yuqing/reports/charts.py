"""Bar charts as inline SVG, drawn in Python.

Reports carry no JavaScript and fetch nothing, so a chart is markup produced here from plain
numbers and embedded in the page. WeasyPrint draws inline SVG natively; the text in it is laid
out with the document's CJK fonts, so the glyph checks cover chart labels too.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

#: Bar colours: grey-blue for counts, green/red for on-time versus late (printable in grey).
PALETTE = ("#4a6fa5", "#9bb4d6", "#2e7d32", "#c62828", "#8d6e63", "#6a1b9a")

_FONT = "Noto Sans CJK SC, sans-serif"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    #: Text printed at the end of the bar; defaults to the value.
    caption: str | None = None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def horizontal_bar_chart(
    bars: list[Bar] | list[tuple[str, float]],
    *,
    title: str = "",
    width: int = 440,
    max_value: float | None = None,
    unit: str = "",
    color: str = PALETTE[0],
) -> Markup:
    """A horizontal bar chart; one row per bar, labels on the left, values at the bar's end.

    Horizontal bars leave room for long Chinese unit names, which vertical bars would crowd.
    Sizes are in pt so the chart keeps its proportions in print.
    """
    bars = [bar if isinstance(bar, Bar) else Bar(*bar) for bar in bars]
    row, label_width, gap, top = 16, 130, 4, 20 if title else 4
    height = top + max(1, len(bars)) * (row + gap) + 4
    peak = max_value if max_value is not None else max((b.value for b in bars), default=0)
    peak = peak or 1
    plot = width - label_width - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}pt" '
        f'height="{height}pt" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}">'
    ]
    if title:
        parts.append(
            f'<text x="0" y="13" font-family="{_FONT}" font-size="11" font-weight="bold">'
            f"{escape(title)}</text>"
        )
    if not bars:
        parts.append(
            f'<text x="0" y="{top + 12}" font-family="{_FONT}" font-size="9">（无数据）</text>'
        )
    for index, bar in enumerate(bars):
        y = top + index * (row + gap)
        length = max(0.0, min(1.0, bar.value / peak)) * plot
        caption = bar.caption if bar.caption is not None else f"{_fmt(bar.value)}{unit}"
        parts.append(
            f'<text x="{label_width - 4}" y="{y + 12}" text-anchor="end" font-family="{_FONT}" '
            f'font-size="9">{escape(_shorten(bar.label, 14))}</text>'
            f'<rect x="{label_width}" y="{y + 2}" width="{length:.1f}" height="{row - 4}" '
            f'fill="{color}"/>'
            f'<text x="{label_width + length + 3:.1f}" y="{y + 12}" font-family="{_FONT}" '
            f'font-size="9">{escape(caption)}</text>'
        )
    parts.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - 4}" '
        'stroke="#000" stroke-width="0.5"/></svg>'
    )
    # Every piece of text above went through escape(); the markup is ours.
    return Markup("".join(parts))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart_filter(
    rows: list[dict],
    label_key: str = "label",
    value_key: str = "value",
    *,
    caption_key: str | None = None,
    title: str = "",
    unit: str = "",
    max_value: float | None = None,
    color: str = PALETTE[0],
) -> Markup:
    """``{{ rows | bar_chart("unit", "count", title="…") }}``: a chart from plain table rows."""
    bars = [
        Bar(
            str(row[label_key]),
            float(row[value_key] or 0),
            str(row[caption_key]) if caption_key and row.get(caption_key) is not None else None,
        )
        for row in rows
    ]
    return horizontal_bar_chart(bars, title=title, unit=unit, max_value=max_value, color=color)
