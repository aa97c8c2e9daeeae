"""The metrics chart of the incident page: views and comments over time, as inline SVG."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime, gettext
from markupsafe import Markup, escape

from yuqing.web.feedback import is_english


def metrics_chart(
    points: list[tuple[datetime, int, int]], width: int = 640, height: int = 220
) -> Markup:
    """Views (left axis) and comments (right axis) over time as inline SVG.

    Drawn on the server: the page loads no chart library and fetches nothing. The two series
    get their own axes because views usually outnumber comments a hundredfold.
    """
    left, right, top, bottom = 64, 64, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    title = gettext("浏览量与评论数变化")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="metrics-chart" viewBox="0 0 {width} '
        f'{height}" width="100%" role="img" aria-label="{escape(title)}"><title>'
        f"{escape(title)}</title>"
    ]
    if not points:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
            f'class="muted">{escape(gettext("暂无指标数据"))}</text></svg>'
        )
        return Markup("".join(parts))
    times = [p[0].timestamp() for p in points]
    t0, t1 = min(times), max(times)
    span = (t1 - t0) or 1.0

    def x_of(t: float) -> float:
        return left + (plot_w / 2 if t1 == t0 else (t - t0) / span * plot_w)

    series = (
        ("views", 1, "#0b57d0", gettext("浏览量"), left - 6, "end"),
        ("comments", 2, "#e8590c", gettext("评论数"), left + plot_w + 6, "start"),
    )
    parts.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        'stroke="#d0d7de"/>'
    )
    for key, index, color, label, axis_x, anchor in series:
        peak = _nice_ceiling(max(p[index] for p in points))
        for step in range(5):
            value = peak * step / 4
            y = top + plot_h - plot_h * step / 4
            if key == "views":
                parts.append(
                    f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                    'stroke="#eaeef2"/>'
                )
            parts.append(
                f'<text x="{axis_x}" y="{y + 4:.1f}" text-anchor="{anchor}" '
                f'font-size="11" fill="{color}">{_short_number(value)}</text>'
            )
        coords = [
            (x_of(t), top + plot_h - plot_h * (p[index] / peak))
            for t, p in zip(times, points, strict=True)
        ]
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            + '"/>'
        )
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in coords)
        legend_x = left + (0 if key == "views" else 110)
        parts.append(
            f'<rect x="{legend_x}" y="8" width="12" height="4" fill="{color}"/>'
            f'<text x="{legend_x + 16}" y="14" font-size="12">{escape(label)}</text>'
        )
    for t in sorted({t0, t1}):
        moment = next(p[0] for p in points if p[0].timestamp() == t)
        anchor = "start" if t == t0 and t1 != t0 else ("end" if t1 != t0 else "middle")
        parts.append(
            f'<text x="{x_of(t):.1f}" y="{height - 14}" text-anchor="{anchor}" '
            f'font-size="11" fill="#656d76">'
            f"{escape(format_datetime(moment, 'MM-dd HH:mm'))}</text>"
        )
    parts.append("</svg>")
    # Every text above is a number, a date or our own label, and went through escape().
    return Markup("".join(parts))


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def _short_number(value: float) -> str:
    if is_english():
        if value >= 1_000_000:
            return f"{value / 1_000_000:g}M"
        if value >= 1000:
            return f"{value / 1000:g}k"
    elif value >= 10000:
        return f"{value / 10000:g}万"
    return f"{value:g}"
