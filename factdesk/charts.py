"""The digest's chart: claims found per day, stacked by where they stand, as a PNG."""

from __future__ import annotations

import io
from datetime import date
from threading import Lock

import matplotlib

# No display in a worker; Agg draws straight to a buffer.
matplotlib.use("Agg")

from matplotlib.figure import Figure  # after the backend is chosen
from matplotlib.ticker import MaxNLocator

from factdesk.services.digests import CLAIMED, OPEN, STANDINGS

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
