"""Charts drawn as PNG pictures with matplotlib.

A chart is described by plain data (its texts already in the reader's language) and drawn by
:func:`render_weeks`, which is meant to run in a worker thread (``asyncio.to_thread``) so the
event loop never waits for it. It uses matplotlib's non-interactive Agg canvas directly, never
``pyplot`` and its global figures; drawings are made one at a time, as matplotlib's font and
text caches are not made for several threads at once.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Colours told apart by most readers, colour-blind ones included (Tableau 10).
COLOURS = ("#4C78A8", "#54A24B", "#F58518", "#BAB0AC")
COLUMNS = 2
DPI = 110
WIDTH_INCHES = 10.0
PANEL_INCHES = 2.5
TITLE_INCHES = 1.1

_drawing = threading.Lock()


@dataclass(frozen=True)
class Panel:
    """One small chart: a title (shortened to its width, ``suffix`` always kept) and, for each
    series, one figure per week."""

    title: str
    values: tuple[tuple[int, ...], ...]
    suffix: str = ""


@dataclass(frozen=True)
class WeeksChart:
    """Panels of stacked weekly bars sharing their weeks, series and legend."""

    title: str
    weeks: tuple[str, ...]  # the labels under the bars
    series: tuple[str, ...]  # the legend, in stacking order (bottom first)
    panels: tuple[Panel, ...]


def render_weeks(chart: WeeksChart) -> bytes:
    """The chart as a PNG: one panel per entry, two to a row, stacked bars per week."""
    with _drawing:
        return _draw(chart)


def _draw(chart: WeeksChart) -> bytes:
    # Imported on first use: only /stats needs matplotlib, and it takes a while to load.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    count = max(len(chart.panels), 1)
    columns = min(COLUMNS, count)
    rows = math.ceil(count / columns)
    height = TITLE_INCHES + PANEL_INCHES * rows
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    # A fixed layout (margins in inches): as good as matplotlib's automatic ones for these
    # short labels, and much faster to draw.
    figure.subplots_adjust(
        left=0.6 / WIDTH_INCHES,
        right=1 - 0.2 / WIDTH_INCHES,
        top=1 - TITLE_INCHES / height,
        bottom=0.45 / height,
        hspace=0.6,
        wspace=0.15,
    )
    figure.suptitle(chart.title, y=1 - 0.12 / height, va="top", fontsize=13, parse_math=False)
    grid = figure.subplots(rows, columns, squeeze=False)
    positions = list(range(len(chart.weeks)))
    handles = []
    for index, axes in enumerate(grid.flat):
        if index >= len(chart.panels):
            axes.set_visible(False)
            continue
        panel = chart.panels[index]
        bottoms = [0] * len(positions)
        for values, colour, label in zip(panel.values, COLOURS, chart.series, strict=False):
            bars = axes.bar(positions, values, bottom=bottoms, color=colour, label=label)
            if index == 0:
                handles.append(bars)
            bottoms = [low + value for low, value in zip(bottoms, values, strict=True)]
        for position, total in zip(positions, bottoms, strict=True):
            if total:
                axes.annotate(
                    str(total),
                    (position, total),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
        _title(axes, panel)
        axes.set_xticks(positions, list(chart.weeks), fontsize=7)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(axis="y", labelsize=7)
        axes.set_ylim(0, max(max(bottoms, default=0) * 1.18, 1))
        axes.spines[["top", "right"]].set_visible(False)
    if handles:
        figure.legend(
            handles,
            chart.series,
            loc="upper center",
            bbox_to_anchor=(0.5, 1 - 0.5 / height),
            ncols=len(chart.series),
            fontsize=9,
            frameon=False,
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _title(axes: Axes, panel: Panel) -> None:
    """The panel's title, its end cut (with an ellipsis) where it would overrun the panel."""
    text = axes.set_title(panel.title + panel.suffix, loc="left", fontsize=10, parse_math=False)
    room = axes.get_window_extent().width
    if text.get_window_extent().width <= room:
        return
    fits, longest = 0, len(panel.title) - 1
    while fits < longest:  # the longest start of the title that fits, by halving
        middle = (fits + longest + 1) // 2
        text.set_text(panel.title[:middle].rstrip() + "…" + panel.suffix)
        if text.get_window_extent().width <= room:
            fits = middle
        else:
            longest = middle - 1
    text.set_text(panel.title[:fits].rstrip() + "…" + panel.suffix)
