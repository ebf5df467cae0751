import os
import time

from benchmarks import cpu


def _spin(seconds: float) -> None:
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        pass


def test_the_meter_puts_this_process_time_in_its_part() -> None:
    own = {os.getpid(): "the test"}
    before = cpu.snapshot({}, own)
    _spin(0.3)
    use = cpu.used(before, cpu.snapshot({}, own))

    assert 0.2 <= use.seconds["the test"] <= 2.0
    assert use.machine_seconds >= 0.2
    assert 0.0 < use.machine_busy <= 1.0
    assert use.per(3)["the test"] == use.seconds["the test"] / 3


def test_a_reused_pid_counts_from_zero() -> None:
    before = cpu.CpuSnapshot(0, 0, {42: (100, 500, "workers")})
    after = cpu.CpuSnapshot(10, 20, {42: (200, 30, "workers")})

    use = cpu.used(before, after)

    assert use.seconds["workers"] == 30 / os.sysconf("SC_CLK_TCK")
    assert use.machine_busy == 0.5
