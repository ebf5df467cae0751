"""`/factcheck` subcommands: reading the command's text, and the answers that need only the DB."""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot import deps, payloads
from factdesk.errors import (
    InvalidLink,
    MoreThanOneChannel,
    NothingToSearch,
    OnlyAgainAfterLink,
    PartialLink,
    StatusWithoutLink,
    TakesNoArgument,
    UnknownChannel,
    UnknownExport,
    UnknownWeek,
)
from factdesk.links import find_links, parse_link
from factdesk.render import desk as render_desk
from factdesk.services import desk
from factdesk.slack import workspace_url

log = logging.getLogger(__name__)


class Word(enum.StrEnum):
    LINK = "link"
    HELP = "help"
    MINE = "mine"
    OPEN = "open"
    STATUS = "status"
    SETTINGS = "settings"
    DIGEST = "digest"
    EXPORT = "export"
    SEARCH = "search"
    UNKNOWN = "unknown"


KNOWN = frozenset(
    {
        Word.HELP,
        Word.MINE,
        Word.OPEN,
        Word.STATUS,
        Word.SETTINGS,
        Word.DIGEST,
        Word.EXPORT,
        Word.SEARCH,
    }
)
THIS_WEEK = "this-week"
LAST_WEEK = "last-week"
WEEKS = (THIS_WEEK, LAST_WEEK)
SCOPES = ("week", "month", "all")
FORMATS = ("csv", "claimreview")
AGAIN = "again"

# Slack escapes a picked channel as <#C123|name> (or <#C123> when it has no name to add).
_CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,}$")
# Looks like someone meant a link: a scheme, a www., or a dotted host with a path.
_LINKISH = re.compile(r"^<?(https?:|www\.|[\w-]+(\.[\w-]+)+(/|$))", re.IGNORECASE)


@dataclass(frozen=True)
class Request:
    """What a `/factcheck` command asks for."""

    word: Word
    text: str = ""
    url: str | None = None
    again: bool = False
    channel_id: str | None = None
    week: str = THIS_WEEK
    scope: str = SCOPES[0]
    fmt: str = FORMATS[0]
    words: str = ""


def parse(text: str) -> Request:
    """Read the command's text; BadArgument or InvalidLink when an argument is wrong."""
    tokens = text.split()
    if not tokens:
        return Request(Word.HELP)
    first, rest = tokens[0], tokens[1:]
    if find_links(first):
        return _link(first, rest)
    word = first.lower()
    if word in KNOWN:
        return _known(Word(word), rest)
    if _LINKISH.match(first):
        raise PartialLink(first)
    return Request(Word.UNKNOWN, text=first)


def _link(first: str, rest: list[str]) -> Request:
    url = parse_link(first)
    extra = [token.lower() for token in rest]
    if extra and extra != [AGAIN]:
        raise OnlyAgainAfterLink(url, detail=" ".join(rest)[:200])
    return Request(Word.LINK, url=url, again=bool(extra))


def _known(word: Word, rest: list[str]) -> Request:
    if word is Word.SEARCH:
        if not rest:
            raise NothingToSearch
        return Request(word, words=" ".join(rest)[:500])
    if word is Word.DIGEST:
        return _digest(rest)
    if word is Word.EXPORT:
        return _export(rest)
    if word is Word.OPEN:
        if len(rest) > 1:
            raise MoreThanOneChannel
        return Request(word, channel_id=channel_argument(rest[0]) if rest else None)
    if word is Word.STATUS:
        if not rest:
            raise StatusWithoutLink
        if not find_links(rest[0]):
            raise InvalidLink(detail=rest[0][:200])
        return Request(word, url=parse_link(rest[0]))
    if rest:
        raise TakesNoArgument(word.value, detail=" ".join(rest)[:200])
    return Request(word)


def _digest(rest: list[str]) -> Request:
    words = [token.lower() for token in rest]
    if not words:
        return Request(Word.DIGEST)
    if len(words) == 1 and words[0] in WEEKS:
        return Request(Word.DIGEST, week=words[0])
    raise UnknownWeek(detail=" ".join(rest)[:200])


def _export(rest: list[str]) -> Request:
    scope, fmt = None, None
    for token in (token.lower() for token in rest):
        if token in SCOPES and scope is None:
            scope = token
        elif token in FORMATS and fmt is None:
            fmt = token
        else:
            raise UnknownExport(detail=" ".join(rest)[:200])
    return Request(Word.EXPORT, scope=scope or SCOPES[0], fmt=fmt or FORMATS[0])


def channel_argument(token: str) -> str:
    """The channel id in `open`'s argument, as Slack sends a picked channel."""
    match = _CHANNEL_MENTION.match(token)
    if match:
        return match.group(1)
    if _CHANNEL_ID.match(token):
        return token
    raise UnknownChannel(token)


def answer(
    request: Request, command: dict[str, Any], context: BoltContext, client: WebClient
) -> str:
    """The ephemeral answer to `mine`, `open` and `status`, straight from the database."""
    team_id = payloads.team_id(context, command)
    link_base = workspace_url(client)
    with deps.session(context) as session:
        if request.word is Word.MINE:
            mine = desk.my_open_tasks(session=session, team_id=team_id, user_id=command["user_id"])
            return render_desk.my_tasks(mine, link_base)
        if request.word is Word.OPEN:
            channel_id = request.channel_id or command["channel_id"]
            waiting = desk.unclaimed_tasks(
                session=session, team_id=team_id, channel_ids=[channel_id]
            )
            return render_desk.open_tasks(channel_id, waiting, link_base)
        if request.word is Word.STATUS:
            assert request.url is not None
            checks = desk.checks_of(
                session=session,
                team_id=team_id,
                url=request.url,
                channel_id=command["channel_id"],
            )
            return render_desk.link_status(request.url, checks, link_base)
    raise ValueError(f"{request.word} has no database answer")
