"""What every stand-in server shares: `with Server() as server` starts it, then stops it."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Served:
    """A server on loopback that runs between `start()` and `stop()`, or for a `with`."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
