"""Report charts as PNG bytes, drawn with matplotlib's object API (a `Figure` with an Agg canvas: no pyplot,
no global state, safe from any thread): the funnel, the weighted forecast by close month, activity by rep.

Labels follow the reader's language when a font with Chinese glyphs is installed (Noto Sans CJK, WenQuanYi,
Source Han, SimHei, PingFang …); without one a Chinese reader's chart is labelled in English rather than in
empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                 "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN", "Droid Sans Fallback")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font family with Chinese glyphs, if any."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in _CJK_FAMILIES if family in installed), None)


def chart_language(lang: str) -> str:
    """The language a chart can be labelled in for a reader of `lang`."""
    return "zh" if lang.startswith("zh") and cjk_font() else "en"


@dataclass(frozen=True)
class ChartData:
    """What the report chart shows: (label, value) rows per panel, already in the chart's language."""

    title: str
    funnel_title: str
    funnel: Sequence[tuple[str, int, Decimal]]  # stage, open deals, amount
    forecast_title: str
    forecast: Sequence[tuple[str, Decimal, Decimal]]  # month, amount, weighted
    activity_title: str
    activity: Sequence[tuple[str, int]]  # rep, follow-ups logged
    legend_amount: str
    legend_weighted: str


def report_chart(data: ChartData, *, lang: str) -> bytes:
    """One PNG with the three panels of a report."""
    family = cjk_font() if lang == "zh" else None
    figure = Figure(figsize=(11, 3.8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    if family:
        figure.set_layout_engine("constrained")
    funnel, forecast, activity = figure.subplots(1, 3)
    font = {"family": family} if family else {}
    figure.suptitle(data.title, fontsize=13, **font)

    stages = [label for label, _, _ in data.funnel][::-1]
    amounts = [float(amount) for _, _, amount in data.funnel][::-1]
    counts = [count for _, count, _ in data.funnel][::-1]
    bars = funnel.barh(stages, amounts, color="#4C78A8")
    for bar, count in zip(bars, counts, strict=True):
        funnel.annotate(str(count), (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=8)
    funnel.set_title(data.funnel_title, fontsize=10, **font)

    months = [month for month, _, _ in data.forecast]
    positions = range(len(months))
    forecast.bar([p - 0.2 for p in positions], [float(a) for _, a, _ in data.forecast], width=0.4,
                 color="#9ECAE9", label=data.legend_amount)
    forecast.bar([p + 0.2 for p in positions], [float(w) for _, _, w in data.forecast], width=0.4,
                 color="#F58518", label=data.legend_weighted)
    forecast.set_xticks(list(positions), months, rotation=30, fontsize=8)
    forecast.set_title(data.forecast_title, fontsize=10, **font)
    if months:
        forecast.legend(fontsize=8, prop={"family": family, "size": 8} if family else None)

    reps = [rep for rep, _ in data.activity]
    activity.bar(reps, [n for _, n in data.activity], color="#54A24B")
    activity.tick_params(axis="x", labelrotation=30, labelsize=8)
    activity.set_title(data.activity_title, fontsize=10, **font)
    for axes in (funnel, forecast, activity):
        for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
            if family:
                label.set_fontfamily(family)
        axes.spines[["top", "right"]].set_visible(False)

    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
