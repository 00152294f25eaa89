"""Decoding and the models on their own CPUs (pipeline.media.cpus), on real clips."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pipeline.config import PipelineConfig
from pipeline.media import cpus, decode
from pipeline.people.record import record
from tests.conftest import shared_path

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs thread affinity and at least 2 CPUs",
)


def _allowed_cpus(native_id: int) -> frozenset[int]:
    """The CPUs one thread of this process may run on, as the kernel reports them."""
    for line in Path(f"/proc/self/task/{native_id}/status").read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            out: set[int] = set()
            for part in line.split(":", 1)[1].strip().split(","):
                first, _, last = part.partition("-")
                out.update(range(int(first), int(last or first) + 1))
            return frozenset(out)
    raise AssertionError("no Cpus_allowed_list")


def test_split_halves_the_cpus_without_overlap() -> None:
    allowed = frozenset(os.sched_getaffinity(0))
    split = cpus.split()
    assert split is not None
    assert split.models and split.decode and not split.models & split.decode
    assert split.models | split.decode == allowed
    assert len(split.decode) >= len(split.models)


def test_pinned_sets_and_restores_the_calling_thread() -> None:
    before = frozenset(os.sched_getaffinity(0))
    one = frozenset({max(before)})
    with cpus.pinned(one):
        assert frozenset(os.sched_getaffinity(0)) == one
        assert _allowed_cpus(threading.get_native_id()) == one
    assert frozenset(os.sched_getaffinity(0)) == before
    with cpus.pinned(None):  # nothing to pin: unchanged
        assert frozenset(os.sched_getaffinity(0)) == before


def test_the_decode_thread_runs_on_the_cpus_it_is_given() -> None:
    video = shared_path("videos/hd_s18_lens_gaze.mp4")
    mine = frozenset(os.sched_getaffinity(0))
    target = frozenset({max(mine)})
    frames = decode.iter_frames(video, 5.0, cpus=target)
    seen: frozenset[int] | None = None
    for _ in frames:
        worker = next(t for t in threading.enumerate() if t.name == "cuewatch-decode")
        assert worker.native_id is not None
        seen = _allowed_cpus(worker.native_id)
        break
    frames.close()
    assert seen == target
    assert frozenset(os.sched_getaffinity(0)) == mine  # the consumer is left alone


def test_record_leaves_the_calling_thread_where_it_was() -> None:
    before = frozenset(os.sched_getaffinity(0))
    rec = record(shared_path("videos/talk_glasses.mp4"), PipelineConfig())
    assert rec.people[0].series.face_present.mean() > 0.9  # it did record
    assert frozenset(os.sched_getaffinity(0)) == before


def test_a_refused_placement_leaves_the_work_where_it_is() -> None:
    before = frozenset(os.sched_getaffinity(0))
    nowhere = frozenset({max(before) + 4096})  # no such CPU: the kernel refuses
    assert cpus.pin_current_thread(nowhere) is False
    with cpus.pinned(nowhere):
        assert frozenset(os.sched_getaffinity(0)) == before
    assert frozenset(os.sched_getaffinity(0)) == before
