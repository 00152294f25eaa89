"""Where a recording's two halves of work run: decoding on some CPUs, the models on others.

Left to the scheduler, FFmpeg's decoding threads and MediaPipe's graph threads share every
CPU and keep interrupting each other: on a 2-core machine a 3-minute recording takes 5.9 s
to record that way, 4.3 s with the decoder on one core and the models on the other (and a
tenth less CPU time, from fewer migrations and colder caches). Affinity is per thread on
Linux, and threads inherit it when they start, so each side sets it on its own thread
before it starts its helpers (FFmpeg sizes its thread pool to the CPUs it may use).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

Cpus = frozenset[int]


@dataclass(frozen=True)
class Split:
    """CPUs for the thread that runs the models and for the decoding thread."""

    models: Cpus
    decode: Cpus


def split() -> Split | None:
    """Halves of the calling thread's CPUs (the models get the first half, the decoder the
    rest and any odd one: it parallelises, the face mesh does not), or None where there is
    nothing to split (one CPU, or a system without thread affinity)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    half = len(allowed) // 2
    return Split(frozenset(allowed[:half]), frozenset(allowed[half:]))


def pin_current_thread(cpus: Cpus | None) -> bool:
    """Keeps the calling thread (and the threads it starts from now on) on these CPUs;
    False where that is refused (a sandbox, CPUs taken away meanwhile): it is only a speed
    matter, so the work goes on where it is."""
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return False
    try:
        os.sched_setaffinity(0, cpus)
    except OSError:
        return False
    return True


@contextmanager
def pinned(cpus: Cpus | None) -> Iterator[None]:
    """The calling thread on these CPUs for the block, then back where it was allowed."""
    if not cpus or not hasattr(os, "sched_getaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    moved = pin_current_thread(cpus)
    try:
        yield
    finally:
        if moved:
            pin_current_thread(frozenset(before))
