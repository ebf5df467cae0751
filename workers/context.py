"""What a task needs from its process: settings, database, Slack client, spaCy pipeline.

Built once per worker process and passed to the task bodies, so unit tests can hand
them a context of their own instead of patching globals.

With one workspace (SLACK_BOT_TOKEN) `ctx.slack` is its client. With multi-workspace
installs each task body runs `acting_for` the team it works for (`for_team`,
`for_article`), and `ctx.slack` is that team's client, with the bot token of its
installation; a team that uninstalled the app gets nothing posted.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import InitVar, dataclass, field
from functools import cache, wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from celery import Celery
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.db import session_scope
from factdesk.errors import NotInstalled
from factdesk.logs import bound
from factdesk.queue import TaskQueue, create_celery
from factdesk.settings import Settings
from factdesk.slack import web_client

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
S = TypeVar("S")

# The Slack client of the team the running task works for (multi-workspace installs).
_team_client: contextvars.ContextVar[WebClient | None] = contextvars.ContextVar(
    "factdesk_team_client", default=None
)


@cache
def pipeline(model: str) -> Language:
    """The claim-finding pipeline, rules and trained classifier, loaded once per
    process: loading takes seconds."""
    from workers.nlp.finder import claim_pipeline  # spaCy is heavy; import it only here

    return claim_pipeline(model)


@dataclass
class WorkerContext:
    settings: Settings
    # The worker's own Celery app sends its tasks; without one (a test's context), an app
    # on the settings' Redis does.
    celery: InitVar[Celery | None] = None
    queue: TaskQueue = field(init=False, repr=False)
    _default_slack: WebClient = field(init=False, repr=False)
    _team_clients: dict[str, WebClient] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self, celery: Celery | None) -> None:
        self.queue = TaskQueue(celery or create_celery(self.settings))
        self._default_slack = web_client(self.settings, component="worker")

    @property
    def slack(self) -> WebClient:
        """The client of the team in scope (`acting_for`), else the single workspace's."""
        return _team_client.get() or self._default_slack

    @property
    def multi_workspace(self) -> bool:
        return self.settings.oauth_enabled

    def slack_for(self, team_id: str) -> WebClient:
        """`team_id`'s client: its installation's bot token, or the one workspace's client.

        Raises NotInstalled when the app has no installation in that team (any more).
        """
        if not self.multi_workspace:
            return self._default_slack
        from factdesk.services import installations

        token = installations.bot_token(self.settings, team_id=team_id)
        if token is None:
            raise NotInstalled(detail=f"no installation for team {team_id}")
        client = self._team_clients.get(team_id)
        if client is None or client.token != token:
            # One client per team, so its connection and workspace URL cache are reused;
            # a reinstall's new token replaces it.
            client = self._team_clients[team_id] = web_client(
                self.settings, token=token, component="worker"
            )
        return client

    @contextmanager
    def acting_for(self, team_id: str | None) -> Iterator[WebClient]:
        """Within the block, `ctx.slack` is `team_id`'s client and logs carry the team."""
        if team_id:
            client = self.slack_for(team_id)
        elif self.multi_workspace:
            # Every workspace has a token of its own: with no team there is none to use,
            # whatever SLACK_BOT_TOKEN may also hold (another workspace's, say).
            raise NotInstalled(detail="no team to act for")
        else:
            client = self._default_slack
        token = _team_client.set(client)
        try:
            with bound(team_id=team_id):
                yield client
        finally:
            _team_client.reset(token)

    def team_of_article(self, article_id: int) -> str | None:
        """The team an article was shared in, or None if it is gone."""
        from factdesk.models import Article

        # Not self.session(): tests count this context's sessions to crash at each one.
        with session_scope(self.settings.resolved_database_url) as session:
            return session.scalar(select(Article.slack_team_id).where(Article.id == article_id))

    def team_of_claim(self, claim_id: int) -> str | None:
        """The team of a claim's article, or None if it is gone."""
        from factdesk.models import Article, Claim

        with session_scope(self.settings.resolved_database_url) as session:
            return session.scalar(
                select(Article.slack_team_id)
                .join(Claim, Claim.article_id == Article.id)
                .where(Claim.id == claim_id)
            )

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.settings.resolved_database_url) as session:
            yield session

    @property
    def nlp(self) -> Language:
        return pipeline(self.settings.spacy_model)


def _as_team(
    ctx: WorkerContext, team_id: str | None, name: str, call: Callable[[], R], skipped: S
) -> R | S:
    with ExitStack() as scope:
        try:
            scope.enter_context(ctx.acting_for(team_id))
        except NotInstalled as error:
            # The workspace removed the app: its data stays, nothing more is posted there.
            log.warning("%s skipped: %s", name, error.detail)
            return skipped
        return call()


def _given_team(ctx: WorkerContext, team_id: str) -> str:
    return team_id


def _find_context(args: tuple[object, ...], kwargs: dict[str, object]) -> WorkerContext | None:
    return next(
        (value for value in (*args, *kwargs.values()) if isinstance(value, WorkerContext)), None
    )


def _acting_for_team_of(
    team_of: Callable[[WorkerContext, T], str | None], skipped: S
) -> Callable[[Callable[Concatenate[T, P], R]], Callable[Concatenate[T, P], R | S]]:
    def decorate(body: Callable[Concatenate[T, P], R]) -> Callable[Concatenate[T, P], R | S]:
        @wraps(body)
        def run(key: T, /, *args: P.args, **kwargs: P.kwargs) -> R | S:
            ctx = _find_context(args, kwargs)
            if ctx is None or not ctx.multi_workspace or _team_client.get() is not None:
                # One workspace, or already acting for the team (a body calling another).
                return body(key, *args, **kwargs)
            return _as_team(
                ctx, team_of(ctx, key), body.__name__, lambda: body(key, *args, **kwargs), skipped
            )

        return run

    return decorate


# Task bodies taking an article id, a claim id or a team id first, and the context among
# their other arguments, run acting for that team; for a team that removed the app they
# log and return None (or `skipped`).
for_article = _acting_for_team_of(WorkerContext.team_of_article, None)
for_claim = _acting_for_team_of(WorkerContext.team_of_claim, None)
for_team = _acting_for_team_of(_given_team, None)


def for_team_or(
    skipped: S,
) -> Callable[[Callable[Concatenate[str, P], R]], Callable[Concatenate[str, P], R | S]]:
    """`for_team` for a body that returns `skipped` when the team removed the app."""
    return _acting_for_team_of(_given_team, skipped)
