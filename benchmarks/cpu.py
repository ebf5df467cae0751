"""Where the machine's CPU went during a run, by part of the system.

The 2-worker figure depends on what the two workers share their cores with, so the bench
reports, for each throughput run, the core-seconds each part used per article: the
workers, the bot, the bench process (which also serves the Slack stand-in), the article
server, PostgreSQL and Redis, and the machine as a whole from ``/proc/stat``.

Read from ``/proc`` at the start and the end of a run only: nothing samples in between,
so the meter costs the run nothing. A process that ends within the run takes its time
with it (PostgreSQL backends the pools keep open do not).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
OTHER = "other"
# Processes outside our process groups, told apart by their command name.
_BY_NAME = {"postgres": "PostgreSQL", "redis-server": "Redis"}


@dataclass(frozen=True)
class CpuSnapshot:
    at_ticks: int  # the machine's busy ticks, every core together
    total_ticks: int  # busy plus idle
    by_process: dict[int, tuple[int, int, str]]  # pid -> (start time, cpu ticks, part)


@dataclass(frozen=True)
class CpuUse:
    """Core-seconds used between two snapshots, by part, and the machine's busy share."""

    seconds: dict[str, float]
    machine_busy: float  # 0..1 of every core
    machine_seconds: float

    def per(self, count: int) -> dict[str, float]:
        return {part: used / count for part, used in self.seconds.items()} if count else {}


def snapshot(groups: Mapping[int, str], own: Mapping[int, str]) -> CpuSnapshot:
    """CPU ticks so far of every process, each put in a part.

    ``groups`` names process groups (a worker and its pool, the bot); ``own`` names single
    processes (the bench itself). Everything else is PostgreSQL, Redis or "other".
    """
    busy, total = _machine_ticks()
    found: dict[int, tuple[int, int, str]] = {}
    for pid, name, fields in processes():
        # Fields after the name, from 0: 2 pgrp, 11 utime, 12 stime, 19 starttime.
        part = own.get(pid) or groups.get(int(fields[2])) or _BY_NAME.get(name, OTHER)
        found[pid] = (int(fields[19]), int(fields[11]) + int(fields[12]), part)
    return CpuSnapshot(busy, total, found)


def processes() -> Iterator[tuple[int, str, list[str]]]:
    """Each live process: pid, command name, and the fields of /proc/<pid>/stat after it."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # it ended between listing and reading
        # The command name may hold spaces and parentheses; fields resume after the last ')'.
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        yield int(entry.name), name, stat[stat.rindex(")") + 2 :].split()


def used(before: CpuSnapshot, after: CpuSnapshot) -> CpuUse:
    """What each part used between ``before`` and ``after``."""
    seconds: dict[str, float] = {}
    for pid, (started, ticks, part) in after.by_process.items():
        earlier = before.by_process.get(pid)
        # A pid seen before with another start time is a new process that reused it.
        base = earlier[1] if earlier is not None and earlier[0] == started else 0
        seconds[part] = seconds.get(part, 0.0) + (ticks - base) / _TICKS
    total = after.total_ticks - before.total_ticks
    busy = after.at_ticks - before.at_ticks
    return CpuUse(
        dict(seconds), machine_busy=busy / total if total else 0.0, machine_seconds=busy / _TICKS
    )


def _machine_ticks() -> tuple[int, int]:
    """Busy and all ticks of every core together, from /proc/stat's first line."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already in user).
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total
