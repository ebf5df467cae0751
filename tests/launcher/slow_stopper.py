"""A child for tests/launcher/test_procs.py shaped like Celery's worker: a main process
whose helper, in the same process group, is busy with a job, and which on SIGTERM lets the
job finish before it exits (a warm shutdown)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

JOB = "import sys, time; time.sleep(1); open(sys.argv[1], 'w').write('finished')"


def main(done: Path, ready: Path) -> int:
    job = subprocess.Popen([sys.executable, "-c", JOB, str(done)])

    def finish_the_job(signum: int, frame: FrameType | None) -> None:
        sys.exit(job.wait())

    signal.signal(signal.SIGTERM, finish_the_job)
    ready.write_text("ready")
    return job.wait()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
