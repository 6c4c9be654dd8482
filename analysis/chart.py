"""Trend charts as PNG (matplotlib, headless) in the bundled Chinese font, so labels never render as boxes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from analysis.trends import TrendRow

FONT = Path(__file__).resolve().parents[1] / "data" / "fonts" / "NotoSansSC-newsmon-subset.otf"


def trend_chart(rows: Sequence[TrendRow], out: Path, *, per: int = 1000, by: str = "month") -> Path:
    """Draw each term's rate per period as a line; returns the file written."""
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
            series = [r.rate for r in rows if r.term == term]
            axes.plot(periods, series, marker="o", markersize=3, label=term)
        axes.set_ylabel(f"每{per}篇文章中使用该词的文章数", fontfamily=family)
        axes.set_xlabel({"month": "月份", "quarter": "季度", "year": "年份"}.get(by, by), fontfamily=family)
        axes.set_title("newsmon 提法趋势", fontfamily=family)
        step = max(1, len(periods) // 20)
        axes.set_xticks(range(0, len(periods), step), [periods[i] for i in range(0, len(periods), step)])
        axes.tick_params(axis="x", labelrotation=45)
        axes.legend(prop={"family": family})
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        figure.tight_layout()
        out.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(out)
    plt.close(figure)
    return out
