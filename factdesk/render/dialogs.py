"""The dialogs a thread's buttons open: a verdict's note and evidence, and "Add a claim"."""

from __future__ import annotations

import json

from factdesk.ids import ActionId, CallbackId
from factdesk.models import Article, Claim, ClaimStatus
from factdesk.render.blocks import Block, context, section
from factdesk.render.mrkdwn import clip
from factdesk.render.thread import VERDICT_NAME, article_link, quote
from factdesk.services.claims import EVIDENCE, EXPLANATION, NOTE

ADD_CLAIM_BLOCK = "claim"
ADD_CLAIM_LIMIT = 1000


def verdict_modal(
    claim: Claim,
    status: ClaimStatus,
    *,
    number: int,
    total: int,
    channel_id: str,
    evidence_required: bool,
) -> Block:
    """The dialog a verdict button opens: note, evidence links, rating explanation."""
    name = VERDICT_NAME[status]
    metadata = json.dumps(
        {"claim_id": claim.id, "status": status.value, "channel_id": channel_id},
        separators=(",", ":"),
    )
    # Changing a verdict starts from the current one rather than from blank fields.
    keep = claim.status.is_verdict
    note_hint = (
        "Required for Disputed: say what is wrong with the claim."
        if status is ClaimStatus.DISPUTED
        else "Optional: what you checked and what you found."
    )
    evidence_hint = "One full link (https://…) per line. " + (
        f"This channel needs at least one for {name}."
        if evidence_required
        else f"Optional for {name} in this channel."
    )
    return {
        "type": "modal",
        "callback_id": CallbackId.VERDICT_MODAL.value,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": f"Mark as {name}"},
        "submit": {"type": "plain_text", "text": "Save verdict"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*Claim {number} of {total}*\n{quote(claim.text, 2500)}"),
            _text_input(
                NOTE,
                ActionId.VERDICT_NOTE,
                "Note",
                note_hint,
                initial=claim.verdict_note if keep else None,
                optional=status is not ClaimStatus.DISPUTED,
                max_length=3000,
            ),
            _text_input(
                EVIDENCE,
                ActionId.VERDICT_EVIDENCE,
                "Evidence links",
                evidence_hint,
                initial="\n".join(claim.evidence_urls) if keep and claim.evidence_urls else None,
                optional=not evidence_required,
                max_length=3000,
            ),
            _text_input(
                EXPLANATION,
                ActionId.VERDICT_EXPLANATION,
                "Rating explanation",
                "Optional: why this rating, in a sentence readers will see.",
                initial=claim.rating_explanation if keep else None,
                optional=True,
                max_length=1000,
            ),
        ],
    }


def _text_input(
    block_id: str,
    action_id: ActionId,
    label: str,
    hint: str,
    *,
    initial: str | None,
    optional: bool,
    max_length: int,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": action_id.value,
        "multiline": True,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = clip(initial, max_length)
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "hint": {"type": "plain_text", "text": hint},
        "element": element,
    }


def add_claim_modal(article: Article) -> Block:
    """The dialog "Add a claim" opens: one sentence the finder missed."""
    return {
        "type": "modal",
        "callback_id": CallbackId.ADD_CLAIM_MODAL.value,
        "private_metadata": str(article.id),
        "title": {"type": "plain_text", "text": "Add a claim"},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            context(f"A claim from {article_link(article)} that should be checked."),
            {
                "type": "input",
                "block_id": ADD_CLAIM_BLOCK,
                "label": {"type": "plain_text", "text": "Claim"},
                "hint": {
                    "type": "plain_text",
                    "text": "Quote the sentence as it appears, so it can be found again.",
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": ActionId.ADD_CLAIM_TEXT.value,
                    "multiline": True,
                    "max_length": ADD_CLAIM_LIMIT,
                },
            },
        ],
    }


def add_claim_problem(text: str) -> str | None:
    """What is wrong with a claim typed into "Add a claim", shown under the field."""
    if not text:
        return "Write the claim you want to add."
    if len(text) > ADD_CLAIM_LIMIT:
        return f"Keep the claim under {ADD_CLAIM_LIMIT} characters."
    return None
