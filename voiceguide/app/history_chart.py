"""A picture of how it goes: sessions per week, and pain before and after each session, per routine.

People tracking chronic pain over weeks would rather look than read. Drawn with matplotlib's
object API (a Figure of its own, no pyplot and no window), so it works on a machine with no
display and never touches global plotting state.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from pathlib import Path

from voiceguide.atomic import replacing
from voiceguide.errors import VoiceguideError
from voiceguide.userdata.history import SessionRecord

FORMATS = {".png": "png", ".svg": "svg"}


def week_start(moment: dt.datetime) -> dt.date:
    """The Monday of the moment's week."""
    day = moment.date()
    return day - dt.timedelta(days=day.weekday())


def sessions_per_week(records: list[SessionRecord]) -> dict[str, dict[dt.date, int]]:
    """Per routine title, sessions in each week from the first session's week to the last's (empty weeks as 0)."""
    weeks = [week_start(r.started) for r in records]
    first, last = min(weeks), max(weeks)
    every_week = [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    counts: dict[str, Counter] = {}
    for record, week in zip(records, weeks, strict=True):
        counts.setdefault(record.title, Counter())[week] += 1
    return {title: {week: counted[week] for week in every_week} for title, counted in sorted(counts.items())}


def draw_chart(records: list[SessionRecord], path: Path) -> None:
    """Write the chart to `path`, PNG or SVG by its suffix, replacing it only once complete."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise VoiceguideError(f"cannot draw a chart as '{path.suffix or path.name}': name a .png or .svg file")
    if not records:
        raise VoiceguideError("no sessions yet: play a routine, and the chart will have something to show")
    from matplotlib import rc_context
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    with rc_context({"svg.fonttype": "none", "font.size": 11}):  # SVG text stays text: readable, searchable
        figure = Figure(figsize=(10, 7), layout="constrained")
        weekly, pain = figure.subplots(2, 1)
        _draw_weeks(weekly, sessions_per_week(records))
        _draw_pain(pain, records)
        for axes in (weekly, pain):
            locator = AutoDateLocator(maxticks=8)
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        figure.suptitle("voiceguide: how it goes", fontsize=14)
        drawn = io.BytesIO()
        figure.savefig(drawn, format=kind, dpi=100)
    with replacing(path) as out:
        out.write(drawn.getvalue())


def _draw_weeks(axes, per_week: dict[str, dict[dt.date, int]]) -> None:
    bottom: dict[dt.date, int] = {}
    for title, counts in per_week.items():
        weeks = list(counts)
        axes.bar(weeks, [counts[w] for w in weeks], width=5, bottom=[bottom.get(w, 0) for w in weeks],
                 label=title, align="edge")
        for week in weeks:
            bottom[week] = bottom.get(week, 0) + counts[week]
    axes.set_title("Sessions per week")
    axes.set_ylabel("sessions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(loc="upper left", fontsize=9)


def _draw_pain(axes, records: list[SessionRecord]) -> None:
    rated = [r for r in sorted(records, key=lambda r: r.started) if r.pain_before is not None or r.pain_after is not None]
    if not rated:
        axes.text(0.5, 0.5, "No pain ratings yet (history: ask_pain: true in the config asks for them)",
                  ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    for index, title in enumerate(sorted({r.title for r in rated})):
        colour = f"C{index}"
        own = [r for r in rated if r.title == title]
        before = [(r.started, r.pain_before) for r in own if r.pain_before is not None]
        after = [(r.started, r.pain_after) for r in own if r.pain_after is not None]
        for record in own:  # each session's change, before to after
            if record.pain_before is not None and record.pain_after is not None:
                axes.plot([record.started] * 2, [record.pain_before, record.pain_after], color=colour, alpha=0.5)
        if before:
            axes.plot(*zip(*before, strict=True), "o", markerfacecolor="none", color=colour, label=f"{title}: before")
        if after:
            axes.plot(*zip(*after, strict=True), "o", color=colour, label=f"{title}: after")
    axes.set_title("Pain before (open) and after (filled) each session")
    axes.set_ylabel("pain, 0 to 10")
    axes.set_ylim(-0.5, 10.5)
    axes.legend(loc="upper left", fontsize=9)

