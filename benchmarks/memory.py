"""Resident memory from Linux `/proc`: current and peak RSS, a stretch's own peak, and a
sampler that follows another process's RSS over its run."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def status_mb(name: str, pid: int | str = "self") -> float:
    """A `/proc/PID/status` size field (`VmRSS`, `VmHWM`) in MB; NaN once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return float("nan")
    for line in lines:
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> bool:
    """Resets this process's peak RSS (`VmHWM`) to its current RSS; False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class RssSampler:
    """Polls a process's RSS every `interval_s` in a thread, from `start()` to `stop()`."""

    pid: int
    interval_s: float = 0.5
    samples: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        started = time.perf_counter()
        while not self._stop.wait(self.interval_s):
            rss = status_mb("VmRSS", self.pid)
            if not math.isnan(rss):  # the process still runs
                self.samples.append((time.perf_counter() - started, rss))

    def by_tenth(self) -> list[float]:
        """The largest RSS sampled in each tenth of the run, in MB."""
        if not self.samples:
            return []
        end = self.samples[-1][0] or 1.0
        tenths = [0.0] * 10
        for t, rss in self.samples:
            i = min(9, int(10 * t / end))
            tenths[i] = max(tenths[i], rss)
        return [round(v) for v in tenths]
