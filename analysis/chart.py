"""Trend charts as PNG (matplotlib, headless) in the bundled Chinese font, so labels never render as boxes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from analysis.trends import TrendRow

FONT = Path(__file__).resolve().parents[1] / "data" / "fonts" / "NotoSansSC-newsmon-subset.otf"


def scale_top(rows: Sequence[TrendRow], *, count: bool = False) -> float | None:
    """The top of a chart's scale: the highest value of a certain period (an uncertain one may run off it)."""
    values = [float(r.articles if count else (r.rate or 0.0)) for r in rows if r.total_articles and not r.uncertain]
    return max(values) * 1.1 if values and max(values) > 0 else None


def trend_chart(
    rows: Sequence[TrendRow], out: Path, *, per: int = 1000, by: str = "month", count: bool = False
) -> Path:
    """Draw each query's share (or count) per period as a line: no article in a period is a gap, an uncertain
    period a hollow point that does not set the scale. Returns the file written."""
    try:
        import matplotlib
    except ImportError as error:  # an optional extra: say how to get it
        raise RuntimeError("charts need matplotlib: pip install 'newsmon[analysis]'") from error
    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font_manager.fontManager.addfont(str(FONT))
    family = font_manager.FontProperties(fname=str(FONT)).get_name()
    periods = list(dict.fromkeys(r.period for r in rows))
    figure, axes = plt.subplots(figsize=(max(6.0, min(16.0, len(periods) * 0.25)), 4.5), dpi=120)
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        for term in dict.fromkeys(r.term for r in rows):
            mine = [r for r in rows if r.term == term]
            series = [
                float("nan") if not r.total_articles else float(r.articles if count else r.rate or 0) for r in mine
            ]
            (line,) = axes.plot(range(len(periods)), series, marker="o", markersize=3, label=term)
            doubtful = [(i, v) for i, (r, v) in enumerate(zip(mine, series, strict=True)) if r.uncertain]
            if doubtful:
                xs, ys = zip(*doubtful, strict=True)
                axes.plot(xs, ys, "o", markersize=6, markerfacecolor="white", color=line.get_color())
        ylabel = "匹配文章数" if count else f"每{per}篇文章中匹配的文章数"
        axes.set_ylabel(ylabel + "（空心点：样本不足）", fontfamily=family)
        axes.set_xlabel({"month": "月份", "quarter": "季度", "year": "年份"}.get(by, by), fontfamily=family)
        axes.set_title("newsmon 提法趋势", fontfamily=family)
        step = max(1, len(periods) // 20)
        axes.set_xticks(range(0, len(periods), step), [periods[i] for i in range(0, len(periods), step)])
        axes.tick_params(axis="x", labelrotation=45)
        axes.legend(prop={"family": family})
        axes.set_ylim(bottom=0, top=scale_top(rows, count=count))
        axes.grid(alpha=0.3)
        figure.tight_layout()
        out.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(out)
    plt.close(figure)
    return out
