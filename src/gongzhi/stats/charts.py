"""The bulletin's charts as PNG images (matplotlib, Agg), drawn from its figures.

The charts are drawn from the figures dict of :func:`gongzhi.stats.bulletin.bulletin_figures`,
never from live data, so an issued bulletin draws the same charts every time.
Chinese labels are set in "Noto Sans CJK SC" (Debian's fonts-noto-cjk); a missing
font raises :class:`~gongzhi.core.documents.FontMissing` rather than drawing empty
boxes where the characters should be.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from matplotlib.ticker import MaxNLocator

from gongzhi.core.documents import NOTO_SANS_SC, FontMissing

#: Red of official documents, and a muted second colour.
RED = "#c00000"
GREY = "#7f7f7f"
DPI = 150


def chart_font_path(family: str = NOTO_SANS_SC) -> str:
    """The file of ``family`` as matplotlib finds it, else :class:`FontMissing`."""
    from matplotlib import font_manager

    try:
        path: str = font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False
        )
    except ValueError as exc:
        raise FontMissing(family) from exc
    return path


def _figure(width: float, height: float) -> tuple[Any, Any, Any]:
    # The object API draws with Agg and keeps no global state (pyplot is not used).
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    properties = font_manager.FontProperties(fname=chart_font_path())
    figure = Figure(figsize=(width, height), dpi=DPI)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes, properties


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def _label(axes: Any, properties: Any, *, title: str, ylabel: str) -> None:
    axes.set_title(title, fontproperties=properties, fontsize=13)
    axes.set_ylabel(ylabel, fontproperties=properties, fontsize=10)
    for tick in axes.get_xticklabels() + axes.get_yticklabels():
        tick.set_fontproperties(properties)
        tick.set_fontsize(8)


def sessions_chart(series: Sequence[dict[str, Any]]) -> bytes:
    """Person-times per held session (bars), from ``figures["series"]``."""
    figure, axes, properties = _figure(7.0, 3.2)
    labels = [_month_day(point["date"]) for point in series]
    values = [int(point["person_times"]) for point in series]
    positions = range(len(values))
    bars = axes.bar(positions, values, color=RED, width=0.6)
    axes.bar_label(bars, labels=[str(v) for v in values], fontsize=7, padding=2)
    axes.set_xticks(list(positions), labels)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _label(axes, properties, title="各场次投入人力（人次）", ylabel="人次")
    if not values:
        axes.text(
            0.5, 0.5, "期间内无活动场次", ha="center", transform=axes.transAxes,
            fontproperties=properties,
        )  # fmt: skip
    return _png(figure)


def categories_chart(rows: Sequence[dict[str, Any]]) -> bytes:
    """Problems reported and closed by category (horizontal bars), from
    ``figures["problems"]["by_category"]``."""
    shown = [row for row in rows if int(row["reported"])][:12]
    figure, axes, properties = _figure(7.0, 0.9 + 0.32 * max(len(shown), 3))
    names = [str(row["name"]) for row in shown][::-1]
    reported = [int(row["reported"]) for row in shown][::-1]
    closed = [int(row["closed"]) for row in shown][::-1]
    positions = list(range(len(names)))
    axes.barh([p + 0.2 for p in positions], reported, height=0.4, color=GREY, label="发现")
    axes.barh([p - 0.2 for p in positions], closed, height=0.4, color=RED, label="办结")
    axes.set_yticks(positions, names)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _label(axes, properties, title="各类问题发现及办结情况（件）", ylabel="")
    if shown:
        axes.legend(prop=properties, fontsize=8, frameon=False, loc="lower right")
    else:
        axes.text(
            0.5, 0.5, "期间内无问题", ha="center", transform=axes.transAxes,
            fontproperties=properties,
        )  # fmt: skip
    return _png(figure)


def _month_day(value: str) -> str:
    month, day = str(value)[5:7], str(value)[8:10]
    return f"{int(month)}/{int(day)}"
