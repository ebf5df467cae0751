"""The digest's chart: claims found per day, stacked by where they stand, as a PNG, with
its title, file name and the alt text that says what it shows.

matplotlib costs every process that loads it ~25 MB and only a weekly digest draws, so it
is imported on the first drawing, not with this module.
"""

from __future__ import annotations

import io
from datetime import date
from threading import Lock

from factdesk.render.digest import week_range
from factdesk.render.mrkdwn import clip
from factdesk.services.digests import CLAIMED, OPEN, STANDINGS, Digest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

LABELS = {
    OPEN: "Open",
    CLAIMED: "Claimed",
    "confirmed": "Confirmed",
    "disputed": "Disputed",
    "unverified": "Unverified",
}
COLOURS = {
    OPEN: "#c9ced6",
    CLAIMED: "#5b8def",
    "confirmed": "#2eb67d",
    "disputed": "#e01e5a",
    "unverified": "#ecb22e",
}

# matplotlib's state is not thread-safe even with Figure objects; workers are processes,
# but a threaded caller (tests, the bot) must not draw two charts at once.
_drawing = Lock()


def claims_per_day(per_day: dict[date, dict[str, int]], *, title: str) -> bytes:
    """A stacked bar per day (claims found that day, by status now); PNG bytes."""
    import matplotlib

    # No display in a worker; Agg draws straight to a buffer.
    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # after the backend is chosen
    from matplotlib.ticker import MaxNLocator

    days = sorted(per_day)
    labels = [day.strftime("%a %d %b") for day in days]
    with _drawing:
        figure = Figure(figsize=(8, 4), dpi=100)
        axes = figure.subplots()
        bottoms = [0] * len(days)
        for standing in STANDINGS:
            heights = [per_day[day].get(standing, 0) for day in days]
            axes.bar(
                labels,
                heights,
                bottom=bottoms,
                label=LABELS[standing],
                color=COLOURS[standing],
                width=0.7,
            )
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        axes.set_title(title, fontsize=11)
        axes.set_ylabel("Claims found")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(0, max([*bottoms, 1]) * 1.3)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper left", ncols=5, fontsize=8, frameon=False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_title(digest: Digest) -> str:
    return f"Claims per day, {week_range(digest.week)}"


def chart_filename(digest: Digest) -> str:
    return f"factdesk-digest-{digest.channel_id}-{digest.week.start.isoformat()}.png"


def chart_alt_text(digest: Digest) -> str:
    """What the chart shows, for screen readers: the day totals."""
    days = ", ".join(
        f"{day:%a} {sum(counts.values())}" for day, counts in sorted(digest.per_day.items())
    )
    return clip(f"Bar chart of claims found per day, stacked by status: {days}.", 1000)
