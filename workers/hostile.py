"""Recognising pages that are not articles for a reason worth telling the person."""

from __future__ import annotations

import re

_SCRIPT = re.compile(rb"<script\b", re.I)
_NOSCRIPT_JS = re.compile(rb"<noscript\b[^>]*>[^<]{0,300}javascript", re.I)
_APP_ROOT = re.compile(rb"<(?:div|main)\b[^>]*\bid=[\"']?(?:root|app|__next|__nuxt)\b", re.I)


def javascript_shell(body: bytes) -> bool:
    """A page whose text would come from scripts: an app root or a noscript warning, and
    scripts, with little markup besides."""
    head = body[:200_000]
    return bool(_SCRIPT.search(head)) and bool(_NOSCRIPT_JS.search(head) or _APP_ROOT.search(head))
