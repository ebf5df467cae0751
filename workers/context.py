"""What a task needs from its process: settings, database, Slack client, spaCy pipeline.

Built once per worker process and passed to the task bodies, so unit tests can hand
them a context of their own instead of patching globals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from factdesk.db import session_scope
from factdesk.settings import Settings
from factdesk.slack import web_client

if TYPE_CHECKING:
    from spacy.language import Language


@cache
def pipeline(model: str) -> Language:
    """The claim-finding pipeline, rules and trained classifier, loaded once per
    process: loading takes seconds."""
    from workers.nlp.classifier import claim_pipeline  # spaCy is heavy; import it only here

    return claim_pipeline(model)


@dataclass
class WorkerContext:
    settings: Settings
    slack: WebClient = field(init=False)

    def __post_init__(self) -> None:
        self.slack = web_client(self.settings)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.settings.resolved_database_url) as session:
            yield session

    @property
    def nlp(self) -> Language:
        return pipeline(self.settings.spacy_model)
