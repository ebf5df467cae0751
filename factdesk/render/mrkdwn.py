"""Slack's mrkdwn written safely: outside text escaped, links built in one place.

Slack reads `&`, `<` and `>` as control characters in a message's `text` and in every
mrkdwn field, whatever the block: `<!channel>` pings a channel, `<@U…>` a person, and
`<url|label>` is a link whose label can hide where it goes. So every piece of text that
comes from outside Factdesk (article titles, claims, speakers, site names, notes, what
people type) goes through `escape` or `excerpt`, and every link the bot makes goes through
`link`. Slack's rule, and its three entities:
https://docs.slack.dev/messaging/formatting-message-text#escaping

`plain_text` objects (button labels, headers, modal titles) are shown as they are and are
not escaped.
"""

from __future__ import annotations

import re

# Slack decodes these three entities and no others.
_ENTITY = re.compile(r"&(amp|lt|gt);")
_DECODED = {"amp": "&", "lt": "<", "gt": ">"}
# In a link target, `|` would end the address and start the label, and whitespace would
# end the link; both are written as the percent-escapes a browser sends anyway.
_TARGET_ESCAPES = {"|": "%7C", " ": "%20", "\t": "%09", "\n": "%0A", "\r": "%0D"}
# A "|" inside a label is where readers of Slack's syntax disagree about where the label
# starts; a look-alike keeps the reading and removes the doubt.
LABEL_BAR = "¦"


def escape(text: str) -> str:
    """`text` as Slack must receive it to show it literally: `&`, `<`, `>` as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """The text a reader sees for mrkdwn without markup: Slack's three entities decoded.

    One pass, so `&amp;lt;` (someone typing `&lt;`) stays `&lt;`; other HTML entities are
    left alone because Slack shows them as typed.
    """
    return _ENTITY.sub(lambda match: _DECODED[match.group(1)], text)


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis, so Slack never rejects the block."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def excerpt(text: str, limit: int) -> str:
    """Outside text on one line, clipped to `limit` characters, then escaped."""
    return escape(clip(" ".join(text.split()), limit))


def link(url: str, label: str | None = None) -> str:
    """`<url|label>`, or `<url>` without a label: the only way Factdesk writes a link.

    `url` is escaped as Slack asks (an `&` in its query becomes `&amp;`) and cannot end
    early; `label` is plain text, put on one line and escaped, so neither can carry a
    mention or a second link.
    """
    target = escape("".join(_TARGET_ESCAPES.get(char, char) for char in url))
    if label is None:
        return f"<{target}>"
    shown = escape(" ".join(label.split())).replace("|", LABEL_BAR)
    return f"<{target}|{shown or target}>"


def clip_mrkdwn(text: str, limit: int) -> str:
    """`clip` for text already in mrkdwn: the cut never ends inside an entity or a link,
    where a dangling `&` or `<` would garble the rest or open markup of its own."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    ampersand = cut.rfind("&")
    if ampersand != -1 and ";" not in cut[ampersand:]:
        cut = cut[:ampersand]
    return cut.rstrip() + "…"
