"""The digest's chart: a PNG of the week, even an empty one, with words that describe it."""

from __future__ import annotations

import struct
from datetime import date, timedelta

from sqlalchemy.orm import Session

from factdesk.render import charts as render_charts
from factdesk.services import digests
from factdesk.services.digests import Week
from tests.factdesk.services.digest_week import NOW, TEAM, seed

WEEK = Week(date(2024, 11, 18), "UTC")


def _digest(session: Session, channel: str) -> digests.Digest:
    seed(session, channel)
    return digests.build(session=session, team_id=TEAM, channel_id=channel, week=WEEK, now=NOW)


def test_the_chart_is_a_png_of_the_week(session: Session) -> None:
    digest = _digest(session, "C0DIGCHART")

    png = render_charts.claims_per_day(digest.per_day, title=render_charts.chart_title(digest))

    assert png.startswith(render_charts.PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (width, height) == (800, 400)
    assert 5_000 < len(png) < 500_000
    assert render_charts.chart_alt_text(digest).endswith(
        "Mon 4, Tue 0, Wed 3, Thu 0, Fri 0, Sat 0, Sun 0."
    )


def test_an_empty_week_still_draws() -> None:
    week: dict[date, dict[str, int]] = {WEEK.start + timedelta(days=i): {} for i in range(7)}

    assert render_charts.claims_per_day(week, title="Nothing").startswith(
        render_charts.PNG_SIGNATURE
    )
