"""Slack's message formatting as Slack reads it: which parts of a payload are live.

Slack treats `<…>` in a message's `text`, in a file's comment and in every mrkdwn text
object as a control sequence, and `&amp;`, `&lt;`, `&gt;` as the only way to write those
three characters literally
(https://docs.slack.dev/messaging/formatting-message-text#escaping). What sits between
`<` and `>` is, by its first character:

- `!here`, `!channel`, `!everyone`: a special mention that notifies (`broadcast`);
- `!subteam^S…`: a user group mention (`usergroup`); `!date^…`: a date, with an optional
  link as its third `^` part (`date`); any other `!…` a command (`command`);
- `@U…`/`@W…`: a user mention; `#C…`: a channel link;
- anything else: a link to that address, shown as the text after the first `|`.

Block Kit adds live parts by structure rather than by text: rich text `link`, `user`,
`channel`, `usergroup` and `broadcast` elements, and link buttons. `plain_text` objects are
shown as they are, so nothing in them is live.

Slack accepts any of this from an app, so the stand-in accepts it too; tests call
`live_entities` on recorded payloads to see what readers would get.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

Kind = Literal["broadcast", "usergroup", "date", "command", "user", "channel", "link"]

# Between `<` and the next `>`; a `<` before that `>` starts over, as it does in Slack.
_SEQUENCE = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_DECODED = {"amp": "&", "lt": "<", "gt": ">"}
_BROADCASTS = frozenset({"here", "channel", "everyone"})
# A message's own strings that Slack parses: its text, and a shared file's comment.
_TEXT_KEYS = ("text", "initial_comment")
_ATTACHMENT_TEXT_KEYS = ("text", "pretext", "fallback", "title", "footer", "author_name")
_ATTACHMENT_LINK_KEYS = ("title_link", "author_link", "from_url", "original_url")


@dataclass(frozen=True)
class Entity:
    """One live part of a message: a mention, a date or a link."""

    kind: Kind
    # The broadcast's name (`channel`), the user, channel or group id, or the address.
    target: str
    label: str | None = None
    raw: str = ""  # as sent, between `<` and `>`
    where: str = ""  # where in the payload it was found


@dataclass(frozen=True)
class Field:
    """A string in a payload that Slack reads as mrkdwn, and where it is."""

    where: str
    text: str


def unescape(text: str) -> str:
    """Text as Slack shows it: its three entities decoded, in one pass."""
    return _ENTITY.sub(lambda match: _DECODED[match.group(1)], text)


def parse(text: str) -> list[Entity]:
    """Every live entity in one mrkdwn string, in order."""
    return [entity for match in _SEQUENCE.finditer(text) if (entity := _entity(match.group(1)))]


def _entity(inner: str) -> Entity | None:
    if not inner:
        return None
    body, bar, rest = inner.partition("|")
    label = unescape(rest) if bar else None
    if body.startswith("!"):
        name, _, arguments = body[1:].partition("^")
        if name in _BROADCASTS:
            return Entity("broadcast", name, label, inner)
        if name == "subteam":
            return Entity("usergroup", arguments, label, inner)
        if name == "date":
            # <!date^timestamp^format^optional_link|fallback>
            parts = arguments.split("^")
            target = unescape(parts[2]) if len(parts) > 2 else ""
            return Entity("date", target, label, inner)
        return Entity("command", unescape(body[1:]), label, inner)
    if body.startswith("@"):
        return Entity("user", body[1:], label, inner)
    if body.startswith("#"):
        return Entity("channel", body[1:], label, inner)
    return Entity("link", unescape(body), label, inner)


def stray_ampersands(text: str) -> int:
    """How many `&` in a mrkdwn string start none of Slack's three entities."""
    return sum(1 for at in _ampersands(text) if not _ENTITY.match(text, at))


def _ampersands(text: str) -> Iterator[int]:
    at = text.find("&")
    while at != -1:
        yield at
        at = text.find("&", at + 1)


