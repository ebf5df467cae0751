"""Unsaved rows and settings the renderer tests draw from: renderers read attributes only."""

from __future__ import annotations

from factdesk.models import Claim, ClaimStatus
from factdesk.services.channels import Config

# A channel that chose nothing (tests/factdesk/services/test_channels.py spells the defaults).
DEFAULT_CONFIG = Config(
    claim_cap=15,
    evidence_required_for=frozenset({ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED}),
    editors=(),
    auto_links=True,
    digest_enabled=True,
    digest_weekday=0,
    digest_hour=9,
    digest_timezone=None,
)


def claim(**overrides: object) -> Claim:
    """An open, unclaimed claim task with a figure and a source."""
    fields: dict[str, object] = {
        "id": 7,
        "text": "U.S. officials estimate that Russia is recruiting 25,000 new troops a month.",
        "score": 0.91,
        "reasons": ["number or statistic", "attribution"],
        "status": ClaimStatus.OPEN,
        "assignee": None,
    }
    return Claim(**{**fields, **overrides})
