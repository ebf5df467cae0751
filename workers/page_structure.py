"""Page elements that are never the article's own statements, taken out of the HTML
before the text is extracted.

The text extractors keep some of them (an embedded tweet reads like a paragraph;
readability keeps figure captions; a pull quote repeats the body), and once they are
plain text nothing tells a caption from a sentence. The page's markup does: these are
removed by what they are, not by what they say.

- embedded posts from social networks: the blockquotes and containers their embed
  codes use (``twitter-tweet``, ``instagram-media``, ``tiktok-embed``, ...);
- figure captions and photo credits: ``figcaption``, and elements whose class names a
  caption or a credit;
- pull quotes: elements whose class names one (they repeat the body's words).
"""

from __future__ import annotations

import re
from typing import Any

# Class names of social embeds, captions, credits and pull quotes, as the widespread
# embed codes and CMS themes write them.
_FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:twitter-tweet|twitter-video|instagram-media|tiktok-embed|fb-post|"
    r"fb-video|reddit-embed-bq|bluesky-embed|threads-post|mastodon-embed|"
    r"wp-caption-text|caption|image-caption|photo-caption|media-caption|figure-caption|"
    r"credit|image-credit|photo-credit|pull-?quote|pullquote)(?:$|[\s_-])",
    re.IGNORECASE,
)
_FURNITURE_TAGS = ("figcaption",)
# Only these are taken out by class: a <body class="has-caption"> or an <article> whose
# theme class mentions "credit" holds the text itself.
_CLASSED_TAGS = frozenset({"blockquote", "div", "p", "span", "aside", "figure", "small", "cite"})
# Captions, credits, posts and pull quotes are short; a container of more words than
# this whose class happens to say "caption" ("article-body has-caption") is the text.
_MAX_FURNITURE_WORDS = 80


def strip_furniture(tree: Any) -> int:
    """Remove embeds, captions, credits and pull quotes from an lxml tree, in place
    (their tails, the text after them, stay); the number removed."""
    doomed = [element for element in tree.iter(_FURNITURE_TAGS)]
    for element in tree.iter(*_CLASSED_TAGS):
        classes = element.get("class") or ""
        if (
            classes
            and _FURNITURE_CLASS.search(classes)
            and len(element.text_content().split()) <= _MAX_FURNITURE_WORDS
        ):
            doomed.append(element)
    removed = 0
    for element in doomed:
        parent = element.getparent()
        if parent is None or not _attached(element, tree):
            continue  # inside an element removed already
        _remove_keeping_tail(element)
        removed += 1
    return removed


def _attached(element: Any, tree: Any) -> bool:
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    node = element
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def _remove_keeping_tail(element: Any) -> None:
    parent = element.getparent()
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
