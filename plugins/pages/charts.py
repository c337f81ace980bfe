"""Charts as server-side SVG: no script, no network, scaled by the browser's viewBox.

Each chart is an ``<svg role="img">`` with a title and a description; the pages put the same
numbers in a table beside it (the text alternative), so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
LABEL_W = 200
ROW_H = 30
PAD = 12
#: Room on the right for the last axis label, centred on its tick.
RIGHT = 28


@dataclass(frozen=True)
class LevelRow:
    """One skill: the estimate with its uncertainty (0..1), the role's target and a goal."""

    label: str
    level: float | None
    low: float | None = None
    high: float | None = None
    target: float | None = None
    goal: bool = False


def _x(value: float) -> float:
    return LABEL_W + max(0.0, min(1.0, value)) * (WIDTH - LABEL_W - RIGHT)


def levels(
    rows: Sequence[LevelRow], *, title: str, description: str, key: str = "levels"
) -> Markup:
    """Horizontal bars: estimate, its interval as a whisker, the target as a dark tick."""
    height = PAD * 2 + ROW_H * max(1, len(rows)) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{key}-t {key}-d" class="chart">',
        f'<title id="{key}-t">{escape(title)}</title>'
        f'<desc id="{key}-d">{escape(description)}</desc>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{PAD}" x2="{x:.1f}" y2="{height - 20}" class="grid"/>'
            f'<text x="{x:.1f}" y="{height - 6}" class="axis" text-anchor="middle">'
            f"{int(tick * 100)}%</text>"
        )
    for i, row in enumerate(rows):
        y = PAD + i * ROW_H
        label = escape(row.label[:32]) + (" ★" if row.goal else "")
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 19}" text-anchor="end">{label}</text>')
        if row.level is not None:
            parts.append(
                f'<rect x="{LABEL_W}" y="{y + 8}" width="{_x(row.level) - LABEL_W:.1f}" '
                f'height="14" class="bar"/>'
            )
        if row.low is not None and row.high is not None:
            lo, hi = _x(row.low), _x(row.high)
            parts.append(
                f'<line x1="{lo:.1f}" y1="{y + 15}" x2="{hi:.1f}" y2="{y + 15}" class="spread"/>'
                f'<line x1="{lo:.1f}" y1="{y + 10}" x2="{lo:.1f}" y2="{y + 20}" class="spread"/>'
                f'<line x1="{hi:.1f}" y1="{y + 10}" x2="{hi:.1f}" y2="{y + 20}" class="spread"/>'
            )
        if row.target:
            tx = _x(row.target)
            parts.append(
                f'<line x1="{tx:.1f}" y1="{y + 4}" x2="{tx:.1f}" y2="{y + 26}" class="target"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[float | None]


def lines(
    series: Sequence[Series],
    x_labels: Sequence[str],
    *,
    title: str,
    description: str,
    maximum: float | None = None,
    percent: bool = False,
    key: str = "trend",
) -> Markup:
    """Lines over time; a missing point (None, e.g. withheld under k) breaks the line."""
    height = 236
    left, bottom, top = 48, 30, 30
    n = max(1, len(x_labels) - 1)
    values = [v for s in series for v in s.points if v is not None]
    top_value = maximum or (max(values) if values else 1.0) or 1.0

    def at(i: int, v: float) -> tuple[float, float]:
        x = left + i * (WIDTH - left - RIGHT) / n
        y = top + (1 - v / top_value) * (height - top - bottom)
        return x, y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{key}-t {key}-d" class="chart">',
        f'<title id="{key}-t">{escape(title)}</title>'
        f'<desc id="{key}-d">{escape(description)}</desc>',
    ]
    for frac in (0, 0.5, 1):
        _, y = at(0, top_value * frac)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
            f"{_short(top_value * frac, percent)}</text>"
        )
    step = max(1, len(x_labels) // 6)
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == len(x_labels) - 1:
            x, _ = at(i, 0)
            parts.append(
                f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" class="axis">'
                f"{escape(label)}</text>"
            )
    for k, s in enumerate(series):
        # Legend: a swatch and the series' name, left to right along the top.
        lx = left + k * 180
        parts.append(
            f'<line x1="{lx}" y1="10" x2="{lx + 18}" y2="10" class="line s{k % 4}"/>'
            f'<text x="{lx + 24}" y="14">{escape(s.label)}</text>'
        )
        run: list[str] = []
        for i, v in enumerate(s.points):
            if v is None:
                _flush(parts, run, k)
                run = []
                continue
            x, y = at(i, v)
            run.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="s{k % 4}"/>')
        _flush(parts, run, k)
    parts.append("</svg>")
    return Markup("".join(parts))


def _flush(parts: list[str], run: list[str], k: int) -> None:
    if len(run) > 1:
        parts.append(f'<polyline points="{" ".join(run)}" class="line s{k % 4}"/>')


def _short(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:.3g}"
