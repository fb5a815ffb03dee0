"""The geometry of the dashboard's charts; `templates/reporting/_charts.html` draws them as SVG.

Charts are worked out here in plain numbers (positions in the SVG's own units) so the templates only
place shapes and text. Labels stay text. Right-to-left pages mirror bar charts (labels on the right,
bars growing leftwards, `direction="rtl"` on the text); time keeps running left to right, as dates
are written. Colours are the Okabe–Ito set (told apart with every common colour-vision deficiency)
and every series is also told apart without colour: a dash pattern and a label at its end.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 400  # near a phone's width, so text keeps its size there; wider screens scale it up a little
BAR_ROW = 34  # a label line above a bar
BAR_HEIGHT = 14
LINE_HEIGHT = 220
SPARK_WIDTH, SPARK_HEIGHT = 120, 28
TILE = 40
TILE_SHADES = 5  # classes of the tile map, from "none" to "most"
LABEL_GAP = 20  # between the baselines of two line names: 12-unit text with room for Arabic and CJK ascents


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: float  # top of the row
    bar_x: float
    bar_width: float
    label_x: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    anchor: str  # text-anchor for labels: "start" reads from the page's starting side
    value_anchor: str
    direction: str


def bar_chart(items: Sequence[tuple[str, float, str]], rtl: bool = False, width: int = WIDTH) -> BarChart:
    """Horizontal bars for (label, value, value as written): the label above each bar, the value after it."""
    top = max((value for _, value, _ in items), default=0) or 1
    room = width - 100  # the value's text after the longest bar
    bars = []
    for index, (label, value, text) in enumerate(items):
        length = max(0.0, room * value / top)
        if value > 0:
            length = max(length, 2.0)  # a small non-zero value stays visible
        y = index * BAR_ROW
        if rtl:
            bars.append(Bar(label, text, y, width - length, length, width, width - length - 6))
        else:
            bars.append(Bar(label, text, y, 0, length, 0, length + 6))
    return BarChart(width, max(1, len(items)) * BAR_ROW, bars, "start", "end" if rtl else "start",
                    "rtl" if rtl else "ltr")


@dataclass(frozen=True)
class Series:
    name: str
    points: str  # "x,y x,y …" for a polyline
    css: str  # its colour and dash pattern
    end_x: float
    end_y: float
    label_y: float  # the baseline of its name after the last point, kept clear of the other series' names


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    plot_width: int
    plot_height: int
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


def nice_top(value: float) -> float:
    """A round number at least `value` for an axis' top (1, 2, 2.5, 5 × a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]],
               format_value, width: int = WIDTH) -> LineChart:
    """Lines over days: `series` are (name, one value per label, css class); `format_value` writes ticks."""
    left, bottom, right = 44, 24, 52
    plot_width, plot_height = width - left - right, LINE_HEIGHT - bottom - 8
    top = nice_top(max((max(values, default=0) for _, values, _ in series), default=0))
    count = max(1, len(labels) - 1)

    def x(index: int) -> float:
        return round(left + plot_width * index / count, 1)

    def y(value: float) -> float:
        return round(8 + plot_height * (1 - value / top), 1)

    ends = [(y(values[-1]) if values else y(0)) for _, values, _ in series]
    baselines = spread_labels(ends, top=14, bottom=8 + plot_height + 4)
    drawn = []
    for (name, values, css), end_y, label_y in zip(series, ends, baselines, strict=True):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        drawn.append(Series(name, points, css, x(len(values) - 1) + 6, end_y, label_y))
    y_ticks = [Tick(y(top * step / 4), format_value(top * step / 4)) for step in range(5)]
    wanted = sorted({0, len(labels) // 2, len(labels) - 1}) if labels else []
    x_ticks = [Tick(x(i), labels[i]) for i in wanted]
    return LineChart(width, LINE_HEIGHT, left, plot_width, plot_height, drawn, y_ticks, x_ticks)


def spread_labels(ends: Sequence[float], top: float, bottom: float, gap: float = LABEL_GAP) -> list[float]:
    """Baselines for the names written after the lines' last points (`ends`, in the order given): each near
    its point, at least `gap` apart so that two lines ending close together keep legible names, and all
    between `top` and `bottom`."""
    order = sorted(range(len(ends)), key=lambda index: ends[index])
    placed: dict[int, float] = {}
    previous = top - gap
    for index in order:
        placed[index] = max(ends[index] + 4, previous + gap, top)
        previous = placed[index]
    overflow = previous - bottom
    if overflow > 0:  # pushed below the plot: move the whole stack up, keeping the gaps
        for index in placed:
            placed[index] = max(top, placed[index] - overflow)
    return [round(placed[index], 1) for index in range(len(ends))]


def sparkline(values: Sequence[float]) -> str:
    """Polyline points for a small line of `values` (flat at the bottom when all are zero)."""
    if not values:
        return ""
    top = max(values) or 1
    step = SPARK_WIDTH / max(1, len(values) - 1)
    return " ".join(f"{round(i * step, 1)},{round(2 + (SPARK_HEIGHT - 4) * (1 - v / top), 1)}"
                    for i, v in enumerate(values))


@dataclass(frozen=True)
class FunnelBar:
    label: str
    count: int
    share: int  # percent of the first step
    x: float
    width: float
    y: float


def funnel(steps: Sequence[tuple[str, int]], width: int = WIDTH) -> list[FunnelBar]:
    """Centred bars, each as wide as its share of the first step (symmetrical, so the same in both directions)."""
    first = steps[0][1] if steps else 0
    bars = []
    for index, (label, count) in enumerate(steps):
        share = round(100 * count / first) if first else 0
        bar_width = max(2.0, width * share / 100) if count else 0.0
        bars.append(FunnelBar(label, count, share, (width - bar_width) / 2, bar_width, index * 48))
    return bars


def shade(value: int, top: int) -> int:
    """The tile map's class for `value` stores: 0 for none, then 1–4 by quarters of the largest."""
    if value <= 0 or top <= 0:
        return 0
    return min(TILE_SHADES - 1, 1 + (4 * (value - 1)) // max(1, top))
