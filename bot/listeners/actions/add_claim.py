"""Add a claim: open the dialog for a claim the finder missed."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import deps, payloads
from factdesk.errors import InvalidRequest
from factdesk.render import dialogs
from factdesk.services import articles


def handle_add_claim(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    article_id = payloads.button_id(action)
    with deps.session(context) as session:
        article = articles.get(session=session, article_id=article_id)
        if article is None:
            raise InvalidRequest(detail=f"article {article_id}")
        view = dialogs.add_claim_modal(article)
    ack()
    # The trigger expires three seconds after the click, so the dialog opens right away.
    client.views_open(trigger_id=body["trigger_id"], view=view)
