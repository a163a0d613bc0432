"""The insights as a picture: questions per day as bars, the share refused as a line on its own
axis (0-100 %). A PNG drawn headless with matplotlib's object API (a Figure on an Agg canvas,
never pyplot's global state, so charts drawn in several threads do not meet), sized for
Discord's preview: 800 x 400 pixels, a few tens of kilobytes."""

from __future__ import annotations

import io
import math

from .insights import Insights

WIDTH, HEIGHT, DPI = 8, 4, 100  # inches and dots per inch: 800 x 400 pixels
BARS = "#4477aa"  # blue and red of Paul Tol's palette, told apart with colour blindness too
LINE = "#cc3311"


def chart_png(insights: Insights) -> bytes:
    """The chart of ``insights`` as PNG bytes: any number of days, days without questions too."""
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    days = [d.date for d in insights.per_day]
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    questions = figure.add_subplot()
    questions.bar(days, [d.questions for d in insights.per_day], width=0.8, color=BARS, label="Questions")
    most = max(d.questions for d in insights.per_day)
    questions.set_ylim(0, max(most, 1) * 1.25)  # room above the bars for the legend
    questions.yaxis.set_major_locator(MaxNLocator(integer=True))
    questions.set_ylabel("Questions per day")
    questions.xaxis.set_major_locator(mdates.DayLocator(interval=math.ceil(len(days) / 8)))  # 8 dates at most
    questions.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    questions.set_xlim(mdates.date2num(days[0]) - 0.6, mdates.date2num(days[-1]) + 0.6)

    refused = questions.twinx()
    shares = [100 * d.refused / d.questions if d.questions else float("nan") for d in insights.per_day]
    refused.plot(days, shares, color=LINE, marker="o", markersize=3 if len(days) > 31 else 5, label="Refused")
    refused.set_ylim(0, 100)
    refused.yaxis.set_major_formatter(PercentFormatter())
    refused.set_ylabel("Share refused")

    if not most:
        questions.text(0.5, 0.5, "No questions", transform=questions.transAxes, ha="center", fontsize="large")
    when = f"on {insights.end}" if insights.days == 1 else f"{insights.start} to {insights.end}"
    where = "all servers" if insights.guild_id is None else f"server {insights.guild_id}"
    questions.set_title(f"Questions per day, {when} (UTC), {where}")
    handles = questions.get_legend_handles_labels()[0] + refused.get_legend_handles_labels()[0]
    questions.legend(handles, ["Questions", "Share refused"], loc="upper left", fontsize="small")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
