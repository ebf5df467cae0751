"""Log configuration shared by the bot, the workers and the CLI."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Slack tokens and request signatures, whoever logs them (our code, Bolt, slack_sdk, Celery).
SECRET_PATTERNS = re.compile(
    r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+|\bv0=[0-9a-f]{64}\b|(?i:bearer\s+)[A-Za-z0-9._-]{8,}"
)
REDACTED = "[redacted]"
_secrets: set[str] = set()


def configure(level: str, *, secrets: Iterable[str] = (), fmt: str = "text") -> None:
    """One line per record, on stderr, at `level`; tokens and `secrets` never printed.

    `fmt` "json" writes each record as one JSON object (see JsonFormatter) for log
    collectors; "text" is for people.
    """
    # The process's own stderr: in a Celery pool child sys.stderr is Celery's proxy back
    # into logging, and a root handler writing to it drops every record as a loop.
    stream = sys.__stderr__ if "celery" in type(sys.stderr).__module__ else sys.stderr
    logging.basicConfig(level=level.upper(), format=FORMAT, force=True, stream=stream)
    if fmt == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
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


# What a record is about, when known: the Slack event, the Celery task, the workspace.
# Set by the bot's middleware and the workers' task signals, read by JsonFormatter.
CONTEXT_FIELDS = ("event_id", "task_id", "task_name", "team_id")
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "factdesk_log_context", default=MappingProxyType({})
)


def bind(**fields: str | None) -> contextvars.Token[Mapping[str, str]]:
    """Add `fields` to every record logged in this context until `unbind`."""
    return _bind(dict(_context.get()), fields)


def rebind(**fields: str | None) -> contextvars.Token[Mapping[str, str]]:
    """`bind` only `fields`, dropping what was bound before (a new request on a reused
    thread)."""
    return _bind({}, fields)


def _bind(
    merged: dict[str, str], fields: dict[str, str | None]
) -> contextvars.Token[Mapping[str, str]]:
    merged.update({name: str(value) for name, value in fields.items() if value})
    return _context.set(MappingProxyType(merged))


def unbind(token: contextvars.Token[Mapping[str, str]]) -> None:
    """Undo the matching `bind`."""
    _context.reset(token)


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """`bind` for the length of a block."""
    token = bind(**fields)
    try:
        yield
    finally:
        unbind(token)


def current(name: str) -> str | None:
    """A bound field's value in this context, if any."""
    return _context.get().get(name)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the bound
    context fields, and the exception when there is one; secrets scrubbed throughout."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_context.get())
        if record.exc_info:
            entry["exc_info"] = scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc_info"] = scrub(record.exc_text)
        if record.stack_info:
            entry["stack_info"] = scrub(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
