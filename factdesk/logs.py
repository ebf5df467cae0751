"""Log configuration shared by the bot, the workers and the CLI."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(level: str) -> None:
    """One line per record, on stderr, at `level`."""
    logging.basicConfig(level=level.upper(), format=FORMAT, force=True)
    # Their per-request lines would drown ours at INFO.
    for noisy in ("httpx", "httpcore", "slack_sdk", "trafilatura", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
