"""`cuewatch analyze` as a child process: wall time, CPU time and peak RSS of that child, and
its RSS over the run (is memory flat while frames stream, where does the peak come?)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from memory import RssSampler

CUEWATCH = Path(sys.executable).with_name("cuewatch")


@dataclass(frozen=True)
class ChildRun:
    """One finished child: its exit status, seconds, peak resident memory and frames."""

    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    rss_mb_by_tenth: list[float]
    frames_analysed: int
    stderr_tail: str


def analyze(video: Path, extra_args: tuple[str, ...] = ()) -> ChildRun:
    """Runs `cuewatch analyze VIDEO --out TMP` with default settings and measures it.

    `wait4` gives the rusage of exactly this child (not the maximum over every child this
    process ever waited for, as `RUSAGE_CHILDREN` would).
    """
    with (
        tempfile.TemporaryDirectory(prefix="cuewatch-bench-") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        command = [str(CUEWATCH), "analyze", str(video), "--out", out, *extra_args]
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        sampler = RssSampler(proc.pid, interval_s=0.1)  # runs of a few seconds: fine steps
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall_s = time.perf_counter() - started
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return ChildRun(
            returncode=proc.returncode,
            wall_s=wall_s,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            rss_mb_by_tenth=sampler.by_tenth(),
            frames_analysed=_frames_analysed(Path(out) / "result.json"),
            stderr_tail=err.read()[-2000:],
        )


def _frames_analysed(result_json: Path) -> int:
    if not result_json.exists():
        return 0
    media = json.loads(result_json.read_text()).get("media", {})
    return int(media.get("frames_analysed") or 0)