def mrkdwn_fields(payload: Mapping[str, Any]) -> list[Field]:
    """Every string of a message, view or file share that Slack parses for entities.

    `payload` is what was sent: chat.postMessage's or chat.update's arguments, a
    response_url body, a view, files.completeUploadExternal's arguments.
    """
    found: list[Field] = []
    for key in _TEXT_KEYS:
        value = payload.get(key)
        if isinstance(value, str):
            found.append(Field(key, value))
    for key in ("blocks", "view"):
        if key in payload:
            found += [Field(where, text) for where, text in _text_objects(payload[key], key)]
    for number, attachment in enumerate(_dicts(payload.get("attachments"))):
        where = f"attachments[{number}]"
        for key in _ATTACHMENT_TEXT_KEYS:
            if isinstance(attachment.get(key), str):
                found.append(Field(f"{where}.{key}", attachment[key]))
        for index, item in enumerate(_dicts(attachment.get("fields"))):
            for key in ("title", "value"):
                if isinstance(item.get(key), str):
                    found.append(Field(f"{where}.fields[{index}].{key}", item[key]))
        if "blocks" in attachment:
            found += [
                Field(path, text) for path, text in _text_objects(attachment["blocks"], where)
            ]
    return found


def plain_texts(payload: Mapping[str, Any]) -> list[Field]:
    """Every `plain_text` object's text in a payload's blocks or view: shown as written."""
    return [
        Field(f"{path}.text", item["text"])
        for key in ("blocks", "view")
        if key in payload
        for path, item in _walk(payload[key], key)
        if item.get("type") == "plain_text" and isinstance(item.get("text"), str)
    ]


def live_entities(payload: Mapping[str, Any]) -> list[Entity]:
    """Every live mention, date and link a payload shows, from its text and its structure."""
    found = [
        replace(entity, where=field.where)
        for field in mrkdwn_fields(payload)
        for entity in parse(field.text)
    ]
    for key in ("blocks", "view"):
        if key in payload:
            found += list(_structural(payload[key], key))
    for number, attachment in enumerate(_dicts(payload.get("attachments"))):
        where = f"attachments[{number}]"
        for key in _ATTACHMENT_LINK_KEYS:
            if isinstance(attachment.get(key), str):
                found.append(Entity("link", attachment[key], where=f"{where}.{key}"))
        if "blocks" in attachment:
            found += list(_structural(attachment["blocks"], f"{where}.blocks"))
    return found


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _walk(value: Any, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every object inside `value`, depth first, with its path."""
    if isinstance(value, Mapping):
        yield where, value
        for key, item in value.items():
            yield from _walk(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}[{index}]")


def _text_objects(value: Any, where: str) -> Iterator[tuple[str, str]]:
    for path, item in _walk(value, where):
        if item.get("type") == "mrkdwn" and isinstance(item.get("text"), str):
            yield f"{path}.text", item["text"]


def _structural(value: Any, where: str) -> Iterator[Entity]:
    """The live parts Block Kit makes from structure: rich text elements, link buttons."""
    for path, item in _walk(value, where):
        kind = item.get("type")
        if kind == "link" and isinstance(item.get("url"), str):
            yield Entity("link", item["url"], item.get("text"), where=path)
        elif kind == "user" and "user_id" in item:
            yield Entity("user", str(item["user_id"]), where=path)
        elif kind == "channel" and "channel_id" in item:
            yield Entity("channel", str(item["channel_id"]), where=path)
        elif kind == "usergroup" and "usergroup_id" in item:
            yield Entity("usergroup", str(item["usergroup_id"]), where=path)
        elif kind == "broadcast" and "range" in item:
            yield Entity("broadcast", str(item["range"]), where=path)
        elif kind == "button" and isinstance(item.get("url"), str):
            yield Entity("link", item["url"], where=path)
