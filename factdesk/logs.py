"""Log configuration shared by the bot, the workers and the CLI."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Slack tokens and request signatures, whoever logs them (our code, Bolt, slack_sdk, Celery).
SECRET_PATTERNS = re.compile(
    r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+|\bv0=[0-9a-f]{64}\b|(?i:bearer\s+)[A-Za-z0-9._-]{8,}"
)
REDACTED = "[redacted]"
_secrets: set[str] = set()


def configure(level: str, *, secrets: Iterable[str] = ()) -> None:
    """One line per record, on stderr, at `level`; tokens and `secrets` never printed."""
    # The process's own stderr: in a Celery pool child sys.stderr is Celery's proxy back
    # into logging, and a root handler writing to it drops every record as a loop.
    stream = sys.__stderr__ if "celery" in type(sys.stderr).__module__ else sys.stderr
    logging.basicConfig(level=level.upper(), format=FORMAT, force=True, stream=stream)
    redact(secrets)
    # Their per-request lines would drown ours at INFO.
    for noisy in ("httpx", "httpcore", "slack_sdk", "trafilatura", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def redact(secrets: Iterable[str] = ()) -> None:
    """Make every log record in this process blank out Slack tokens, signatures and `secrets`.

    Done where records are made, not in one handler, so every handler (files, stderr,
    a test's capture) gets the redacted text.
    """
    _secrets.update(value for value in secrets if value and len(value) >= 6)
    if not isinstance(logging.getLogRecordFactory(), _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(logging.getLogRecordFactory()))


def scrub(text: str) -> str:
    """`text` with every known secret and token-shaped string replaced."""
    for value in _secrets:
        text = text.replace(value, REDACTED)
    return SECRET_PATTERNS.sub(REDACTED, text)


class _RedactingRecord(logging.LogRecord):
    def getMessage(self) -> str:
        return scrub(super().getMessage())


class _RedactingFactory:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        record.__class__ = _RedactingRecord
        return record
