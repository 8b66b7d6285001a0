"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable on a phone.

Pure functions: plain (label, value, value_text) items in, escaped markup out. Every chart scales to
its container (viewBox, width 100%) and carries the figures as <title> tooltips; the pages put the
same figures in a table beside it, which is what screen readers and printouts use.
"""

import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from html import escape

from markupsafe import Markup

WIDTH = 400  # user units; phones show about 330px of it, so text stays legible when scaled down
BAR_COLOUR = "#0d6efd"
GRID_COLOUR = "#dee2e6"
TEXT_COLOUR = "#212529"
MUTED_COLOUR = "#6c757d"
EMPTY_TEXT = "所选期间暂无数据"
FONT_FAMILY = "system-ui, -apple-system, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"

Item = tuple[str, int | float | Decimal, str]  # label, value (bar length), value as displayed


def _e(text) -> str:
    return escape(str(text), quote=True)


def text_width(text: str, size: float) -> float:
    """Approximate rendered width: CJK and other wide characters take a full em, the rest about half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.55 for ch in text)


def shorten(text: str, size: float, room: float) -> str:
    """The text cut with an ellipsis so that it fits `room` units at font size `size`."""
    if text_width(text, size) <= room:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > room:
            break
        out += ch
    return out + "…"


def _number(value) -> float:
    # Only the drawing uses floats (bar lengths); every figure shown as text comes from value_text.
    number = float(value or 0)
    return number if number > 0 else 0.0


def _empty(text: str) -> Markup:
    return Markup(
        f'<div class="chart-empty text-center text-muted border rounded bg-light py-4">{_e(text)}</div>'
    )


def _svg(height: float, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="{_e(title)}" '
        f'font-family="{FONT_FAMILY}">'
        f"<title>{_e(title)}</title>{''.join(body)}</svg>"
    )


def bar_chart(items: Iterable[Item], title: str, empty_text: str = EMPTY_TEXT) -> Markup:
    """Horizontal bars, one per item, the label above its bar and the displayed value after it."""
    items = list(items)
    if not items:
        return _empty(empty_text)
    top = max(_number(value) for _, value, _ in items) or 1.0
    label_size, value_size, row = 13, 12, 40
    value_room = max(text_width(text, value_size) for _, _, text in items) + 12
    track = max(WIDTH - value_room, WIDTH * 0.5)
    body = []
    for n, (label, value, value_text) in enumerate(items):
        y = 8 + n * row
        length = track * _number(value) / top
        if _number(value):
            length = max(length, 2.0)  # a tiny share still shows as a sliver
        body.append(
            f'<g class="bar-row"><title>{_e(label)}：{_e(value_text)}</title>'
            f'<text x="0" y="{y + 13}" font-size="{label_size}" fill="{TEXT_COLOUR}">'
            f"{_e(shorten(label, label_size, WIDTH))}</text>"
            f'<rect class="bar" x="0" y="{y + 18}" width="{length:.1f}" height="14" rx="2" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{length + 5:.1f}" y="{y + 30}" font-size="{value_size}" fill="{MUTED_COLOUR}">'
            f"{_e(value_text)}</text></g>"
        )
    return _svg(12 + len(items) * row, title, body)


GRID_LINES = 4


def nice_step(largest: float, lines: int = GRID_LINES) -> float:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten) whose `lines` steps reach `largest`: axis
    ticks people read at a glance (500, 1,000, 1,500 万元), not 352.5 and 1,057.5."""
    if largest <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(largest / lines))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude * lines >= largest:
            return float(factor * magnitude)
    return float(10 * magnitude)


def line_chart(
    items: Sequence[Item],
    title: str,
    empty_text: str = EMPTY_TEXT,
    tick_text: Callable[[float], str] | None = None,
    axis: Sequence[str] | None = None,
) -> Markup:
    """A line over ordered points (months), one marker per item; `axis` gives short axis labels.

    Axis labels stand upright when they fit under their point, are slanted otherwise, and only every
    k-th is written when there are many points.
    """
    items = list(items)
    if not items or not any(_number(value) for _, value, _ in items):
        return _empty(empty_text)
    axis = list(axis) if axis is not None and len(axis) == len(items) else [label for label, _, _ in items]
    size, left, right, top_pad = 11, 4, 4, 18
    plot_w = WIDTH - left - right
    step = plot_w / len(items)
    every = max(1, -(-len(items) // 12))  # at most about twelve axis labels
    upright = max(text_width(a, size) for a in axis) <= step * every - 2
    bottom = 22 if upright else 12 + max(min(text_width(a, size), 90) for a in axis) * 0.65
    height = 200 + bottom
    plot_h = height - top_pad - bottom
    tick = nice_step(max(_number(value) for _, value, _ in items), GRID_LINES)
    peak = tick * GRID_LINES  # the top line is a round number at or above the largest value
    body = []
    for k in range(GRID_LINES + 1):  # horizontal grid at round numbers: 0, one step, two steps, …
        y = top_pad + plot_h * (1 - k / GRID_LINES)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID_COLOUR}"/>'
        )
        if tick_text and k:
            body.append(
                f'<text x="{left + 2}" y="{y - 3:.1f}" font-size="10" fill="{MUTED_COLOUR}">'
                f"{_e(tick_text(tick * k))}</text>"
            )
    points = [
        (left + step * (n + 0.5), top_pad + plot_h * (1 - _number(value) / peak), label, value_text)
        for n, (label, value, value_text) in enumerate(items)
    ]
    body.append(
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            BAR_COLOUR, " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
        )
    )
    base = top_pad + plot_h + 14
    for n, (x, y, label, value_text) in enumerate(points):
        body.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BAR_COLOUR}">'
            f"<title>{_e(label)}：{_e(value_text)}</title></circle>"
        )
        if n % every:
            continue
        text = _e(shorten(axis[n], size, 90))
        if upright:
            body.append(
                f'<text x="{x:.1f}" y="{base:.1f}" font-size="{size}" fill="{TEXT_COLOUR}" '
                f'text-anchor="middle">{text}</text>'
            )
        else:
            body.append(
                f'<text x="{x:.1f}" y="{base:.1f}" font-size="{size}" fill="{TEXT_COLOUR}" text-anchor="end" '
                f'transform="rotate(-40 {x:.1f} {base:.1f})">{text}</text>'
            )
    return _svg(height, title, body)


def month_axis(keys: Sequence[str]) -> list[str]:
    """Short axis labels for YYYY-MM keys: "3月" within one year, "2025年3月" across years."""
    years = {key[:4] for key in keys}
    if len(years) == 1:
        return [f"{int(key[5:7])}月" for key in keys]
    return [f"{key[:4]}年{int(key[5:7])}月" for key in keys]


def month_series(rows: Iterable, start: date, end: date) -> list[tuple[str, str, object]]:
    """Every month from start to end as (YYYY-MM key, label, the row for it or None): gaps are months of
    zero."""
    by_key = {row.key: row for row in rows}
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        key = f"{year:04d}-{month:02d}"
        out.append((key, f"{year}年{month}月", by_key.get(key)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
