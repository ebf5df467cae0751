"""What a verdict needs and who may give it: the checks made before any change is stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from factdesk.errors import InvalidRequest, NotAllowed
from factdesk.links import is_web_url
from factdesk.models import Claim, ClaimStatus

# Field keys of a verdict; the modal's input blocks use the same ids, so a refusal
# points at the field it is about.
NOTE = "note"
EVIDENCE = "evidence"
EXPLANATION = "explanation"
NOTE_LIMIT = 3000
EXPLANATION_LIMIT = 1000
MAX_EVIDENCE_LINKS = 10


@dataclass(frozen=True)
class Actor:
    """Who is acting, and what the channel lets them do."""

    user_id: str
    is_admin: bool = False
    is_editor: bool = False

    @property
    def oversees(self) -> bool:
        """Editors and workspace admins may act on anyone's task."""
        return self.is_admin or self.is_editor


def check_verdict(
    *,
    status: ClaimStatus,
    note: str | None,
    evidence_urls: Sequence[str],
    explanation: str | None = None,
    evidence_required_for: Iterable[ClaimStatus],
) -> dict[str, str]:
    """What is missing or wrong in a verdict, by field; empty when it can be recorded."""
    problems: dict[str, str] = {}
    note = (note or "").strip()
    if status is ClaimStatus.DISPUTED and not note:
        problems[NOTE] = "Say what is wrong with the claim: a note is required for Disputed."
    elif len(note) > NOTE_LIMIT:
        problems[NOTE] = f"Keep the note under {NOTE_LIMIT} characters."
    bad = [url for url in evidence_urls if not is_web_url(url)]
    if bad:
        problems[EVIDENCE] = (
            f"“{bad[0][:80]}” is not a web link. Put one full link (https://…) on each line."
        )
    elif len(evidence_urls) > MAX_EVIDENCE_LINKS:
        problems[EVIDENCE] = f"Add at most {MAX_EVIDENCE_LINKS} links."
    elif not evidence_urls and status in set(evidence_required_for):
        problems[EVIDENCE] = (
            f"This channel needs at least one evidence link for {status.value.capitalize()}."
        )
    if explanation and len(explanation) > EXPLANATION_LIMIT:
        problems[EXPLANATION] = f"Keep the explanation under {EXPLANATION_LIMIT} characters."
    return problems


def check_may_give_verdict(claim: Claim, actor: Actor) -> None:
    """NotAllowed or InvalidRequest unless a verdict can be given on this task by the actor."""
    if claim.status is ClaimStatus.DISMISSED:
        raise InvalidRequest("This was marked as not a claim. Reopen it to give it a verdict.")
    check_may_judge(claim, actor)


def check_may_judge(claim: Claim, actor: Actor) -> None:
    """NotAllowed unless the actor may give or change this task's verdict."""
    if claim.assignee in (None, actor.user_id) or actor.oversees:
        return
    raise NotAllowed(
        f"Only <@{claim.assignee}> (who claimed this task), this channel's editors or a "
        "workspace admin can give or change its verdict. Ask them, or ask an editor to "
        "reassign it to you."
    )
