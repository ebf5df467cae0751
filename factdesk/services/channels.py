"""Per-channel settings."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.models import VERDICTS, ChannelSettings, ClaimStatus
from factdesk.services.claims import Actor


def get(*, session: Session, team_id: str, channel_id: str) -> ChannelSettings | None:
    """The channel's settings row, if it has one."""
    return session.scalar(
        select(ChannelSettings).where(
            ChannelSettings.slack_team_id == team_id,
            ChannelSettings.slack_channel_id == channel_id,
        )
    )


def claim_cap(*, session: Session, team_id: str, channel_id: str, default: int) -> int:
    """How many claims an article posts in this channel before holding the rest back."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    if settings is None or settings.claim_cap is None:
        return default
    return settings.claim_cap


def set_claim_cap(*, session: Session, team_id: str, channel_id: str, cap: int | None) -> None:
    """Change the channel's cap; None returns it to the default."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    if settings is None:
        settings = ChannelSettings(slack_team_id=team_id, slack_channel_id=channel_id)
        session.add(settings)
    settings.claim_cap = cap
    session.flush()


DEFAULT_EVIDENCE_REQUIRED_FOR = frozenset({ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED})


def evidence_required_for(*, session: Session, team_id: str, channel_id: str) -> set[ClaimStatus]:
    """The verdicts that need at least one evidence link in this channel."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    if settings is None or settings.evidence_required_for is None:
        return set(DEFAULT_EVIDENCE_REQUIRED_FOR)
    return {ClaimStatus(value) for value in settings.evidence_required_for}


def editors(*, session: Session, team_id: str, channel_id: str) -> list[str]:
    """User ids who may give or change any verdict in this channel."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    return list(settings.editors or []) if settings is not None else []


def auto_links(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Whether links in ordinary messages start a fact-check (or only /factcheck does)."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    return settings is None or settings.auto_links is None or settings.auto_links


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_DIGEST_WEEKDAY = 0
DEFAULT_DIGEST_HOUR = 9
MAX_CLAIM_CAP = 45
MAX_EDITORS = 50

# Field keys of the settings form; the modal's input blocks use the same ids, so a
# refusal points at the field it is about.
CLAIM_CAP = "claim_cap"
EVIDENCE_FOR = "evidence_required_for"
EDITORS = "editors"
AUTO_LINKS = "auto_links"
DIGEST_ENABLED = "digest_enabled"
DIGEST_WEEKDAY = "digest_weekday"
DIGEST_HOUR = "digest_hour"
DIGEST_TIMEZONE = "digest_timezone"


@dataclass(frozen=True)
class Config:
    """A channel's settings with the defaults filled in; timezone None is the workspace's."""

    claim_cap: int
    evidence_required_for: frozenset[ClaimStatus]
    editors: tuple[str, ...]
    auto_links: bool
    digest_enabled: bool
    digest_weekday: int
    digest_hour: int
    digest_timezone: str | None


def config(*, session: Session, team_id: str, channel_id: str, default_cap: int) -> Config:
    """Everything the channel has chosen, with defaults where it has not."""
    row = get(session=session, team_id=team_id, channel_id=channel_id)
    return Config(
        claim_cap=claim_cap(
            session=session, team_id=team_id, channel_id=channel_id, default=default_cap
        ),
        evidence_required_for=frozenset(
            evidence_required_for(session=session, team_id=team_id, channel_id=channel_id)
        ),
        editors=tuple(editors(session=session, team_id=team_id, channel_id=channel_id)),
        auto_links=auto_links(session=session, team_id=team_id, channel_id=channel_id),
        digest_enabled=row is None or row.digest_enabled is None or row.digest_enabled,
        digest_weekday=_or(row.digest_weekday if row else None, DEFAULT_DIGEST_WEEKDAY),
        digest_hour=_or(row.digest_hour if row else None, DEFAULT_DIGEST_HOUR),
        digest_timezone=row.digest_timezone if row else None,
    )


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def check_config(new: Config) -> dict[str, str]:
    """What is wrong in a settings form, by field; empty when it can be saved."""
    problems: dict[str, str] = {}
    if not 1 <= new.claim_cap <= MAX_CLAIM_CAP:
        problems[CLAIM_CAP] = f"Pick a number from 1 to {MAX_CLAIM_CAP}."
    if not new.evidence_required_for <= VERDICTS:
        problems[EVIDENCE_FOR] = "Pick among Confirmed, Disputed and Unverified."
    if len(new.editors) > MAX_EDITORS:
        problems[EDITORS] = f"Name at most {MAX_EDITORS} editors."
    if not 0 <= new.digest_weekday <= 6:
        problems[DIGEST_WEEKDAY] = "Pick a day of the week."
    if not 0 <= new.digest_hour <= 23:
        problems[DIGEST_HOUR] = "Pick an hour from 00:00 to 23:00."
    if new.digest_timezone is not None and not is_timezone(new.digest_timezone):
        problems[DIGEST_TIMEZONE] = (
            f"“{new.digest_timezone[:60]}” is not a timezone I know. Use a name like "
            "Europe/Berlin or America/New_York, or leave it empty for the workspace's."
        )
    return problems


def is_timezone(name: str) -> bool:
    """True for an IANA timezone name such as Europe/Berlin."""
    if not name or name != name.strip() or ".." in name or name.startswith("/"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def save_config(*, session: Session, team_id: str, channel_id: str, new: Config) -> ChannelSettings:
    """Store a checked settings form as the channel's settings."""
    row = get(session=session, team_id=team_id, channel_id=channel_id)
    if row is None:
        row = ChannelSettings(slack_team_id=team_id, slack_channel_id=channel_id)
        session.add(row)
    row.claim_cap = new.claim_cap
    # Stored in a fixed order so the same choice always reads back the same.
    row.evidence_required_for = [
        status.value for status in ClaimStatus if status in new.evidence_required_for
    ]
    row.editors = list(dict.fromkeys(new.editors))
    row.auto_links = new.auto_links
    row.digest_enabled = new.digest_enabled
    row.digest_weekday = new.digest_weekday
    row.digest_hour = new.digest_hour
    row.digest_timezone = new.digest_timezone
    session.flush()
    return row


def may_change_settings(*, session: Session, team_id: str, channel_id: str, actor: Actor) -> bool:
    """Anyone may while a channel has no editors; after that, its editors and admins."""
    names = editors(session=session, team_id=team_id, channel_id=channel_id)
    return not names or actor.user_id in names or actor.is_admin
