"""The add-a-claim dialog, submitted: store the claim, then the worker posts it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps
from factdesk.errors import InvalidRequest
from factdesk.ids import ActionId
from factdesk.render import dialogs
from factdesk.services import claims


def handle_add_claim_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    metadata = str(view.get("private_metadata") or "")
    if not metadata.isdigit():
        raise InvalidRequest(detail=f"add-claim metadata {metadata!r}")
    article_id = int(metadata)
    field = (view.get("state") or {}).get("values", {}).get(dialogs.ADD_CLAIM_BLOCK, {})
    text = str((field.get(ActionId.ADD_CLAIM_TEXT.value) or {}).get("value") or "").strip()
    problem = dialogs.add_claim_problem(text)
    if problem is None:
        try:
            with deps.session(context) as session:
                claims.add_manual(
                    session=session, article_id=article_id, text=text, user_id=body["user"]["id"]
                )
        except InvalidRequest as refused:
            logger.info("add claim refused article_id=%s: %s", article_id, refused.detail)
            problem = refused.user_message
    if problem is not None:
        ack(response_action="errors", errors={dialogs.ADD_CLAIM_BLOCK: problem})
        return
    ack()
    deps.queue(context).post_new_claims(article_id)
    logger.info("claim added article_id=%s by=%s", article_id, body["user"]["id"])
